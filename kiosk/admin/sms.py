"""/admin/sms: the SMS invitations and their delivery state (masked numbers only)."""
import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import lazy_gettext as _l

from kiosk.admin import bp
from kiosk.admin.access import VIEW
from kiosk.auth.decorators import role_required
from kiosk.extensions import db
from kiosk.models import Invitation
from kiosk.models.notify import SMS_STATUSES, SmsNotice

PAGE_SIZE = 100
STATUS_LABELS = {"pending": _l("待发送"), "sent": _l("已发送"), "failed": _l("发送失败"),
                 "skipped": _l("未发送（已评价或已过期）")}


@bp.app_template_global()
def sms_status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


@bp.get("/sms")
@role_required(*VIEW)
def sms():
    rows = db.session.execute(
        sa.select(SmsNotice, Invitation.case_no)
        .join(Invitation, Invitation.id == SmsNotice.invitation_id)
        .order_by(SmsNotice.id.desc()).limit(PAGE_SIZE)
    ).all()
    counts = dict(db.session.execute(
        sa.select(SmsNotice.status, sa.func.count()).group_by(SmsNotice.status)).all())
    return render_template("admin/sms.html", rows=rows, statuses=SMS_STATUSES, counts=counts,
                           configured=bool(current_app.config.get("SMS_GATEWAY")))
