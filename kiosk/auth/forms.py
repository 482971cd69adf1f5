from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=200)])
