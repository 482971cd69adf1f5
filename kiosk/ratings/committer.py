"""Group commit: many ratings, one durable COMMIT.

With synchronous=FULL every COMMIT waits for the disk (an fsync, ~0.3 ms here), and SQLite
has one writer. So request threads hand their write to one committer thread per process;
it runs every waiting write in its own SAVEPOINT inside one transaction and commits once.
Each caller returns only after the COMMIT that holds its rating is on disk, and a write that
fails rolls back only its own savepoint.
"""
import queue
import threading

from kiosk.db_setup import IMMEDIATE, writer_lock_for

MAX_BATCH = 128
_STOP = object()  # queued by close(): the committer thread ends after the jobs before it


class _Job:
    __slots__ = ("work", "done", "result", "error")

    def __init__(self, work):
        self.work = work
        self.done = threading.Event()
        self.result = None
        self.error = None


class GroupCommitter:
    def __init__(self, engine):
        self._engine = engine
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._thread = None
        self._start_lock = threading.Lock()
        self._conn = None  # the committer thread's own connection, kept open

    def _reset_connection(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def run(self, work):
        """Runs work(connection) in the next group transaction; returns its result or raises."""
        self._ensure_thread()
        job = _Job(work)
        self._queue.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result

    def _ensure_thread(self) -> None:
        # Started on first use, never at import or app creation.
        if self._thread is None or not self._thread.is_alive():
            with self._start_lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(
                        target=self._loop, name="rating-committer", daemon=True
                    )
                    self._thread.start()

    def close(self) -> None:
        """Ends the committer thread after the writes already queued, and closes its
        connection (engine.dispose() leaves a checked-out connection open)."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(_STOP)
            thread.join(10)
        else:
            self._reset_connection()

    def _next_batch(self) -> list[_Job]:
        jobs = [self._queue.get()]
        while len(jobs) < MAX_BATCH and jobs[-1] is not _STOP:
            try:
                jobs.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return jobs

    def _loop(self) -> None:
        while True:
            jobs = self._next_batch()
            stopping = jobs[-1] is _STOP
            if stopping:
                jobs.pop()
            if jobs:
                try:
                    self._commit(jobs)
                except Exception as exc:  # the transaction failed: nobody's rating is stored
                    for job in jobs:
                        job.result, job.error = None, job.error or exc
                    self._reset_connection()
                for job in jobs:
                    job.done.set()
            if stopping:
                self._reset_connection()
                return

    def _commit(self, jobs: list[_Job]) -> None:
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self._conn = self._engine.connect().execution_options(**{IMMEDIATE: True})
        conn = self._conn
        with writer_lock_for(self._engine), conn.begin():
            if len(jobs) == 1:  # alone in the batch: its own failure rolls back everything
                jobs[0].result = jobs[0].work(conn)
                return
            savepoint = _savepoints(conn)
            for job in jobs:
                savepoint("SAVEPOINT job")
                try:
                    job.result = job.work(conn)
                except Exception as exc:
                    savepoint("ROLLBACK TO job")
                    savepoint("RELEASE job")
                    job.error = exc
                else:
                    savepoint("RELEASE job")


def _savepoints(conn):
    """Runs savepoint statements straight on the driver's connection on SQLite: the serial
    section pays for SQLAlchemy's nested-transaction objects and statement handling per
    rating otherwise. SQLAlchemy needs no part in them: the outer transaction is its own and
    a savepoint ends before the next job starts."""
    if conn.dialect.name == "sqlite":
        return conn.connection.driver_connection.execute
    return conn.exec_driver_sql


class DirectCommitter(GroupCommitter):
    """The same transaction, run on the caller's thread: for a process whose writes come
    from one thread at a time (the device listener's bus thread), where batches never form
    and handing each press to another thread costs two thread wake-ups before its ACK."""

    def __init__(self, engine):
        super().__init__(engine)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._reset_connection()

    def run(self, work):
        job = _Job(work)
        with self._lock:
            try:
                self._commit([job])
            except Exception as exc:
                job.error = job.error or exc
                self._reset_connection()
        if job.error is not None:
            raise job.error
        return job.result


EXTENSION = "rating_committer"
_registry_lock = threading.Lock()


def committer_for(app, engine) -> GroupCommitter:
    """The app's committer for its engine, kept in app.extensions (each app in a process,
    as in the tests, has its own); made on first use."""
    with _registry_lock:
        committer = app.extensions.get(EXTENSION)
        if committer is None:
            committer = app.extensions[EXTENSION] = GroupCommitter(engine)
        return committer


def commit_directly(app, engine) -> None:
    """Ratings recorded in this app commit on the recording thread (see DirectCommitter)."""
    with _registry_lock:
        app.extensions[EXTENSION] = DirectCommitter(engine)
