"""The sync daemon: drains the outbox to the hub (its own process; see kiosk/sync/worker.py).
The blueprint has no routes; it only carries the `flask sync …` commands, attached by
create_app: loading them here would pull the whole daemon into every import of kiosk.sync."""
from flask import Blueprint

bp = Blueprint("sync", __name__, cli_group="sync")
