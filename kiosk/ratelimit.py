"""The one rate limiter. Its counters live in one SQLite file in the instance folder
(instance/ratelimit.db), so every waitress worker process counts against the same numbers;
a single UPSERT … RETURNING adds the hit and reads the new count, so checking and counting
are one atomic step (no two requests can both take the last place).

flask-limiter decorates the login, the business API and the hub API on this storage. Pages
that decide themselves what an attempt is (uninvited ratings per client and per window, case
lookups, photo uploads) call hit(), named limits below, before doing the work they limit.

The file is not the hall's database: a counter write never waits for the rating writer, and
counters need no durability (synchronous=OFF; a power cut forgets a few minutes of counts).
"""
import hashlib
import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path

from flask import Flask, current_app, jsonify, render_template, request, session
from flask_babel import gettext as _
from flask_limiter import Limiter, RateLimitExceeded
from limits import parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from kiosk.extensions import db

DEFAULTS = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_HEADERS_ENABLED": True,  # X-RateLimit-* and Retry-After on limited routes
    # Generous enough for tests and people who mistype, tight enough against guessing:
    # each attempt also costs an argon2 verification.
    "RATELIMIT_LOGIN": "30 per minute;300 per hour",
    "RATELIMIT_API": "120 per second",
    "RATELIMIT_HUB": "100 per second",
}

# Named limits for hit(); RATE_LIMITS in the configuration overrides any of them.
PAGE_LIMITS = {
    # A hall's Wi-Fi puts many phones behind one address: per address looser than per cookie.
    "uninvited_ip": "30 per hour",
    "uninvited_cookie": "3 per 10 minutes",
    # Uninvited ratings of one window, touch and QR together: a queue of people each rating
    # once passes, one person tapping a row of 非常不满意 does not.
    "uninvited_window": "6 per 10 minutes",
    "lookup_ip": "10 per minute",
    "lookup_cookie": "10 per minute",
    "photo_upload_ip": "20 per 10 minutes",
    # Case lookup by 办件编号 + check: a 4-digit check must not be guessable, so few
    # attempts per client, and per case whoever asks.
    "case_ip": "30 per hour",
    "case_cookie": "5 per 10 minutes",
    "case_case": "10 per hour",
}
STORAGE_FILE = "ratelimit.db"
PURGE_EVERY = 1000  # hits per connection between deletions of expired counters


