"""API tokens for business systems: created (shown once, stored as a hash) and revoked."""
import secrets

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.admin import bp, snapshots
from kiosk.admin.access import MANAGE, VIEW
from kiosk.admin.forms import ActionForm, TokenForm
from kiosk.auth.decorators import role_required
from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.models import ApiToken
from kiosk.models.audit import audit
from kiosk.models.base import utcnow
from kiosk.models.tokens import hash_token


def _list(form: TokenForm, status: int = 200):
    rows = db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)).all()
    return render_template("admin/tokens.html", tokens=rows, form=form,
                           action_form=ActionForm()), status


@bp.get("/tokens")
@role_required(*VIEW)
def tokens():
    return _list(TokenForm())


@bp.post("/tokens")
@role_required(*MANAGE)
def token_create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _list(form, 422)
    secret = secrets.token_urlsafe(32)
    with write_transaction(db.session()):
        if db.session.scalars(sa.select(ApiToken.id).where(ApiToken.name == form.name.data)).first():
            form.name.errors.append(_("名为 %(name)s 的令牌已存在。", name=form.name.data))
            return _list(form, 422)
        token = ApiToken(name=form.name.data, token_hash=hash_token(secret))
        db.session.add(token)
        audit(current_user.username, "create", "api_token", token.name, None, snapshots.token(token))
        db.session.commit()
    # Rendered, not redirected: the secret is never stored, in the session or anywhere else.
    response = render_template("admin/token_created.html", name=form.name.data, secret=secret)
    return response, 201, {"Cache-Control": "no-store"}


@bp.post("/tokens/<int:token_id>/revoke")
@role_required(*MANAGE)
def token_revoke(token_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    with write_transaction(db.session()):
        token = db.session.get(ApiToken, token_id)
        if token is None:
            abort(404, _("令牌不存在。"))
        if token.revoked_at is None:
            before = snapshots.token(token)
            token.revoked_at = utcnow()
            audit(current_user.username, "revoke", "api_token", token.name, before, snapshots.token(token))
            db.session.commit()
            flash(_("令牌 %(name)s 已吊销。", name=token.name), "success")
    return redirect(url_for("admin.tokens"))
