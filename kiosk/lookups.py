"""Lookups the public pages share: the hall's row and a window by its code."""
import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _

from kiosk.extensions import db
from kiosk.models import Hall, Window


def current_hall() -> Hall | None:
    """One installation serves one hall: its settings live on the single hall row."""
    return db.session.scalars(sa.select(Hall).limit(1)).first()


def window_or_404(code: str) -> Window:
    window = db.session.scalars(sa.select(Window).where(Window.code == code)).first()
    if window is None:
        abort(404, _("窗口 %(code)s 不存在。", code=code))
    return window
