"""Authenticates a hall's request (HMAC, freshness, nonce); every refusal is recorded."""
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


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


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


def authenticate(request: Request, body: bytes) -> tuple[HubHall, bytes]:
    try:
        return _check(request, body, time.time())
    except Refused as exc:
        db.session.rollback()
        hall_code = (request.headers.get(signing.HEADER_HALL) or "")[:40] or None
        db.session.add(HubAuthRefusal(hall_code=hall_code, remote_addr=request.remote_addr,
                                      path=request.path[:200], reason=exc.reason))
        db.session.commit()
        current_app.logger.warning("hub refused %s %s from hall=%s addr=%s: %s",
                                   request.method, request.path, hall_code,
                                   request.remote_addr, exc.reason)
        raise
