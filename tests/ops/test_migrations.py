"""Upgrades keep data: a database filled under the very first revision is upgraded to head
and its rows are intact. Written against the first revision's columns, so it keeps working
(and keeps meaning something) as revisions are added."""
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
RATING_ID = uuid.UUID("01900000-0000-7000-8000-000000000001")


def revisions() -> tuple[str, str]:
    migrate = current_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    ordered = list(script.walk_revisions("base", "heads"))  # newest first
    bases = [r.revision for r in ordered if r.down_revision is None]
    assert len(bases) == 1, f"expected one base revision, got {bases}"
    return bases[0], script.get_current_head()


FILL = [
    "INSERT INTO hall (id, name, region_code, dept_code, allow_uninvited, voice_enabled,"
    " public_base_url, created_at) VALUES (1, '测试大厅', '530102', '11530102MB0000000X', 1, 0,"
    " '', '2026-01-05 08:00:00')",
    "INSERT INTO staff (id, staff_no, name, active) VALUES (1, 'S001', '张三', 1)",
    "INSERT INTO service_item (id, code, name) VALUES (1, '530102001000', '营业执照')",
    "INSERT INTO window (id, code, name, scale, count_uninvited, paused, staff_id)"
    " VALUES (1, 'A01', '综合窗口', 5, 1, 0, 1)",
    "INSERT INTO rating (id, level, scale, channel, window_id, staff_id, service_id, case_no,"
    " reasons, comment, phone, rated_at, created_at, uninvited, is_default, excluded,"
    " query_code) VALUES (:id, 4, 5, 'touch', 1, 1, 1, '2026-XX-0001', '[\"R1\"]', '排队太久',"
    " '13812345678', '2026-01-05 09:00:00', '2026-01-05 09:00:00', 0, 0, 0, 'PY000000000001')",
    "INSERT INTO outbox (id, kind, record_id, payload, created_at, attempts, dead)"
    " VALUES (1, 'rating', :rid, '{\"id\": \"x\", \"level\": 4}', '2026-01-05 09:00:00', 0, 0)",
]


def test_first_revision_data_survives_upgrade_to_head(tmp_path):
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": secrets.token_hex(8),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hall.db'}",
    })
    with app.app_context():
        first, head = revisions()
        upgrade(revision=first)
        with db.engine.begin() as conn:
            for statement in FILL:
                conn.execute(sa.text(statement), {"id": RATING_ID.hex, "rid": str(RATING_ID)})
        upgrade(revision="heads")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == head
            assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(sa.text("PRAGMA foreign_key_check")).all() == []
            rating = conn.execute(sa.text(
                "SELECT level, channel, case_no, comment, phone, reasons, query_code, window_id"
                " FROM rating WHERE id = :id"), {"id": RATING_ID.hex}).one()
            assert tuple(rating) == (4, "touch", "2026-XX-0001", "排队太久", "13812345678",
                                     '["R1"]', "PY000000000001", 1)
            assert conn.execute(sa.text("SELECT code, staff_id FROM window")).all() == [("A01", 1)]
            assert conn.execute(sa.text(
                "SELECT kind, record_id, dead FROM outbox")).one() == ("rating", str(RATING_ID), 0)
        # And the upgraded database works with today's models.
        from kiosk.models import Rating

        stored = db.session.get(Rating, RATING_ID)
        assert stored.window.code == "A01" and stored.staff.staff_no == "S001"
        db.engine.dispose()


def _script_of(revision: str):
    migrate = current_app.extensions["migrate"]
    return ScriptDirectory.from_config(
        migrate.migrate.get_config(migrate.directory)).get_revision(revision)


def test_device_identity_revision_keeps_ratings_and_devices(tmp_path):
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": secrets.token_hex(8),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hall.db'}",
    })
    with app.app_context():
        ours = _script_of("b7d2c4e81a90")  # its down_revision is read from it
        upgrade(revision=ours.down_revision)
        with db.engine.begin() as conn:
            for statement in FILL[:5]:
                conn.execute(sa.text(statement), {"id": RATING_ID.hex, "rid": str(RATING_ID)})
            conn.execute(sa.text(
                "INSERT INTO device (id, window_id, protocol, port, address, baud, online, misses)"
                " VALUES (1, 1, 'evp', '/dev/ttyUSB0', 3, 9600, 1, 0)"))
        upgrade(revision=ours.revision)
        with db.engine.connect() as conn:
            rating = conn.execute(sa.text(
                "SELECT level, case_no, phone, device_serial, device_address, device_keys"
                " FROM rating")).one()
            assert tuple(rating) == (4, "2026-XX-0001", "13812345678", None, None, None)
            device = conn.execute(sa.text(
                "SELECT protocol, port, address, online, caller_address, offer_timeout_s"
                " FROM device")).one()
            assert tuple(device) == ("evp", "/dev/ttyUSB0", 3, 1, None, None)
            conn.execute(sa.text("UPDATE rating SET device_serial = 'EVPSIM-1', device_keys = 4"))
