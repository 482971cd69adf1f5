"""The indicator definitions (pure): each states its formula, divides the right counts, and
the SQL form of open/overdue agrees with the Python form on every case shape."""
import sqlite3
from datetime import datetime, timedelta

import pytest

from kiosk.stats import indicators
from kiosk.stats.indicators import CaseCounts, Figures, RatingCounts, Ratio

NOW = datetime(2026, 5, 1, 12, 0)


def test_every_indicator_has_a_formula_docstring_shown_as_its_definition():
    assert len(indicators.INDICATORS) == 10
    names = [i.name for i in indicators.INDICATORS]
    assert names == ["满意率", "差评率", "主动评价率", "评价覆盖率", "差评整改率", "按时整改率",
                     "实名差评回访率", "回访满意率", "申诉率", "申诉成立率"]
    for ind in indicators.INDICATORS:
        assert ind.definition.startswith(ind.name + " = ") and "÷" in ind.definition
        assert ind.definition in indicators.explanations()


def test_rating_indicators_divide_the_counts():
    f = Figures(ratings=RatingCounts(n1=5, n2=2, n3=1, n4=1, n5=1, defaults=3))
    assert indicators.satisfaction(f) == Ratio(8, 10)
    assert indicators.bad_rate(f) == Ratio(2, 10)
    assert indicators.active_rate(f) == Ratio(7, 10)
    assert indicators.satisfaction(f).percent == 80.0
    assert indicators.satisfaction(Figures()).value is None  # shown as "—", never 0 %
    assert indicators.satisfaction(Figures()).percent is None
    assert Ratio(2, 3).percent == 66.67


def test_case_indicators_divide_the_counts():
    c = CaseCounts(cases=10, finished=6, due=8, on_time=5, real_name=4, real_name_revisited=3,
                   revisited=5, revisit_satisfied=4, appeal_base=11, appealed=3,
                   appeal_decided=2, appeal_accepted=1)
    f = Figures(cases=c)
    assert indicators.rectification_rate(f) == Ratio(6, 10)
    assert indicators.on_time_rate(f) == Ratio(5, 8)
    assert indicators.revisit_rate(f) == Ratio(3, 4)
    assert indicators.revisit_satisfaction(f) == Ratio(4, 5)
    assert indicators.appeal_rate(f) == Ratio(3, 11)
    assert indicators.appeal_upheld_rate(f) == Ratio(1, 2)
    assert (c + c).cases == 20


CASE_SHAPES = [
    (status, due)
    for status in ("registered", "assigned", "verified", "rectified", "replied", "revisited",
                   "closed", None)
    for due in (NOW - timedelta(seconds=1), NOW, NOW + timedelta(days=1), None)
]


@pytest.mark.parametrize("status,due", CASE_SHAPES)
def test_sql_open_and_overdue_agree_with_python(status, due):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE c (status TEXT, due_at TEXT)")
    db.execute("INSERT INTO c VALUES (?, ?)", (status, due and due.isoformat(" ")))
    sql = (f"SELECT {indicators.sql_is_open('status')}, "
           f"{indicators.sql_is_overdue('status', 'due_at')} FROM c")
    is_open, overdue = db.execute(sql, {"now": NOW.isoformat(" ")}).fetchone()
    assert bool(is_open) == indicators.is_open(status)
    assert bool(overdue) == indicators.is_overdue(status, due, NOW)


def test_overdue_means_unfinished_and_past_the_deadline_in_force():
    assert indicators.is_overdue("assigned", NOW - timedelta(minutes=1), NOW)
    assert not indicators.is_overdue("rectified", NOW - timedelta(days=3), NOW)  # finished late
    assert not indicators.is_overdue("verified", NOW + timedelta(days=3), NOW)  # extended
    assert indicators.is_open("replied") and not indicators.is_open("closed")
