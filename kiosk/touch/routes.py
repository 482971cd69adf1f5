"""The window touchscreen: idle screen, rating screen, reasons, phone keypad, thanks."""
import base64
import hashlib
import json
import time
from pathlib import Path

from flask import abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from kiosk import ratelimit
from kiosk.extensions import db
from kiosk.i18n import select_locale
from kiosk.invitations.service import current_invitation
from kiosk.lookups import current_hall, window_or_404
from kiosk.mobile.links import public_url
from kiosk.mobile.qr import qr_svg
from kiosk.mobile.touchscreen import mobile_qr_for
from kiosk.models.reasons import reason_text
from kiosk.ratings.levels import levels_for_scale
from kiosk.ratings.service import current_reasons, record_rating
from kiosk.touch import bp
from kiosk.touch.changes import changes_for


@bp.get("/<code>")
def screen(code: str):
    window = window_or_404(code)
    # The session (and its CSRF token) comes with the page: were it made by the page's first
    # requests, touch.js and clerk.js would race to create two, and the state request that
    # waits for a change would keep the loser's token until the screen next changes.
    generate_csrf()
    hall = current_hall()
    template = current_reasons()
    return render_template(
        "touch/screen.html",
        window=window,
        hall=hall,
        levels=levels_for_scale(window.scale),
        reasons=template.items if template else [],
        reason_text=reason_text,
        idle_timeout=current_app.config["KIOSK_IDLE_SECONDS"],
        lang=select_locale(),
        voice_files=voice_files_exist(select_locale()),
        default_lang=current_app.config["BABEL_DEFAULT_LOCALE"],
    )


def voice_files_exist(lang: str) -> bool:
    """Made at install time by scripts/build_assets.sh where espeak-ng is installed."""
    return (Path(current_app.static_folder) / "audio" / lang / "invite.wav").is_file()


@bp.get("/<code>/state")
def state(code: str):
    """The window's state and a fresh CSRF token. With ?after=<version> of the screen's last
    answer, waits (up to KIOSK_STATE_HOLD_SECONDS) until the state differs from it."""
    body = _state(code)
    after = request.args.get("after")
    if after is not None and body["version"] == after:
        body = _wait_for_change(code, after, body)
    return jsonify({**body, "csrf_token": generate_csrf()})


def _wait_for_change(code: str, after: str, body: dict) -> dict:
    changes = changes_for(current_app, db.engine)
    if not changes.enter():
        return body  # every waiting place taken: answer now, the screen polls again
    try:
        deadline = time.monotonic() + current_app.config["KIOSK_STATE_HOLD_SECONDS"]
        seen = changes.generation
        while body["version"] == after and (left := deadline - time.monotonic()) > 0:
            db.session.rollback()  # no read snapshot held while waiting
            # Look again at least every second: an invitation also leaves the screen when
            # its screen time runs out, which no commit announces.
            seen = changes.wait(seen, min(left, 1.0))
            body = _state(code)
    finally:
        changes.leave()
    return body


def _state(code: str) -> dict:
    window = window_or_404(code)
    invitation = None if window.paused else current_invitation(window)
    staff = window.staff
    hall = current_hall()
    body = {
        "window": window.code,
        "paused": window.paused,
        "pause_reason": window.pause_reason,
        "staff": {
            "name": staff.name, "staff_no": staff.staff_no, "stars": staff.stars,
            "photo_url": url_for("touch.clerk_photo", code=window.code, v=staff.photo)
            if staff.photo else None,
        } if staff else None,
        "invitation": {"id": invitation.id, "case_no": invitation.case_no}
        if invitation
        else None,
        "allow_uninvited": bool(hall and hall.allow_uninvited),
        "mobile_qr": mobile_qr_for(invitation),  # one-time code for the phone
    }
    body["version"] = hashlib.blake2b(json.dumps(body, sort_keys=True).encode(),
                                      digest_size=8).hexdigest()
    return body


def _is_row_id(value) -> bool:
    # Beyond 2^63 no row exists, and SQLite's driver would overflow on it.
    return type(value) is int and 0 < value < 2**63


@bp.post("/<code>/rate")
def rate(code: str):
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, _("请求格式不正确。"))
    level = body.get("level")
    invitation_id = body.get("invitation_id")
    reasons = body.get("reasons") or []
    comment = body.get("comment") or ""
    phone = body.get("phone") or None
    if (
        not isinstance(level, int)
        or (invitation_id is not None and not _is_row_id(invitation_id))
        or not isinstance(reasons, list)
        or not all(isinstance(r, str) for r in reasons)
        or not isinstance(comment, str)
        or (phone is not None and not isinstance(phone, str))
    ):
        abort(400, _("请求格式不正确。"))
    if invitation_id is None and not ratelimit.hit("uninvited_window", code):
        return jsonify({"error": "too_many_requests",
                        "message": _("本窗口的主动评价过于频繁，请稍后再试。")}), 429
    result = record_rating(
        window_code=code,
        level=level,
        channel="touch",
        invitation_id=invitation_id,
        reasons=reasons,
        comment=comment,
        phone=phone,
    )
    rating = result.rating
    body = {"id": str(rating.id), "level": rating.level, "query_code": rating.query_code}
    if rating.query_code:
        body.update(query_qr(rating.query_code))
    return jsonify(body), 201


def query_qr(query_code: str) -> dict:
    """The thank-you screen's QR: /q with the code filled in, as an inline SVG image."""
    url = public_url("mobile.query", code=query_code)
    svg = base64.b64encode(qr_svg(url).encode()).decode()
    return {"query_url": url, "query_qr": "data:image/svg+xml;base64," + svg}
