"""The window touchscreen ("touch"): one name for the package, templates/touch/,
static/touch/, the URL /touch/<code> and the rating channel."""
from flask import Blueprint, redirect, url_for

bp = Blueprint("touch", __name__, url_prefix="/touch")
# Screens set up before the rename open /w/<code>: send them to the new address.
legacy_bp = Blueprint("touch_legacy", __name__)


@legacy_bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says; every page links the SVG."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@legacy_bp.get("/w/<code>")
def legacy_screen(code: str):
    return redirect(url_for("touch.screen", code=code), code=301)


from kiosk.touch import clerk, routes  # noqa: E402,F401  (clerk: sign-in/pause panel)
