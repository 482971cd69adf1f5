"""EVP/1 codec against the datasheet: CRC check value and every test vector both ways."""

import pytest

from device_drivers import evp
from device_drivers.crc import crc16_modbus
from device_drivers.errors import CrcError, FrameError
from device_drivers.evp import Frame

pytestmark = pytest.mark.timeout(10)

VECTORS = [
    ("POLL", Frame(3, 0x11, evp.CMD_POLL), "02 03 11 01 00 51 f5 03"),
    ("NONE", Frame(3, 0x11, evp.CMD_NONE, evp.build_none(evp.STATE_INVITE)), "02 03 11 80 01 01 a4 84 03"),
    ("EVENT", Frame(3, 0x12, evp.CMD_EVENT, evp.build_event(1000, 1, 2, 350)),
     "02 03 12 81 0a e8 03 00 00 01 02 5e 01 00 00 e4 c0 03"),
    ("ACK", Frame(3, 0x13, evp.CMD_ACK, evp.build_ack(1000)), "02 03 13 02 04 e8 03 00 00 17 5d 03"),
    ("OK", Frame(3, 0x13, evp.CMD_OK), "02 03 13 82 00 91 05 03"),
    ("SET_STATE", Frame(3, 0x14, evp.CMD_SET_STATE, evp.build_set_state(evp.STATE_INVITE, 30)),
     "02 03 14 03 02 01 1e 10 37 03"),
    ("IDENTIFY", Frame(3, 0x15, evp.CMD_IDENTIFY), "02 03 15 05 00 12 f4 03"),
    ("NAK", Frame(3, 0x15, evp.CMD_NAK, evp.build_nak(evp.NAK_BAD_CRC)), "02 03 15 ff 01 01 94 6c 03"),
    ("SET_TEXT", Frame(3, 0x16, evp.CMD_SET_TEXT, evp.build_set_text(0, "张三 A03")),
     "02 03 16 04 0b 00 e5 bc a0 e4 b8 89 20 41 30 33 ec a6 03"),
]


def test_crc_check_value():
    assert crc16_modbus(b"123456789") == 0x4B37


@pytest.mark.parametrize(("name", "frame", "hexbytes"), VECTORS, ids=[v[0] for v in VECTORS])
def test_vector_encode(name, frame, hexbytes):
    assert evp.encode(frame) == bytes.fromhex(hexbytes)


@pytest.mark.parametrize(("name", "frame", "hexbytes"), VECTORS, ids=[v[0] for v in VECTORS])
def test_vector_decode(name, frame, hexbytes):
    raw = bytes.fromhex(hexbytes)
    assert evp.decode_one(raw) == frame
    assert evp.Decoder().feed(raw) == [frame]


def test_vector_payloads_parse():
    event = evp.parse_event(evp.decode_one(bytes.fromhex(VECTORS[2][2])).data)
    assert event == evp.EventData(event_id=1000, type=1, key=2, age_ms=350)
    assert evp.parse_none(bytes.fromhex("01")) == evp.STATE_INVITE
    assert evp.parse_ack(evp.decode_one(bytes.fromhex(VECTORS[3][2])).data) == 1000
    assert evp.parse_set_state(bytes((1, 30))) == (evp.STATE_INVITE, 30)
    assert evp.parse_set_text(evp.decode_one(bytes.fromhex(VECTORS[8][2])).data) == (0, "张三 A03")
    assert evp.parse_nak(b"\x01") == evp.NAK_BAD_CRC


def test_info_roundtrip_pads_and_strips():
    data = evp.build_info("SN123", 5, evp.FEATURE_LED | evp.FEATURE_COVER, "1.2")
    assert len(data) == 26
    assert data[16:18] == bytes((5, 0x09)) and data[18:] == b"1.2\0\0\0\0\0"
    assert evp.parse_info(data) == evp.InfoData("SN123", 5, 0x09, "1.2")


def test_len_limit_enforced():
    evp.encode(Frame(1, 0, 1, bytes(64)))
    with pytest.raises(FrameError):
        evp.encode(Frame(1, 0, 1, bytes(65)))
    with pytest.raises(FrameError):
        evp.build_set_text(0, "字" * 17)  # 51 UTF-8 bytes > 48
    with pytest.raises(FrameError):
        evp.build_set_text(2, "x")
    with pytest.raises(FrameError):
        evp.build_set_state(7)


def test_decode_one_rejects_bad_crc_and_etx():
    raw = bytearray.fromhex(VECTORS[0][2])
    raw[-2] ^= 0xFF
    with pytest.raises(CrcError):
        evp.decode_one(bytes(raw))
    raw = bytearray.fromhex(VECTORS[0][2])
    raw[-1] = 0x04
    with pytest.raises(FrameError):
        evp.decode_one(bytes(raw))


def test_wire_time():
    assert evp.wire_time_s(8, 9600) == pytest.approx(0.00833, abs=1e-5)
