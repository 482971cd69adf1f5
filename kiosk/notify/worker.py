"""The SMS worker of the sync process: sends due invitations, one message per case.

A message goes only while its case can still be rated; a passing trouble is retried with a
doubling delay (30 s … 1 h) up to max_attempts, a refusal is final. Once a message is
settled (sent, failed, skipped) only its masked number is kept. Nothing is logged with the
full number."""
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kiosk.db_setup import IMMEDIATE, writer_lock_for
from kiosk.models import Invitation
from kiosk.models.notify import SmsNotice
from kiosk.notify.base import Notifier, SendResult
from kiosk.notify.message import render, scrub
from kiosk.notify.settings import GatewaySettings
from kiosk.sync.backoff import backoff
from kiosk.sync.result import SyncResult
from kiosk.timeutil import to_local

log = logging.getLogger("kiosk.notify")
RETRY_FIRST, RETRY_CAP = timedelta(seconds=30), timedelta(hours=1)
BATCH = 20

notices, invitations = SmsNotice.__table__, Invitation.__table__


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=backoff(attempts, first=RETRY_FIRST.total_seconds(),
                                     cap=RETRY_CAP.total_seconds()))


class SmsWorker:
    """run_once(now) / close(): the same shape as the upstream workers of the daemon."""

    name = "sms"

    def __init__(self, engine: Engine, settings: GatewaySettings, notifier: Notifier,
                 link_for: Callable[[int], str], hall_name: str = ""):
        self.engine, self.settings, self.notifier = engine, settings, notifier
        self.link_for, self.hall_name = link_for, hall_name

    def _write(self, values_by_id: dict[int, dict]) -> None:
        conn = self.engine.connect().execution_options(**{IMMEDIATE: True})
        with conn, writer_lock_for(self.engine), conn.begin():
            for notice_id, values in values_by_id.items():
                conn.execute(notices.update().where(notices.c.id == notice_id).values(**values))

    def _due(self, now: datetime) -> list:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(notices.c.id, notices.c.phone, notices.c.phone_masked,
                          notices.c.attempts, invitations.c.id.label("invitation_id"),
                          invitations.c.status, invitations.c.case_no,
                          invitations.c.short_code, invitations.c.expires_at)
                .join(invitations, invitations.c.id == notices.c.invitation_id)
                .where(notices.c.status == "pending", notices.c.next_attempt_at <= now)
                .order_by(notices.c.next_attempt_at, notices.c.id).limit(BATCH + 1)
            ).all()

    def run_once(self, now: datetime) -> SyncResult:
        rows = self._due(now)
        result = SyncResult(more=len(rows) > BATCH)
        for row in rows[:BATCH]:
            result.taken += 1
            outcome = self._one(row, now)
            if outcome == "sent":
                result.accepted += 1
            elif outcome == "retry":
                result.error = "SMS gateway: passing trouble, retrying later"
            elif outcome == "failed":
                result.failed += 1
        if result.error:
            result.more = False  # back off: the gateway has trouble
        return result

    def _one(self, row, now: datetime) -> str:
        closed = row.status != "pending" or row.phone is None or (
            row.expires_at is not None and row.expires_at < now)
        if closed:  # rated at the window meanwhile, or too late to rate: say nothing
            self._write({row.id: {"status": "skipped", "phone": None, "settled_at": now}})
            log.info("sms %s to %s skipped: case no longer open for rating",
                     row.id, row.phone_masked)
            return "skipped"
        text = render(self.settings.template, hall=self.hall_name, case_no=row.case_no,
                      url=self.link_for(row.invitation_id), short_code=row.short_code or "",
                      deadline=to_local(row.expires_at).strftime("%m月%d日")
                      if row.expires_at else "")
        try:
            sent: SendResult = self.notifier.send(row.phone, text)
        except Exception as exc:  # a notifier bug must not stop the daemon or lose the row
            sent = SendResult(False, error=f"notifier error: {type(exc).__name__}", retry=True)
        attempts = row.attempts + 1
        error = scrub(sent.error or "")[:200] or None
        if sent.ok:
            values, outcome = {"status": "sent", "gateway_ref": sent.ref}, "sent"
        elif sent.retry and attempts < self.settings.max_attempts:
            values = {"next_attempt_at": now + retry_delay(attempts)}
            outcome = "retry"
        else:
            values, outcome = {"status": "failed"}, "failed"
        if outcome != "retry":
            values.update(phone=None, settled_at=now)
        self._write({row.id: {**values, "attempts": attempts, "last_error": error}})
        log.info("sms %s to %s: %s (attempt %d)%s", row.id, row.phone_masked, outcome,
                 attempts, f": {error}" if error else "")
        return outcome

    def close(self) -> None:
        self.notifier.close()
