"""EVP/1 frame codec — pure code, no I/O.

Frame: STX ADDR SEQ CMD LEN DATA[LEN] CRC_LO CRC_HI ETX, CRC-16/MODBUS over
ADDR..DATA. No byte stuffing, so the decoder finds frames by STX + LEN and
accepts one only if CRC and ETX are right; otherwise it drops one byte and
rescans (see Decoder).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .crc import crc16_modbus
from .errors import CrcError, FrameError

STX = 0x02
ETX = 0x03
HEADER_LEN = 5  # STX ADDR SEQ CMD LEN
TRAILER_LEN = 3  # CRC_LO CRC_HI ETX
MIN_FRAME_LEN = HEADER_LEN + TRAILER_LEN
MAX_DATA_LEN = 64
MAX_FRAME_LEN = MIN_FRAME_LEN + MAX_DATA_LEN
BROADCAST = 0

# Host commands
CMD_POLL = 0x01
CMD_ACK = 0x02
CMD_SET_STATE = 0x03
CMD_SET_TEXT = 0x04
CMD_IDENTIFY = 0x05
# Device answers
ANSWER_BIT = 0x80
CMD_NONE = 0x80
CMD_EVENT = 0x81
CMD_OK = 0x82
CMD_INFO = 0x85
CMD_NAK = 0xFF

# Device states (SET_STATE, NONE)
STATE_IDLE = 0
STATE_INVITE = 1
STATE_THANKS = 2
STATE_PAUSED = 3
STATES = (STATE_IDLE, STATE_INVITE, STATE_THANKS, STATE_PAUSED)
STATE_NAMES = {STATE_IDLE: "IDLE", STATE_INVITE: "INVITE", STATE_THANKS: "THANKS", STATE_PAUSED: "PAUSED"}

# EVENT types
EVENT_INVITED_KEY = 1
EVENT_UNINVITED_KEY = 2
EVENT_COVER = 3
EVENT_POWER_ON = 4

# NAK codes
NAK_BAD_CRC = 0x01
NAK_UNKNOWN_CMD = 0x02
NAK_BAD_DATA = 0x03
NAK_BUSY = 0x04

# IDENTIFY feature bits
FEATURE_LED = 0x01
FEATURE_VOICE = 0x02
FEATURE_LCD = 0x04
FEATURE_COVER = 0x08

MAX_TEXT_BYTES = 48
SERIAL_LEN = 16
FIRMWARE_LEN = 8


@dataclass(frozen=True, slots=True)
class Frame:
    addr: int
    seq: int
    cmd: int
    data: bytes = b""


def encode(frame: Frame) -> bytes:
    """Return the wire bytes of *frame*; raises FrameError on out-of-range fields."""
    if not 0 <= frame.addr <= 255 or not 0 <= frame.seq <= 255 or not 0 <= frame.cmd <= 255:
        raise FrameError(f"field out of range in {frame!r}")
    if len(frame.data) > MAX_DATA_LEN:
        raise FrameError(f"LEN {len(frame.data)} > {MAX_DATA_LEN}")
    body = bytes((frame.addr, frame.seq, frame.cmd, len(frame.data))) + bytes(frame.data)
    crc = crc16_modbus(body)
    return bytes((STX,)) + body + bytes((crc & 0xFF, crc >> 8, ETX))


def decode_one(raw: bytes) -> Frame:
    """Decode exactly one complete frame (strict; for tests and tools)."""
    if len(raw) < MIN_FRAME_LEN or raw[0] != STX:
        raise FrameError("too short or no STX")
    length = raw[4]
    if length > MAX_DATA_LEN or len(raw) != MIN_FRAME_LEN + length:
        raise FrameError("LEN does not match the frame size")
    if raw[-1] != ETX:
        raise FrameError("no ETX at the computed position")
    crc = crc16_modbus(raw[1 : HEADER_LEN + length])
    if raw[HEADER_LEN + length] != crc & 0xFF or raw[HEADER_LEN + length + 1] != crc >> 8:
        raise CrcError("bad CRC")
    return Frame(raw[1], raw[2], raw[3], bytes(raw[HEADER_LEN : HEADER_LEN + length]))


_INCOMPLETE = object()
_INVALID = object()


class Decoder:
    """Incremental frame finder for a byte stream with noise.

    feed() returns the valid frames completed by the new bytes, in stream order.
    A candidate starts at an STX; it is accepted only if LEN <= 64 and the CRC
    and the ETX at the computed position are right, else one byte is dropped and
    the scan restarts at the next STX. While the head candidate is still
    incomplete, later STX positions are checked too, so a noise STX with a large
    bogus LEN cannot hide a complete frame behind it until more bytes arrive.
    The buffer never holds more than one maximal frame plus the new chunk.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.last_frame_raw: bytes = b""
        self.dropped_bytes = 0

    def reset(self) -> None:
        self.dropped_bytes += len(self._buf)
        self._buf.clear()

    @property
    def pending(self) -> int:
        return len(self._buf)

    def _check(self, start: int) -> object:
        buf = self._buf
        avail = len(buf) - start
        if avail < HEADER_LEN:
            return _INCOMPLETE
        length = buf[start + 4]
        if length > MAX_DATA_LEN:
            return _INVALID
        total = MIN_FRAME_LEN + length
        if avail < total:
            return _INCOMPLETE
        end = start + total
        if buf[end - 1] != ETX:
            return _INVALID
        crc = crc16_modbus(memoryview(buf)[start + 1 : end - 3])
        if buf[end - 3] != crc & 0xFF or buf[end - 2] != crc >> 8:
            return _INVALID
        return total

    def feed(self, data: bytes) -> list[Frame]:
        buf = self._buf
        buf += data
        frames: list[Frame] = []
        pos = 0
        frame_bytes = 0
        while True:
            start = buf.find(STX, pos)
            if start < 0:
                pos = len(buf)
                break
            result = self._check(start)
            if result is _INVALID:
                pos = start + 1
                continue
            if result is _INCOMPLETE:
                later = self._find_complete_after(start)
                if later is None:
                    pos = start
                    break
                start, result = later
            total = result  # type: ignore[assignment]
            raw = bytes(buf[start : start + total])
            frames.append(Frame(raw[1], raw[2], raw[3], raw[HEADER_LEN:-TRAILER_LEN]))
            self.last_frame_raw = raw
            frame_bytes += total
            pos = start + total
        self.dropped_bytes += pos - frame_bytes  # noise, bad frames, skipped heads
        del buf[:pos]
        return frames

    def _find_complete_after(self, head: int) -> tuple[int, int] | None:
        buf = self._buf
        pos = head + 1
        while True:
            start = buf.find(STX, pos)
            if start < 0:
                return None
            result = self._check(start)
            if isinstance(result, int):
                return start, result
            pos = start + 1

    def bytes_needed(self) -> int:
        """How many more bytes could complete the earliest possible frame (1..8).

        Used to size blocking reads: never asks for more than a fresh minimal
        frame, so a noise STX with a large LEN cannot make a read wait past the
        end of a real, shorter answer.
        """
        buf = self._buf
        size = len(buf)
        need = MIN_FRAME_LEN
        start = buf.find(STX)
        while start >= 0:
            if size - start >= HEADER_LEN:
                length = buf[start + 4]
                total = MIN_FRAME_LEN + length if length <= MAX_DATA_LEN else 0
            else:
                total = MIN_FRAME_LEN
            if total:
                missing = start + total - size
                if 0 < missing < need:
                    need = missing
            start = buf.find(STX, start + 1)
        return need


