"""The sync daemon's own state on a hall (or a forwarding hub): one row, short writes."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db


class SyncState(db.Model):
    __tablename__ = "sync_state"
    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    sent_total: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    config_fetched_at: Mapped[datetime | None]
