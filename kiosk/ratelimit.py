"""Rate limits (flask-limiter, in-memory on a hall): login by client address, the business
API by token, the hub API by sending hall. Touch pages (/touch/…) are not limited: a window's
screen is bounded by a finger, and the load benchmark drives ~2,000 ratings/s through them.

The memory storage is per process: with kiosk.serve's N workers a client may get up to N
times the limit (the kernel spreads its connections). Point RATELIMIT_STORAGE_URI at redis://
or memcached:// for an exact shared count.
"""
import hashlib

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from kiosk.extensions import db

DEFAULTS = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,  # X-RateLimit-* and Retry-After on limited routes
    # Generous enough for tests and people who mistype, tight enough against guessing:
    # each attempt also costs an argon2 verification.
    "RATELIMIT_LOGIN": "30 per minute;300 per hour",
    "RATELIMIT_API": "120 per second",
    "RATELIMIT_HUB": "100 per second",
}


def api_token_key() -> str:
    """The bearer token (hashed: limiter keys may be logged) or, without one, the address."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return "token:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
    return "addr:" + (get_remote_address() or "-")


def hub_sender_key() -> str:
    # Before authentication the claimed X-Hall-Id is anyone's to write: key by address.
    return f"addr:{get_remote_address()}"


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
    # One limiter per app: its in-memory counters belong to this app (tests build many apps).
    limiter = Limiter(get_remote_address, app=app)
    app.extensions["kiosk_limiter"] = limiter
    app.register_error_handler(RateLimitExceeded, too_many_requests)

    def config(name: str):
        return lambda: app.config[name]

    if "auth.login" in app.view_functions:
        app.view_functions["auth.login"] = limiter.limit(
            config("RATELIMIT_LOGIN"), methods=["POST"])(app.view_functions["auth.login"])
    if "api" in app.blueprints:
        limiter.limit(config("RATELIMIT_API"), key_func=api_token_key)(app.blueprints["api"])
    if "hub" in app.blueprints:
        for endpoint in ("hub.receive_batch", "hub.config"):
            app.view_functions[endpoint] = limiter.limit(
                config("RATELIMIT_HUB"), key_func=hub_sender_key)(app.view_functions[endpoint])
    @limiter.request_filter
    def unlimited_pages() -> bool:
        # The touchscreen and the public display are not limited (see above); filtering
        # them here also spares their requests the limiter's bookkeeping.
        return request.path.startswith(("/touch/", "/display"))

    return limiter
