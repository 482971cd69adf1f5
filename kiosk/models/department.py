"""Departments (部门 / 实施主体) hosted by the hall, identified by their 统一社会信用代码.

A department is never deleted (ratings and cases keep pointing at it); it is deactivated.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db
from kiosk.models.base import utcnow


class Department(db.Model):
    __tablename__ = "department"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Validated with its GB 32100-2015 check character (kiosk/departments/credit_code.py).
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    region_code: Mapped[str] = mapped_column(sa.String(12), default="")  # 行政区划
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
