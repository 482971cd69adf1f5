"""事项编码: the code of a service item (pure).

On the national platform (GB/T 39554.1-2020) an item has a short 基本编码 and, per
implementing body, an 实施编码 that begins with that body's 18-character 统一社会信用代码
— with the 业务办理项 suffix up to 33 characters. A hall's 事项清单 may list either, and
provinces' own lists join parts with "-". Accepted: capital letters, digits and inner "-",
at most MAX_LENGTH characters (room above 33 for provincial variants).
"""
import re

MAX_LENGTH = 40
_SHAPE = re.compile(r"^[0-9A-Z](?:[0-9A-Z-]*[0-9A-Z])?$")


def normalise(code: str | None) -> str:
    """Upper case, without surrounding or inner spaces (spreadsheets add them)."""
    return "".join((code or "").split()).upper()


def problem(code: str) -> str | None:
    """None when the (normalised) code is acceptable, else a stable reason key:
    "empty", "too_long" or "characters"."""
    if not code:
        return "empty"
    if len(code) > MAX_LENGTH:
        return "too_long"
    if not _SHAPE.match(code):
        return "characters"
    return None
