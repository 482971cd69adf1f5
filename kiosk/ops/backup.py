"""Online SQLite backups of a running hall, verified, named by time, with retention.

The copy uses SQLite's backup API in a single step: it reads one consistent snapshot (in
WAL mode readers never block the web app, the listener or the sync daemon) and never sees
half a transaction. A backup is a self-contained file (journal_mode=DELETE) that passed
PRAGMA integrity_check before it got its final name.
"""
import contextlib
import os
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

PREFIX = "hall-"
SUFFIX = ".db"
NAME_RE = re.compile(r"^hall-\d{8}T\d{6}(\d{6})?Z\.db$")


class BackupError(RuntimeError):
    pass


def integrity(path: Path) -> str:
    """'ok', or the first problem PRAGMA integrity_check (or opening the file) reports."""
    if not path.is_file():
        return f"{path} does not exist"
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = con.execute("PRAGMA integrity_check").fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return "ok" if rows == [("ok",)] else "; ".join(str(r[0]) for r in rows[:5])


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a live database into a new file (no -wal/-shm beside it)."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages=-1: the whole database from one read snapshot
        dst.execute("PRAGMA journal_mode=DELETE")
        dst.commit()
    finally:
        dst.close()
        src.close()
    _fsync(target)


def backup_name(now: datetime) -> str:
    return f"{PREFIX}{now.strftime('%Y%m%dT%H%M%S%f')}Z{SUFFIX}"


def list_backups(directory: Path) -> list[Path]:
    """Backups in the folder, oldest first (the names sort by time)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if NAME_RE.match(p.name))


def prune(directory: Path, keep: int) -> list[Path]:
    """Deletes all but the newest `keep` backups; returns what it deleted."""
    backups = list_backups(directory)
    doomed = backups[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink()
    return doomed


def create(source: Path, directory: Path, keep: int, now: datetime | None = None) -> Path:
    now = now or datetime.now(UTC)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    final = directory / backup_name(now)
    partial = final.with_name(final.name + ".partial")
    try:
        copy_database(source, partial)
        problem = integrity(partial)
        if problem != "ok":
            raise BackupError(f"the copy failed integrity_check: {problem}")
        os.chmod(partial, 0o600)  # the database holds phone numbers
        os.replace(partial, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    prune(directory, keep)
    return final


def restore(backup: Path, live: Path, writer_lock=None, now: datetime | None = None) -> Path:
    """Replaces the live database's content by the backup's; returns where the previous
    content was kept. Refuses a backup that fails integrity_check.

    The content is copied *into* the live database through SQLite's backup API, which takes
    SQLite's own locks, so the WAL and shared-memory files stay consistent. Stop the other
    processes anyway (docs/deploy.md): they keep caches that the restore does not reset.
    """
    problem = integrity(backup)
    if problem != "ok":
        raise BackupError(f"{backup} failed integrity_check: {problem}")
    now = now or datetime.now(UTC)
    aside = live.with_name(f"{live.name}.before-restore-{now.strftime('%Y%m%dT%H%M%SZ')}")
    lock = writer_lock if writer_lock is not None else contextlib.nullcontext()
    with lock:
        if live.exists():
            copy_database(live, aside)
        src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        dst = sqlite3.connect(live, timeout=30)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
    problem = integrity(live)
    if problem != "ok":
        raise BackupError(f"restored database failed integrity_check: {problem}; "
                          f"the previous one is at {aside}")
    return aside
