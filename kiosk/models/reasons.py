"""Versioned reason templates for a 差评; maintained centrally, never edited locally."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db
from kiosk.models.base import utcnow

SEED_REASONS = [
    {"code": "R01", "text": "办事效率低、业务不熟练"},
    {"code": "R02", "text": "服务态度差、政策解释不清楚"},
    {"code": "R03", "text": "工作不规范、程序不完善"},
    {"code": "R04", "text": "服务不便利、配套设施不完善"},
    {"code": "R05", "text": "阻碍评价、故意遮挡评议二维码"},
    {"code": "R06", "text": "工作人员玩忽职守、做与工作无关的事"},
]


class ReasonTemplate(db.Model):
    __tablename__ = "reason_template"
    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    items: Mapped[list] = mapped_column(sa.JSON)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
