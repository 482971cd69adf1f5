"""Evidence and replies: a rating's photos and 补充评价 for staff, the reply to a comment.

Photos are personal data: served only to signed-in staff entitled to the rating (a handler
only for a case it may see), never cached, every view written to the audit log. A 差评 is
answered through its case; any other rating with a comment gets its reply here (the seed's
rule: satisfied comments are answered too), and the citizen reads it on /q."""
import uuid
from pathlib import Path

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kiosk.admin import bp
from kiosk.admin.access import MANAGE
from kiosk.auth.decorators import role_required
from kiosk.cases import service as cases
from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.mobile.replies import reply_of
from kiosk.models import Rating
from kiosk.models.audit import audit
from kiosk.models.base import utcnow
from kiosk.models.cases import BadCase
from kiosk.models.mobile import RatingPhoto, RatingReply, RatingSupplement
from kiosk.privacy import mask_phone
from kiosk.ratings.levels import LEVEL_NAMES, is_bad
from kiosk.stats.queries import CHANNEL_LABELS

READERS = ("admin", "manager", "handler", "auditor")
REPLY_MAX = 500
PAGE_SIZE = 100


@bp.app_template_global()
def channel_label(channel: str) -> str:
    """The channel in words, as the statistics name it."""
    return _(CHANNEL_LABELS.get(channel, channel))


class ReplyRefused(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


def _case_of(rating_id) -> BadCase | None:
    return db.session.scalars(sa.select(BadCase).where(BadCase.rating_id == rating_id)).first()


def _rating_or_404(rating_id: uuid.UUID) -> Rating:
    """The rating if this user may see it: a handler only through a case it may see."""
    rating = db.session.get(Rating, rating_id)
    if rating is None:
        abort(404, _("评价不存在。"))
    if current_user.role == "handler":
        case = _case_of(rating.id)
        try:
            cases.case_for(current_user, case.id if case else -1)
        except cases.CaseError:
            abort(404, _("评价不存在。"))
    return rating


def evidence_of(rating_id) -> dict:
    """The supplement and the photos of a rating (for this page and the case page)."""
    return {
        "supplement": db.session.scalars(
            sa.select(RatingSupplement).where(RatingSupplement.rating_id == rating_id)).first(),
        "photos": db.session.scalars(
            sa.select(RatingPhoto).where(RatingPhoto.rating_id == rating_id)
            .order_by(RatingPhoto.id)).all(),
    }


def may_reply(rating: Rating) -> bool:
    """Comments on ratings that opened no 差评 case are answered here."""
    return bool(rating.comment) and not is_bad(rating.level)


def add_reply(rating: Rating, user, text: str) -> RatingReply:
    text = (text or "").strip()
    if not may_reply(rating):
        raise ReplyRefused(_l("差评请在差评工单中答复；没有留言的评价无需答复。"))
    if not text or len(text) > REPLY_MAX:
        raise ReplyRefused(_l("答复须为 1 至 %(n)d 个字。", n=REPLY_MAX))
    rating_id = rating.id
    with write_transaction(db.session()):
        if reply_of(rating_id) is not None:
            raise ReplyRefused(_l("该评价已经答复过。"))
        reply = RatingReply(rating_id=rating_id, text=text, user_id=user.id,
                            username=user.username, created_at=utcnow())
        db.session.add(reply)
        audit(user.username, "reply", "rating", rating_id, after={"reply": text})
        db.session.commit()
    return reply


@bp.get("/evidence")
@role_required("admin", "manager", "auditor")
def evidence_list():
    """Recent ratings with something to read: a comment, photos or a 补充评价."""
    with_photos = sa.select(RatingPhoto.rating_id)
    with_supplement = sa.select(RatingSupplement.rating_id)
    rows = db.session.scalars(
        sa.select(Rating).where(sa.or_(Rating.comment != "", Rating.id.in_(with_photos),
                                       Rating.id.in_(with_supplement)))
        .order_by(Rating.rated_at.desc()).limit(PAGE_SIZE)
    ).all()
    replied = set(db.session.scalars(sa.select(RatingReply.rating_id).where(
        RatingReply.rating_id.in_([r.id for r in rows]))).all())
    photo_counts = dict(db.session.execute(
        sa.select(RatingPhoto.rating_id, sa.func.count()).where(
            RatingPhoto.rating_id.in_([r.id for r in rows])).group_by(RatingPhoto.rating_id)
    ).all())
    return render_template("admin/evidence_list.html", ratings=rows, replied=replied,
                           photo_counts=photo_counts, levels=LEVEL_NAMES, is_bad=is_bad)


@bp.get("/ratings/<uuid:rating_id>")
@role_required(*READERS)
def rating_detail(rating_id: uuid.UUID):
    rating = _rating_or_404(rating_id)
    return render_template(
        "admin/rating_detail.html", rating=rating, levels=LEVEL_NAMES, case=_case_of(rating.id),
        reply=reply_of(rating.id), may_reply=may_reply(rating) and current_user.role in MANAGE,
        masked_phone=mask_phone(rating.phone), reply_max=REPLY_MAX, **evidence_of(rating.id))


@bp.post("/ratings/<uuid:rating_id>/reply")
@role_required(*MANAGE)
def rating_reply(rating_id: uuid.UUID):
    rating = _rating_or_404(rating_id)
    try:
        add_reply(rating, current_user, request.form.get("text", ""))
    except ReplyRefused as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(_("答复已保存，群众可凭查询码查看。"), "ok")
    return redirect(url_for("admin.rating_detail", rating_id=rating_id))


@bp.get("/photos/<int:photo_id>")
@role_required(*READERS)
def rating_photo(photo_id: int):
    """One photo, to signed-in staff entitled to its rating; every view is logged."""
    photo = db.session.get(RatingPhoto, photo_id) if photo_id < 2**63 else None
    if photo is None:
        abort(404)
    _rating_or_404(photo.rating_id)
    root = Path(current_app.instance_path).resolve()
    path = (root / photo.path).resolve()
    if root not in path.parents or not path.is_file():
        abort(404)
    with write_transaction(db.session()):
        audit(current_user.username, "view", "rating_photo", photo.id,
              after={"rating_id": str(photo.rating_id)})
        db.session.commit()
    response = send_file(path, mimetype=photo.content_type, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
