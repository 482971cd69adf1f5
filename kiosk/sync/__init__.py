"""The sync daemon: drains the outbox to the hub (its own process; see kiosk/sync/worker.py).
The blueprint has no routes; it only carries the `flask sync …` commands."""
from flask import Blueprint

bp = Blueprint("sync", __name__, cli_group="sync")

from kiosk.sync import cli  # noqa: E402,F401
