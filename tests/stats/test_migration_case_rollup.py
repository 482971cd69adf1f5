"""The case-rollup revision, upgraded from the revision before it with a hall's 差评 cases in
it: the case rollup and the window facets are filled from them, equal a rebuild, and the
case rollup gives the direct counts."""
import secrets
import uuid
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from kiosk import create_app
from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from tests.stats.test_migration_facets import FILL as FACETS_FILL
from tests.stats.test_migration_facets import RATING

# The window table lost count_uninvited in the revision before this one.
FILL = [s.replace("scale, count_uninvited,", "scale,").replace("5, 0, 0, 1)", "5, 0, 1)")
        for s in FACETS_FILL]
pytestmark = pytest.mark.timeout(60)
REVISION_FILE = "case_rollup"

# (level, department, UTC time, excluded) — every one a 差评 with a case.
RATINGS = [
    (4, 7, "2026-01-05 01:00:00", 0),
    (5, 7, "2026-01-05 16:30:00", 0),  # 6 January, hall time
    (5, None, "2026-01-05 02:00:00", 0),
    (4, 7, "2026-01-05 03:00:00", 1),  # excluded after an accepted appeal
]
# (status, due, done, revisited, revisit result, appeal, real name)
CASES = [
    ("closed", "2026-01-26 15:59:59", "2026-01-20 02:00:00", "2026-01-21 02:00:00",
     "satisfied", "none", 1),
    ("assigned", "2026-01-27 15:59:59", None, None, None, "pending", 0),
    ("rectified", "2026-01-26 15:59:59", "2026-02-02 02:00:00", None, None, "rejected", 0),
    ("closed", "2026-01-26 15:59:59", None, None, None, "accepted", 0),
]
CASE = ("INSERT INTO bad_case (id, rating_id, status, rated_at, window_id, real_name,"
        " registered_at, due_at, original_due_at, appeal_status, done_at, revisited_at,"
        " revisit_result) VALUES (:n, :rid, :status, :at, 1, :real, :at, :due, :due, :appeal,"
        " :done, :rev, :result)")
DEADLINE = ("INSERT INTO case_deadline (case_id, due_at, effective_at, set_by)"
            " VALUES (:n, :due, :at, 'system')")


def revisions():
    from tests.stats import test_migration_facets

    old, test_migration_facets.REVISION_FILE = test_migration_facets.REVISION_FILE, REVISION_FILE
    try:
        return test_migration_facets.revisions()
    finally:
        test_migration_facets.REVISION_FILE = old


def rollup_rows(conn):
    return conn.execute(sa.text("SELECT * FROM case_facet_day ORDER BY 1, 2, 3, 4")).all()


def window_rows(conn):
    return conn.execute(sa.text(
        "SELECT * FROM rating_window_facet_day ORDER BY 1, 2, 3, 4")).all()


def test_upgrade_fills_the_case_rollup_from_the_stored_cases(tmp_path):
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": secrets.token_hex(8),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hall.db'}",
    })
    with app.app_context():
        mine, before = revisions()
        upgrade(revision=before)
        with db.engine.begin() as conn:
            for statement in FILL:
                conn.execute(sa.text(statement))
            for n, ((level, dept, at, excluded), (status, due, done, rev, result, appeal, real)) \
                    in enumerate(zip(RATINGS, CASES, strict=True), start=1):
                rid = uuid.uuid4().hex
                conn.execute(sa.text(RATING), {
                    "id": rid, "level": level, "channel": "touch", "service": None,
                    "dept": dept, "reasons": "[]", "at": at, "default": 0,
                    "excluded": excluded})
                conn.execute(sa.text(CASE), {
                    "n": n, "rid": rid, "status": status, "at": at, "real": real,
                    "due": f"{due}.000000", "appeal": appeal, "done": done and f"{done}.000000",
                    "rev": rev and f"{rev}.000000", "result": result})
                conn.execute(sa.text(DEADLINE), {"n": n, "due": f"{due}.000000", "at": at})
        upgrade(revision=mine)
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(sa.text("SELECT count(*) FROM bad_case")).scalar() == 4
            filled = rollup_rows(conn)
        assert {r.facet for r in filled} == {"department", "window"}
        by_window = [r for r in filled if r.facet == "window"]
        assert sum(r.cases for r in by_window) == 3  # the excluded one counts nowhere …
        assert sum(r.appeal_accepted for r in by_window) == 1  # … but in 申诉成立率
        assert {(r.day, r.key) for r in filled if r.facet == "department"} == {
            ("2026-01-05", 7), ("2026-01-05", 0), ("2026-01-06", 7)}

        from kiosk.stats import case_rollup, queries
        from kiosk.stats.definitions import Period

        # Read on 1 February: the pending case (due 27 January) is overdue by then.
        at = datetime(2026, 2, 1)
        direct = queries.case_counts_direct_by(Period(date(2026, 1, 1), date(2026, 1, 31)),
                                               at, "department")
        assert case_rollup.case_counts_by("2026-01-01", "2026-01-31", at, "department") \
            == direct
        assert sum(c.overdue for c in direct.values()) == 1
        assert sum(c.on_time for c in direct.values()) == 1
        with db.engine.connect() as conn:
            windows = window_rows(conn)
        # One window (1): its three counted 差评 by department (7 twice, none once).
        assert [(r.facet, r.key, r.n4 + r.n5) for r in windows
            if r.facet in ("department", "total")] == [
            ("department", "0", 1), ("department", "7", 1), ("department", "7", 1),
            ("total", "", 2), ("total", "", 1)]
        # The migration's fill is what `stats rebuild` computes (today's rebuild, on
        # today's schema).
        from kiosk.stats import rollup

        upgrade()
        with write_transaction(db.session()) as conn:
            case_rollup.rebuild(conn)
            rollup.rebuild(conn)
            db.session.commit()
        with db.engine.connect() as conn:
            assert rollup_rows(conn) == filled
            assert window_rows(conn) == windows
        db.engine.dispose()