# ---------------------------------------------------------------- payloads

_EVENT = struct.Struct("<IBBI")
_INFO = struct.Struct("<16sBB8s")
_ACK = struct.Struct("<I")


@dataclass(frozen=True, slots=True)
class EventData:
    event_id: int
    type: int
    key: int
    age_ms: int


@dataclass(frozen=True, slots=True)
class InfoData:
    serial: str
    keys: int
    features: int
    firmware: str


def build_event(event_id: int, type_: int, key: int, age_ms: int) -> bytes:
    return _EVENT.pack(event_id, type_, key, min(age_ms, 0xFFFFFFFF))


def parse_event(data: bytes) -> EventData:
    if len(data) != _EVENT.size:
        raise FrameError(f"EVENT DATA must be {_EVENT.size} bytes, got {len(data)}")
    return EventData(*_EVENT.unpack(data))


def build_info(serial: str, keys: int, features: int, firmware: str) -> bytes:
    serial_b = serial.encode("ascii")
    firmware_b = firmware.encode("ascii")
    if len(serial_b) > SERIAL_LEN or len(firmware_b) > FIRMWARE_LEN:
        raise FrameError("serial or firmware too long")
    return _INFO.pack(serial_b.ljust(SERIAL_LEN, b"\0"), keys, features, firmware_b)


def parse_info(data: bytes) -> InfoData:
    if len(data) != _INFO.size:
        raise FrameError(f"INFO DATA must be {_INFO.size} bytes, got {len(data)}")
    serial_b, keys, features, firmware_b = _INFO.unpack(data)
    try:
        serial = serial_b.rstrip(b"\0 ").decode("ascii")
        firmware = firmware_b.rstrip(b"\0").decode("ascii")
    except UnicodeDecodeError as exc:
        raise FrameError("serial/firmware not ASCII") from exc
    return InfoData(serial, keys, features, firmware)


def build_none(state: int) -> bytes:
    return bytes((state,))


def parse_none(data: bytes) -> int:
    if len(data) != 1:
        raise FrameError("NONE DATA must be 1 byte")
    return data[0]


def build_ack(event_id: int) -> bytes:
    return _ACK.pack(event_id)


def parse_ack(data: bytes) -> int:
    if len(data) != _ACK.size:
        raise FrameError("ACK DATA must be 4 bytes")
    return _ACK.unpack(data)[0]


def build_set_state(state: int, timeout_s: int = 0) -> bytes:
    if state not in STATES or not 0 <= timeout_s <= 255:
        raise FrameError(f"bad state {state} or timeout {timeout_s}")
    return bytes((state, timeout_s))


def parse_set_state(data: bytes) -> tuple[int, int]:
    if len(data) != 2 or data[0] not in STATES:
        raise FrameError("SET_STATE DATA must be state u8 (0..3), timeout_s u8")
    return data[0], data[1]


def build_set_text(line: int, text: str) -> bytes:
    encoded = text.encode("utf-8")
    if line not in (0, 1) or len(encoded) > MAX_TEXT_BYTES:
        raise FrameError(f"line must be 0/1 and text <= {MAX_TEXT_BYTES} UTF-8 bytes")
    return bytes((line,)) + encoded


def parse_set_text(data: bytes) -> tuple[int, str]:
    if not 1 <= len(data) <= 1 + MAX_TEXT_BYTES or data[0] not in (0, 1):
        raise FrameError("SET_TEXT DATA must be line u8 (0/1) + <= 48 bytes")
    try:
        return data[0], data[1:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FrameError("SET_TEXT text is not UTF-8") from exc


def build_nak(code: int) -> bytes:
    return bytes((code,))


def parse_nak(data: bytes) -> int:
    if len(data) != 1:
        raise FrameError("NAK DATA must be 1 byte")
    return data[0]


def wire_time_s(n_bytes: int, baud: int) -> float:
    """Seconds n bytes take on the wire at 8N1 (10 bits per byte)."""
    return n_bytes * 10.0 / baud
