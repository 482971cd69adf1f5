"""Every case step keeps the case rollup equal to the count from the cases themselves:
transfer, extension (requested, refused, approved), verification as 误评 (the rating is
excluded), a rejected and an accepted appeal, overdue explanations, closing."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from kiosk.cases import appeals, extensions, service
from kiosk.extensions import db
from kiosk.models import BadCase, Department
from kiosk.timeutil import to_local
from tests.cases.helpers import add_users, bad_rating, user
from tests.stats.test_consistency import assert_rollup_is_direct

pytestmark = pytest.mark.timeout(120)


def test_each_step_keeps_the_rollup_equal_to_the_cases(app):
    add_users(app)
    with app.app_context():
        dept = Department(name="五华区公安分局", credit_code="11100000000019713D",
                          region_code="530102")
        db.session.add(dept)
        db.session.commit()
        windows = list(db.session.scalars(sa.text("SELECT id FROM window")))
        mgr, mgr2, h1 = user("mgr"), user("root"), user("h1")
        h1.department_id = dept.id
        db.session.commit()
        _, a = bad_rating("A01", 5, phone="13812345678")
        _, b = bad_rating("A02", 4)
        _, c = bad_rating("A01", 4)
        _, d = bad_rating("A02", 5)
        today = to_local(db.session.get(BadCase, a).rated_at).date()

        def check():
            db.session.expire_all()
            assert_rollup_is_direct(today, (dept.id, 0), windows)

        check()
        service.transfer(mgr, a, dept.id, "公安负责")
        service.assign(mgr, b, h1.id)
        service.assign(mgr, c, h1.id)
        service.assign(mgr, d, h1.id)
        check()
        case = db.session.get(BadCase, b)
        later = to_local(case.due_at).date() + timedelta(days=10)
        extensions.request_extension(h1, b, later, "需要调取材料")
        extensions.refuse_extension(mgr, b, "理由不足")
        extensions.request_extension(h1, b, later, "需要调取材料，已补充说明")
        extensions.approve_extension(mgr, b, "同意")
        check()
        service.verify(h1, a, "founded", "属实")
        service.rectify(h1, a, "加强培训")
        service.reply(h1, a, "已整改")
        service.revisit(mgr, a, "basic", "回访")
        service.close(mgr, a)
        check()
        service.verify(h1, c, "mistaken", "误按")  # excluded by 核实
        check()
        appeals.file_appeal(h1, d, "误按")
        appeals.decide_appeal(mgr2, d, False, "不成立")
        check()
        appeals.file_appeal(h1, b, "恶意", ground="malicious")
        appeals.decide_appeal(mgr2, b, True, "成立")
        check()
        # A step that fails part-way leaves the rollup as it was.
        with pytest.raises(service.CaseError):
            service.rectify(h1, a, "again")
        check()


def test_the_open_case_index_is_the_definition_of_open(app):
    """The report's list of open cases reads a partial index; SQLite takes it only when
    the query's condition is the index's, so both are indicators.sql_is_open()."""
    from kiosk.models.cases import OPEN_CASE_CONDITION
    from kiosk.stats import report
    from kiosk.stats.indicators import sql_is_open

    assert sql_is_open("status") == OPEN_CASE_CONDITION
    with app.app_context():
        plan = db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {report._OPEN_CASES}"), {
            "end": "2026-01-01 00:00:00.000000", "limit": 10}).all()
    assert any("ix_bad_case_open_due" in str(row) for row in plan), plan
