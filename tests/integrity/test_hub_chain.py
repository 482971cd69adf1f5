"""Tampering with a hall's records before they sync, seen at the PostgreSQL hub: each case
is an incident for that hall, the records that verify are still stored, and nothing is
repaired. Ordinary faults (replays, batches out of order) are not incidents."""
import json
import sqlite3
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from uuid6 import uuid7

from kiosk import create_app
from kiosk.extensions import db
from kiosk.integrity.chain import GENESIS
from kiosk.models import AuditLog, HubChainHead, HubChainRestore, HubChainRun, OutboxEntry
from kiosk.ops.backup import copy_database
from kiosk.sync import settings
from kiosk.sync.client import HubClient
from kiosk.sync.wire import encode_batch
from kiosk.sync.worker import Worker, drain
from tests.conftest import stop_server
from tests.hubkit import (
    HALL_CODE,
    add_hall,
    configure_hall,
    hall_ids,
    hub_ids,
    make_ratings,
    relink,
    serve,
    wire_items,
)
from tests.hubkit import hub_incidents as incidents

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]


@pytest.fixture
def hall(app, hub_url, hall_key):
    configure_hall(app, hub_url, hall_key)
    return app


def sync(app):
    with app.app_context():
        worker = Worker(db.engine, settings.load(app))
        try:
            return drain(worker)
        finally:
            worker.close()


def hub_runs(hub_app) -> list[tuple[int, int, int]]:
    """(retired_by, first seq, last seq) of the hall's runs at the hub."""
    with hub_app.app_context():
        r = HubChainRun
        rows = db.session.execute(sa.select(r.retired_by, r.first_seq, r.last_seq)
                                  .where(r.hall_code == HALL_CODE)
                                  .order_by(r.retired_by, r.first_seq)).all()
        db.session.remove()
        return [tuple(row) for row in rows]


def hub_head(hub_app) -> int | None:
    with hub_app.app_context():
        head = db.session.get(HubChainHead, HALL_CODE)
        db.session.remove()
        return None if head is None else head.seq


def outbox(app) -> list[OutboxEntry]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxEntry).order_by(OutboxEntry.seq)).all()
        db.session.expunge_all()
        return rows


def raw(app, sql: str, **params) -> None:
    """What someone with the SQLite file and the sqlite3 shell can do (no foreign keys)."""
    con = sqlite3.connect(Path(app.instance_path) / "hall.db")
    try:
        con.execute(sql, params)
        con.commit()
    finally:
        con.close()


def test_a_clean_hall_syncs_without_incident_and_the_hub_keeps_its_head(hall, hub_app):
    make_ratings(hall, 3)
    make_ratings(hall, 2, level=5)  # 差评: each also queues its case event
    sync(hall)
    make_ratings(hall, 2)
    sync(hall)
    assert incidents(hub_app) == []
    assert hub_head(hub_app) == len(outbox(hall)) == 9


def test_deleting_a_bad_rating_and_its_outbox_rows_before_sync_is_a_gap(hall, hub_app):
    make_ratings(hall, 2)
    (bad,) = make_ratings(hall, 1, level=5)
    make_ratings(hall, 2)
    gone = [r.seq for r in outbox(hall) if bad in (r.record_id, r.payload.get("rating_id"))]
    assert gone == [3, 4]  # the rating and its case's 登记 event
    # What someone with the SQLite file could do during an uplink outage:
    hex_id = bad.replace("-", "")
    raw(hall, "DELETE FROM bad_case WHERE rating_id = :r", r=hex_id)
    raw(hall, "DELETE FROM rating WHERE id = :r", r=hex_id)
    raw(hall, "DELETE FROM outbox WHERE record_id = :r OR payload LIKE :p",
        r=bad, p=f'%"rating_id":"{bad}"%')
    assert [r.seq for r in outbox(hall)] == [1, 2, 5, 6]
    sync(hall)
    assert incidents(hub_app) == [(HALL_CODE, "gap", 3, 4)]
    assert hub_ids(hub_app) == hall_ids(hall)  # the records that verify are stored
    make_ratings(hall, 1)
    sync(hall)
    assert len(incidents(hub_app)) == 1  # reported once, not again with every batch


def test_deleting_the_newest_record_still_leaves_a_gap(hall, hub_app):
    make_ratings(hall, 3)
    raw(hall, "DELETE FROM outbox WHERE seq = 3")
    make_ratings(hall, 1)
    sync(hall)
    assert incidents(hub_app) == [(HALL_CODE, "gap", 3, 3)]