class SQLiteStorage(Storage):
    """A `limits` storage (fixed windows) in one SQLite file, shared by processes."""

    STORAGE_SCHEME = ["kiosk+sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = uri.split("://", 1)[1]
        self._local = threading.local()
        # Every thread's connection, so close() can end them all (threads of a server that
        # stops may outlive the app; their connections would stay open with them).
        self._opened: list[sqlite3.Connection] = []
        self._opened_lock = threading.Lock()
        self._conn()  # create the file and table now: a bad path fails at start, not later

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            new_file = not Path(self.path).exists()
            # Used by this thread only; closed by whichever thread calls close().
            conn = sqlite3.connect(self.path, timeout=5, isolation_level=None,
                                   check_same_thread=False)
            with self._opened_lock:
                self._opened.append(conn)
            if new_file:
                os.chmod(self.path, 0o600)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("CREATE TABLE IF NOT EXISTS counter (key TEXT PRIMARY KEY, "
                         "hits INTEGER NOT NULL, expires_at REAL NOT NULL) WITHOUT ROWID")
            self._local.conn, self._local.pid, self._local.hits = conn, os.getpid(), 0
        return conn

    def close(self) -> None:
        """Closes every thread's connection: the storage is done with (the app closes)."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            conn.close()
        self._local.conn = None

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        conn = self._conn()
        self._local.hits += 1
        if self._local.hits % PURGE_EVERY == 0:
            conn.execute("DELETE FROM counter WHERE expires_at <= ?", (now,))
        return conn.execute(
            "INSERT INTO counter (key, hits, expires_at) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (key) DO UPDATE SET "
            "hits = CASE WHEN expires_at <= ?4 THEN ?2 ELSE hits + ?2 END, "
            "expires_at = CASE WHEN expires_at <= ?4 THEN ?3 ELSE expires_at END "
            "RETURNING hits", (key, amount, now + expiry, now)).fetchone()[0]

    def get(self, key: str) -> int:
        row = self._conn().execute("SELECT hits FROM counter WHERE key = ? AND expires_at > ?",
                                   (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._conn().execute("SELECT expires_at FROM counter WHERE key = ?",
                                   (key,)).fetchone()
        return row[0] if row else time.time()

    def check(self) -> bool:
        return self._conn().execute("SELECT 1").fetchone() == (1,)

    def reset(self) -> int | None:
        return self._conn().execute("DELETE FROM counter").rowcount

    def clear(self, key: str) -> None:
        self._conn().execute("DELETE FROM counter WHERE key = ?", (key,))


def storage_uri(app: Flask) -> str:
    return "kiosk+sqlite://" + str(Path(app.instance_path) / STORAGE_FILE)


# --- named limits for pages -------------------------------------------------------------

def _strategy() -> FixedWindowRateLimiter:
    return current_app.extensions["kiosk_rate_strategy"]


def _limit(name: str):
    configured = current_app.config.get("RATE_LIMITS", {}).get(name)
    return parse(configured or PAGE_LIMITS[name])


def hit(name: str, identity: str) -> bool:
    """Counts one attempt under a named limit; True while the identity is within it.
    Call it before the work the limit protects, so failed attempts count too."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return True
    return _strategy().hit(_limit(name), name, identity)


def within(name: str, identity: str) -> bool:
    """True if one more attempt would be allowed (counts nothing)."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return True
    return _strategy().test(_limit(name), name, identity)


def client_cookie_id() -> str:
    if "client_id" not in session:
        session["client_id"] = secrets.token_hex(8)
    return session["client_id"]


def hit_client(bucket: str) -> bool:
    """One attempt of this client, counted by address and by its session cookie alike (both
    are counted, even when the first is already over): True while both are within limits."""
    by_address = hit(f"{bucket}_ip", request.remote_addr or "-")
    by_cookie = hit(f"{bucket}_cookie", client_cookie_id())
    return by_address and by_cookie


# --- progressive delay after failures (logins, clerk PINs) -----------------------------
#
# Failures are counted per account *and* address, so nobody elsewhere can lock a person
# out; after `free` failures each further one doubles the wait (capped), so guessing slows
# to a crawl while the right person, after a typo or two, waits seconds, not a lockout.

FAILURES_FORGOTTEN_AFTER = 3600  # seconds without a failure


def failure_wait(name: str, identity: str) -> int:
    """Seconds this identity must still wait before its next attempt (0: it may try)."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return 0
    storage = _strategy().storage
    key = f"{name}:wait:{identity}"
    if storage.get(key) == 0:
        return 0
    return max(1, round(storage.get_expiry(key) - time.time()))


def count_failure(name: str, identity: str, free: int, cap_seconds: int) -> int:
    """Counts a failure; returns the wait it imposes (0 within the first `free`)."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return 0
    storage = _strategy().storage
    failures = storage.incr(f"{name}:fail:{identity}", FAILURES_FORGOTTEN_AFTER)
    if failures <= free:
        return 0
    wait = min(2 ** (failures - free), cap_seconds)
    storage.clear(f"{name}:wait:{identity}")
    storage.incr(f"{name}:wait:{identity}", wait)
    return wait


def clear_failures(name: str, identity: str) -> None:
    if current_app.config["RATELIMIT_ENABLED"]:
        storage = _strategy().storage
        storage.clear(f"{name}:fail:{identity}")
        storage.clear(f"{name}:wait:{identity}")


# --- flask-limiter on the login, the business API and the hub API ----------------------

def api_token_key() -> str:
    """The bearer token (hashed: limiter keys may be logged) or, without one, the address."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return "token:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
    return "addr:" + (request.remote_addr or "-")


def address_key() -> str:
    # request.remote_addr is the client's address once a trusted proxy is configured
    # (kiosk/proxy.py); never a header the client writes itself.
    return "addr:" + (request.remote_addr or "-")


def too_many_requests(exc: RateLimitExceeded):
    db.session.rollback()
    message = _("请求过于频繁，请稍后再试。（限制：%(limit)s）", limit=exc.description)
    from kiosk.errors import wants_json

    if wants_json():
        response = jsonify({"error": "too_many_requests", "message": message})
    else:
        response = render_template("error.html", message=message, status=429)
    return response, 429


def init_app(app: Flask) -> Limiter:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True, mode=0o700)
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri(app))
    limiter = Limiter(address_key, app=app)
    app.extensions["kiosk_limiter"] = limiter
    app.extensions["kiosk_rate_strategy"] = FixedWindowRateLimiter(
        storage_from_string(app.config["RATELIMIT_STORAGE_URI"]))
    app.register_error_handler(RateLimitExceeded, too_many_requests)

    def config(name: str):
        return lambda: app.config[name]

    if "auth.login" in app.view_functions:
        app.view_functions["auth.login"] = limiter.limit(
            config("RATELIMIT_LOGIN"), methods=["POST"])(app.view_functions["auth.login"])
    if "api" in app.blueprints:
        limiter.limit(config("RATELIMIT_API"), key_func=api_token_key)(app.blueprints["api"])
    if "hub" in app.blueprints:
        # Before authentication a claimed X-Hall-Id is anyone's to write: key by address.
        for endpoint in ("hub.receive_batch", "hub.config"):
            app.view_functions[endpoint] = limiter.limit(
                config("RATELIMIT_HUB"), key_func=address_key)(app.view_functions[endpoint])

    limited_endpoints = {"auth.login", "hub.receive_batch", "hub.config"}

    @limiter.request_filter
    def unlimited_pages() -> bool:
        # Only the routes decorated above are limited by flask-limiter; skipping the rest
        # here spares them its per-request bookkeeping (the touchscreen above all).
        return request.endpoint not in limited_endpoints and request.blueprint != "api"

    return limiter
