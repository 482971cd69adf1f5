"""Configuration: defaults, the instance folder, and secrets generated into it."""
import json
import os
import secrets
from pathlib import Path

DEFAULTS = {
    "ROLE": "hall",  # "hall" or "hub"
    "BIND_HOST": "127.0.0.1",
    "BIND_PORT": 8080,
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "BABEL_DEFAULT_LOCALE": "zh_CN",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "LANGUAGES": ["zh_CN", "en"],
    # The kiosk refreshes its token with every state poll, so a page left open all day works.
    "WTF_CSRF_TIME_LIMIT": None,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_HTTPONLY": True,
    # Seconds a session cookie is accepted after it was last written (Flask's default is 31
    # days, and it applies to every session cookie): a copied admin cookie dies within a
    # working day. A touchscreen's expired session is replaced by its next state poll,
    # which hands out a fresh CSRF token.
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    "JSON_AS_ASCII": False,
    # How long an invitation is offered on the window's screen / evaluator.
    "INVITE_SCREEN_SECONDS": 120,
    # The touchscreen returns to its idle screen after this long without a touch.
    "KIOSK_IDLE_SECONDS": 30,
    # A touchscreen's state request waits up to this long for a change (kiosk/touch/
    # changes.py); at most KIOSK_STATE_WAITERS wait at once in a process, each holding a
    # server thread (kiosk.serve runs 8 more threads than that), the rest are answered at once.
    "KIOSK_STATE_HOLD_SECONDS": 15,
    "KIOSK_STATE_WAITERS": 32,
}


def instance_path() -> Path:
    return Path(os.environ.get("KIOSK_INSTANCE_PATH", "instance")).resolve()


def load_instance_config(path: Path) -> dict:
    """Reads instance/config.json (documented in docs/configuration.md) if present."""
    cfg_file = path / "config.json"
    if cfg_file.exists():
        return json.loads(cfg_file.read_text(encoding="utf-8"))
    return {}


def secret_key(path: Path) -> str:
    """The session secret lives in the instance folder, generated on first use, mode 0600."""
    key_file = path / "secret_key"
    if not key_file.exists():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def make_private(path: Path) -> None:
    """The instance folder 0700 and every file directly in it 0600: it holds the database
    (phone numbers), keys and backups, and runs need not be under systemd's UMask=0077."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    for child in path.iterdir():
        if child.is_file():
            os.chmod(child, 0o600)


def env_overrides() -> dict:
    """KIOSK_* environment variables override the instance file."""
    out = {}
    if "KIOSK_DATABASE_URL" in os.environ:
        out["SQLALCHEMY_DATABASE_URI"] = os.environ["KIOSK_DATABASE_URL"]
    if "KIOSK_ROLE" in os.environ:
        out["ROLE"] = os.environ["KIOSK_ROLE"]
    if "KIOSK_BIND_HOST" in os.environ:
        out["BIND_HOST"] = os.environ["KIOSK_BIND_HOST"]
    if "KIOSK_BIND_PORT" in os.environ:
        out["BIND_PORT"] = int(os.environ["KIOSK_BIND_PORT"])
    return out
