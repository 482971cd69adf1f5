"""Wakes a touchscreen's held state request when the hall database changes.

The screen asks for its window's state and, if nothing changed since its last answer, the
request waits here instead of the screen asking again every half second: an invitation
reaches the screen as soon as it is committed, by whichever process (business API, listener,
CLI). One watcher thread per process reads SQLite's `PRAGMA data_version` — it changes
whenever another connection commits — every WATCH_SECONDS while anyone waits, and wakes
every waiting request, which then recomputes its state. A held request holds a waitress
thread, so at most `limit` wait at once in a process; the others are answered at once and
the screen polls as before.
"""
import sqlite3
import threading

WATCH_SECONDS = 0.05


class DatabaseChanges:
    def __init__(self, database: str | None, limit: int):
        self._database = database  # None: not SQLite; waiters simply time out and look again
        self._limit = limit
        self._cond = threading.Condition()
        self._generation = 0
        self._waiting = 0
        self._thread = None

    @property
    def generation(self) -> int:
        return self._generation

    def enter(self) -> bool:
        """Takes one of the waiting places; False when all are taken."""
        with self._cond:
            if self._waiting >= self._limit:
                return False
            self._waiting += 1
            if self._database and (self._thread is None or not self._thread.is_alive()):
                self._thread = threading.Thread(target=self._watch, name="touch-changes",
                                                daemon=True)
                self._thread.start()
            return True

    def leave(self) -> None:
        with self._cond:
            self._waiting -= 1

    def wait(self, seen: int, timeout: float) -> int:
        """Returns the generation after the next change (or after timeout)."""
        with self._cond:
            self._cond.wait_for(lambda: self._generation != seen, timeout)
            return self._generation

    def _watch(self) -> None:
        con = sqlite3.connect(self._database, check_same_thread=False)
        try:
            last = con.execute("PRAGMA data_version").fetchone()[0]
            while True:
                with self._cond:
                    if self._waiting == 0:
                        self._thread = None
                        return
                threading.Event().wait(WATCH_SECONDS)
                now = con.execute("PRAGMA data_version").fetchone()[0]
                if now != last:
                    last = now
                    with self._cond:
                        self._generation += 1
                        self._cond.notify_all()
        finally:
            con.close()


EXTENSION = "touch_changes"
_registry_lock = threading.Lock()


def changes_for(app, engine) -> DatabaseChanges:
    """The app's watcher, kept in app.extensions; made on first use."""
    with _registry_lock:
        changes = app.extensions.get(EXTENSION)
        if changes is None:
            database = engine.url.database if engine.dialect.name == "sqlite" else None
            changes = app.extensions[EXTENSION] = DatabaseChanges(
                database if database and database != ":memory:" else None,
                app.config["KIOSK_STATE_WAITERS"])
        return changes
