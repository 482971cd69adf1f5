"""统一社会信用代码 checks (GB 32100-2015), on codes of real, publicly listed bodies."""
import pytest

from kiosk.departments.credit_code import (
    ALPHABET,
    CreditCodeError,
    check_character,
    is_valid,
    region_of,
    validate,
)

# Printed on these bodies' business licences and in the national credit register.
REAL_CODES = [
    "914403001922038216",  # 华为技术有限公司
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "91110108551385082Q",  # 北京小米科技有限责任公司
    "11100000000019713D",  # 国家税务总局
    "91350100M000100Y43",  # the example code most write-ups of the standard use
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert validate(code) == code
    assert is_valid(code)


@pytest.mark.parametrize("code", REAL_CODES)
def test_any_single_changed_character_is_caught(code):
    for position in range(18):
        for replacement in ALPHABET:
            if replacement == code[position]:
                continue
            changed = code[:position] + replacement + code[position + 1:]
            assert not is_valid(changed), changed


def test_swapped_neighbours_are_caught():
    code = "914403001922038216"
    for i in range(17):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
            assert not is_valid(swapped), swapped


@pytest.mark.parametrize(("code", "reason"), [
    ("91440300192203821", "length"),
    ("9144030019220382166", "length"),
    ("", "length"),
    ("91440300192203821O", "characters"),  # O is not in the alphabet (looks like 0)
    ("9144030019220382I6", "characters"),
    ("914403001922038217", "checksum"),
    ("11530102MB1234567X", "checksum"),
])
def test_invalid_codes_say_why(code, reason):
    with pytest.raises(CreditCodeError) as exc:
        validate(code)
    assert exc.value.reason == reason


def test_normalises_what_people_paste():
    assert validate("  9144030071526726xg ") == "9144030071526726XG"


def test_check_character_is_zero_when_the_sum_is_already_a_multiple_of_31():
    # Find a 17-character body whose check character is "0", and check it round-trips.
    body = next(f"9153010200000{i:04d}" for i in range(10000)
                if check_character(f"9153010200000{i:04d}") == "0")
    assert is_valid(body + "0")


def test_region_is_read_from_positions_three_to_eight():
    assert region_of("914403001922038216") == "440300"
