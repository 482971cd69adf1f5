"""Model of one EVP/1 counter evaluator (device side of the datasheet).

Pure state machine: every method takes `now` (seconds, monotonic) so tests can
drive time. "Flash" (event counter + un-acked queue) lives in EvpFlash and
survives power_cycle(); RAM (state, text, last request/answer) does not.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .. import evp
from ..evp import Frame

QUEUE_CAPACITY = 64
THANKS_S = 3.0


@dataclass
class StoredEvent:
    event_id: int
    type: int
    key: int
    at: float  # device-local monotonic time of the event


@dataclass
class EvpFlash:
    next_event_id: int = 1
    queue: deque[StoredEvent] = field(default_factory=deque)
    dropped: int = 0


class EvpDevice:
    def __init__(self, address: int, *, keys: int = 5, serial: str | None = None,
                 firmware: str = "SIM-1.0", features: int = 0x0F,
                 flash: EvpFlash | None = None, first_event_id: int = 1) -> None:
        if keys not in (3, 5):
            raise ValueError("keys must be 3 or 5")
        self.address = address
        self.keys = keys
        self.serial = serial or f"EVPSIM-{address:09d}"
        self.firmware = firmware
        self.features = features
        self.flash = flash or EvpFlash(next_event_id=first_event_id)
        self.powered = False
        self.text = ["", ""]
        self.stats = {"requests": 0, "replays": 0, "naks": 0, "acks": 0, "presses": 0}
        self._state = evp.STATE_IDLE
        self._state_until: float | None = None
        self._invite_taken = False
        self._last_request: tuple[int, int, bytes] | None = None
        self._last_answer: Frame | None = None

    # ------------------------------------------------------------ power
    def power_on(self, now: float) -> None:
        if self.powered:
            return
        self.powered = True
        self._set_state(evp.STATE_IDLE, 0, now)
        self.text = ["", ""]
        self._last_request = None
        self._last_answer = None
        self._record(evp.EVENT_POWER_ON, 0, now)

    def power_off(self) -> None:
        self.powered = False

    # ------------------------------------------------------------ state
    def _set_state(self, state: int, timeout_s: int, now: float) -> None:
        self._state = state
        self._invite_taken = False
        if state == evp.STATE_INVITE and timeout_s:
            self._state_until = now + timeout_s
        elif state == evp.STATE_THANKS:
            self._state_until = now + THANKS_S
        else:
            self._state_until = None

    def state(self, now: float) -> int:
        if self._state_until is not None and now >= self._state_until:
            self._state = evp.STATE_IDLE
            self._state_until = None
        return self._state

    # ------------------------------------------------------------ physical inputs
    def press(self, key: int, now: float) -> bool:
        """A citizen presses *key*; returns False if nothing was recorded."""
        if not self.powered or not 1 <= key <= self.keys:
            return False
        self.stats["presses"] += 1
        if self.state(now) == evp.STATE_INVITE and not self._invite_taken:
            recorded = self._record(evp.EVENT_INVITED_KEY, key, now)
            # Local THANKS at once; further keys are ignored until the host sets a state.
            self._set_state(evp.STATE_THANKS, 0, now)
            self._invite_taken = True
            return recorded
        return self._record(evp.EVENT_UNINVITED_KEY, key, now)

    def cover(self, now: float) -> bool:
        """The cover sensor has been covered for > 10 s."""
        return self.powered and self._record(evp.EVENT_COVER, 0, now)

    def _record(self, type_: int, key: int, now: float) -> bool:
        queue = self.flash.queue
        if len(queue) >= QUEUE_CAPACITY:
            if type_ == evp.EVENT_UNINVITED_KEY:
                self.flash.dropped += 1
                return False
            victim = next((e for e in queue if e.type == evp.EVENT_UNINVITED_KEY), None)
            if victim is None:
                self.flash.dropped += 1
                return False
            queue.remove(victim)
            self.flash.dropped += 1
        queue.append(StoredEvent(self.flash.next_event_id, type_, key, now))
        self.flash.next_event_id = (self.flash.next_event_id + 1) & 0xFFFFFFFF
        return True

    # ------------------------------------------------------------ bus
    def handle(self, frame: Frame, now: float) -> Frame | None:
        """Act on a host frame addressed to us (or broadcast); return the answer."""
        if not self.powered:
            return None
        if frame.addr == evp.BROADCAST:
            if frame.cmd in (evp.CMD_SET_STATE, evp.CMD_SET_TEXT):
                self._execute(frame, now)
            return None
        self.stats["requests"] += 1
        key = (frame.seq, frame.cmd, frame.data)
        if key == self._last_request and self._last_answer is not None:
            self.stats["replays"] += 1
            return self._last_answer
        cmd, data = self._execute(frame, now)
        answer = Frame(self.address, frame.seq, cmd, data)
        if cmd == evp.CMD_NAK:
            self.stats["naks"] += 1
        self._last_request = key
        self._last_answer = answer
        return answer

    def _execute(self, frame: Frame, now: float) -> tuple[int, bytes]:
        cmd, data = frame.cmd, frame.data
        bad = (evp.CMD_NAK, evp.build_nak(evp.NAK_BAD_DATA))
        if cmd == evp.CMD_POLL:
            if data:
                return bad
            if self.flash.queue:
                e = self.flash.queue[0]
                age = max(0, int((now - e.at) * 1000))
                return evp.CMD_EVENT, evp.build_event(e.event_id, e.type, e.key, age)
            return evp.CMD_NONE, evp.build_none(self.state(now))
        if cmd == evp.CMD_ACK:
            if len(data) != 4:
                return bad
            event_id = evp.parse_ack(data)
            for stored in self.flash.queue:
                if stored.event_id == event_id:
                    self.flash.queue.remove(stored)
                    self.stats["acks"] += 1
                    break
            return evp.CMD_OK, b""
        if cmd == evp.CMD_SET_STATE:
            try:
                state, timeout_s = evp.parse_set_state(data)
            except evp.FrameError:
                return bad
            self._set_state(state, timeout_s, now)
            return evp.CMD_OK, b""
        if cmd == evp.CMD_SET_TEXT:
            try:
                line, text = evp.parse_set_text(data)
            except evp.FrameError:
                return bad
            self.text[line] = text
            return evp.CMD_OK, b""
        if cmd == evp.CMD_IDENTIFY:
            if data:
                return bad
            return evp.CMD_INFO, evp.build_info(self.serial, self.keys, self.features, self.firmware)
        return evp.CMD_NAK, evp.build_nak(evp.NAK_UNKNOWN_CMD)

    def queued(self) -> list[StoredEvent]:
        return list(self.flash.queue)
