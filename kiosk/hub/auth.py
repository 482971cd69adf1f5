"""Authenticates a hall's request (HMAC, freshness, nonce); every refusal is counted.

Refusals are aggregated per address, path and reason per hour: a flood of bad requests
raises a count and logs one warning per hour, instead of writing a row and a log line each.
Before the signature is checked the answer never says whether the claimed hall exists.
"""
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import Request, current_app
from sqlalchemy.dialects import postgresql, sqlite

from kiosk.extensions import db
from kiosk.hub import keys
from kiosk.models import HubAuthRefusal, HubHall, HubNonce
from kiosk.models.base import utcnow
from kiosk.sync import signing
from kiosk.sync.sealing import SealError

NONCE_KEEP = timedelta(seconds=2 * signing.MAX_SKEW_SECONDS)


# Wrong key, or no such hall: the same answer, so the refusal does not list the halls.
PUBLIC_REASON = {"unknown_hall": "bad_signature", "key_unreadable": "bad_signature"}
_NO_KEY = b"\0" * 32  # an unknown hall's request is checked against this: same work, same time


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason  # recorded for operators

    @property
    def public_reason(self) -> str:
        return PUBLIC_REASON.get(self.reason, self.reason)


def _remember_nonce(hall_code: str, nonce: str, now) -> bool:
    """True if the nonce is new. Committed at once, so a replay is refused even while the
    first request is still being processed, or after it failed."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    db.session.execute(sa.delete(HubNonce).where(HubNonce.seen_at < now - NONCE_KEEP))
    fresh = db.session.execute(
        insert(HubNonce).values(hall_code=hall_code, nonce=nonce, seen_at=now)
        .on_conflict_do_nothing().returning(HubNonce.nonce)
    ).first()
    db.session.commit()
    return fresh is not None


def _check(request: Request, body: bytes, now_epoch: float) -> tuple[HubHall, bytes]:
    h = request.headers
    hall_code = h.get(signing.HEADER_HALL)
    ts, nonce, signature = (h.get(signing.HEADER_TIMESTAMP), h.get(signing.HEADER_NONCE),
                            h.get(signing.HEADER_SIGNATURE))
    if not (hall_code and ts and nonce and signature) or len(nonce) > 64:
        raise Refused(401, "missing_headers")
    try:
        timestamp = int(ts)
    except ValueError:
        raise Refused(401, "bad_timestamp") from None
    hall = db.session.scalars(sa.select(HubHall).where(HubHall.code == hall_code)).first()
    if hall is None:
        signing.signature_matches(_NO_KEY, signature, request.method, request.path, timestamp,
                                  nonce, body)
        raise Refused(401, "unknown_hall")
    try:
        key = keys.hall_key(hall.code, hall.key_sealed)
    except SealError:
        raise Refused(401, "key_unreadable") from None
    if not signing.signature_matches(key, signature, request.method, request.path, timestamp,
                                     nonce, body):
        raise Refused(401, "bad_signature")  # wrong key or tampered body/headers
    if not hall.active:
        raise Refused(403, "hall_disabled")
    if not signing.is_fresh(timestamp, now_epoch):
        raise Refused(401, "stale_timestamp")
    if not _remember_nonce(hall.code, nonce, utcnow()):
        raise Refused(401, "replayed_nonce")
    return hall, key


def _count_refusal(request: Request, reason: str, now) -> int:
    """Adds one to this hour's count for the address, path and reason; returns the count."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    hall_code = (request.headers.get(signing.HEADER_HALL) or "")[:40] or None
    stmt = insert(HubAuthRefusal).values(
        at=now.replace(minute=0, second=0, microsecond=0), last_at=now, count=1,
        hall_code=hall_code, remote_addr=(request.remote_addr or "")[:64],
        path=request.path[:200], reason=reason)
    stmt = stmt.on_conflict_do_update(
        index_elements=["remote_addr", "path", "reason", "at"],
        set_={"count": HubAuthRefusal.count + 1, "last_at": now, "hall_code": hall_code},
    ).returning(HubAuthRefusal.count)
    count = db.session.execute(stmt).scalar_one()
    db.session.commit()
    return count


def authenticate(request: Request, body: bytes) -> tuple[HubHall, bytes]:
    try:
        return _check(request, body, time.time())
    except Refused as exc:
        db.session.rollback()
        if _count_refusal(request, exc.reason, utcnow()) == 1:
            current_app.logger.warning(
                "hub refused %s %s from hall=%s addr=%s: %s (further ones this hour are "
                "counted in hub_auth_refusal, not logged)", request.method, request.path,
                request.headers.get(signing.HEADER_HALL, "")[:40], request.remote_addr,
                exc.reason)
        raise
