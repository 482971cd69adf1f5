"""Versioned reason templates for a 差评; maintained centrally, never edited locally."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db
from kiosk.models.base import utcnow

# Each item carries both languages: the template is published centrally as a whole, so its
# English text travels with it instead of living in the hall's message catalogue.
SEED_REASONS = [
    {"code": "R01", "text": "办事效率低、业务不熟练",
     "text_en": "Slow service, unfamiliar with the procedure"},
    {"code": "R02", "text": "服务态度差、政策解释不清楚",
     "text_en": "Unfriendly, policy not explained clearly"},
    {"code": "R03", "text": "工作不规范、程序不完善",
     "text_en": "Irregular work, incomplete procedure"},
    {"code": "R04", "text": "服务不便利、配套设施不完善",
     "text_en": "Inconvenient service, poor facilities"},
    {"code": "R05", "text": "阻碍评价、故意遮挡评议二维码",
     "text_en": "Rating obstructed, rating QR code covered"},
    {"code": "R06", "text": "工作人员玩忽职守、做与工作无关的事",
     "text_en": "Staff neglected duty or did unrelated things"},
]


def valid_items(items) -> bool:
    """A template's items as published: [{"code", "text", "text_en"?}, …], all strings."""
    return isinstance(items, list) and all(
        isinstance(i, dict) and isinstance(i.get("code"), str) and isinstance(i.get("text"), str)
        and isinstance(i.get("text_en", ""), str)
        for i in items
    )


def reason_text(item: dict, locale: str) -> str:
    """The item's text in the page's language; Chinese when no English was published."""
    if locale == "en" and item.get("text_en"):
        return item["text_en"]
    return item["text"]


def reason_texts(items: list, locale: str) -> dict[str, str]:
    return {item["code"]: reason_text(item, locale) for item in items}


class ReasonTemplate(db.Model):
    __tablename__ = "reason_template"
    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    items: Mapped[list] = mapped_column(sa.JSON)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
