"""The hub's runs of a hall's chain: the pure folding of links into runs, and note_links()
and declare_restore() on SQLite (the hub code runs there too)."""
from datetime import datetime

import pytest
import sqlalchemy as sa

from kiosk import create_app
from kiosk.extensions import db
from kiosk.hub import chain_check
from kiosk.hub.chain_runs import Run, changes, fold, split, triage
from kiosk.integrity.chain import GENESIS, Link, linked
from kiosk.models import HubChainHead, HubChainRun, HubIntegrityIncident

NOW = datetime(2026, 11, 30, 9, 0)


def chain(n: int, start: int = 1, prev: str = GENESIS) -> list[dict]:
    records = []
    for seq in range(start, start + n):
        records.append(linked({"kind": "rating", "id": f"r{seq}", "level": 1}, seq, prev))
        prev = records[-1]["chain"]["hash"]
    return records


def links(records) -> list[tuple[Link, str]]:
    return [(Link(**r["chain"]), r["id"]) for r in records]


def test_stretches_out_of_order_fold_into_one_run():
    records = chain(6)
    ls = links(records)
    runs, breaks = fold([], ls[4:])
    runs, more = fold(runs, ls[:2])
    assert [(r.first_seq, r.last_seq) for r in runs] == [(1, 2), (5, 6)]
    runs, last = fold(runs, ls[2:4])
    assert breaks == more == last == []
    assert runs == [Run(1, GENESIS, 6, records[5]["chain"]["hash"])]


def test_a_link_that_does_not_join_is_a_break_and_is_still_merged():
    records = chain(5)
    forged = linked({"kind": "rating", "id": "x", "level": 5}, 3, "0" * 63 + "1")
    ls = links(records)
    runs, _ = fold([], ls[:2] + ls[3:])  # 1–2 and 4–5, the hole at 3
    runs, breaks = fold(runs, links([forged]))
    assert [(b.seq, b.record_id) for b in breaks] == [(3, "x"), (4, None)]
    assert [(r.first_seq, r.last_seq) for r in runs] == [(1, 5)]


def test_the_first_link_must_follow_genesis_and_links_inside_a_stretch_join():
    records = chain(3, prev="1" * 64)
    _, breaks = fold([], links(records))
    assert [b.seq for b in breaks] == [1]
    ls = links(chain(4))
    ls[2] = (Link(3, "9" * 64, "8" * 64), "forged")  # joins neither neighbour
    _, breaks = fold([], ls)
    assert [(b.seq, b.record_id) for b in breaks] == [(3, "forged"), (4, "r4")]


def test_triage_keeps_replays_out_and_sends_the_rest_to_be_checked():
    ls = links(chain(4))
    runs = [Run(1, GENESIS, 2, ls[1][0].hash)]
    other = (Link(4, ls[3][0].prev, "e" * 64), "other")
    got = triage(runs, [ls[0], ls[1], ls[2], ls[3], other], duplicates={"r1"})
    assert got.new == [ls[2], ls[3]]
    assert got.covered == [ls[1]]  # r2 is not a known duplicate: checked against the records
    assert got.doubled == [other]


def test_changes_and_split():
    a, b = Run(1, GENESIS, 3, "a" * 64), Run(5, "b" * 64, 6, "c" * 64)
    merged = Run(1, GENESIS, 6, "c" * 64)
    assert changes([a, b], [merged]) == ([5], [merged], [])
    assert split(merged, 4, "d" * 64) == (Run(1, GENESIS, 4, "d" * 64),
                                          Run(5, "d" * 64, 6, "c" * 64))


@pytest.fixture
def hub(tmp_path):
    app = create_app({"ROLE": "hub", "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hub.db'}"})
    with app.app_context():
        db.create_all()
        yield db.session.connection()
        db.session.remove()
        db.engine.dispose()


def note(conn, records, low=None, duplicates=()):
    screened = chain_check.screen(("H", r["id"], chain_check.read_link(r), r, None)
                                  for r in records)
    chain_check.note_links(conn, screened, "H", (low, None), "b", NOW,
                           duplicates=set(duplicates))


def state(conn):
    r = HubChainRun.__table__
    runs = conn.execute(sa.select(r.c.retired_by, r.c.first_seq, r.c.last_seq)
                        .order_by(r.c.retired_by, r.c.first_seq)).all()
    i = HubIntegrityIncident.__table__
    found = conn.execute(sa.select(i.c.kind, i.c.seq_from, i.c.seq_to).order_by(i.c.id)).all()
    head = conn.execute(sa.select(HubChainHead.seq)).scalar()
    return [tuple(x) for x in runs], [tuple(x) for x in found], head


def test_on_sqlite_a_hole_below_low_is_a_gap_once_and_the_head_steps_over_it(hub):
    records = chain(6)
    note(hub, records[:2] + records[4:], low=7)
    note(hub, [], low=7)
    assert state(hub) == ([(0, 1, 2), (0, 5, 6)], [("gap", 3, 4)], 6)


def test_a_refused_record_sent_again_is_no_conflict(hub):
    """The hub refused it (nothing stored at its seq, its link counted): sent again after a
    fix, the same link is no conflict."""
    records = chain(3)
    note(hub, records)
    note(hub, records[1:2])
    assert state(hub) == ([(0, 1, 3)], [], 3)


def test_a_restore_cuts_the_run_and_sets_the_rest_aside(hub):
    records = chain(5)
    note(hub, records)
    at_end = records[2]["chain"]["hash"]
    # The hub holds no record here (none was stored): the run's end is not seq 3, so a
    # restore cannot be contradicted; the run is cut at 3 all the same.
    answer = chain_check.declare_restore(hub, "H", 3, at_end, "", NOW)
    assert (answer["matches"], answer["retired"]) == (True, 2)
    runs, found, head = state(hub)
    assert runs == [(0, 1, 3), (answer["restore_id"], 4, 5)] and found == [] and head == 3
    again = chain(2, start=4, prev=at_end)  # the restored hall's new records at 4–5
    note(hub, again)
    assert state(hub)[:2] == ([(0, 1, 5), (answer["restore_id"], 4, 5)], [])
    wrong = chain_check.declare_restore(hub, "H", 5, "f" * 64, "", NOW)  # 5: the run's end
    assert (wrong["matches"], wrong["retired"]) == (False, 0)
    assert state(hub)[1] == [("restore_mismatch", 5, 5)]
