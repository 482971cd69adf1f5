def test_pages_carry_a_strict_policy(client):
    r = client.get("/touch/A01")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert b"<script>" not in r.data  # no inline scripts
    assert "Strict-Transport-Security" not in r.headers


def test_session_cookie_is_secure_only_over_tls(client):
    plain = client.get("/touch/A01/state")
    assert "Secure" not in plain.headers.get("Set-Cookie", "")
    tls = client.get("/touch/A01/state", base_url="https://hall.example")
    cookie = tls.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert tls.headers["Strict-Transport-Security"].startswith("max-age=")
