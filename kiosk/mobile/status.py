"""What the query page says about a rating's handling.

The 差评 workflow (issue 6) plugs in with set_status_provider(fn): fn(rating) returns
(status_text, reply_text | None), or None to fall back to the default here."""
from collections.abc import Callable

from flask_babel import gettext as _

from kiosk.ratings.levels import is_bad

StatusProvider = Callable[[object], tuple[str, str | None] | None]
_provider: StatusProvider | None = None


def set_status_provider(provider: StatusProvider | None) -> None:
    global _provider
    _provider = provider


def handling_status(rating) -> tuple[str, str | None]:
    """(status text for the citizen, the reply to the citizen or None). No personal data."""
    if _provider is not None:
        answer = _provider(rating)
        if answer is not None:
            return answer
    if is_bad(rating.level):
        return _("已登记，处理中"), None
    return _("已登记"), None
