"""The upstreams a hall feeds, from instance/config.json:

"UPSTREAMS": [
  {"name": "city-hub", "profile": "hub"},
  {"name": "province", "profile": "zhejiang", "url": "https://…/evaluate/report",
   "app_id": "hall-330102", "app_key_file": "instance/province_key",
   "options": {"data_source": "101"}}
]

Without UPSTREAMS the SYNC_* settings are the one upstream, "hub" (as before). A "hub" entry
uses the SYNC_* settings unless it names its own url, hall_id and key_file; there is at most
one, since the outbox's own columns record what the hub has. Every other entry keeps its
state per record in upstream_delivery. app_key_file holds the secret (fujian: 32 hex digits,
the SM4 key), never config.json itself.
"""
from dataclasses import dataclass, field, replace
from pathlib import Path

from flask import Flask

from kiosk.sync import profiles, settings
from kiosk.sync.profiles import sm4box
from kiosk.sync.profiles.base import Credentials
from kiosk.sync.settings import NotConfigured, SyncSettings

DEFAULT_HUB_NAME = "hub"


@dataclass(frozen=True)
class UpstreamSettings:
    name: str
    profile: str
    url: str = ""
    credentials: Credentials | None = None
    hub: SyncSettings | None = None  # only for profile "hub"
    batch_size: int = 50  # records taken per run (profile upstreams send one per request)
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_refusals: int = 10  # refusals of one record before it goes dead (`sync dead`)
    extra: dict = field(default_factory=dict)


def _hub(app: Flask, entry: dict) -> SyncSettings:
    if entry.get("url"):
        key_path = Path(entry.get("key_file") or settings.key_file(app))
        if not key_path.exists():
            raise NotConfigured(f"upstream {entry['name']}: key file {key_path} is missing")
        return SyncSettings(url=entry["url"].rstrip("/"), hall_id=entry["hall_id"],
                            key=key_path.read_text().strip().encode())
    return settings.load(app)


def _credentials(app: Flask, entry: dict) -> Credentials:
    name = entry["name"]
    path = entry.get("app_key_file")
    if not path:
        raise NotConfigured(f"upstream {name}: app_key_file is not set")
    path = Path(path) if Path(path).is_absolute() else Path(app.instance_path) / path
    if not path.exists():
        raise NotConfigured(f"upstream {name}: key file {path} is missing")
    text = path.read_text().strip()
    key = sm4box.key_from_hex(text) if entry["profile"] == "fujian" else text.encode()
    return Credentials(app_id=entry.get("app_id", ""), key=key,
                       options=dict(entry.get("options") or {}))


def entries(app: Flask) -> list[dict]:
    """The configured entries (not yet loaded); the SYNC_* hub when UPSTREAMS is absent."""
    configured = app.config.get("UPSTREAMS")
    if configured is None:
        return [{"name": DEFAULT_HUB_NAME, "profile": profiles.HUB}]
    return [dict(e) for e in configured]


def load_one(app: Flask, entry: dict) -> UpstreamSettings:
    name, profile = entry.get("name"), entry.get("profile")
    if not name or profile not in profiles.names():
        raise NotConfigured(f"upstream {entry!r}: needs a name and a profile of "
                            f"{profiles.names()}")
    base = UpstreamSettings(name=name, profile=profile,
                            batch_size=int(entry.get("batch_size", 50)),
                            connect_timeout=float(entry.get("connect_timeout", 5.0)),
                            read_timeout=float(entry.get("read_timeout", 15.0)),
                            max_refusals=max(1, int(entry.get("max_refusals", 10))))
    if profile == profiles.HUB:
        hub = _hub(app, entry)
        return replace(base, url=hub.url, hub=hub)
    if not entry.get("url"):
        raise NotConfigured(f"upstream {name}: url is not set")
    credentials = _credentials(app, entry)
    missing = [o for o in profiles.get(profile).required_options if not credentials.options.get(o)]
    if missing:
        raise NotConfigured(f"upstream {name}: options {missing} are required by {profile}")
    return replace(base, url=entry["url"], credentials=credentials)


def load_all(app: Flask) -> list[UpstreamSettings]:
    loaded = [load_one(app, e) for e in entries(app)]
    names = [u.name for u in loaded]
    if len(set(names)) != len(names):
        raise NotConfigured(f"upstream names repeat: {names}")
    if sum(u.profile == profiles.HUB for u in loaded) > 1:
        raise NotConfigured("at most one upstream may use the hub profile")
    return loaded
