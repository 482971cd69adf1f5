"""The leases' revision, from the one before it with sent, pending, leased and expired rows
in the outbox, on a hall (SQLite) and a forwarding hub (PostgreSQL): every lease of an
unsent row carries over, records keep every byte, and downgrade puts the leases back."""
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from kiosk import close_app, create_app
from kiosk.extensions import db
from kiosk.sync import store
from tests.revisions import revisions

T0 = datetime(2026, 11, 30, 9, 0)
ROWS = [  # record id, sent at, leased until
    ("sent", T0, None),
    ("sent-still-leased", T0, T0 + timedelta(minutes=5)),
    ("pending", None, None),
    ("leased", None, T0 + timedelta(minutes=5)),
    ("expired", None, T0 - timedelta(minutes=1)),
]
TEXT = '{"schema":1,"kind":"rating","id":"%s","comment":"办事快"}'


def _times(rows) -> dict:
    """record id → time as text: SQLite gives raw SQL text, PostgreSQL a datetime."""
    return {rid: str(at)[:19] for rid, at in rows}


def _outbox(conn) -> dict:
    return {rid: (text, sent) for rid, text, sent in conn.execute(sa.text(
        "SELECT record_id, CAST(payload AS TEXT), sent_at FROM outbox"))}


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_leases_move_to_their_table_and_back(tmp_path, pg_url, engine):
    before, mine = revisions("outbox_leases")
    url = f"sqlite:///{tmp_path / 'hall.db'}" if engine == "sqlite" else pg_url
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision=before)
        with db.engine.begin() as conn:
            for rid, sent, until in ROWS:
                conn.execute(sa.text(
                    "INSERT INTO outbox (kind, record_id, payload, created_at, sent_at,"
                    " attempts, dead, claimed_until) VALUES ('rating', :rid, :payload, :at,"
                    " :sent, 1, false, :until)"),
                    {"rid": rid, "payload": TEXT % rid, "at": T0, "sent": sent, "until": until})
            kept = _outbox(conn)
        upgrade(revision=mine)
        with db.engine.connect() as conn:
            assert _outbox(conn) == kept
            leased = _times(conn.execute(sa.text(
                "SELECT o.record_id, l.claimed_until FROM outbox_lease l"
                " JOIN outbox o ON o.id = l.row_id")))
        assert leased == _times([("leased", T0 + timedelta(minutes=5)),
                                 ("expired", T0 - timedelta(minutes=1))])
        # The daemon takes what is free at T0: the pending row and the expired lease.
        assert sorted(c.record_id for c in store.claim(db.engine, T0, 10)) == [
            "expired", "pending"]

        downgrade(revision=before)
        with db.engine.connect() as conn:
            assert _outbox(conn) == kept
            back = _times(conn.execute(sa.text(
                "SELECT record_id, claimed_until FROM outbox WHERE claimed_until IS NOT NULL")))
        assert back == _times([("leased", T0 + timedelta(minutes=5)),
                               ("expired", T0 + store.LEASE), ("pending", T0 + store.LEASE)])
    close_app(app)
