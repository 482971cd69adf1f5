"""Users per role, logged-in test clients with CSRF tokens, 差评 made through the service."""
import re
from datetime import datetime

import sqlalchemy as sa
from flask import g, has_app_context

from kiosk.auth.passwords import hash_password
from kiosk.extensions import db
from kiosk.models import BadCase, User
from kiosk.ratings.service import record_rating

PASSWORD = "case-tests-42"
USERS = {"mgr": "manager", "h1": "handler", "h2": "handler", "aud": "auditor",
         "root": "admin"}
_HASH = hash_password(PASSWORD)  # once: argon2 is deliberately slow
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def add_users(app) -> dict[str, int]:
    with app.app_context():
        for name, role in USERS.items():
            db.session.add(User(username=name, password_hash=_HASH, role=role,
                                display_name=name))
        db.session.commit()
        return {u.username: u.id for u in db.session.scalars(sa.select(User))}


def user(username) -> User:
    return db.session.scalars(sa.select(User).where(User.username == username)).one()


def bad_rating(window="A01", level=5, phone=None, rated_at: datetime | None = None):
    """A 差评 through the one recording path; returns (rating id, case id)."""
    stored = record_rating(window_code=window, level=level, channel="touch",
                           reasons=["R01"] if level >= 4 else [], phone=phone,
                           rated_at=rated_at).rating
    case_id = db.session.scalar(sa.select(BadCase.id).where(BadCase.rating_id == stored.id))
    return stored.id, case_id


def _fresh_csrf() -> None:
    """Inside a test's own app context every request shares `g`, where Flask-WTF caches the
    CSRF token: forget it, so each client gets its own session's token."""
    if has_app_context():
        g.pop("csrf_token", None)


class Client:
    def __init__(self, client):
        self.c = client

    def get(self, path, **kw):
        return self.c.get(path, **kw)

    def post(self, path, data=None, token_from="/admin/cases"):
        _fresh_csrf()
        html = self.c.get(token_from).get_data(as_text=True)
        data = {"csrf_token": _TOKEN.search(html).group(1), **(data or {})}
        return self.c.post(path, data=data)


def login(app, username) -> Client:
    client = app.test_client()
    _fresh_csrf()
    token = _TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)
    return Client(client)
