"""Online backup while ratings are being written, then restore: the restored database is
consistent (integrity ok, every rating with its outbox row, nothing torn)."""
import sqlite3
import threading
from pathlib import Path

import pytest

from kiosk.ops import backup
from kiosk.ratings.service import record_rating

pytestmark = pytest.mark.timeout(60)


def counts(path: Path) -> tuple[int, int, int]:
    con = sqlite3.connect(path)
    try:
        ratings = con.execute("SELECT count(*) FROM rating").fetchone()[0]
        outbox = con.execute("SELECT count(*) FROM outbox WHERE kind = 'rating'").fetchone()[0]
        # A rating whose outbox row is missing (or the reverse) would be a torn transaction.
        orphans = con.execute(
            "SELECT count(*) FROM rating r FULL OUTER JOIN "
            "(SELECT record_id FROM outbox WHERE kind = 'rating') o "
            "ON replace(o.record_id, '-', '') = r.id "  # sa.Uuid on SQLite: 32 hex digits
            "WHERE r.id IS NULL OR o.record_id IS NULL"
        ).fetchone()[0]
    finally:
        con.close()
    return ratings, outbox, orphans


class RatingWriter(threading.Thread):
    """Records touch ratings through the real service until told to stop."""

    def __init__(self, app):
        super().__init__(daemon=True)
        self.app = app
        self.stop = threading.Event()
        self.written = 0
        self.error = None

    def run(self):
        try:
            with self.app.app_context():
                while not self.stop.is_set():
                    record_rating(window_code="A01", level=1 + self.written % 5,
                                  channel="evaluator")
                    self.written += 1
        except Exception as exc:  # reported by the test, not lost in the thread
            self.error = exc


def wait_for_writes(writer: RatingWriter, at_least: int) -> None:
    while writer.written < at_least and writer.is_alive():
        writer.stop.wait(0.01)


def test_backup_under_write_load_then_restore(app, tmp_path):
    live = Path(app.instance_path) / "hall.db"
    backups = tmp_path / "backups"
    writer = RatingWriter(app)
    writer.start()
    try:
        made = []
        for _ in range(3):
            wait_for_writes(writer, writer.written + 50)
            before = writer.written
            made.append(backup.create(live, backups, keep=2))
            assert writer.written > before or writer.error  # writes went on meanwhile
    finally:
        writer.stop.set()
        writer.join(10)
    assert writer.error is None, writer.error
    assert [p.name for p in backup.list_backups(backups)] == [p.name for p in made[-2:]]

    chosen = made[-1]
    assert backup.integrity(chosen) == "ok"
    ratings_in_backup, outbox_in_backup, orphans = counts(chosen)
    assert ratings_in_backup == outbox_in_backup and orphans == 0
    assert 0 < ratings_in_backup < writer.written + 1
    final_live = counts(live)[0]
    assert final_live > ratings_in_backup  # writes continued after the snapshot

    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", "restore", "--yes", str(chosen)])
    assert result.exit_code == 0, result.output
    assert backup.integrity(live) == "ok"
    assert counts(live) == (ratings_in_backup, ratings_in_backup, 0)
    kept = next(Path(app.instance_path).glob("hall.db.before-restore-*"))
    assert counts(kept)[0] == final_live  # the database it replaced was kept aside

    with app.app_context():  # the app keeps working on the restored database
        record_rating(window_code="A02", level=1, channel="evaluator")
    assert counts(live)[0] == ratings_in_backup + 1


def test_restore_refuses_a_corrupt_file(app, tmp_path):
    bad = tmp_path / "hall-20260101T000000Z.db"
    good = backup.create(Path(app.instance_path) / "hall.db", tmp_path, keep=5)
    data = bytearray(good.read_bytes())
    data[4096 * 2:4096 * 2 + 512] = b"\xff" * 512  # scribble over a b-tree page
    bad.write_bytes(bytes(data))
    assert backup.integrity(bad) != "ok"
    result = app.test_cli_runner().invoke(args=["backup", "restore", "--yes", str(bad)])
    assert result.exit_code != 0
    assert "integrity_check" in result.output
    assert not list(Path(app.instance_path).glob("hall.db.before-restore-*"))


def test_cli_create_names_by_time_and_keeps_n(app, tmp_path):
    runner = app.test_cli_runner()
    for _ in range(3):
        result = runner.invoke(args=["backup", "create", "--to", str(tmp_path), "--keep", "2"])
        assert result.exit_code == 0, result.output
        assert "integrity ok" in result.output
    names = [p.name for p in backup.list_backups(tmp_path)]
    assert len(names) == 2 and all(backup.NAME_RE.match(n) for n in names)
    assert (tmp_path / names[0]).stat().st_mode & 0o777 == 0o600
