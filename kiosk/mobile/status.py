"""What the query page says about a rating's handling.

A 差评's status and reply come from the 差评 workflow (kiosk/cases/public.py). Other code may
plug in with set_status_provider(app, fn), per app: fn(rating) returns (status_text,
reply_text | None), or None to fall through."""
from collections.abc import Callable

from flask import current_app
from flask_babel import gettext as _

from kiosk.cases.public import handling_status as case_status
from kiosk.mobile.replies import reply_of
from kiosk.ratings.levels import is_bad

StatusProvider = Callable[[object], tuple[str, str | None] | None]
NO_CASE = "无需处理"  # what kiosk.cases.public answers when the rating opened no case
EXTENSION = "rating_status_provider"


def set_status_provider(app, provider: StatusProvider | None) -> None:
    app.extensions[EXTENSION] = provider


def handling_status(rating) -> tuple[str, str | None]:
    """(status text for the citizen, the reply to the citizen or None). No personal data."""
    provider = current_app.extensions.get(EXTENSION)
    if provider is not None:
        answer = provider(rating)
        if answer is not None:
            return answer
    if is_bad(rating.level):
        text, reply = case_status(rating.id)
        if text != NO_CASE:
            return text, reply
        return _("已登记，处理中"), None
    reply = reply_of(rating.id)
    if reply is not None:
        return _("已答复"), reply.text
    return _("已登记"), None
