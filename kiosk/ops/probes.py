"""What the other processes leave behind for health checks to read: a tiny interface.

Each probe returns None when its subsystem is not configured on this instance, so a hall
without evaluators or without an upstream is healthy rather than failing.
"""
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from kiosk.extensions import db
from kiosk.models import Device

# The device listener may touch this file in the instance folder on every poll cycle: a
# heartbeat that costs no database write and stays fresh while every evaluator is offline.
LISTENER_HEARTBEAT_FILE = "devices.heartbeat"


@dataclass(frozen=True)
class SyncHealth:
    pending: int
    oldest_at: datetime | None
    dead: int
    consecutive_failures: int
    last_success_at: datetime | None


def listener_heartbeat(app: Flask) -> datetime | None:
    """The listener's last sign of life (naive UTC), or None if no device is configured.

    A configured device that was never seen counts as a heartbeat at the epoch (stale)."""
    beats = []
    heartbeat_file = Path(app.instance_path) / LISTENER_HEARTBEAT_FILE
    if heartbeat_file.exists():
        mtime = heartbeat_file.stat().st_mtime
        beats.append(datetime.fromtimestamp(mtime, UTC).replace(tzinfo=None))
    devices, last_seen = db.session.execute(
        sa.select(sa.func.count(Device.id), sa.func.max(Device.last_seen))
    ).one()
    if devices:
        beats.append(last_seen or datetime(1970, 1, 1))
    return max(beats) if beats else None


def sync_health(app: Flask) -> SyncHealth | None:
    """The outbox backlog and the daemon's state, or None if no upstream is configured."""
    if not app.config.get("SYNC_URL"):
        return None
    from kiosk.sync import store

    backlog = store.backlog(db.engine)
    state = store.read_state(db.engine)
    return SyncHealth(
        pending=backlog.pending,
        oldest_at=backlog.oldest_at,
        dead=backlog.dead,
        consecutive_failures=state.consecutive_failures if state else 0,
        last_success_at=state.last_success_at if state else None,
    )


def chain_tail():
    """The newest records of the hall's hash chain, re-hashed (kiosk/integrity/local.py)."""
    from kiosk.integrity import local

    return local.verify_tail(db.engine)
