"""The statistics tables shown on the pages and exported: headers and rows of values."""
from kiosk.ratings.levels import LEVEL_NAMES
from kiosk.stats import indicators, queries

LEVEL_HEADERS = [LEVEL_NAMES[lv] for lv in range(1, 6)]


def _pct(value):
    return None if value is None else round(value * 100, indicators.PERCENT_DECIMALS)


def breakdown_table(rows: list[queries.Row], dimension_label: str):
    headers = [dimension_label, "评价数", *LEVEL_HEADERS, "满意率%", "差评率%"]
    return headers, [[r.label, r.total, *r.counts,
                      indicators.satisfaction(r.figures).percent,
                      indicators.bad_rate(r.figures).percent] for r in rows]


def ranking_table(rows: list[queries.Row], dimension_label: str):
    headers = ["名次", dimension_label, "样本数", "满意数", "满意率%", "Wilson下限%"]
    return headers, [[i + 1, r.label, r.total, r.good, indicators.satisfaction(r.figures).percent,
                      _pct(r.wilson)]
                     for i, r in enumerate(rows)]