def test_a_lowered_level_is_refused_and_reported(hall, hub_app):
    make_ratings(hall, 1)
    make_ratings(hall, 1, level=5)
    make_ratings(hall, 1)
    target = outbox(hall)[1]
    raw(hall, "UPDATE outbox SET payload = :p WHERE id = :id", id=target.id,
        p=json.dumps({**target.payload, "level": 1, "level_name": "非常满意"}))
    result = sync(hall)
    assert result.rejected == 1
    assert incidents(hub_app) == [(HALL_CODE, "hash_mismatch", 2, 2)]
    assert target.record_id not in hub_ids(hub_app)
    with hall.app_context():
        dead = db.session.scalars(sa.select(OutboxEntry).where(OutboxEntry.dead)).one()
        assert dead.id == target.id and "chain_mismatch" in dead.last_error


def test_a_changed_level_with_its_hash_recomputed_breaks_the_next_link(hall, hub_app):
    make_ratings(hall, 3, level=5)  # seq 1-6: rating, event, rating, event, …
    target = outbox(hall)[2]
    env, text = relink(json.dumps({**target.payload, "level": 4, "level_name": "不满意"}),
                       seq=3, prev=json.loads(target.envelope)["chain"]["prev"])
    raw(hall, "UPDATE outbox SET payload = :p, envelope = :e WHERE id = :id", id=target.id,
        p=text, e=env)
    sync(hall)
    assert incidents(hub_app) == [(HALL_CODE, "broken_link", 4, 4)]


def test_reordered_records_are_hash_mismatches(hall, hub_app):
    make_ratings(hall, 4)
    a, b = outbox(hall)[1:3]
    (_, a_text), (_, b_text) = wire_items(hall, {a.seq, b.seq})
    # Swap the two records' places in the chain (each keeps the other's link).
    raw(hall, "UPDATE outbox SET payload = :p WHERE id = :id", id=a.id, p=b_text)
    raw(hall, "UPDATE outbox SET payload = :p WHERE id = :id", id=b.id, p=a_text)
    sync(hall)
    assert incidents(hub_app) == [(HALL_CODE, "hash_mismatch", 2, 3)]


def test_replays(hall, hub_app):
    """The same batch again is a duplicate; old content under a new id at an old place in
    the chain is a conflict."""
    make_ratings(hall, 3)
    rows = outbox(hall)
    body = encode_batch(batch_id="b1", hall_id=HALL_CODE, sent_at="", backlog={},
                        items=wire_items(hall), chain={"low": 1, "head": 3})
    with hall.app_context():
        client = HubClient(settings.load(hall))
        first = client.send_batch(body)
        again = client.send_batch(body)
        assert len(first["stored"]) == 3 and len(again["duplicate"]) == 3
        assert incidents(hub_app) == []
        replayed = relink(json.dumps({**rows[0].payload, "id": str(uuid7())}), seq=1,
                          prev=GENESIS)
        client.send_batch(encode_batch(batch_id="b2", hall_id=HALL_CODE, sent_at="",
                                       backlog={}, items=[replayed]))
        client.close()
    assert incidents(hub_app) == [(HALL_CODE, "conflict", 1, 1)]


def stored_links(hub) -> dict[str, tuple[list, str]]:
    """id → ([seq, prev, hash], record text) of every record the hub stored."""
    with hub.app_context():
        rows = db.session.execute(sa.text(
            "SELECT id, CAST(record AS TEXT), chain_seq, chain_prev, chain_hash"
            " FROM hub_rating UNION ALL SELECT id, CAST(record AS TEXT), chain_seq,"
            " chain_prev, chain_hash FROM hub_rating_event")).all()
        db.session.remove()
    return {str(uuid.UUID(str(rid))): (link, text) for rid, text, *link in rows}


def sent_links(hall) -> dict[str, tuple[list, str]]:
    return {json.loads(text)["id"]: ([c["seq"], c["prev"], c["hash"]], text)
            for c, text in ((json.loads(env)["chain"], text) for env, text in wire_items(hall))}


def test_the_hub_keeps_the_text_the_link_covers_and_the_link_beside_it(hall, hub_app):
    make_ratings(hall, 3)
    make_ratings(hall, 1, level=5)  # and its case event
    sync(hall)
    assert stored_links(hub_app) == sent_links(hall)


def test_a_hub_on_sqlite_keeps_the_text_too(app, tmp_path, closes):
    """The demo's hub (SQLite) inserts without COPY: the same text, byte for byte."""
    hub = closes(create_app({"TESTING": True, "ROLE": "hub", "SECRET_KEY": "x",
                             "INSTANCE_PATH": str(tmp_path / "hub"),
                             "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hub.db'}"}))
    with hub.app_context():
        db.create_all()
    server, thread, url = serve(hub)
    try:
        configure_hall(app, url, add_hall(hub))
        make_ratings(app, 2)
        make_ratings(app, 1, level=5)
        sync(app)
    finally:
        stop_server(server, thread)
    assert stored_links(hub) == sent_links(app) and len(sent_links(app)) == 4


