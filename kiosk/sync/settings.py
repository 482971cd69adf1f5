"""Where and as whom the hall syncs: instance/config.json keys, the key in its own file.

SYNC_URL        base URL of the hub, e.g. https://hub.example.gov.cn
SYNC_HALL_ID    this hall's code on the hub (X-Hall-Id)
SYNC_KEY_FILE   file holding the hall key (default instance/sync_key, mode 0600)
"""
import json
import os
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

KEY_FILE_NAME = "sync_key"


class NotConfigured(RuntimeError):
    pass


@dataclass(frozen=True)
class SyncSettings:
    url: str
    hall_id: str
    key: bytes
    batch_size: int = 2000
    # Batches in flight at once, each its own claim (a record is in one batch at a time):
    # with two, the hall reads and sends one while the hub stores the other, ~1.6x one even
    # on one 2-core machine (bench/RESULTS.md). One by default: a hub on SQLite (the demo's)
    # fails one of two batches written at once ("database is locked"); set 2 for a
    # PostgreSQL hub.
    in_flight: int = 1
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    send_contact: bool = False  # the hub is entitled to citizens' phone numbers (回访)
    config_interval: float = 300.0


def key_file(app: Flask) -> Path:
    return Path(app.config.get("SYNC_KEY_FILE") or Path(app.instance_path) / KEY_FILE_NAME)


def load(app: Flask) -> SyncSettings:
    cfg = app.config
    if not cfg.get("SYNC_URL") or not cfg.get("SYNC_HALL_ID"):
        raise NotConfigured("sync is not configured: run `flask sync configure`")
    path = key_file(app)
    if not path.exists():
        raise NotConfigured(f"sync key file {path} is missing")
    return SyncSettings(
        url=cfg["SYNC_URL"].rstrip("/"),
        hall_id=cfg["SYNC_HALL_ID"],
        key=path.read_text().strip().encode(),
        batch_size=int(cfg.get("SYNC_BATCH_SIZE", 2000)),
        in_flight=max(1, int(cfg.get("SYNC_IN_FLIGHT", 1))),
        connect_timeout=float(cfg.get("SYNC_CONNECT_TIMEOUT", 5.0)),
        read_timeout=float(cfg.get("SYNC_READ_TIMEOUT", 30.0)),
        send_contact=bool(cfg.get("SYNC_SEND_CONTACT", False)),
        config_interval=float(cfg.get("SYNC_CONFIG_INTERVAL", 300.0)),
    )


def write_private(path: Path, text: str) -> None:
    """Writes a file readable by its owner only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def configure(instance: Path, url: str, hall_id: str, key: str) -> None:
    """Merges the SYNC_* keys into instance/config.json and writes the key to its own file."""
    config_file = instance / "config.json"
    current = json.loads(config_file.read_text(encoding="utf-8")) if config_file.exists() else {}
    current.update({"SYNC_URL": url.rstrip("/"), "SYNC_HALL_ID": hall_id})
    current.setdefault("SYNC_KEY_FILE", str(instance / KEY_FILE_NAME))
    write_private(Path(current["SYNC_KEY_FILE"]), key.strip() + "\n")
    write_private(config_file, json.dumps(current, ensure_ascii=False, indent=2) + "\n")
