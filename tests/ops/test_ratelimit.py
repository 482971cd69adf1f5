"""Rate limits: login per address, business API per token, touch pages not limited."""
import re
import secrets

import pytest

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import ApiToken
from kiosk.models.tokens import hash_token

pytestmark = pytest.mark.timeout(30)


def login_form(client) -> dict:
    """A real attempt: CSRF is checked before the limiter, so a token-less POST is a 400."""
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    return {"username": "nobody", "password": "wrong-password", "csrf_token": token}


def test_login_limit_answers_429_with_a_clear_message(app, client):
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    form = login_form(client)
    for _ in range(3):
        assert client.post("/login", data=form).status_code == 401
    r = client.post("/login", data=form)
    assert r.status_code == 429
    assert "请求过于频繁" in r.get_data(as_text=True)
    assert "Retry-After" in r.headers
    assert client.get("/login").status_code == 200  # only attempts count, not the form
    other = client.post("/login", data=form, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 401  # per client address


def test_default_login_limit_is_generous_enough_for_tests(client):
    form = login_form(client)
    for _ in range(12):
        assert client.post("/login", data=form).status_code == 401


def test_login_429_in_json_for_json_clients(app, client):
    app.config["RATELIMIT_LOGIN"] = "1 per minute"
    form = login_form(client)
    client.post("/login", data=form)
    r = client.post("/login", data=form, headers={"Accept": "application/json"})
    assert r.status_code == 429
    assert r.json["error"] == "too_many_requests" and "请求过于频繁" in r.json["message"]


def _token(app, name):
    token = secrets.token_urlsafe(24)
    with app.app_context():
        db.session.add(ApiToken(name=name, token_hash=hash_token(token)))
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_business_api_is_limited_per_token(app, client):
    app.config["RATELIMIT_API"] = "5 per minute"
    first, second = _token(app, "erp-1"), _token(app, "erp-2")
    for _ in range(5):
        assert client.get("/api/v1/invitations/999", headers=first).status_code == 404
    r = client.get("/api/v1/invitations/999", headers=first)
    assert r.status_code == 429 and r.json["error"] == "too_many_requests"
    assert client.get("/api/v1/invitations/999", headers=second).status_code == 404


def test_touch_endpoints_are_not_limited(app, client):
    app.config["RATELIMIT_API"] = "1 per minute"
    app.config["RATELIMIT_LOGIN"] = "1 per minute"
    assert all(client.get("/touch/A01/state").status_code == 200 for _ in range(300))


def test_switch_off(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": secrets.token_hex(8), "RATELIMIT_ENABLED": False,
                      "RATELIMIT_LOGIN": "1 per minute",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hall.db'}"})
    with app.app_context():
        db.create_all()
    client = app.test_client()
    form = login_form(client)
    assert all(client.post("/login", data=form).status_code == 401 for _ in range(5))
