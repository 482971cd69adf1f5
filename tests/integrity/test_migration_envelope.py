"""The envelope's revision, from the one before it with linked, forwarded and unlinked
records in the outbox, on a hall (SQLite) and a forwarding hub (PostgreSQL): every link
made before verifies over the text the outbox now keeps, and downgrade gives the records
back as they were."""
import json

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from kiosk import close_app, create_app
from kiosk.extensions import db
from kiosk.integrity.chain import GENESIS, link_of, linked, text_matches
from kiosk.integrity.local import verify
from tests.revisions import revisions


def _record(rid: str) -> dict:
    return {"schema": 1, "kind": "rating", "id": rid, "level": 5, "comment": "太慢",
            "reasons": ["R01"], "real_name": False}


def _insert(conn, rid: str, payload: dict, seq=None):
    conn.execute(sa.text(
        "INSERT INTO outbox (kind, record_id, payload, created_at, attempts, dead, seq) "
        "VALUES ('rating', :id, :payload, '2026-11-02 09:00:00', 0, false, :seq)"),
        {"id": rid, "payload": json.dumps(payload), "seq": seq})


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_links_made_before_verify_over_the_kept_text(tmp_path, pg_url, engine):
    before, mine = revisions("record_envelope")
    url = f"sqlite:///{tmp_path / 'hall.db'}" if engine == "sqlite" else pg_url
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision=before)
        first = linked(_record("own-1"), 1, GENESIS)
        second = linked(_record("own-2"), 2, first["chain"]["hash"])
        forwarded = {**linked(_record("fwd-1"), 41, GENESIS), "origin_hall": "530102-WH"}
        plain = {**_record("fwd-2"), "origin_hall": "530102-WH"}
        with db.engine.begin() as conn:
            _insert(conn, "own-1", first, 1)
            _insert(conn, "own-2", second, 2)
            _insert(conn, "fwd-1", forwarded)
            _insert(conn, "fwd-2", plain)
            _insert(conn, "old-1", _record("old-1"))
            conn.execute(sa.text("INSERT INTO chain_head (id, seq, hash) VALUES (1, 2, :h)"),
                         {"h": second["chain"]["hash"]})
        upgrade(revision=mine)
        with db.engine.connect() as conn:
            rows = {rid: (json.loads(text), env and json.loads(env), text)
                    for rid, text, env in conn.execute(sa.text(
                        "SELECT record_id, CAST(payload AS TEXT), envelope FROM outbox"))}
        verdict = verify(db.engine, with_ratings=False)
        assert verdict.intact and verdict.checked == 2, verdict.problems
        record, env, text = rows["fwd-1"]
        assert record == _record("fwd-1") and env["origin_hall"] == "530102-WH"
        assert text_matches(text.encode(), link_of(env))
        assert rows["fwd-2"][:2] == (_record("fwd-2"), {"origin_hall": "530102-WH"})
        assert rows["old-1"][:2] == (_record("old-1"), None)
        assert rows["own-1"][:2] == (_record("own-1"), {"chain": first["chain"]})

        downgrade(revision=before)
        with db.engine.connect() as conn:
            back = {rid: json.loads(text) for rid, text in conn.execute(sa.text(
                "SELECT record_id, CAST(payload AS TEXT) FROM outbox"))}
        assert back == {"own-1": first, "own-2": second, "fwd-1": forwarded, "fwd-2": plain,
                        "old-1": _record("old-1")}
    close_app(app)
