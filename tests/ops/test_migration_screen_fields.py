"""The touchscreen's hall and staff fields: rows from the revision before are kept, get
empty English names, 监督电话 and 服务承诺, and no 星级."""
import secrets

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade

from kiosk import create_app
from kiosk.extensions import db

pytestmark = pytest.mark.timeout(60)
REVISION = "b7e2d4c91a05"


def revision_before() -> str:
    migrate = current_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    return script.get_revision(REVISION).down_revision


def test_existing_hall_windows_and_staff_get_empty_screen_fields(tmp_path):
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": secrets.token_hex(8),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hall.db'}",
    })
    with app.app_context():
        upgrade(revision=revision_before())
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO hall (id, name, region_code, dept_code, allow_uninvited, voice_enabled,"
                " public_base_url, created_at) VALUES (1, '五华区政务服务中心', '530102',"
                " '11530102MB0000000X', 1, 1, '', '2026-01-05 08:00:00')"))
            conn.execute(sa.text(
                "INSERT INTO staff (id, staff_no, name, active) VALUES (1, 'YN0101', '张三', 1)"))
            conn.execute(sa.text(
                "INSERT INTO window (id, code, name, scale, count_uninvited, paused, staff_id)"
                " VALUES (1, 'A01', '综合受理窗口', 5, 1, 0, 1)"))
        upgrade(revision=REVISION)
        with db.engine.connect() as conn:
            hall = conn.execute(sa.text(
                "SELECT name, name_en, supervision_phone, service_promise FROM hall")).one()
            window = conn.execute(sa.text("SELECT code, name, name_en, staff_id FROM window")).one()
            staff = conn.execute(sa.text("SELECT staff_no, name, stars FROM staff")).one()
    assert tuple(hall) == ("五华区政务服务中心", "", "", "")
    assert tuple(window) == ("A01", "综合受理窗口", "", 1)
    assert tuple(staff) == ("YN0101", "张三", None)
