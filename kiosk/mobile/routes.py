"""Mobile rating pages: scan a window's code (/m/w/<code>), the hall's code (/m/), or the
touchscreen's one-time code (/m/t/<token>); look up a rating by its query code (/q)."""
import sqlalchemy as sa
from flask import (
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms.fields.choices import SelectChoice

from kiosk import ratelimit
from kiosk.extensions import csrf, db
from kiosk.lookups import current_hall, window_or_404
from kiosk.mobile import bp
from kiosk.mobile.forms import CaseLookupForm, QueryForm, RateForm, SupplementForm
from kiosk.mobile.photos import MAX_PHOTO_BYTES, MAX_PHOTOS, clean_photos, uploaded_files
from kiosk.mobile.status import handling_status
from kiosk.mobile.supplements import (
    RatingPhotos,
    add_supplement,
    can_supplement,
    rating_by_query_code,
    supplement_deadline,
    supplement_of,
)
from kiosk.mobile.tokens import mark_used, open_token
from kiosk.models import Invitation, ServiceItem, Window, window_services
from kiosk.models.reasons import reason_text, reason_texts
from kiosk.ratings.errors import RatingError
from kiosk.ratings.levels import LEVEL_NAMES, is_bad, levels_for_scale
from kiosk.ratings.service import current_reasons, record_rating
from kiosk.timeutil import to_local

# Five photos at the size limit, plus room for the text fields and the multipart framing.
MAX_UPLOAD_BYTES = MAX_PHOTOS * MAX_PHOTO_BYTES + 1024 * 1024


@bp.before_request
def allow_photo_uploads():
    # The app-wide request limit is smaller than five photos. The limit has to be raised
    # before anything reads the form, so this blueprint is exempt from the app-wide CSRF
    # hook and runs the same check itself, right after.
    request.max_content_length = MAX_UPLOAD_BYTES
    csrf.protect()


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(_exc):
    db.session.rollback()
    message = _("上传的内容过大：最多 %(n)d 张照片，每张不超过 %(mb)d MB。",
                n=MAX_PHOTOS, mb=MAX_PHOTO_BYTES // (1024 * 1024))
    return render_template("mobile/message.html", title=_("无法提交"), message=message), 413


@bp.errorhandler(RatingError)
def rating_refused(exc: RatingError):
    db.session.rollback()
    return render_template("mobile/message.html", title=_("无法评价"),
                           message=str(exc.message)), exc.status




@bp.get("/m/")
def hall_index():
    """The hall-wide code: the citizen finds the window by keyword or in the list."""
    keyword = (request.args.get("q") or "").strip()[:50]
    query = sa.select(Window).order_by(Window.code)
    if keyword:
        like = f"%{keyword}%"
        by_service = (
            sa.select(window_services.c.window_id)
            .join(ServiceItem, ServiceItem.id == window_services.c.service_id)
            .where(ServiceItem.name.like(like))
        )
        query = query.where(
            sa.or_(Window.code.ilike(like), Window.name.like(like), Window.id.in_(by_service))
        )
    windows = db.session.scalars(query).all()
    return render_template("mobile/hall.html", hall=current_hall(), windows=windows,
                           keyword=keyword, form=CaseLookupForm())


@bp.route("/m/w/<code>", methods=["GET", "POST"])
def rate_window(code: str):
    """A window's static code: an uninvited rating, rate-limited per client."""
    window = window_or_404(code)
    hall = current_hall()
    if hall is not None and not hall.allow_uninvited:
        return render_template(
            "mobile/message.html", title=_("请在窗口评价"),
            message=_("本大厅仅接受窗口邀请后的评价：请在办理完成后扫描窗口屏幕上的二维码。"),
        ), 403
    return _rate_page(window, hall, invitation=None, token=None)


@bp.route("/m/t/<token>", methods=["GET", "POST"])
def rate_invited(token: str):
    """The touchscreen's one-time code: rates the invitation it is bound to."""
    found, invitation = open_token(token)
    window = db.session.get(Window, invitation.window_id)
    return _rate_page(window, current_hall(), invitation=invitation, token=found)


def _too_many(message: str):
    return render_template("mobile/message.html", title=_("请稍后再试"), message=message), 429


def _rate_form(window: Window) -> RateForm:
    form = RateForm()
    names = {level: _(LEVEL_NAMES[level]) for level in LEVEL_NAMES}
    form.level.choices = [SelectChoice(level, names[level]) for level in levels_for_scale(window.scale)]
    template = current_reasons()
    form.reasons.choices = [
        SelectChoice(item["code"], reason_text(item, str(get_locale()))) for item in (template.items if template else [])
    ]
    return form


def _rate_page(window: Window, hall, *, invitation: Invitation | None, token, channel="qr"):
    form = _rate_form(window)
    if form.validate_on_submit():
        level = form.level.data
        # Without JavaScript every field is on the page: reasons only count for a 差评.
        reasons = form.reasons.data if is_bad(level) else []
        if is_bad(level) and not reasons:
            form.reasons.errors.append(_("请至少选择一项不满意的原因。"))
        else:
            if invitation is None and not _uninvited_attempt_allowed(window):
                return _too_many(_("提交过于频繁，请稍后再试。"))
            if not _photo_attempt_allowed(form):
                return _too_many(_("上传过于频繁，请稍后再试。"))
            try:
                return _record(window, form, invitation, token, level, reasons, channel)
            except RatingError as exc:
                db.session.rollback()
                if exc.status in (409, 410, 404, 403):
                    raise
                form.form_errors.append(str(exc.message))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "mobile/rate.html", form=form, window=window, hall=hall, invitation=invitation,
        staff=window.staff, bad_levels=[c.value for c in form.level.choices if is_bad(c.value)],
    ), status


def _photo_attempt_allowed(form) -> bool:
    """Photos cost a decode each: their attempts are counted before decoding, per address."""
    if not uploaded_files(form.photos.data):
        return True
    return ratelimit.hit("photo_upload_ip", request.remote_addr or "-")


def _uninvited_attempt_allowed(window: Window) -> bool:
    """Counted before anything is decoded or stored: failed attempts count too."""
    by_client = ratelimit.hit_client("uninvited")
    by_window = ratelimit.hit("uninvited_window", window.code)
    return by_client and by_window


def _record(window, form, invitation, token, level, reasons, channel):
    photos = clean_photos(form.photos.data)  # all checked before anything is stored
    phone = form.phone.data.strip() if form.identity.data == "real_name" else None
    uploaded = RatingPhotos(current_app.instance_path, photos)
    try:
        result = record_rating(
            window_code=window.code, level=level, channel=channel,
            invitation_id=invitation.id if invitation else None,
            reasons=reasons, comment=form.comment.data or "", phone=phone,
            also_write=uploaded.write,
        )
    except BaseException:
        uploaded.discard()
        raise
    if not result.created:
        uploaded.discard()
    rating = result.rating
    if token is not None:
        mark_used(token.id)
    session["mobile_done"] = {"level": rating.level, "query_code": rating.query_code}
    return redirect(url_for("mobile.thanks"))


@bp.get("/m/thanks")
def thanks():
    done = session.get("mobile_done") or {}
    level = done.get("level")
    return render_template(
        "mobile/thanks.html", level_name=_(LEVEL_NAMES[level]) if level in LEVEL_NAMES else None,
        query_code=done.get("query_code"),
    )


@bp.route("/q", methods=["GET", "POST"])
def query():
    """Anyone with a query code sees that one rating's status and reply, nothing else."""
    # /q?code=… (the touchscreen's thank-you QR) fills the code in; looking up stays a POST.
    form = QueryForm(code=request.args.get("code", "")[:32] or None)
    if not form.validate_on_submit():
        return render_template("mobile/query.html", form=form), 422 if request.method == "POST" else 200
    if not ratelimit.hit_client("lookup"):
        return _too_many(_("查询过于频繁，请 1 分钟后再试。"))
    rating = rating_by_query_code(form.code.data)
    if rating is None:
        form.code.errors.append(_("查询码不存在，请核对后重新输入（格式如 PY123456789012）。"))
        return render_template("mobile/query.html", form=form), 404
    return _result_page(rating, SupplementForm(formdata=None, code=rating.query_code))


@bp.post("/q/supplement")
def supplement():
    form = SupplementForm()
    if not ratelimit.hit_client("lookup"):  # the code is checked here too: same limit as /q
        return _too_many(_("查询过于频繁，请 1 分钟后再试。"))
    rating = rating_by_query_code(form.code.data or "")
    if rating is None:
        return render_template("mobile/message.html", title=_("无法补充"),
                               message=_("查询码不存在，请核对后重新输入。")), 404
    if not form.validate_on_submit():
        return _result_page(rating, form, status=422)
    if not _photo_attempt_allowed(form):
        return _too_many(_("上传过于频繁，请稍后再试。"))
    try:
        photos = clean_photos(form.photos.data)
        add_supplement(current_app.instance_path, rating, form.comment.data or "", photos)
    except RatingError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc.message))
        return _result_page(rating, form, status=exc.status)
    return _result_page(rating, SupplementForm(formdata=None, code=rating.query_code),
                        notice=_("补充评价已提交，感谢您的反馈。"))


def _result_page(rating, supplement_form, status: int = 200, notice: str | None = None):
    window = db.session.get(Window, rating.window_id)
    status_text, reply = handling_status(rating)
    template = current_reasons()
    texts = reason_texts(template.items if template else [], str(get_locale()))
    return render_template(
        "mobile/result.html", rating=rating, window=window,
        level_name=_(LEVEL_NAMES[rating.level]), rated_at=to_local(rating.rated_at),
        reasons=[texts.get(code, code) for code in rating.reasons or []],
        status_text=status_text, reply=reply, supplement=supplement_of(rating),
        can_supplement=can_supplement(rating), deadline=to_local(supplement_deadline(rating)),
        form=supplement_form, notice=notice,
    ), status
