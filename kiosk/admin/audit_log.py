"""The audit log: who changed what, when, before → after (administrator, auditor)."""
import sqlalchemy as sa
from flask import render_template, request

from kiosk.admin import bp, snapshots
from kiosk.admin.access import AUDIT
from kiosk.auth.decorators import role_required
from kiosk.extensions import db
from kiosk.models import AuditLog, PhoneAccessLog

PAGE_SIZE = 50


@bp.get("/audit")
@role_required(*AUDIT)
def audit_log():
    page = max(request.args.get("page", 1, type=int), 1)
    rows = db.session.scalars(
        sa.select(AuditLog).order_by(AuditLog.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ).all()
    reveals = db.session.scalars(
        sa.select(PhoneAccessLog).order_by(PhoneAccessLog.id.desc()).limit(PAGE_SIZE)
    ).all()
    return render_template("admin/audit.html", rows=rows[:PAGE_SIZE], page=page,
                           has_next=len(rows) > PAGE_SIZE, changed=snapshots.changed,
                           reveals=reveals)
