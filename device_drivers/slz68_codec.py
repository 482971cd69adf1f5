"""SLZ-68 frames (pure): the queue system's caller/evaluator bus (docs/slz68-protocol.md).

host → device:  68 L L 68 ADDR FUNC [DATA…] CS 16
device → host:  FF 68 L L 68 ADDR FUNC [DATA…] CS 16   (one FF preamble byte)
L = len(ADDR + FUNC + DATA) (2 or 3), twice; CS = (ADDR + FUNC + ΣDATA) mod 256.
"""

from __future__ import annotations

from dataclasses import dataclass

START = 0x68
END = 0x16
PREAMBLE = 0xFF
LENGTHS = (2, 3)

FUNC_ACK = 0x01  # host → evaluator: press acknowledged
FUNC_CALLER_ACK = 0x03  # host → caller: key acknowledged
FUNC_PRESS = 0x11  # evaluator → host: a key press, DATA = GRADE
FUNC_CALLER_SIM = 0x10  # what our simulator's callers send (the host must not insist on it)

EVALUATOR_BASE = 0x80  # evaluators are 0x81–0xFF, evaluator number = address − 0x80

# Evaluator grades, handed up as the press's key; the hall maps them to its levels
# (kiosk/ratings/levels.py level_for_key, as for every protocol's keys).
GRADE_NAMES = {0x00: "不满意", 0x01: "一般", 0x02: "满意", 0x03: "非常满意"}
DEVICE_KEYS = 4

# Caller keys (byte 7 of a caller frame).
KEY_START, KEY_ASK_RATING, KEY_CALL_NEXT, KEY_RECALL, KEY_CANCEL, KEY_FUNCTION = range(0x0A, 0x10)
CALLER_KEY_NAMES = {KEY_START: "start", KEY_ASK_RATING: "ask_rating",
                    KEY_CALL_NEXT: "call_next", KEY_RECALL: "recall", KEY_CANCEL: "cancel",
                    KEY_FUNCTION: "function"}


def is_evaluator(address: int) -> bool:
    return address > EVALUATOR_BASE


def checksum(address: int, func: int, data: bytes = b"") -> int:
    return (address + func + sum(data)) & 0xFF


def encode(address: int, func: int, data: bytes = b"", *, preamble: bool = False) -> bytes:
    if not 0 < address <= 0xFF or len(data) > 1:
        raise ValueError("SLZ-68 frames carry one address byte and at most one data byte")
    length = 2 + len(data)
    body = bytes([START, length, length, START, address, func]) + data
    frame = body + bytes([checksum(address, func, data), END])
    return bytes([PREAMBLE]) + frame if preamble else frame


def evaluator_ack(address: int) -> bytes:
    return encode(address, FUNC_ACK)


def caller_ack(address: int) -> bytes:
    """The host's answer to a caller key carries the FF preamble too (as the original host)."""
    return encode(address, FUNC_CALLER_ACK, preamble=True)


def press(address: int, grade: int) -> bytes:
    return encode(address, FUNC_PRESS, bytes([grade]), preamble=True)


def caller_key(address: int, key: int, func: int = FUNC_CALLER_SIM) -> bytes:
    return encode(address, func, bytes([key]), preamble=True)


@dataclass(frozen=True)
class Frame:
    address: int
    func: int
    data: bytes
    preamble: bool
    raw: bytes

    @property
    def value(self) -> int | None:
        """GRADE of a press, KEY of a caller frame."""
        return self.data[0] if self.data else None


class Decoder:
    """Finds frames in a byte stream: noise, truncated frames and bad checksums are skipped by
    dropping one byte and scanning on, like the EVP/1 decoder."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.dropped = 0

    def feed(self, chunk: bytes) -> list[Frame]:
        self._buf += chunk
        frames: list[Frame] = []
        while True:
            start = self._buf.find(START)
            if start < 0:
                keep = 1 if self._buf[-1:] == bytes([PREAMBLE]) else 0  # a preamble may end it
                self.dropped += len(self._buf) - keep
                del self._buf[:len(self._buf) - keep]
                return frames
            # Keep the FF before the frame until the frame is whole: it tells who sent it.
            cut = start - 1 if start and self._buf[start - 1] == PREAMBLE else start
            self.dropped += cut
            del self._buf[:cut]
            p = 1 if self._buf[0] == PREAMBLE else 0
            if len(self._buf) < p + 4:
                return frames
            length = self._buf[p + 1]
            if length not in LENGTHS or self._buf[p + 2] != length or self._buf[p + 3] != START:
                del self._buf[:p + 1]
                self.dropped += p + 1
                continue
            total = p + 4 + length + 2
            if len(self._buf) < total:
                return frames
            address, func = self._buf[p + 4], self._buf[p + 5]
            data = bytes(self._buf[p + 6:p + 4 + length])
            if (self._buf[total - 2] != checksum(address, func, data)
                    or self._buf[total - 1] != END):
                del self._buf[:p + 1]
                self.dropped += p + 1
                continue
            frames.append(Frame(address, func, data, bool(p), bytes(self._buf[:total])))
            del self._buf[:total]


class RepeatFilter:
    """An identical frame from the same address within `window_s` of the first one is the
    device repeating an unacknowledged press (every 300 ms, up to 5 times), not a new press."""

    def __init__(self, window_s: float = 2.0) -> None:
        self.window_s = window_s
        self._first: dict[int, tuple[bytes, float]] = {}

    def is_repeat(self, frame: Frame, now: float) -> bool:
        seen = self._first.get(frame.address)
        body = frame.raw.removeprefix(bytes([PREAMBLE]))
        if seen is not None and seen[0] == body and now - seen[1] < self.window_s:
            return True
        self._first[frame.address] = (body, now)
        return False
