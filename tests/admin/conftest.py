"""Admin test helpers: one user per role, logged-in clients, CSRF tokens from pages."""
import re

import pytest

from kiosk.auth.passwords import hash_password
from kiosk.extensions import db
from kiosk.models import User

PASSWORD = "correct-horse-9"
ROLES = ("admin", "manager", "handler", "auditor")
_HASH = hash_password(PASSWORD)  # once: argon2 is deliberately slow
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


@pytest.fixture
def users(app):
    with app.app_context():
        for role in ROLES:
            db.session.add(User(username=role + "1", password_hash=_HASH, role=role,
                                display_name=role))
        db.session.commit()
    return {role: role + "1" for role in ROLES}


class AdminClient:
    def __init__(self, client):
        self.c = client

    def token(self, path="/admin/") -> str:
        html = self.c.get(path).get_data(as_text=True)
        m = _TOKEN.search(html)
        assert m, f"no csrf token on {path}"
        return m.group(1) or m.group(2)

    def get(self, path, **kw):
        return self.c.get(path, **kw)

    def post(self, path, data=None, token_from="/admin/", **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(token_from))
        return self.c.post(path, data=data, **kw)


def login(app, username) -> AdminClient:
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = _TOKEN.search(html)
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token.group(1) or token.group(2)})
    assert r.status_code == 302, r.get_data(as_text=True)
    return AdminClient(client)


@pytest.fixture
def as_role(app, users):
    return lambda role: login(app, users[role])
