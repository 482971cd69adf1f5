"""SMS_GATEWAY in instance/config.json: off unless set (docs/configuration.md "SMS")."""
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from kiosk.notify.message import TemplateError, check_template
from kiosk.sync.settings import NotConfigured

SIGNATURES = ("md5", "hmac-sha256", "none")
FORMATS = ("form", "json")
DEFAULT_FIELDS = {"phone": "mobile", "content": "content", "app_key": "appKey",
                  "timestamp": "timestamp", "nonce": "nonce", "sign": "sign"}


@dataclass(frozen=True)
class GatewaySettings:
    url: str
    template: str
    profile: str = "http"
    format: str = "form"
    app_key: str = ""
    app_secret: str = field(default="", repr=False)
    sign: str = "md5"
    fields: dict = field(default_factory=lambda: dict(DEFAULT_FIELDS))
    success_field: str = "code"
    success_value: str = "0"
    message_field: str = "msg"
    message_id_field: str = "msgId"
    max_attempts: int = 6
    connect_timeout: float = 5.0
    read_timeout: float = 10.0


def _secret(path: Path) -> str:
    if not path.exists():
        raise NotConfigured(f"SMS_GATEWAY.app_secret_file {path} does not exist")
    if stat.S_IMODE(os.stat(path).st_mode) & 0o077:
        raise NotConfigured(f"{path} is readable by others: chmod 600 it")
    return path.read_text(encoding="utf-8").strip()


def load(app: Flask) -> GatewaySettings | None:
    """The gateway's settings, None when the hall has none; NotConfigured when broken."""
    entry = app.config.get("SMS_GATEWAY")
    if not entry:
        return None
    if not isinstance(entry, dict) or not entry.get("url") or not entry.get("template"):
        raise NotConfigured("SMS_GATEWAY needs at least url and template")
    if entry.get("app_secret"):
        raise NotConfigured("SMS_GATEWAY: put the secret in app_secret_file (0600), not config")
    fmt, sign = entry.get("format", "form"), entry.get("sign", "md5")
    if fmt not in FORMATS or sign not in SIGNATURES:
        raise NotConfigured(f"SMS_GATEWAY: format one of {FORMATS}, sign one of {SIGNATURES}")
    try:
        check_template(entry["template"])
    except TemplateError as exc:
        raise NotConfigured(str(exc)) from exc
    secret = ""
    if sign != "none":
        secret_file = entry.get("app_secret_file") or Path(app.instance_path) / "sms_secret"
        secret = _secret(Path(secret_file))
    known = {f for f in GatewaySettings.__dataclass_fields__ if f not in ("app_secret",)}
    options = {k: v for k, v in entry.items() if k in known}
    options["fields"] = {**DEFAULT_FIELDS, **entry.get("fields", {})}
    return GatewaySettings(**options, app_secret=secret)
