"""Security headers on every response, session cookies marked Secure over TLS, and the
opt-in trust of a reverse proxy's X-Forwarded-* headers.

Behind the documented TLS proxy (docs/deploy.md) the app otherwise sees every client as the
proxy and every request as plain HTTP: per-address limits would become hall-wide, cookies
would lose Secure and HSTS would never be sent. PROXY_FIX = {"x_for": 1, "x_proto": 1} (the
number of proxies in front that set each header) makes werkzeug's ProxyFix take the client
address and scheme from them. Without it the headers are ignored: a client could write them.
"""
from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

PROXY_FIX_KEYS = ("x_for", "x_proto", "x_host", "x_port", "x_prefix")

# No inline scripts anywhere: every script is a file under /static.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # style attributes in server-made SVG charts
        "img-src 'self' data: blob:",
        "media-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class TlsAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def trust_proxy(app: Flask) -> None:
    counts = app.config.get("PROXY_FIX")
    if not counts:
        return
    unknown = set(counts) - set(PROXY_FIX_KEYS)
    bad = [k for k, v in counts.items() if type(v) is not int or v < 0]
    if unknown or bad:
        raise ValueError(f"PROXY_FIX takes counts (integers >= 0) for {', '.join(PROXY_FIX_KEYS)}"
                         f"; got {counts!r}")
    app.wsgi_app = ProxyFix(app.wsgi_app, **counts)


def register(app: Flask) -> None:
    app.session_interface = TlsAwareSessionInterface()
    trust_proxy(app)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if g.get("phone_revealed"):
            # A full phone number: not in the browser's cache, nor any proxy's.
            headers["Cache-Control"] = "no-store"
        return response
