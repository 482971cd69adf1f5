"""SLZ-68 frames from docs (slz68-protocol.md examples are exact), both directions."""
import pytest

from device_drivers import slz68_codec as codec
from kiosk.ratings.levels import level_for_key

pytestmark = pytest.mark.timeout(10)

PRESS_83_SATISFIED = bytes.fromhex("FF 68 03 03 68 83 11 02 96 16")
ACK_83 = bytes.fromhex("68 02 02 68 83 01 84 16")


def test_documented_examples_both_directions():
    assert codec.press(0x83, 0x02) == PRESS_83_SATISFIED
    assert codec.evaluator_ack(0x83) == ACK_83
    (frame,) = codec.Decoder().feed(PRESS_83_SATISFIED)
    assert (frame.address, frame.func, frame.value, frame.preamble) == (0x83, 0x11, 0x02, True)
    assert codec.GRADE_NAMES[frame.value] == "满意" and level_for_key(frame.value, codec.DEVICE_KEYS) == 2
    (ack,) = codec.Decoder().feed(ACK_83)
    assert (ack.address, ack.func, ack.data, ack.preamble) == (0x83, 0x01, b"", False)


def test_caller_frames():
    ask = codec.caller_key(0x05, codec.KEY_ASK_RATING)
    assert ask == bytes.fromhex("FF 68 03 03 68 05 10 0B 20 16")
    assert codec.caller_ack(0x05) == bytes.fromhex("FF 68 02 02 68 05 03 08 16")
    (frame,) = codec.Decoder().feed(bytes.fromhex("FF 68 03 03 68 05 42 0B 52 16"))
    assert frame.value == codec.KEY_ASK_RATING  # any FUNC: the host reads ADDR and KEY


def test_grades_map_to_the_internal_scale():
    assert [level_for_key(g, codec.DEVICE_KEYS) for g in (3, 2, 1, 0)] == [1, 2, 3, 4]
    with pytest.raises(ValueError):
        level_for_key(4, codec.DEVICE_KEYS)


@pytest.mark.parametrize("split", [1, 3, 7])
def test_split_garbage_and_bad_checksum(split):
    bad = bytearray(PRESS_83_SATISFIED)
    bad[-2] ^= 0xFF
    stream = b"\x00\x68\x09" + bytes(bad) + PRESS_83_SATISFIED + b"\x16\x00" + ACK_83
    decoder, frames = codec.Decoder(), []
    for i in range(0, len(stream), split):
        frames += decoder.feed(stream[i:i + split])
    assert [f.raw for f in frames] == [PRESS_83_SATISFIED, ACK_83]


def test_repeat_within_two_seconds_of_the_first_is_dropped():
    (frame,) = codec.Decoder().feed(PRESS_83_SATISFIED)
    other = codec.Decoder().feed(codec.press(0x83, 0x03))[0]
    f = codec.RepeatFilter()
    assert not f.is_repeat(frame, 10.0)
    assert f.is_repeat(frame, 10.3) and f.is_repeat(frame, 11.9)  # counted from the first
    assert not f.is_repeat(frame, 12.1)  # a new press of the same key
    assert not f.is_repeat(other, 12.2)  # a different key is never a repeat
