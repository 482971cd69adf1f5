"""Clerk panel on the window touchscreen: sign in with 工号 + PIN, pause with a reason, resume,
sign out. Every action asks for the PIN again: citizens use the same screen."""
from flask import abort, jsonify, request, send_file, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from kiosk.admin.photos import photo_path
from kiosk.extensions import db
from kiosk.lookups import window_or_404
from kiosk.models import Window
from kiosk.staffing.errors import StaffingError
from kiosk.staffing.pins import check_pin
from kiosk.staffing.service import touch_action
from kiosk.touch import bp

ACTIONS = ("sign_in", "sign_out", "pause", "resume")



def clerk_state(window: Window) -> dict:
    staff = window.staff
    return {
        "staff": {
            "name": staff.name, "staff_no": staff.staff_no,
            "photo_url": url_for("touch.clerk_photo", code=window.code, v=staff.photo)
            if staff.photo else None,
        } if staff else None,
        "paused": window.paused,
        "pause_reason": window.pause_reason,
        "csrf_token": generate_csrf(),
    }


@bp.get("/<code>/clerk")
def clerk(code: str):
    return jsonify(clerk_state(window_or_404(code)))


@bp.get("/<code>/clerk/photo")
def clerk_photo(code: str):
    """The photo of the clerk signed in at this window (shown to citizens at the window)."""
    staff = window_or_404(code).staff
    if staff is None or not staff.photo or not photo_path(staff.photo).exists():
        abort(404)
    return send_file(photo_path(staff.photo), mimetype="image/jpeg", max_age=3600)


@bp.post("/<code>/clerk/<action>")
def clerk_action(code: str, action: str):
    action = action.replace("-", "_")
    body = request.get_json(silent=True)
    if action not in ACTIONS or not isinstance(body, dict):
        abort(400, _("请求格式不正确。"))
    staff_no, pin, reason = body.get("staff_no"), body.get("pin"), body.get("reason")
    if not isinstance(staff_no, str) or not isinstance(pin, str) or not staff_no.strip() or not pin:
        return jsonify({"error": "missing", "message": _("请输入工号和 PIN。")}), 400
    if reason is not None and not isinstance(reason, str):
        abort(400, _("请求格式不正确。"))
    window = window_or_404(code)
    try:
        staff = check_pin(staff_no.strip().upper(), pin)
        touch_action(window.code, staff.id, action, reason)
    except StaffingError as exc:
        db.session.rollback()
        return jsonify(exc.to_json()), exc.status
    return jsonify(clerk_state(window_or_404(code)))
