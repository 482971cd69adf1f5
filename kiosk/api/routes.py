"""Business-system API: invite a rating for a case, read its result."""
import sqlalchemy as sa
from flask import Response, abort, g, jsonify, request, url_for
from flask_babel import gettext as _

from kiosk.api import bp
from kiosk.api.auth import token_required
from kiosk.extensions import db
from kiosk.invitations.service import create_invitation
from kiosk.later.links import later_url
from kiosk.mobile.qr import qr_png, qr_svg
from kiosk.models import Invitation, Rating
from kiosk.models.notify import SmsNotice
from kiosk.ratings.levels import LEVEL_NAMES
from kiosk.timeutil import iso_utc

STRING_FIELDS = {"window", "case_no", "service_code", "staff_no", "phone"}
INVITATION_FIELDS = STRING_FIELDS | {"send_sms"}


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, _("请求体必须是 JSON 对象（Content-Type: application/json）。"))
    return body


@bp.post("/invitations")
@token_required
def invite():
    body = _json_body()
    unknown = set(body) - INVITATION_FIELDS
    if unknown:
        abort(400, _("未知字段：%(fields)s", fields=", ".join(sorted(unknown))))
    for field in STRING_FIELDS:
        if body.get(field) is not None and not isinstance(body[field], str):
            abort(400, _("字段 %(field)s 必须是字符串。", field=field))
    if body.get("send_sms") is not None and not isinstance(body["send_sms"], bool):
        abort(400, _("字段 %(field)s 必须是 true 或 false。", field="send_sms"))
    result = create_invitation(
        window_code=body.get("window"),
        case_no=body.get("case_no"),
        service_code=body.get("service_code"),
        staff_no=body.get("staff_no"),
        client=g.api_client,
        phone=body.get("phone"),
        send_sms=body.get("send_sms"),
    )
    response = jsonify(invitation_json(result.invitation))
    response.status_code = 201 if result.created else 200
    response.headers["Location"] = url_for("api.invitation", invitation_id=result.invitation.id)
    return response


def _invitation_or_404(invitation_id: int) -> Invitation:
    # Past SQLite's 64-bit integers no invitation can exist (and the driver would overflow).
    inv = db.session.get(Invitation, invitation_id) if invitation_id < 2**63 else None
    # A token sees only what its own client created; another client's invitation gets the
    # very answer an unknown id gets, so ids reveal nothing.
    if inv is None or inv.client != g.api_client:
        abort(404, _("邀请 %(id)s 不存在。", id=invitation_id))
    return inv


@bp.get("/invitations/<int:invitation_id>")
@token_required
def invitation(invitation_id: int):
    return jsonify(invitation_json(_invitation_or_404(invitation_id)))


@bp.get("/invitations/<int:invitation_id>/later.svg")
@token_required
def later_qr_svg(invitation_id: int):
    """The case's rating link as a QR code, to print on the 受理回执."""
    url = later_url(_invitation_or_404(invitation_id).id)
    return Response(qr_svg(url), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


@bp.get("/invitations/<int:invitation_id>/later.png")
@token_required
def later_qr_png(invitation_id: int):
    url = later_url(_invitation_or_404(invitation_id).id)
    box = request.args.get("box", 8, type=int)
    return Response(qr_png(url, box_size=min(max(box, 2), 20)), mimetype="image/png",
                    headers={"Cache-Control": "no-store"})


def later_json(inv: Invitation) -> dict:
    """The case's own rating link, for the receipt or the business system's own SMS."""
    return {
        "url": later_url(inv.id),
        "short_code": inv.short_code,
        "valid_until": iso_utc(inv.expires_at),
        "qr_svg": url_for("api.later_qr_svg", invitation_id=inv.id, _external=True),
        "qr_png": url_for("api.later_qr_png", invitation_id=inv.id, _external=True),
    }


def sms_json(inv: Invitation) -> dict | None:
    notice = db.session.scalars(
        sa.select(SmsNotice).where(SmsNotice.invitation_id == inv.id)).first()
    if notice is None:
        return None
    return {"status": notice.status, "phone": notice.phone_masked, "attempts": notice.attempts,
            "settled_at": iso_utc(notice.settled_at)}


def invitation_json(inv: Invitation) -> dict:
    out = {
        "id": inv.id,
        "case_no": inv.case_no,
        "window": inv.window.code,
        "service_code": inv.service.code if inv.service else None,
        "staff_no": inv.staff.staff_no if inv.staff else None,
        "status": inv.status,
        "invited_at": iso_utc(inv.invited_at),
        "expires_at": iso_utc(inv.expires_at),
        "later": later_json(inv),
        "sms": sms_json(inv),
    }
    if inv.status in ("rated", "defaulted"):
        rating = db.session.query(Rating).filter_by(invitation_id=inv.id).one()
        out["rating"] = {
            "id": str(rating.id),
            "level": rating.level,
            "level_name": LEVEL_NAMES[rating.level],
            "channel": rating.channel,
            "is_default": rating.is_default,
            "rated_at": iso_utc(rating.rated_at),
        }
    return out