def test_a_record_sent_again_under_another_link_is_a_conflict(hall, hub_app):
    """Same id, same content, another place in the chain: not the record the hub holds."""
    make_ratings(hall, 2)
    sync(hall)
    again = relink(wire_items(hall)[0][1], seq=9, prev=GENESIS)
    rid = json.loads(again[1])["id"]
    answer = send(hall, [again])
    assert answer["duplicate"] == []
    assert answer["rejected"] == [{"id": rid, "reason": "conflict"}]


def test_a_batch_that_skips_ahead_is_a_gap_and_its_records_are_kept(hall, hub_app):
    make_ratings(hall, 5)
    rows, items = outbox(hall), wire_items(hall)
    with hall.app_context():
        client = HubClient(settings.load(hall))
        client.send_batch(encode_batch(batch_id="a", hall_id=HALL_CODE, sent_at="", backlog={},
                                       items=items[:2], chain={"low": 1, "head": 5}))
        answer = client.send_batch(encode_batch(
            batch_id="b", hall_id=HALL_CODE, sent_at="", backlog={},
            items=items[4:], chain={"low": 5, "head": 5}))
        client.close()
    assert answer["stored"] == [rows[4].record_id]
    assert incidents(hub_app) == [(HALL_CODE, "gap", 3, 4)]
    assert hub_head(hub_app) == 5


def test_batches_out_of_order_are_not_a_gap(hall, hub_app):
    make_ratings(hall, 6)
    items = wire_items(hall)
    with hall.app_context():
        client = HubClient(settings.load(hall))
        for part, low in ((items[3:], 1), (items[:3], 1)):
            client.send_batch(encode_batch(batch_id="x", hall_id=HALL_CODE, sent_at="",
                                           backlog={}, chain={"low": low, "head": 6},
                                           items=part))
        client.close()
    assert incidents(hub_app) == [] and hub_head(hub_app) == 6


def send(hall, items, chain=None, batch_id="x") -> dict:
    """One batch of these (envelope, record text) items, as the daemon would send it."""
    with hall.app_context():
        client = HubClient(settings.load(hall))
        try:
            return client.send_batch(encode_batch(
                batch_id=batch_id, hall_id=HALL_CODE, sent_at="", backlog={}, chain=chain,
                items=items))
        finally:
            client.close()


def test_batches_out_of_order_become_one_run(hall, hub_app):
    make_ratings(hall, 6)
    items = wire_items(hall)
    send(hall, items[4:], {"low": 1, "head": 6})
    send(hall, items[:2], {"low": 1, "head": 6})
    assert hub_runs(hub_app) == [(0, 1, 2), (0, 5, 6)] and hub_head(hub_app) == 2
    send(hall, items[2:4], {"low": 1, "head": 6})  # fills the hole: the runs join
    assert hub_runs(hub_app) == [(0, 1, 6)] and hub_head(hub_app) == 6
    assert incidents(hub_app) == []


def test_a_replayed_batch_inside_the_run_is_no_incident(hall, hub_app):
    make_ratings(hall, 5)
    sync(hall)
    answer = send(hall, wire_items(hall)[1:3], {"low": 6, "head": 5})
    assert len(answer["duplicate"]) == 2
    assert incidents(hub_app) == [] and hub_runs(hub_app) == [(0, 1, 5)]
    assert hub_head(hub_app) == 5


@pytest.mark.parametrize("at", [2, 3])  # inside the run, and at its end
def test_a_new_id_at_a_seq_received_before_is_a_conflict(hall, hub_app, at):
    make_ratings(hall, 3)
    sync(hall)
    old = outbox(hall)[at - 1]
    new_id = str(uuid7())
    replayed = relink(json.dumps({**old.payload, "id": new_id}), seq=at,
                      prev=json.loads(old.envelope)["chain"]["prev"])
    answer = send(hall, [replayed])
    assert answer["stored"] == [new_id]  # kept, as every record that verifies
    assert incidents(hub_app) == [(HALL_CODE, "conflict", at, at)]
    assert hub_runs(hub_app) == [(0, 1, 3)]


def test_a_restore_to_a_head_the_hub_knew_differently_is_reported(hall, hub_app):
    from kiosk.hub.chain_check import declare_restore
    from kiosk.models.base import utcnow

    make_ratings(hall, 4)
    sync(hall)
    with hub_app.app_context():
        answer = declare_restore(db.session.connection(), HALL_CODE, 2, "f" * 64, "", utcnow())
        restore_id = answer["restore_id"]
        db.session.commit()
    assert (answer["matches"], answer["retired"]) == (False, 2)
    assert incidents(hub_app) == [(HALL_CODE, "restore_mismatch", 2, 2)]
    assert hub_runs(hub_app) == [(0, 1, 2), (restore_id, 3, 4)]


