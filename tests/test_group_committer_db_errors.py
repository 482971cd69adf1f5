"""The group committer's savepoints run on the driver's connection: a write refused by the
database itself (not by Python) inside a batch is undone alone, through SQLAlchemy and
through the DBAPI cursor (the rating hot path's statements) alike."""
import sqlite3
import threading

import pytest
import sqlalchemy as sa

from tests.test_group_committer import stored

pytestmark = pytest.mark.timeout(30)


def via_sqlalchemy(*ns):
    def work(conn):
        for n in ns:
            conn.execute(sa.text("INSERT INTO probe (n) VALUES (:n)"), {"n": n})
    return work


def via_cursor(*ns):
    def work(conn):
        cursor = conn.connection.driver_connection.cursor()
        for n in ns:
            cursor.execute("INSERT INTO probe (n) VALUES (?)", (n,))
    return work


def run_as_one_batch(committer, works: dict) -> dict:
    gate, holding = threading.Event(), threading.Event()

    def hold(conn):  # keeps the committer busy while the next batch queues up
        holding.set()
        gate.wait(5)

    results: dict[str, object] = {}

    def submit(name, work):
        try:
            results[name] = committer.run(work)
        except Exception as exc:
            results[name] = exc

    first = threading.Thread(target=submit, args=("hold", hold))
    first.start()
    assert holding.wait(5)
    batch = [threading.Thread(target=submit, args=item) for item in works.items()]
    for t in batch:
        t.start()
    while committer._queue.qsize() < len(works):
        threading.Event().wait(0.01)
    gate.set()
    for t in [first, *batch]:
        t.join(10)
    return results


@pytest.mark.parametrize("write", [via_sqlalchemy, via_cursor])
def test_a_write_the_database_refuses_is_undone_alone_with_its_earlier_rows(app, committer,
                                                                             write):
    committer.run(write(7))
    results = run_as_one_batch(committer, {
        "one": write(1),
        "dup": write(50, 7),  # 50 goes in, then 7 breaks the primary key: both undone
        "two": write(2),
    })
    assert isinstance(results["dup"], sa.exc.IntegrityError | sqlite3.IntegrityError)
    assert not isinstance(results["one"], Exception)
    assert not isinstance(results["two"], Exception)
    assert stored(app) == [1, 2, 7]
    committer.run(write(3))  # the connection and its transaction handling are still sound
    assert stored(app) == [1, 2, 3, 7]
