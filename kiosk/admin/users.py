"""Users (administrator only): create with a role, deactivate, reset a password.

There are no default passwords: the administrator types one, which must pass the policy.
"""
import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.admin import bp, snapshots
from kiosk.admin.access import ADMIN_ONLY
from kiosk.admin.departments import department_choices
from kiosk.admin.forms import (
    ROLE_LABELS,
    ActionForm,
    PasswordResetForm,
    UserDepartmentForm,
    UserForm,
)
from kiosk.auth.decorators import role_required
from kiosk.auth.passwords import hash_password
from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.models import User
from kiosk.models.audit import audit


@bp.get("/users")
@role_required(*ADMIN_ONLY)
def users():
    rows = db.session.scalars(sa.select(User).order_by(User.username)).all()
    return render_template("admin/users.html", users=rows, role_labels=ROLE_LABELS,
                           action_form=ActionForm(), department_choices=department_choices())



@bp.route("/users/new", methods=["GET", "POST"])
@role_required(*ADMIN_ONLY)
def user_new():
    form = UserForm()
    form.department_id.choices = department_choices()
    if form.validate_on_submit():
        password_hash = hash_password(form.password.data)
        with write_transaction(db.session()):
            if db.session.scalars(sa.select(User.id).where(User.username == form.username.data)).first():
                form.username.errors.append(_("用户名 %(name)s 已存在。", name=form.username.data))
            else:
                user = User(username=form.username.data, role=form.role.data,
                            display_name=form.display_name.data or form.username.data,
                            password_hash=password_hash, active=True,
                            department_id=form.department_id.data or None)
                db.session.add(user)
                audit(current_user.username, "create", "user", user.username, None, snapshots.user(user))
                db.session.commit()
                flash(_("用户 %(name)s 已创建。", name=user.username), "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/form.html", form=form, title=_("添加用户"),
                           cancel=url_for("admin.users")), 200 if not form.errors else 422


def _change_user(user_id: int, change, action: str) -> User:
    with write_transaction(db.session()):
        user = db.session.get(User, user_id)
        if user is None:
            abort(404, _("用户不存在。"))
        before = snapshots.user(user)
        extra = change(user) or {}
        audit(current_user.username, action, "user", user.username, before,
              {**snapshots.user(user), **extra})
        db.session.commit()
        return user


@bp.post("/users/<int:user_id>/active")
@role_required(*ADMIN_ONLY)
def user_toggle_active(user_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    if user_id == current_user.id:
        flash(_("不能停用自己的账号。"), "error")
        return redirect(url_for("admin.users"))

    def toggle(user):
        user.active = not user.active

    user = _change_user(user_id, toggle, "update")
    flash(_("用户 %(name)s 已%(state)s。", name=user.username,
            state=_("启用") if user.active else _("停用")), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/department")
@role_required(*ADMIN_ONLY)
def user_department(user_id: int):
    form = UserDepartmentForm()
    form.department_id.choices = department_choices()
    if not form.validate_on_submit():
        flash(_("请选择有效的部门。"), "error")
        return redirect(url_for("admin.users"))

    def move(user):
        user.department_id = form.department_id.data or None

    user = _change_user(user_id, move, "update")
    flash(_("用户 %(name)s 的所属部门已保存。", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@role_required(*ADMIN_ONLY)
def user_password(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404, _("用户不存在。"))
    form = PasswordResetForm()
    if form.validate_on_submit():
        password_hash = hash_password(form.password.data)

        def reset(u):
            u.password_hash, u.failed_logins, u.locked_until = password_hash, 0, None
            u.end_sessions()
            return {"password": "reset"}

        _change_user(user_id, reset, "reset_password")
        flash(_("用户 %(name)s 的密码已重置。", name=user.username), "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/form.html", form=form,
                           title=_("重置 %(name)s 的密码", name=user.username),
                           cancel=url_for("admin.users")), 200 if not form.errors else 422
