"""Real-name ratings: phone numbers masked; one logged "reveal" for entitled roles."""
import uuid

import sqlalchemy as sa
from flask import abort, render_template
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.admin import bp
from kiosk.admin.access import MANAGE, VIEW
from kiosk.admin.forms import RevealForm
from kiosk.auth.decorators import role_required
from kiosk.extensions import db
from kiosk.models import Rating
from kiosk.privacy import RevealRefused, mask_phone, may_reveal, reveal_phone
from kiosk.ratings.levels import LEVEL_NAMES

PAGE_SIZE = 100


def _render(form: RevealForm, revealed: tuple | None = None, status: int = 200):
    rows = db.session.scalars(
        sa.select(Rating).where(Rating.phone.is_not(None))
        .order_by(Rating.rated_at.desc()).limit(PAGE_SIZE)
    ).all()
    return render_template("admin/ratings.html", ratings=rows, form=form, revealed=revealed,
                           mask_phone=mask_phone, level_names=LEVEL_NAMES,
                           may_reveal=may_reveal(current_user)), status


@bp.get("/ratings")
@role_required(*VIEW)
def ratings():
    return _render(RevealForm())


@bp.post("/ratings/<uuid:rating_id>/reveal")
@role_required(*MANAGE)
def rating_reveal(rating_id: uuid.UUID):
    rating = db.session.get(Rating, rating_id)
    if rating is None:
        abort(404, _("评价不存在。"))
    form = RevealForm()
    if not form.validate_on_submit():
        return _render(form, (rating_id, None), 422)
    try:
        phone = reveal_phone(rating, current_user, form.reason.data)
    except RevealRefused as exc:
        abort(403, exc.message)
    response = _render(RevealForm(formdata=None), (rating_id, phone))
    return response[0], 200, {"Cache-Control": "no-store"}
