"""What a citizen sees about the handling of their rating, by query code. No personal data:
no phone, no staff or handler names, no internal notes — the status and the reply only."""
import uuid

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models.cases import BadCase

# Citizen-facing wording of each status (the reply appears from 反馈 on).
PUBLIC_STATUS = {
    "registered": "已登记，正在处理",
    "assigned": "已转办，正在处理",
    "verified": "已核实，正在处理",
    "rectified": "已整改，正在处理",
    "replied": "已答复",
    "revisited": "已回访",
    "closed": "已办结",
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
        return "经复核，该评价不纳入统计，已办结", None
    text = PUBLIC_STATUS[row.status]
    return text, (row.reply if row.status in WITH_REPLY else None)
