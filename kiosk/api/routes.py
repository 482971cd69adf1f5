"""Business-system API: invite a rating for a case, read its result."""
from flask import abort, g, jsonify, request, url_for
from flask_babel import gettext as _

from kiosk.api import bp
from kiosk.api.auth import token_required
from kiosk.extensions import db
from kiosk.invitations.service import create_invitation
from kiosk.models import Invitation, Rating
from kiosk.ratings.levels import LEVEL_NAMES
from kiosk.timeutil import iso_utc

INVITATION_FIELDS = {"window", "case_no", "service_code", "staff_no"}


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
    for field in INVITATION_FIELDS:
        if body.get(field) is not None and not isinstance(body[field], str):
            abort(400, _("字段 %(field)s 必须是字符串。", field=field))
    result = create_invitation(
        window_code=body.get("window"),
        case_no=body.get("case_no"),
        service_code=body.get("service_code"),
        staff_no=body.get("staff_no"),
        client=g.api_client,
    )
    response = jsonify(invitation_json(result.invitation))
    response.status_code = 201 if result.created else 200
    response.headers["Location"] = url_for("api.invitation", invitation_id=result.invitation.id)
    return response


@bp.get("/invitations/<int:invitation_id>")
@token_required
def invitation(invitation_id: int):
    # Past SQLite's 64-bit integers no invitation can exist (and the driver would overflow).
    inv = db.session.get(Invitation, invitation_id) if invitation_id < 2**63 else None
    if inv is None:
        abort(404, _("邀请 %(id)s 不存在。", id=invitation_id))
    return jsonify(invitation_json(inv))


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
