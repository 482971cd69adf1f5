"""Loads the user of a session, if that session is still valid: it carries the user's
session version, raised at logout and password change to end every older session."""
from kiosk.extensions import db
from kiosk.models import User


def load_user(session_id: str):
    user_id, _sep, version = session_id.partition(".")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user
