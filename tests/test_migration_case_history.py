"""The deadlines/appeals/dead-letters revision, from the revision before it, with data: an
extended case, a case with an accepted appeal and one with a pending appeal, and a delivery
row, all carried over into the new tables."""
import importlib.util
import uuid
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from kiosk import create_app
from kiosk.extensions import db

REVISION = next(Path(__file__).parent.parent.glob(
    "migrations/versions/*_deadlines_appeals_exclusions_dead_.py"))


def _revision_module():
    spec = importlib.util.spec_from_file_location("rev", REVISION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _insert_old_rows(conn, ids):
    t0 = datetime(2026, 5, 6, 2, 0)
    conn.execute(sa.text(
        "INSERT INTO hall (id, name, region_code, dept_code, allow_uninvited, voice_enabled, "
        "public_base_url, created_at) VALUES (1, '测试大厅', '530102', "
        "'11530102MB0000000X', 1, 1, '', :t)"), {"t": t0})
    conn.execute(sa.text("INSERT INTO window (id, code, name, scale, count_uninvited, paused) "
                         "VALUES (1, 'A01', '综合窗口', 5, 1, 0)"))
    for rid, excluded in ids.items():
        conn.execute(sa.text(
            "INSERT INTO rating (id, level, scale, channel, window_id, reasons, comment, "
            "rated_at, created_at, uninvited, is_default, excluded) VALUES (:id, 5, 5, "
            "'touch', 1, '[\"R01\"]', '', :t, :t, 0, 0, :ex)"),
            {"id": rid.hex, "t": t0, "ex": excluded})
    cases = [  # (id, rating, due, original, appeal_status, appeal_reason)
        (1, list(ids)[0], datetime(2026, 6, 5, 15, 59, 59), datetime(2026, 5, 27, 15, 59, 59),
         "none", None),
        (2, list(ids)[1], datetime(2026, 5, 27, 15, 59, 59), datetime(2026, 5, 27, 15, 59, 59),
         "accepted", "误按"),
        (3, list(ids)[2], datetime(2026, 5, 27, 15, 59, 59), datetime(2026, 5, 27, 15, 59, 59),
         "pending", "评价人不是办事人"),
    ]
    for cid, rid, due, original, appeal, reason in cases:
        conn.execute(sa.text(
            "INSERT INTO bad_case (id, rating_id, status, rated_at, window_id, real_name, "
            "registered_at, due_at, original_due_at, appeal_status, appeal_reason) VALUES "
            "(:id, :r, 'assigned', :t, 1, 0, :t, :due, :orig, :ap, :reason)"),
            {"id": cid, "r": rid.hex, "t": t0, "due": due, "orig": original, "ap": appeal,
             "reason": reason})
    steps = [(1, "extend", "mgr", datetime(2026, 5, 20, 1, 0), "2026-06-05: 需协调"),
             (2, "appeal", "h1", datetime(2026, 5, 7, 1, 0), "误按"),
             (2, "decide_appeal", "mgr", datetime(2026, 5, 8, 1, 0), "accepted: 核实为误按"),
             (3, "appeal", "h1", datetime(2026, 5, 9, 1, 0), "评价人不是办事人")]
    for cid, action, actor, at, note in steps:
        conn.execute(sa.text(
            "INSERT INTO case_step (case_id, at, actor, action, from_status, to_status, note) "
            "VALUES (:c, :at, :actor, :action, 'assigned', 'assigned', :note)"),
            {"c": cid, "at": at, "actor": actor, "action": action, "note": note})
    conn.execute(sa.text(
        "INSERT INTO outbox (id, kind, record_id, payload, created_at, attempts, dead) "
        "VALUES (1, 'rating', :r, '{}', :t, 1, 0)"), {"r": str(list(ids)[0]), "t": t0})
    conn.execute(sa.text(
        "INSERT INTO upstream_delivery (upstream, outbox_id, record_id, status, attempts, "
        "created_at, updated_at) VALUES ('province', 1, :r, 'failed', 3, :t, :t)"),
        {"r": str(list(ids)[0]), "t": t0})


def test_upgrade_carries_history_of_existing_cases(tmp_path):
    module = _revision_module()
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}"})
    ids = {uuid.uuid4(): False, uuid.uuid4(): True, uuid.uuid4(): False}
    with app.app_context():
        upgrade(revision=module.down_revision)
        with db.engine.begin() as conn:
            _insert_old_rows(conn, ids)
        upgrade(revision=module.revision)
        with db.engine.begin() as conn:
            deadlines = conn.execute(sa.text(
                "SELECT case_id, due_at, effective_at, set_by FROM case_deadline "
                "ORDER BY case_id, id")).all()
            appeals = conn.execute(sa.text(
                "SELECT case_id, filed_by, status, decided_by, decider FROM case_appeal "
                "ORDER BY case_id")).all()
            exclusions = conn.execute(sa.text(
                "SELECT case_id, source, decided_by FROM rating_exclusion")).all()
            delivery = conn.execute(sa.text(
                "SELECT status, attempts, refusals FROM upstream_delivery")).one()
            conn.execute(sa.text("UPDATE upstream_delivery SET status = 'dead'"))  # allowed now
    assert [(d.case_id, d.set_by) for d in deadlines] == [
        (1, "system"), (1, "mgr"), (2, "system"), (3, "system")]
    assert str(deadlines[1].due_at).startswith("2026-06-05 15:59:59")
    assert str(deadlines[1].effective_at).startswith("2026-05-20 01:00:00")
    assert [tuple(a) for a in appeals] == [(2, "h1", "accepted", "mgr", "hall"),
                                           (3, "h1", "pending", None, "hall")]
    assert [tuple(e) for e in exclusions] == [(2, "appeal", "mgr")]
    assert tuple(delivery) == ("failed", 3, 0)