def _synced_then_restored(hall, tmp_path):
    """3 records synced and backed up; 2 more synced; then the disk is lost and the hall
    starts again from the backup (a new process on the restored file)."""
    make_ratings(hall, 3)
    sync(hall)
    restored = tmp_path / "restored.db"
    copy_database(Path(hall.instance_path) / "hall.db", restored)
    make_ratings(hall, 2)
    sync(hall)
    return create_app({
        "TESTING": True, "INSTANCE_PATH": hall.instance_path, "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{restored}",
        **{k: hall.config[k] for k in ("SYNC_URL", "SYNC_HALL_ID", "SYNC_KEY_FILE")}})


def test_an_undeclared_restore_is_reported_as_a_rewritten_chain(hall, hub_app, tmp_path,
                                                                closes):
    hall = closes(_synced_then_restored(hall, tmp_path))
    make_ratings(hall, 2)  # new ratings take seq 4 and 5 again
    sync(hall)
    assert incidents(hub_app) == [(HALL_CODE, "conflict", 4, 5)]


def test_a_declared_restore_is_not_tampering_and_is_audited_at_both_ends(hall, hub_app,
                                                                        tmp_path, closes):
    hall = closes(_synced_then_restored(hall, tmp_path))
    out = hall.test_cli_runner().invoke(args=[
        "integrity", "declare-restore", "--actor", "张工", "--note", "硬盘损坏，用昨晚的备份恢复"])
    assert out.exit_code == 0, out.output
    assert "restored to seq 3" in out.output and "set aside 2" in out.output
    make_ratings(hall, 2)
    sync(hall)
    assert incidents(hub_app) == []
    assert hub_head(hub_app) == 5
    with hall.app_context():
        (entry,) = db.session.scalars(sa.select(AuditLog)
                                      .where(AuditLog.action == "declare_restore")).all()
        assert entry.actor == "张工" and entry.after["seq"] == 3
    with hub_app.app_context():
        (restore,) = db.session.scalars(sa.select(HubChainRestore)).all()
        assert (restore.seq, restore.hub_seq_before, restore.matches, restore.retired) == (
            3, 5, True, 2)
        (entry,) = db.session.scalars(sa.select(AuditLog)
                                      .where(AuditLog.action == "declare_restore")).all()
        assert entry.actor == f"hall:{HALL_CODE}"
        assert hub_runs(hub_app) == [(0, 1, 5), (restore.id, 4, 5)]  # set aside, kept
        db.session.remove()


def test_the_dashboard_and_metrics_show_incidents(hall, hub_app):
    from kiosk.auth.cli import create_user

    make_ratings(hall, 3)
    raw(hall, "DELETE FROM outbox WHERE seq = 2")
    sync(hall)
    with hub_app.app_context():
        create_user("aud", "correct horse battery staple", "auditor")
    client = hub_app.test_client()
    hub_app.config["WTF_CSRF_ENABLED"] = False
    r = client.post("/login", data={"username": "aud", "password": "correct horse battery staple"})
    assert r.status_code == 302
    page = client.get("/hub/").get_data(as_text=True)
    assert 'data-chain-hall="530102-WH"' in page and "有异常" in page and "缺号" in page
    # Said in the reader's language first, the program's own words beside it.
    assert "很可能在上传前被删除" in page and '<small lang="en" class="muted">confirmed to the hall' in page
    english = client.get("/hub/?lang=en").get_data(as_text=True)
    assert "most likely deleted before they were sent" in english
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'kiosk_integrity_incidents{hall="530102-WH",kind="gap"} 1.0' in metrics
    assert 'kiosk_chain_verified_seq{hall="530102-WH"} 3.0' in metrics


def test_hostile_chain_fields_are_incidents_not_errors(hall, hub_app):
    make_ratings(hall, 1)
    (row,) = outbox(hall)
    odd = (json.dumps({"chain": {"seq": 2, "prev": "\\\t\n" * 21 + "\\", "hash": "\n" * 64}}),
           json.dumps({**row.payload, "id": "x\ty\n\\" * 20}))
    malformed = (json.dumps({"chain": {"seq": "1", "prev": 5}}),
                 json.dumps({**row.payload, "id": str(uuid7())}))
    with hall.app_context():
        client = HubClient(settings.load(hall))
        answer = client.send_batch(encode_batch(
            batch_id="h", hall_id=HALL_CODE, sent_at="", backlog={},
            items=[*wire_items(hall), odd, malformed]))
        client.close()
    assert answer["stored"] == [row.record_id]
    assert {(r["reason"]) for r in answer["rejected"]} >= {"chain_mismatch"}
    assert {kind for _, kind, _, _ in incidents(hub_app)} == {"hash_mismatch", "bad_link",
                                                               "broken_link"}
