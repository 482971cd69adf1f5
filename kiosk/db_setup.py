"""SQLite tuning: WAL, foreign keys, busy timeout, durable commits, and one writer at a time.

SQLite allows one writer. When writers collide, SQLite's busy handler sleeps and polls
(1, 2, 5, 10 … ms), which wrecks latency under load. So a write transaction is opened with
write_transaction(): it first takes a writer lock — a thread lock plus an flock() on a file
beside the database, which also orders the web workers, the device listener and the sync
daemon — and the next writer wakes the moment the previous one has committed.
"""
import contextlib
import fcntl
import os
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine

IMMEDIATE = "sqlite_begin_immediate"


class WriterLock:
    def __init__(self, path: str):
        self._thread_lock = threading.Lock()
        self._path = path
        self._fd = None
        self._pid = None

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked worker opens its own
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def close(self) -> None:
        with self._thread_lock:
            if self._fd is not None and self._pid == os.getpid():
                os.close(self._fd)
            self._fd = None

    @contextlib.contextmanager
    def held(self):
        with self._thread_lock:
            fd = self._file()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)


def configure_sqlite(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database
    if database and database != ":memory:":
        engine.info = {"writer_lock": WriterLock(f"{database}.writer-lock")}

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is deferred and unreliable).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # WAL is a property of the file: switch only once. Asking again on every connection
        # needs a lock, and behind a busy writer that made a new worker wait seconds.
        if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        # FULL: a committed rating survives a power cut, not only a process crash.
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get(IMMEDIATE)
        # On the driver's connection: every write transaction passes here, inside the
        # writer lock, and SQLAlchemy's statement handling would cost more than the BEGIN.
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


def writer_lock_for(engine):
    """The engine's writer lock as a context manager (a no-op off SQLite)."""
    lock = getattr(engine, "info", {}).get("writer_lock") if engine.dialect.name == "sqlite" else None
    return lock.held() if lock else contextlib.nullcontext()


@contextlib.contextmanager
def write_transaction(session):
    """Yields a connection in a fresh write transaction; the caller commits or rolls back.

    On SQLite the writer lock is held until the block ends, so callers must finish their
    transaction inside the block.
    """
    if session.in_transaction():
        session.rollback()  # never inherit a stale read snapshot into a write
    with writer_lock_for(session.get_bind()):
        conn = session.connection(execution_options={IMMEDIATE: True})
        try:
            yield conn
        finally:
            if session.in_transaction():
                session.rollback()
