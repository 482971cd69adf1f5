"""What a citizen sees about the handling of their rating, by query code. No personal data:
no phone, no staff or handler names, no internal notes — the status and the reply only."""
import uuid

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kiosk.extensions import db
from kiosk.models.cases import BadCase

# Citizen-facing wording of each status (the reply appears from 反馈 on). "无需处理" below is
# never shown: kiosk/mobile/status.py words a rating without a case itself.
PUBLIC_STATUS = {
    "registered": _l("已登记，正在处理"),
    "assigned": _l("已转办，正在处理"),
    "verified": _l("已核实，正在处理"),
    "rectified": _l("已整改，正在处理"),
    "replied": _l("已答复"),
    "revisited": _l("已回访"),
    "closed": _l("已办结"),
}
WITH_REPLY = ("replied", "revisited", "closed")


def handling_status(rating_id) -> tuple[str, str | None]:
    """(status text, reply or None) for the rating's 差评 case; ("无需处理", None) if the
    rating opened no case (it was not a 差评)."""
    if isinstance(rating_id, str):
        rating_id = uuid.UUID(rating_id)
    row = db.session.execute(
        sa.select(BadCase.status, BadCase.reply, BadCase.appeal_status)
        .where(BadCase.rating_id == rating_id)
    ).first()
    if row is None:
        return "无需处理", None
    if row.appeal_status == "accepted":
        return str(_l("经复核，该评价不纳入统计，已办结")), None
    text = str(PUBLIC_STATUS[row.status])  # in the page's language
    return text, (row.reply if row.status in WITH_REPLY else None)
