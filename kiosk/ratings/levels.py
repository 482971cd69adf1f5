"""Rating levels and scales (pure). One internal scale, in the national direction:
1 非常满意, 2 满意, 3 基本满意, 4 不满意, 5 非常不满意 (GB/T 39046 appendix A.8).
A three-level window uses 2, 3, 4 of the same scale."""

LEVEL_NAMES = {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}
LEVEL_NAMES_EN = {
    1: "Very satisfied",
    2: "Satisfied",
    3: "Fair",
    4: "Dissatisfied",
    5: "Very dissatisfied",
}
SCALE_LEVELS = {5: (1, 2, 3, 4, 5), 3: (2, 3, 4)}
DEFAULT_LEVEL = 3  # 基本满意, recorded when a case is not rated in time


def levels_for_scale(scale: int) -> tuple[int, ...]:
    return SCALE_LEVELS[scale]


def is_bad(level: int) -> bool:
    """差评: 不满意 or 非常不满意."""
    return level >= 4


def is_good(level: int) -> bool:
    """Counted as satisfied in the good rate: levels 1–3."""
    return level <= 3


# A four-key device (SLZ-68 evaluator) reports a GRADE: 3 非常满意, 2 满意, 1 一般, 0 不满意.
# It has no 非常不满意, and 一般 counts as 基本满意.
FOUR_KEY_GRADES = {3: 1, 2: 2, 1: 3, 0: 4}


def level_for_key(key: int, keys: int) -> int:
    """Maps what a device's key reports to the internal level, for every protocol: five keys
    1..5 as the levels; three keys 1..3 to 满意/基本满意/不满意; four keys by their grade."""
    if keys == 5 and 1 <= key <= 5:
        return key
    if keys == 3 and 1 <= key <= 3:
        return key + 1
    if keys == 4 and key in FOUR_KEY_GRADES:
        return FOUR_KEY_GRADES[key]
    raise ValueError(f"key {key} is not valid on a {keys}-key device")