def test_invitations_move_to_their_facets_and_back(tmp_path):
    """The invitation-facets revision fills the new rollup from the stored invitations (an
    excluded rating's invitation counts nowhere) and its downgrade fills the old one."""
    from flask_migrate import downgrade

    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": secrets.token_hex(8),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hall.db'}",
    })
    with app.app_context():
        from tests.stats import test_migration_facets

        old, test_migration_facets.REVISION_FILE = (test_migration_facets.REVISION_FILE,
                                                    "invitation_facets")
        try:
            mine, before = test_migration_facets.revisions()
        finally:
            test_migration_facets.REVISION_FILE = old
        upgrade(revision=before)
        with db.engine.begin() as conn:
            for statement in FILL:
                conn.execute(sa.text(statement))
            conn.execute(sa.text("INSERT INTO invitation (id, case_no, window_id, invited_at,"
                                 " screen_until, status) VALUES (3, 'K-3', 1,"
                                 " '2026-01-05 03:00:00', '2026-01-05 03:01:00', 'rated')"))
            conn.execute(sa.text(
                "INSERT INTO rating (id, level, scale, channel, window_id, staff_id, reasons,"
                " comment, rated_at, created_at, uninvited, is_default, excluded,"
                " invitation_id) VALUES (:id, 5, 5, 'touch', 1, 1, '[]', '',"
                " '2026-01-05 03:00:00', '2026-01-05 03:00:00', 0, 0, 1, 3)"),
                {"id": uuid.uuid4().hex})
        upgrade(revision=mine)
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT facet, day, key, invited, rated FROM invitation_facet_day "
                "ORDER BY 1, 2, 3")).all()
        # Invitation 1 (item of department 7, rated by default) and 2 (no item, pending);
        # 3's rating is excluded.
        assert rows == [("department", "2026-01-05", 0, 1, 0),
                        ("department", "2026-01-05", 7, 1, 1),
                        ("window", "2026-01-05", 1, 2, 1)]
        downgrade(revision=before)
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(
                "SELECT * FROM invitation_day ORDER BY 1, 2, 3")).all() == [
                    ("2026-01-05", 1, 0, 1, 0), ("2026-01-05", 1, 7, 1, 1)]
        db.engine.dispose()


def test_the_window_facet_index_revision_keeps_the_rows(tmp_path):
    from tests.stats import test_migration_facets

    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": secrets.token_hex(8),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hall.db'}",
    })
    with app.app_context():
        old, test_migration_facets.REVISION_FILE = (test_migration_facets.REVISION_FILE,
                                                    "window_facet_day_index")
        try:
            mine, before = test_migration_facets.revisions()
        finally:
            test_migration_facets.REVISION_FILE = old
        upgrade(revision=before)
        row = ("total", 1, "2026-01-05", "", 1, 0, 0, 0, 0, 0)
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO rating_window_facet_day VALUES "
                                 "(:f, :w, :d, :k, :n1, :n2, :n3, :n4, :n5, :nd)"),
                         dict(zip(("f", "w", "d", "k", "n1", "n2", "n3", "n4", "n5", "nd"),
                                  row, strict=True)))
        upgrade(revision=mine)
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT * FROM rating_window_facet_day")).all() == [row]
            plan = conn.execute(sa.text(
                "EXPLAIN QUERY PLAN SELECT window_id, sum(n1) FROM rating_window_facet_day "
                "WHERE facet = 'total' AND day BETWEEN '2026-01-01' AND '2026-03-31' "
                "GROUP BY 1")).all()
        assert any("ix_rating_window_facet_day_day" in str(p) for p in plan), plan
        db.engine.dispose()
