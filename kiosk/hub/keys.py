"""Hall keys on the hub: generated once, printed once, stored sealed under the master key.

The hub must recompute each request's HMAC, so it cannot keep only a hash of the key. It
keeps the key AES-GCM-sealed with a master key that lives in the instance folder (mode
0600, never in the database); a database dump alone does not reveal any hall key.
"""
import base64
import os
import secrets
from pathlib import Path

from flask import current_app

from kiosk.sync.sealing import derive_key, seal, unseal

MASTER_KEY_FILE = "hub_master_key"


def master_key() -> bytes:
    path = Path(current_app.config.get("HUB_MASTER_KEY_FILE")
                or Path(current_app.instance_path) / MASTER_KEY_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def new_hall_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def seal_hall_key(hall_code: str, key: str) -> str:
    return seal(derive_key(master_key(), "hall-key"), key, aad=hall_code)


def hall_key(hall_code: str, sealed: str) -> bytes:
    return unseal(derive_key(master_key(), "hall-key"), sealed, aad=hall_code).encode()


def contact_box() -> bytes:
    """The key that seals citizens' phone numbers at rest on this hub."""
    return derive_key(master_key(), "contact-at-rest")
