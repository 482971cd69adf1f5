"""The statistics revision, upgraded from the revision before it with a hall's ratings in it:
the new rollup is filled from them and equals a rebuild; nothing else changes."""
import secrets
import uuid

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade

from kiosk import create_app
from kiosk.db_setup import write_transaction
from kiosk.extensions import db

pytestmark = pytest.mark.timeout(60)
REVISION_FILE = "statistics_facets"


def revisions():
    migrate = current_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    (rev,) = [r for r in script.walk_revisions("base", "heads")
              if r.path.endswith(f"_{REVISION_FILE}.py")]
    return rev.revision, rev.down_revision


RATING = ("INSERT INTO rating (id, level, scale, channel, window_id, staff_id, service_id,"
          " department_id, reasons, comment, rated_at, created_at, uninvited, is_default,"
          " excluded) VALUES (:id, :level, 5, :channel, 1, 1, :service, :dept, :reasons, '',"
          " :at, :at, 0, :default, :excluded)")
FILL = [
    "INSERT INTO hall (id, name, region_code, dept_code, allow_uninvited, voice_enabled,"
    " public_base_url, created_at) VALUES (1, '测试大厅', '530102', '11100000000019713D', 1, 0,"
    " '', '2026-01-05 08:00:00')",
    "INSERT INTO department (id, credit_code, name, region_code, active, created_at) VALUES"
    " (7, '91110108551385082Q', '市场监管局', '530102', 1, '2026-01-05 08:00:00')",
    "INSERT INTO staff (id, staff_no, name, active) VALUES (1, 'S001', '张三', 1)",
    "INSERT INTO service_item (id, code, name, department_id) VALUES"
    " (1, '530102001000', '营业执照', 7)",
    "INSERT INTO window (id, code, name, scale, count_uninvited, paused, staff_id)"
    " VALUES (1, 'A01', '综合窗口', 5, 0, 0, 1)",
    # Two invited cases of 5 January (hall time): one rated (by default), one pending.
    "INSERT INTO invitation (id, case_no, window_id, service_id, invited_at, screen_until,"
    " status) VALUES (1, 'K-1', 1, 1, '2026-01-05 01:00:00', '2026-01-05 01:01:00',"
    " 'defaulted'), (2, 'K-2', 1, NULL, '2026-01-05 02:00:00', '2026-01-05 02:01:00',"
    " 'pending')",
]
# (level, channel, service, department, reasons, UTC time, default, excluded)
RATINGS = [
    (1, "evaluator", 1, 7, "[]", "2026-01-05 01:00:00", 0, 0),
    (3, "default", None, None, "[]", "2026-01-05 01:30:00", 1, 0),
    (4, "qr", 1, 7, '["R01", "R03"]', "2026-01-05 16:30:00", 0, 0),  # 6 January, hall time
    (5, "touch", 1, 7, '["R02"]', "2026-01-05 02:00:00", 0, 1),  # excluded: counts nowhere
]
BAD_CASE = ("INSERT INTO bad_case (id, rating_id, status, rated_at, window_id, real_name,"
            " registered_at, due_at, original_due_at, appeal_status) VALUES (1, :id, 'closed',"
            " '2026-01-05 16:30:00', 1, 0, '2026-01-05 16:30:00', '2026-01-26 15:59:59',"
            " '2026-01-26 15:59:59', 'none')")


def facets(conn, invitations=True):
    return conn.execute(sa.text(
        "SELECT facet, day, department_id, key, n1, n2, n3, n4, n5, n_default"
        " FROM rating_facet_day ORDER BY 1, 2, 3, 4")).all() + (conn.execute(sa.text(
            "SELECT 'invitation', day, department_id, window_id, invited, rated"
            " FROM invitation_day ORDER BY 2, 3, 4")).all() if invitations else [])


def test_upgrade_fills_the_facets_from_the_stored_ratings(tmp_path):
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": secrets.token_hex(8),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hall.db'}",
    })
    with app.app_context():
        mine, before = revisions()
        upgrade(revision=before)
        ids = [uuid.uuid4() for _ in RATINGS]
        with db.engine.begin() as conn:
            for statement in FILL:
                conn.execute(sa.text(statement))
            for rid, (level, channel, service, dept, reasons, at, default, excluded) in zip(
                    ids, RATINGS, strict=True):
                conn.execute(sa.text(RATING), {
                    "id": rid.hex, "level": level, "channel": channel, "service": service,
                    "dept": dept, "reasons": reasons, "at": at, "default": default,
                    "excluded": excluded})
            conn.execute(sa.text(BAD_CASE), {"id": ids[2].hex})
        upgrade(revision=mine)
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(sa.text("PRAGMA foreign_key_check")).all() == []
            columns = {c["name"] for c in sa.inspect(conn).get_columns("window")}
            assert "count_uninvited" not in columns and {"code", "staff_id"} <= columns
            assert conn.execute(sa.text("SELECT code, name FROM window")).one() == (
                "A01", "综合窗口")
            assert conn.execute(sa.text(
                "SELECT status, publishable FROM bad_case")).one() == ("closed", 0)
            assert conn.execute(sa.text("SELECT count(*) FROM rating")).scalar() == 4
            filled = facets(conn)
        day5, day6 = "2026-01-05", "2026-01-06"
        assert ("department", day5, 0, "0", 0, 0, 1, 0, 0, 1) in filled  # the default rating
        assert ("department", day5, 7, "7", 1, 0, 0, 0, 0, 0) in filled
        assert ("channel", day6, 7, "qr", 0, 0, 0, 1, 0, 0) in filled
        assert [f for f in filled if f[0] == "reason"] == [
            ("reason", day6, 7, "R01", 0, 0, 0, 1, 0, 0),
            ("reason", day6, 7, "R03", 0, 0, 0, 1, 0, 0)]  # R02's rating is excluded
        assert sum(sum(f[4:9]) for f in filled if f[0] == "window") == 3
        # Invitations by the department of their item (7), else of their window (none).
        assert [f for f in filled if f[0] == "invitation"] == [
            ("invitation", day5, 0, 1, 1, 0), ("invitation", day5, 7, 1, 1, 1)]
        # The migration's fill is what `stats rebuild` computes (today's rebuild, on
        # today's schema: later revisions add rollups of their own).
        from kiosk.stats import rollup

        upgrade()

        with write_transaction(db.session()) as conn:
            rollup.rebuild(conn)
            db.session.commit()
        with db.engine.connect() as conn:  # (invitations are counted per facet since)
            assert facets(conn, invitations=False) == [f for f in filled
                                                       if f[0] != "invitation"]
        db.engine.dispose()
