from kiosk.extensions import db
from kiosk.models import User


def load_user(user_id: str):
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))
