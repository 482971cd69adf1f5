"""The hash chain's revision, upgraded from the one before it with a hall's data in place."""
import json

import sqlalchemy as sa
from flask_migrate import upgrade

from kiosk import create_app
from kiosk.extensions import db
from kiosk.integrity.chain import check_run
from tests.revisions import revisions


def _outbox_row(conn, record_id: str, sent: bool, **extra):
    payload = {"schema": 1, "kind": "rating", "id": record_id, "level": 5, "comment": "太慢",
               **extra}
    conn.execute(sa.text(
        "INSERT INTO outbox (kind, record_id, payload, created_at, sent_at, attempts, dead) "
        "VALUES ('rating', :id, :payload, '2026-11-02 09:00:00', :sent, 0, 0)"),
        {"id": record_id, "payload": json.dumps(payload),
         "sent": "2026-11-02 09:01:00" if sent else None})


def test_waiting_records_become_the_chain_and_sent_ones_stay(tmp_path, closes):
    before, mine = revisions("hash_chain")
    app = closes(create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                             "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}"}))
    with app.app_context():
        upgrade(revision=before)
        with db.engine.begin() as conn:
            _outbox_row(conn, "sent-1", sent=True)
            _outbox_row(conn, "wait-1", sent=False)
            _outbox_row(conn, "fwd-1", sent=False, origin_hall="530102-WH")
            _outbox_row(conn, "wait-2", sent=False)
        upgrade(revision=mine)
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT record_id, seq, payload FROM outbox ORDER BY id"))
            got = {rid: (seq, json.loads(p)) for rid, seq, p in rows}
            head = conn.execute(sa.text("SELECT seq, hash FROM chain_head")).one()
    assert {rid: seq for rid, (seq, _) in got.items()} == {
        "sent-1": None, "wait-1": 1, "fwd-1": None, "wait-2": 2}
    assert "chain" not in got["sent-1"][1] and "chain" not in got["fwd-1"][1]
    problems, last = check_run([(*got["wait-1"], None), (*got["wait-2"], None)])
    assert problems == [] and (last.seq, last.hash) == tuple(head)
    assert {k: v for k, v in got["wait-2"][1].items() if k != "chain"} == {
        "schema": 1, "kind": "rating", "id": "wait-2", "level": 5, "comment": "太慢"}
