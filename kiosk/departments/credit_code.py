"""统一社会信用代码 (GB 32100-2015): 18 characters, the last one a check character.

Pure functions, no database. Characters come from a 31-letter alphabet (digits and capital
letters without I, O, S, V, Z); the check character makes the weighted sum ≡ 0 (mod 31).
"""
import re

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Weight of position i is 3**i mod 31 (GB 32100-2015, 表 3).
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
LENGTH = 18
_SHAPE = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")


class CreditCodeError(ValueError):
    """Why a code is not a valid 统一社会信用代码; `reason` is a stable key."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def check_character(first17: str) -> str:
    """The 18th character for the first 17."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    """What people type or paste: spaces around, lower case."""
    return (code or "").strip().upper()


def validate(code: str) -> str:
    """The normalised code, or CreditCodeError("length" | "characters" | "checksum")."""
    code = normalise(code)
    if len(code) != LENGTH:
        raise CreditCodeError("length")
    if not _SHAPE.match(code):
        raise CreditCodeError("characters")
    if check_character(code[:17]) != code[17]:
        raise CreditCodeError("checksum")
    return code


def is_valid(code: str) -> bool:
    try:
        validate(code)
    except CreditCodeError:
        return False
    return True


def region_of(code: str) -> str:
    """The 6-digit 登记管理机关行政区划码 inside a code (positions 3–8)."""
    return normalise(code)[2:8]
