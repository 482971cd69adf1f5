"""SLZ-68 bus model: callers and four-key evaluators sharing one line (docs/slz68-protocol.md).

An evaluator repeats an unacknowledged press every 300 ms, at most 5 times (our simulator's
documented behaviour); `deaf(address)` makes it ignore acknowledgements, so a test can watch
the host drop the repeats. Callers send FUNC 0x10 and expect the host's 0x03 answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .. import slz68_codec as codec
from .line import SimLine

REPEAT_EVERY_S = 0.3
REPEAT_MAX = 5


class Slz68SimBus(SimLine):
    def __init__(self, callers: list[int], evaluators: list[int], *, baud: int = 9600,
                 timing: bool = True, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(baud=baud, timing=timing, clock=clock)
        self.callers = set(callers)
        self.evaluators = set(evaluators)
        self.decoder = codec.Decoder()
        self.acked: dict[int, int] = {}  # address → acknowledgements received
        self.sent: dict[int, int] = {}  # address → frames sent (repeats included)
        self._waiting: dict[int, threading.Event] = {}  # evaluator → ack of its open press
        self._deaf: set[int] = set()

    def host_write(self, data: bytes, now: float) -> None:
        with self.lock:
            self.receive_time(len(data), now)
            for frame in self.decoder.feed(data):
                self.acked[frame.address] = self.acked.get(frame.address, 0) + 1
                waiting = self._waiting.get(frame.address)
                if (frame.func == codec.FUNC_ACK and waiting is not None
                        and frame.address not in self._deaf):
                    waiting.set()

    def _send(self, address: int, frame: bytes) -> None:
        with self.lock:
            self.sent[address] = self.sent.get(address, 0) + 1
            self.emit(frame, self.clock())

    def press(self, address: int, grade: int) -> bool:
        """An evaluator key: GRADE 0 不满意, 1 一般, 2 满意, 3 非常满意."""
        if address not in self.evaluators or grade not in codec.GRADE_NAMES:
            return False
        frame = codec.press(address, grade)
        acked = threading.Event()
        with self.lock:
            self._waiting[address] = acked
        self._send(address, frame)

        def repeat() -> None:
            for _ in range(REPEAT_MAX):
                if acked.wait(REPEAT_EVERY_S):
                    return
                self._send(address, frame)

        threading.Thread(target=repeat, daemon=True, name=f"slz-repeat-{address:02X}").start()
        return True

    def caller_key(self, address: int, key: int) -> bool:
        if address not in self.callers or key not in codec.CALLER_KEY_NAMES:
            return False
        self._send(address, codec.caller_key(address, key))
        return True

    def deaf(self, address: int, on: bool = True) -> None:
        with self.lock:
            (self._deaf.add if on else self._deaf.discard)(address)

    def inject_bytes(self, data: bytes) -> None:
        self.emit(data, self.clock())

    def status(self) -> dict:
        with self.lock:
            return {"callers": sorted(self.callers), "evaluators": sorted(self.evaluators),
                    "sent": dict(self.sent), "acked": dict(self.acked)}
