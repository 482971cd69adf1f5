"""The departments revision, upgraded from the revision before it with a hall's data in it."""
import secrets
import uuid

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade

from kiosk import create_app
from kiosk.extensions import db

pytestmark = pytest.mark.timeout(60)
REVISION_FILE = "departments"
RATING_ID = uuid.UUID("01900000-0000-7000-8000-0000000000aa")


def departments_revision():
    migrate = current_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    (rev,) = [r for r in script.walk_revisions("base", "heads")
              if r.path.endswith(f"_{REVISION_FILE}.py")]
    return rev.revision, rev.down_revision


FILL = [
    "INSERT INTO hall (id, name, region_code, dept_code, allow_uninvited, voice_enabled,"
    " public_base_url, created_at) VALUES (1, '测试大厅', '530102', '11100000000019713D', 1, 0,"
    " '', '2026-01-05 08:00:00')",
    "INSERT INTO staff (id, staff_no, name, active) VALUES (1, 'S001', '张三', 1)",
    "INSERT INTO service_item (id, code, name) VALUES (1, '530102001000', '营业执照')",
    "INSERT INTO window (id, code, name, scale, count_uninvited, paused, staff_id)"
    " VALUES (1, 'A01', '综合窗口', 5, 1, 0, 1)",
    "INSERT INTO user_account (id, username, display_name, password_hash, role, active,"
    " failed_logins, created_at) VALUES (1, 'h1', '办理人', 'x', 'handler', 1, 0,"
    " '2026-01-05 08:00:00')",
    "INSERT INTO rating (id, level, scale, channel, window_id, staff_id, service_id, case_no,"
    " reasons, comment, phone, rated_at, created_at, uninvited, is_default, excluded,"
    " query_code) VALUES (:id, 4, 5, 'touch', 1, 1, 1, '2026-XX-0001', '[\"R1\"]', '排队太久',"
    " '13812345678', '2026-01-05 09:00:00', '2026-01-05 09:00:00', 0, 0, 0, 'PY000000000001')",
    "INSERT INTO bad_case (id, rating_id, status, rated_at, window_id, real_name, registered_at,"
    " due_at, original_due_at, assignee_id, appeal_status) VALUES (1, :id, 'assigned',"
    " '2026-01-05 09:00:00', 1, 1, '2026-01-05 09:00:00', '2026-01-26 15:59:59',"
    " '2026-01-26 15:59:59', 1, 'none')",
]


def test_upgrade_keeps_the_halls_rows_and_departments_then_work(tmp_path):
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": secrets.token_hex(8),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hall.db'}",
    })
    with app.app_context():
        mine, before = departments_revision()
        upgrade(revision=before)
        with db.engine.begin() as conn:
            for statement in FILL:
                conn.execute(sa.text(statement), {"id": RATING_ID.hex})
        upgrade(revision=mine)
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(sa.text("PRAGMA foreign_key_check")).all() == []
            rating = conn.execute(sa.text(
                "SELECT level, case_no, comment, phone, window_id, service_id, department_id"
                " FROM rating WHERE id = :id"), {"id": RATING_ID.hex}).one()
            assert tuple(rating) == (4, "2026-XX-0001", "排队太久", "13812345678", 1, 1, None)
            assert conn.execute(sa.text(
                "SELECT status, assignee_id, department_id FROM bad_case")).one() == (
                    "assigned", 1, None)
            assert conn.execute(sa.text(
                "SELECT username, role, department_id FROM user_account")).one() == (
                    "h1", "handler", None)
        # The upgraded database takes departments with today's models.
        from kiosk.models import Department, Rating, ServiceItem, User, Window

        dept = Department(name="市场监管局", credit_code="91110108551385082Q")
        db.session.add(dept)
        db.session.flush()
        db.session.get(ServiceItem, 1).department_id = dept.id
        db.session.get(Window, 1).department_id = dept.id
        db.session.get(User, 1).department_id = dept.id
        db.session.commit()
        assert db.session.get(Rating, RATING_ID).department_id is None  # history stays as rated
        assert db.session.get(ServiceItem, 1).department.name == "市场监管局"
        with pytest.raises(sa.exc.IntegrityError):  # the credit code is unique
            db.session.add(Department(name="重复", credit_code="91110108551385082Q"))
            db.session.commit()
        db.session.rollback()
        db.engine.dispose()
