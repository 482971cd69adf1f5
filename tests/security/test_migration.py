"""The tenancy revision keeps data: a lower hub that already forwarded records keeps the
origins it sent as the halls it forwards for; counts and sessions start at their defaults."""
import secrets
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade

from kiosk import create_app
from kiosk.extensions import db

pytestmark = pytest.mark.timeout(60)
REVISION = "5ec0a1d2b3c4"


def previous_revision() -> str:
    migrate = current_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    return script.get_revision(REVISION).down_revision


def test_forwarders_keep_the_origins_they_sent(tmp_path: Path):
    app = create_app({"TESTING": True, "ROLE": "hub", "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": secrets.token_hex(8),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hub.db'}"})
    with app.app_context():
        upgrade(revision=previous_revision())
        with db.engine.begin() as conn:
            for code, forward in (("CITY-KM", 1), ("530102-WH", 0), ("530103-PL", 0)):
                conn.execute(sa.text(
                    "INSERT INTO hub_hall (code, name, key_sealed, may_forward, active, settings,"
                    " created_at) VALUES (:c, :c, 'x', :f, 1, '{}', '2026-11-01 08:00:00')"),
                    {"c": code, "f": forward})
            for sender, origin in (("CITY-KM", "530104-GD"), ("CITY-KM", "530105-XS"),
                                   ("CITY-KM", "530104-GD"), ("530102-WH", "530102-WH")):
                conn.execute(sa.text(
                    "INSERT INTO hub_rating (id, origin_hall, sender_hall, rated_at, level,"
                    " channel, is_default, excluded, record, received_at) VALUES (:id, :o, :s,"
                    " '2026-11-02 09:00:00', 1, 'touch', 0, 0, '{}', '2026-11-02 09:01:00')"),
                    {"id": uuid.uuid4().hex, "o": origin, "s": sender})
            conn.execute(sa.text(
                "INSERT INTO hub_batch (hall_code, batch_id, received_at, records, stored,"
                " duplicate, rejected) VALUES ('CITY-KM', 'b1', '2026-11-02 09:01:00', 3, 3, 0, 0)"))
            conn.execute(sa.text(
                "INSERT INTO user_account (username, display_name, password_hash, role, active,"
                " failed_logins, created_at) VALUES ('boss', '', 'h', 'manager', 1, 0,"
                " '2026-11-01 08:00:00')"))
        upgrade(revision=REVISION)
        with db.engine.connect() as conn:
            halls = dict(conn.execute(sa.text("SELECT code, forwards_for FROM hub_hall")).all())
            assert halls == {"CITY-KM": '["530104-GD", "530105-XS"]', "530102-WH": "[]",
                             "530103-PL": "[]"}
            assert conn.execute(sa.text("SELECT conflict FROM hub_batch")).scalar() == 0
            assert conn.execute(sa.text("SELECT session_version FROM user_account")).scalar() == 0
        db.engine.dispose()
