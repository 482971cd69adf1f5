"""The hub: the central receiver halls sync to (registered only when ROLE == "hub")."""
from flask import Blueprint

bp = Blueprint("hub", __name__, url_prefix="/hub", cli_group="hub")

from kiosk.hub import cli, nav, pages, routes  # noqa: E402,F401
