from urllib.parse import urlsplit

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from kiosk.auth import bp
from kiosk.auth.forms import LoginForm
from kiosk.auth.service import LoginRefused, authenticate
from kiosk.extensions import db


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: no open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data.strip(), form.password.data,
                                request.remote_addr or "-")
        except LoginRefused as exc:
            error = str(exc)
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("auth.home"))
    status = 401 if error else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout():
    current_user.end_sessions()  # a copied session cookie stops working too
    db.session.commit()
    logout_user()
    return redirect(url_for("auth.login"))


@bp.get("/home")
@login_required
def home():
    """Sends each role to its start page; blueprints register theirs in HOME_ENDPOINTS."""
    from flask import current_app

    for endpoint in current_app.config.get("HOME_ENDPOINTS", []):
        if endpoint in current_app.view_functions:
            return redirect(url_for(endpoint))
    return render_template("auth/home.html")
