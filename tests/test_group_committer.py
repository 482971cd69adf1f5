"""The group committer itself, on the real SQLite file: savepoints per write, a lost
connection, and two channels racing for one invitation."""
import threading

import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.invitations.service import create_invitation
from kiosk.models import Invitation, Rating
from kiosk.ratings.committer import DirectCommitter, GroupCommitter
from kiosk.ratings.errors import AlreadyRated
from kiosk.ratings.service import record_rating

pytestmark = pytest.mark.timeout(30)


def insert(n):
    return lambda conn: conn.execute(sa.text("INSERT INTO probe (n) VALUES (:n)"), {"n": n})


def stored(app):
    with app.app_context(), db.engine.connect() as conn:
        return sorted(conn.execute(sa.text("SELECT n FROM probe")).scalars())


def test_a_failing_write_in_a_batch_rolls_back_only_its_own_savepoint(app, committer):
    gate, holding = threading.Event(), threading.Event()

    def hold(conn):  # keeps the committer busy while the next batch queues up
        holding.set()
        gate.wait(5)
        conn.execute(sa.text("INSERT INTO probe (n) VALUES (0)"))

    def fail(conn):
        conn.execute(sa.text("INSERT INTO probe (n) VALUES (99)"))
        raise ValueError("this rating is refused")

    results: dict[str, object] = {}

    def submit(name, work):
        try:
            results[name] = committer.run(work)
        except Exception as exc:
            results[name] = exc

    first = threading.Thread(target=submit, args=("hold", hold))
    first.start()
    assert holding.wait(5)
    batch = [threading.Thread(target=submit, args=(name, work))
             for name, work in (("one", insert(1)), ("bad", fail), ("two", insert(2)))]
    for t in batch:
        t.start()
    while committer._queue.qsize() < 3:  # all three wait for the same next transaction
        threading.Event().wait(0.01)
    gate.set()
    for t in [first, *batch]:
        t.join(10)

    assert isinstance(results["bad"], ValueError)
    assert not isinstance(results["one"], Exception) and not isinstance(results["two"], Exception)
    assert stored(app) == [0, 1, 2]  # 99 rolled back with its savepoint only


@pytest.fixture(params=[GroupCommitter, DirectCommitter])
def any_committer(app, request):
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE probe (n INTEGER PRIMARY KEY)"))
        yield request.param(db.engine)


def test_a_lost_connection_is_reopened(app, any_committer):
    committer = any_committer
    committer.run(insert(1))
    committer._conn.connection.driver_connection.close()  # the connection dies under it
    with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises, nothing stored
        committer.run(insert(2))
    committer.run(insert(3))  # a fresh connection
    assert stored(app) == [1, 3]


def test_two_channels_racing_for_one_invitation_one_rating_one_refusal(app):
    with app.app_context():
        inv_id = create_invitation(window_code="A01", case_no="2026-RACE-GC",
                                   service_code="530102001000").invitation.id
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def rate(channel, level):
        with app.app_context():
            start.wait()
            try:
                outcomes[channel] = record_rating(window_code="A01", level=level,
                                                  channel=channel, invitation_id=inv_id)
            except AlreadyRated as exc:
                outcomes[channel] = exc

    threads = [threading.Thread(target=rate, args=a) for a in (("touch", 1), ("evaluator", 2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)

    refusals = [o for o in outcomes.values() if isinstance(o, AlreadyRated)]
    assert len(outcomes) == 2 and len(refusals) == 1
    assert refusals[0].code == "already_rated" and "已经评价过" in str(refusals[0].message)
    with app.app_context():
        (rating,) = db.session.scalars(sa.select(Rating).where(Rating.invitation_id == inv_id))
        assert db.session.get(Invitation, inv_id).status == "rated"
        winner = next(c for c, o in outcomes.items() if not isinstance(o, AlreadyRated))
        assert rating.channel == winner


def test_the_direct_committer_writes_on_the_callers_thread_and_refuses_alone(app):
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE probe (n INTEGER PRIMARY KEY)"))
        committer = DirectCommitter(db.engine)
    threads = []

    def insert_here(n):
        def work(conn):
            threads.append(threading.get_ident())
            conn.execute(sa.text("INSERT INTO probe (n) VALUES (:n)"), {"n": n})
        return work

    committer.run(insert_here(1))
    with pytest.raises(sa.exc.IntegrityError):
        committer.run(insert_here(1))  # the same key again: refused, nothing else undone
    committer.run(insert_here(2))
    assert threads == [threading.get_ident()] * 3
    assert stored(app) == [1, 2]
