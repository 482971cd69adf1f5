"""Forms of the mobile pages: plain HTML posts with a CSRF token, usable without JavaScript."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from kiosk.mobile.photos import MAX_PHOTOS
from kiosk.ratings.service import COMMENT_MAX, PHONE_RE

COMMENT_LABEL = _l("留言（选填，最多 %(n)d 字）", n=COMMENT_MAX)
PHOTOS_LABEL = _l("照片（选填，最多 %(n)d 张，JPEG 或 PNG，每张不超过 5 MB）", n=MAX_PHOTOS)
COMMENT_TOO_LONG = _l("留言最多 %(n)d 个字。", n=COMMENT_MAX)


class CheckboxListField(SelectMultipleField):
    """Multi-select shown as a list of checkboxes (large labels are easier to tap)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RateForm(FlaskForm):
    level = RadioField(
        _l("您对本次服务的评价"), coerce=int,
        validators=[InputRequired(message=_l("请选择评价等级。"))],
    )
    reasons = CheckboxListField(_l("不满意的原因（可多选）"), choices=[])
    comment = TextAreaField(COMMENT_LABEL, validators=[Length(max=COMMENT_MAX, message=COMMENT_TOO_LONG)])
    photos = MultipleFileField(PHOTOS_LABEL)
    identity = RadioField(
        _l("评价方式"),
        choices=[SelectChoice("anonymous", _l("匿名评价")),
                 SelectChoice("real_name", _l("实名评价（留下手机号码，便于回访）"))],
        default="anonymous",
        validators=[InputRequired()],
    )
    phone = TelField(_l("手机号码（实名评价时填写）"), validators=[Optional()])
    submit = SubmitField(_l("提交评价"))

    def validate_phone(self, field):
        if self.identity.data != "real_name":
            return
        if not field.data:
            raise ValidationError(_l("实名评价请填写手机号码。"))
        if not PHONE_RE.match(field.data.strip()):
            raise ValidationError(_l("手机号码格式不正确，应为 11 位数字。"))


class QueryForm(FlaskForm):
    code = StringField(
        _l("查询码"), validators=[InputRequired(message=_l("请输入查询码。")), Length(max=30)]
    )
    submit = SubmitField(_l("查询"))


class SupplementForm(FlaskForm):
    code = HiddenField(validators=[InputRequired()])
    comment = TextAreaField(_l("补充内容（最多 %(n)d 字）", n=COMMENT_MAX),
                            validators=[Length(max=COMMENT_MAX, message=COMMENT_TOO_LONG)])
    photos = MultipleFileField(PHOTOS_LABEL)
    submit = SubmitField(_l("提交补充评价"))


class CaseLookupForm(FlaskForm):
    case_no = StringField(
        _l("办件编号"), validators=[InputRequired(message=_l("请输入办件编号。")), Length(max=50)]
    )
    check = StringField(
        _l("验证信息：回执上的 6 位查询短码，或办件时所留手机号码的后 4 位"),
        validators=[InputRequired(message=_l("请输入验证信息。")), Length(max=20)],
    )
    submit = SubmitField(_l("查找办件并评价"))
