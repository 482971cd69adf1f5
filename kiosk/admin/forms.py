"""Admin forms (Flask-WTF: every form carries a CSRF token). Messages are shown next to fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    ValidationError,
    widgets,
)
from wtforms.validators import URL, DataRequired, EqualTo, Length, Optional, Regexp

from kiosk.auth.passwords import password_problem
from kiosk.departments import credit_code, service_code
from kiosk.departments.imports import CREDIT_CODE_PROBLEMS, SERVICE_CODE_PROBLEMS
from kiosk.models.staffing import PAUSE_REASONS
from kiosk.models.user import ROLES
from kiosk.staffing.pins import pin_problem

REQUIRED = _l("此项必填。")
ROLE_LABELS = {"admin": _l("系统管理员"), "manager": _l("大厅管理员"),
               "handler": _l("差评处理人"), "auditor": _l("审计员（只读）")}
PAUSE_LABELS = {"午休": _l("午休"), "培训": _l("培训"), "临时离开": _l("临时离开"), "其他": _l("其他")}


def valid_credit_code(_form, field):
    """统一社会信用代码 with its GB 32100-2015 check character (kiosk/departments)."""
    try:
        credit_code.validate(field.data or "")
    except credit_code.CreditCodeError as exc:
        raise ValidationError(CREDIT_CODE_PROBLEMS[exc.reason]) from exc


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(value):
    """Optional text stored as "" when left out (the columns are NOT NULL)."""
    return value.strip() if isinstance(value, str) else ""


def _upper(value):
    return value.strip().upper() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class DepartmentField(SelectField):
    """A department by id, 0 for none (also for a record that has none: NULL)."""

    def __init__(self, label, **kwargs):
        super().__init__(label, coerce=int, default=0, **kwargs)

    def process_data(self, value):
        super().process_data(value or 0)


class WindowForm(FlaskForm):
    code = StringField(_l("窗口编号"), filters=[_upper], description=_l("字母和数字，如 A03"),
                       validators=[DataRequired(REQUIRED), Regexp(r"^[A-Z0-9-]{1,16}$",
                                   message=_l("窗口编号只能包含字母、数字和连字符，最长 16 位。"))])
    name = StringField(_l("窗口名称"), filters=[_strip],
                       validators=[DataRequired(REQUIRED), Length(max=100, message=_l("最长 100 个字。"))])
    name_en = StringField(_l("英文名称"), filters=[_text], description=_l("英文页面显示，可留空"),
                          validators=[Length(max=100, message=_l("最长 100 个字。"))])
    services = MultiCheckboxField(_l("可办理事项"), coerce=int, validate_choice=True)
    scale = RadioField(_l("评价档位"), coerce=int, default=5,
                       choices=[(5, _l("五级（非常满意…非常不满意）")), (3, _l("三级（满意、基本满意、不满意）"))],
                       validators=[DataRequired(_l("请选择评价档位。"))])
    staff_id = SelectField(_l("当前工作人员"), coerce=int, default=0)
    department_id = DepartmentField(_l("所属部门"),
                                description=_l("办理事项未指定实施主体时，评价计入本部门"))


class StaffForm(FlaskForm):
    staff_no = StringField(_l("工号"), filters=[_upper], validators=[
        DataRequired(REQUIRED),
        Regexp(r"^[A-Z0-9]{1,32}$", message=_l("工号只能包含字母和数字，最长 32 位。"))])
    name = StringField(_l("姓名"), filters=[_strip],
                       validators=[DataRequired(REQUIRED), Length(max=50, message=_l("最长 50 个字。"))])
    pin = PasswordField(_l("触摸屏签到 PIN"), description=_l("4–8 位数字；留空则不修改"),
                        validators=[Optional()])
    photo = FileField(_l("照片"), description=_l("JPEG 或 PNG，自动裁剪为 240×320"))
    stars = SelectField(_l("星级"), coerce=int, default=0,
                        choices=[(0, _l("不显示"))] + [(n, "★" * n) for n in range(1, 6)],
                        description=_l("窗口触摸屏待机页显示；未评星级时显示大厅的服务承诺"))
    window_id = SelectField(_l("签到窗口"), coerce=int, default=0)
    active = BooleanField(_l("在岗（停用后不能签到）"), default=True)

    def validate_pin(self, field):
        if field.data:
            problem = pin_problem(field.data)
            if problem:
                raise ValidationError(problem)


class ServiceForm(FlaskForm):
    code = StringField(_l("事项编码"), filters=[service_code.normalise],
                       description=_l("基本编码或实施编码，最长 %(n)d 位",
                                      n=service_code.MAX_LENGTH),
                       validators=[DataRequired(REQUIRED)])
    name = StringField(_l("事项名称"), filters=[_strip],
                       validators=[DataRequired(REQUIRED), Length(max=200, message=_l("最长 200 个字。"))])
    department_id = DepartmentField(_l("实施主体"),
                                description=_l("该事项的评价计入其实施主体"))

    def validate_code(self, field):
        reason = service_code.problem(field.data or "")
        if reason is not None:
            raise ValidationError(SERVICE_CODE_PROBLEMS[reason])


class DepartmentForm(FlaskForm):
    name = StringField(_l("部门名称"), filters=[_strip], validators=[
        DataRequired(REQUIRED), Length(max=100, message=_l("最长 100 个字。"))])
    credit_code = StringField(_l("统一社会信用代码"), filters=[_upper], description=_l("18 位"),
                              validators=[DataRequired(REQUIRED)])
    region_code = StringField(_l("行政区划代码"), filters=[_text],
                              description=_l("6–12 位数字，留空则取信用代码中的区划"),
                              validators=[Optional(), Regexp(r"^\d{6,12}$",
                                                             message=_l("应为 6–12 位数字。"))])
    active = BooleanField(_l("启用"), default=True)

    def validate_credit_code(self, field):
        valid_credit_code(self, field)


class ImportForm(FlaskForm):
    file = FileField(_l("CSV 或 XLSX 文件"), validators=[DataRequired(_l("请选择文件。"))])


class TokenForm(FlaskForm):
    name = StringField(_l("令牌名称（调用方系统）"), filters=[_strip], validators=[
        DataRequired(REQUIRED),
        Regexp(r"^[A-Za-z0-9_.-]{1,64}$", message=_l("只能包含字母、数字和 _ . -，最长 64 位。"))])


class HallForm(FlaskForm):
    name = StringField(_l("大厅名称"), filters=[_strip],
                       validators=[DataRequired(REQUIRED), Length(max=100, message=_l("最长 100 个字。"))])
    name_en = StringField(_l("英文名称"), filters=[_text], description=_l("英文页面显示，可留空"),
                          validators=[Length(max=200, message=_l("最长 200 个字。"))])
    supervision_phone = StringField(_l("监督电话"), filters=[_text],
                                    description=_l("窗口触摸屏待机页显示，如 0871-12345"),
                                    validators=[Optional(), Regexp(r"^[0-9+\- ()]{3,40}$",
                                                message=_l("监督电话只能包含数字、空格和 + - ( )。"))])
    service_promise = StringField(_l("服务承诺"), filters=[_text],
                                  description=_l("窗口触摸屏待机页显示，最长 200 个字"),
                                  validators=[Length(max=200, message=_l("最长 200 个字。"))])
    region_code = StringField(_l("行政区划代码"), filters=[_strip], description=_l("6–12 位数字"),
                              validators=[DataRequired(REQUIRED), Regexp(r"^\d{6,12}$",
                                          message=_l("行政区划代码应为 6–12 位数字。"))])
    dept_code = StringField(_l("统一社会信用代码"), filters=[_upper], description=_l("18 位"),
                            validators=[DataRequired(REQUIRED), valid_credit_code])
    allow_uninvited = BooleanField(_l("允许未经邀请的主动评价"))
    voice_enabled = BooleanField(_l("语音提示"))
    public_base_url = StringField(_l("二维码公网地址"), filters=[_text],
                                  description=_l("如 https://hall.example.gov.cn，可留空"),
                                  validators=[Optional(), Length(max=200),
                                              URL(require_tld=False, message=_l("请输入以 http:// 或 https:// 开头的网址。"))])

    def validate_public_base_url(self, field):
        if field.data and not field.data.startswith(("http://", "https://")):
            raise ValidationError(_l("请输入以 http:// 或 https:// 开头的网址。"))


class _PasswordPair(FlaskForm):
    password = PasswordField(_l("密码"), validators=[DataRequired(REQUIRED)],
                             description=_l("至少 10 位，字母与数字或符号混合"))
    confirm = PasswordField(_l("再次输入密码"), validators=[
        DataRequired(REQUIRED), EqualTo("password", message=_l("两次输入的密码不一致。"))])

    def validate_password(self, field):
        if password_problem(field.data or ""):
            raise ValidationError(_l("密码至少 10 位，且须混合字母与数字或符号。"))


class UserForm(_PasswordPair):
    username = StringField(_l("用户名"), filters=[_strip], validators=[
        DataRequired(REQUIRED),
        Regexp(r"^[A-Za-z0-9_.-]{2,64}$", message=_l("用户名为 2–64 位字母、数字或 _ . -。"))])
    display_name = StringField(_l("显示名称"), filters=[_strip], validators=[Length(max=64)])
    role = SelectField(_l("角色"), choices=[(r, ROLE_LABELS[r]) for r in ROLES],
                       validators=[DataRequired(REQUIRED)])
    department_id = DepartmentField(_l("所属部门"),
                                description=_l("差评处理人只能看到本部门的差评和统计。"))


class UserDepartmentForm(FlaskForm):
    department_id = DepartmentField(_l("所属部门"))


class PasswordResetForm(_PasswordPair):
    pass


class AssignClerkForm(FlaskForm):
    staff_id = SelectField(_l("工作人员"), coerce=int, validators=[DataRequired(_l("请选择工作人员。"))])


class PauseForm(FlaskForm):
    reason = SelectField(_l("暂停原因"), choices=[("", _l("请选择"))] + [(r, PAUSE_LABELS[r]) for r in PAUSE_REASONS],
                         validators=[DataRequired(_l("请选择暂停原因。"))])


class RevealForm(FlaskForm):
    reason = StringField(_l("查看原因"), filters=[_strip], description=_l("例如：差评回访"),
                         validators=[DataRequired(_l("请填写查看原因。")), Length(max=200)])


class DeviceForm(FlaskForm):
    window_id = SelectField(_l("窗口"), coerce=int)
    protocol = RadioField(_l("协议"), default="evp", choices=[
        ("evp", _l("EVP/1 评价器（RS-485 总线，恰好一次）")),
        ("kp-ascii", _l("KP-ASCII 按键盒（USB，至多一次）")),
        ("slz68", _l("SLZ-68 排队系统总线（呼叫器 + 四键评价器，至多一次）"))],
        validators=[DataRequired(_l("请选择协议。"))])
    port = StringField(_l("串口"), filters=[_strip], description=_l("如 /dev/serial/by-id/…"),
                       validators=[DataRequired(REQUIRED), Length(max=200, message=_l("最长 200 个字。"))])
    address = StringField(_l("地址"), filters=[_strip], default="1",
                          description=_l("EVP/1：1–247；SLZ-68 评价器：0x81–0xFF"),
                          validators=[DataRequired(REQUIRED)])
    caller = StringField(_l("呼叫器地址（仅 SLZ-68）"), filters=[_strip],
                         description=_l("0x01–0x7F"))
    timeout_s = IntegerField(_l("等待评价秒数（仅 SLZ-68）"), default=30,
                             validators=[Optional()])
    baud = SelectField(_l("波特率"), coerce=int, default=9600,
                       choices=[(9600, "9600"), (19200, "19200"), (115200, "115200")])
