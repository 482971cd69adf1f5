"""A restore declared to a hub that forwards the hall's records goes up before the hub
takes it: otherwise the hub above sees the hall's reused seqs as a rewritten chain.

The order is what makes it sound. The hub above must not receive any of the hall's
records from before the restore after the declaration, so nothing is passed up while one
of them still waits in this hub's outbox; and this hub records the declaration only once
the hub above has, so a refusal there leaves both as they were. If this hub then fails to
commit, the hall declares again: the hub above gets the same head twice, which matches
and sets nothing more aside (kiosk/hub/chain_check.py declare_restore).
"""
import json

import sqlalchemy as sa
from flask import Flask

from kiosk.models import OutboxEntry
from kiosk.sync import profiles, upstreams
from kiosk.sync.client import HubClient
from kiosk.sync.settings import SyncSettings
from kiosk.sync.wire import json_text

outbox = OutboxEntry.__table__


def upstream_hub(app: Flask) -> SyncSettings | None:
    """Where this hub's outbox goes (its sync daemon's hub upstream), None if it forwards
    nothing. NotConfigured if it forwards but its settings are incomplete."""
    if not app.config.get("SYNC_URL"):  # as ingest decides whether to forward
        return None
    for entry in upstreams.entries(app):
        if entry.get("profile") == profiles.HUB:
            return upstreams.load_one(app, entry).hub
    return None


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def pending_for(conn, hall: str) -> bool:
    """Whether a record of `hall` waits in the outbox (not sent, not dead)."""
    # The envelope is compact JSON text (kiosk/sync/queue.py): the pattern finds the
    # candidates, reading the envelope decides.
    named = _like_escaped(f'"origin_hall":{json_text(hall)}')
    rows = conn.execute(sa.select(outbox.c.envelope).where(
        outbox.c.sent_at.is_(None), outbox.c.dead.is_(False), outbox.c.seq.is_(None),
        outbox.c.envelope.like(f"%{named}%", escape="\\")))
    return any(json.loads(env).get("origin_hall") == hall for (env,) in rows)


def declare_above(settings: SyncSettings, hall: str, seq: int, digest: str,
                  note: str) -> dict:
    """Passes the hall's declaration to the hub above; HubError if it is not taken."""
    client = HubClient(settings)
    try:
        return client.declare_restore(seq=seq, digest=digest, note=note, hall=hall)
    finally:
        client.close()
