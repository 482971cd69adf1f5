"""QR images (PNG, SVG) and printable posters: one per window, one for the whole hall."""
import sqlalchemy as sa
from flask import Response, render_template, request

from kiosk.extensions import db
from kiosk.lookups import current_hall, window_or_404
from kiosk.mobile import bp
from kiosk.mobile.links import printable_url, public_url
from kiosk.mobile.qr import qr_png, qr_svg
from kiosk.mobile.tokens import open_token
from kiosk.models import Window

PAPER_SIZES = ("a5", "a4")



def _image(kind: str, url: str, filename: str) -> Response:
    if kind == "png":
        response = Response(qr_png(url), mimetype="image/png")
    else:
        response = Response(qr_svg(url), mimetype="image/svg+xml")
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{kind}"'
    return response


@bp.get("/m/qr/w/<code>.<any(png, svg):kind>")
def window_qr(code: str, kind: str):
    window = window_or_404(code)
    return _image(kind, printable_url("mobile.rate_window", code=window.code), f"qr-{window.code}")


@bp.get("/m/qr/hall.<any(png, svg):kind>")
def hall_qr(kind: str):
    return _image(kind, printable_url("mobile.hall_index"), "qr-hall")


@bp.get("/m/t/<token>/qr.svg")
def token_qr(token: str):
    """The touchscreen's one-time code, only while it can still rate."""
    found, _invitation = open_token(token)
    response = _image("svg", public_url("mobile.rate_invited", token=found.token), "qr")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/m/posters")
def poster_list():
    windows = db.session.scalars(sa.select(Window).order_by(Window.code)).all()
    return render_template("mobile/posters.html", windows=windows, hall=current_hall())


@bp.get("/m/poster/w/<code>")
def window_poster(code: str):
    window = window_or_404(code)
    return render_template(
        "mobile/poster.html", hall=current_hall(), window=window, staff=window.staff,
        paper=_paper(), url=printable_url("mobile.rate_window", code=window.code),
        svg_endpoint=("mobile.window_qr", {"code": window.code}),
    )


@bp.get("/m/poster/hall")
def hall_poster():
    return render_template(
        "mobile/poster.html", hall=current_hall(), window=None, staff=None, paper=_paper(),
        url=printable_url("mobile.hall_index"), svg_endpoint=("mobile.hall_qr", {}),
    )


def _paper() -> str:
    paper = request.args.get("size", "a5").lower()
    return paper if paper in PAPER_SIZES else "a5"

