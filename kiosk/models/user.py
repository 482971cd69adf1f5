"""People who log in to the admin (hall) or the dashboard (hub)."""
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.extensions import db
from kiosk.models.base import utcnow

ROLES = ("admin", "manager", "handler", "auditor")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(64), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(200))  # argon2id
    role: Mapped[str] = mapped_column(sa.String(10))
    # A handler works for one department and sees only its cases and figures.
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(sa.String(10))
    # Part of every session cookie; raising it (logout, password change) ends all sessions.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department = relationship("Department")

    __table_args__ = (
        sa.CheckConstraint("role IN ('admin', 'manager', 'handler', 'auditor')", name="role"),
    )

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        # The session remembers the version it was made under (kiosk/auth/loader.py).
        return f"{self.id}.{self.session_version}"

    def end_sessions(self) -> None:
        """Every session of this user, on every device, stops working at its next request."""
        self.session_version += 1
