"""Behind a TLS reverse proxy: with PROXY_FIX set, the client's address and https come from
X-Forwarded-*, so per-address limits stay per client, cookies are Secure and HSTS is sent;
without it those headers are ignored (anyone could write them)."""
import re
import secrets

import pytest

from kiosk import create_app
from kiosk.extensions import db
from kiosk.seed import seed_demo

pytestmark = pytest.mark.timeout(60)
PROXY = {"REMOTE_ADDR": "10.0.0.2"}  # nginx on the terminal's LAN side


def make_app(tmp_path, **config):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": secrets.token_hex(8), "RATELIMIT_LOGIN": "2 per minute",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hall.db'}", **config})
    with app.app_context():
        db.create_all()
        seed_demo()
    return app


def forwarded(client_ip: str) -> dict:
    return {"X-Forwarded-For": client_ip, "X-Forwarded-Proto": "https"}


def login_attempt(client, ip: str, base_url: str = "http://localhost") -> int:
    # The browser sees https (the proxy's side): Secure cookies come back, and Flask-WTF
    # checks the Referer on https.
    headers = {**forwarded(ip), "Referer": base_url + "/login"}
    html = client.get("/login", headers=headers, environ_base=PROXY,
                      base_url=base_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    return client.post("/login", headers=headers, environ_base=PROXY, base_url=base_url, data={
        "username": "nobody", "password": "wrong-password", "csrf_token": token}).status_code


def test_with_proxy_fix_clients_are_told_apart_and_tls_is_seen(tmp_path):
    app = make_app(tmp_path, PROXY_FIX={"x_for": 1, "x_proto": 1})
    client = app.test_client()
    page = client.get("/login", headers=forwarded("203.0.113.5"), environ_base=PROXY)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Secure" in page.headers["Set-Cookie"]
    https = "https://localhost"
    assert [login_attempt(client, "203.0.113.5", https) for _ in range(3)] == [401, 401, 429]
    assert login_attempt(app.test_client(), "203.0.113.6", https) == 401  # another phone


def test_without_it_forwarded_headers_are_ignored(tmp_path):
    app = make_app(tmp_path)
    client = app.test_client()
    page = client.get("/login", headers=forwarded("203.0.113.5"), environ_base=PROXY)
    assert "Strict-Transport-Security" not in page.headers
    assert "Secure" not in page.headers["Set-Cookie"]
    # A client cannot escape its limit by writing X-Forwarded-For itself.
    assert [login_attempt(client, f"198.51.100.{i}") for i in range(3)] == [401, 401, 429]


def test_a_wrong_setting_stops_the_start(tmp_path):
    with pytest.raises(ValueError, match="PROXY_FIX"):
        make_app(tmp_path, PROXY_FIX={"x_forwarded_for": 1})
