"""Role checks for views: role_required("admin", "manager")."""
import functools

from flask import abort
from flask_login import current_user, login_required


def role_required(*roles: str):
    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator
