"""The hall, its windows, staff and service items (each item and window belongs to a
department, kiosk/models/department.py)."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.extensions import db
from kiosk.models.base import utcnow

window_services = sa.Table(
    "window_service",
    db.metadata,
    sa.Column("window_id", sa.ForeignKey("window.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("service_id", sa.ForeignKey("service_item.id", ondelete="CASCADE"), primary_key=True),
)


def local_name(name: str, name_en: str | None, locale: str) -> str:
    """A hall's or window's name in `locale`: the English one on English pages where set."""
    return name_en if locale == "en" and name_en else name


class Hall(db.Model):
    """One installation serves one hall; its settings live on this row."""

    __tablename__ = "hall"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")  # shown on English pages
    supervision_phone: Mapped[str] = mapped_column(sa.String(40), default="")  # 监督电话
    service_promise: Mapped[str] = mapped_column(sa.String(200), default="")  # 服务承诺
    region_code: Mapped[str] = mapped_column(sa.String(12), default="")  # 行政区划
    dept_code: Mapped[str] = mapped_column(sa.String(18), default="")  # 统一社会信用代码
    # Ratings without a window's invitation (touch and QR): off until a hall decides.
    allow_uninvited: Mapped[bool] = mapped_column(default=False)
    voice_enabled: Mapped[bool] = mapped_column(default=True)
    public_base_url: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def display_name(self, locale: str) -> str:
        return local_name(self.name, self.name_en, locale)


class ServiceItem(db.Model):
    __tablename__ = "service_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    # 事项编码: a 基本编码 or an 实施编码 (kiosk/departments/service_code.py)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # 实施主体: the department that implements the item, responsible for its ratings.
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"), index=True)

    department = relationship("Department")


class Staff(db.Model):
    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_no: Mapped[str] = mapped_column(sa.String(32), unique=True)  # 工号
    name: Mapped[str] = mapped_column(sa.String(50))
    photo: Mapped[str | None] = mapped_column(sa.String(200))
    stars: Mapped[int | None]  # 星级 1–5 from the hall's own assessment; none shown if unset
    pin_hash: Mapped[str | None] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)


class Window(db.Model):
    __tablename__ = "window"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)  # e.g. A03
    name: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100), default="")
    scale: Mapped[int] = mapped_column(default=5)  # 5 or 3 levels
    paused: Mapped[bool] = mapped_column(default=False)
    pause_reason: Mapped[str | None] = mapped_column(sa.String(50))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id", ondelete="SET NULL"))
    # The department running the window; it may serve other departments' items (一窗受理).
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))

    staff: Mapped[Staff | None] = relationship()
    department = relationship("Department")
    services: Mapped[list[ServiceItem]] = relationship(secondary=window_services)

    __table_args__ = (sa.CheckConstraint("scale IN (3, 5)", name="scale"),)

    def display_name(self, locale: str) -> str:
        return local_name(self.name, self.name_en, locale)
