"""One device event -> one durable outcome (a rating or a DeviceLog row), before the ACK.

Runs on the bus thread inside an app context. Every event ends in exactly one of:
a stored rating, a DeviceLog row saying why not, or "duplicate" (stored before: the
device re-sent it because our ACK never arrived). Nothing is dropped silently.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from device_drivers import evp, slz68_codec
from device_drivers.events import EVENT_CALLER_KEY, DeviceEvent
from kiosk.db_setup import write_transaction
from kiosk.db_statements import Statement
from kiosk.devices.caller_offers import DEFAULT_TIMEOUT_S, CallerOffers
from kiosk.devices.config import DeviceBinding
from kiosk.devices.offers import OfferBook
from kiosk.extensions import db
from kiosk.models import DeviceLog, Invitation
from kiosk.models.base import utcnow
from kiosk.ratings.errors import AlreadyRated, RatingError
from kiosk.ratings.facts import DeviceIdentity
from kiosk.ratings.levels import level_for_key
from kiosk.ratings.service import record_rating

log = logging.getLogger("kiosk.devices")

# Outcomes (also the DeviceLog kinds where a row is written).
RATED = "rated"
DUPLICATE = "duplicate"
ALREADY_RATED = "already_rated"  # the touchscreen (or QR) rated the case first
UNINVITED_REFUSED = "uninvited_refused"  # Hall.allow_uninvited is off
RATING_REFUSED = "rating_refused"  # any other RatingError (e.g. key outside the window's scale)
BAD_KEY = "bad_key"
NO_WINDOW = "no_window"
COVER = "cover"
POWER_ON = "power_on"
UNKNOWN_EVENT = "unknown_event"
OFFERED = "offered"  # a caller's 请评价 opened an offer (kept in memory, nothing to store)
CALLER_KEY = "caller_key"  # any other caller key: nothing for the rating terminal
UNRATED = "unrated"  # an offer timed out without a press (未评价)
LOGGED_TYPES = {evp.EVENT_COVER: COVER, evp.EVENT_POWER_ON: POWER_ON}


def source_ref_for(event: DeviceEvent) -> str:
    """Dedup key of a device event: (protocol, device serial, event_id)."""
    return f"{event.protocol}:{event.device_serial}:{event.event_id}"[:80]


def naive_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


@dataclass(frozen=True)
class Recorded:
    outcome: str
    invitation_id: int | None = None  # the invitation the press answered, if any


# The reads on the press -> commit -> ACK path: one statement each, so on SQLite each runs
# on its own (no BEGIN/COMMIT around it) on the recorder's connection (db_statements.py).
_SEEN = Statement(
    "SELECT 1 FROM rating WHERE source_ref = :ref "
    "UNION ALL SELECT 1 FROM device_log WHERE source_ref = :ref LIMIT 1")
_OFFERED_AT = Statement(
    "SELECT i.id, i.status, EXISTS (SELECT 1 FROM rating AS r WHERE r.invitation_id = i.id "
    "AND r.created_at >= :at) FROM invitation AS i "
    "WHERE i.window_id = :window_id AND i.invited_at <= :at AND i.screen_until >= :at "
    "ORDER BY i.invited_at DESC LIMIT 1",
    at=sa.DateTime())
_STILL_OFFERED = Statement(
    "SELECT 1 FROM invitation WHERE id = :id AND status = 'pending' AND screen_until > :now",
    now=sa.DateTime())


class EventRecorder:
    def __init__(self, offers: OfferBook, caller_offers: CallerOffers | None = None) -> None:
        self.offers = offers
        self.caller_offers = caller_offers or CallerOffers()
        self._conn = None  # the bus thread's own reading connection, kept open

    def _read(self, statement: Statement, params: dict) -> tuple | None:
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self._conn = db.engine.connect()
        try:
            row = statement.first(self._conn, params)
            if self._conn.in_transaction():  # not SQLite: end the read snapshot
                self._conn.commit()
        except Exception:
            self.close()  # a broken connection is opened anew next time
            raise
        return row

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def record(self, binding: DeviceBinding, event: DeviceEvent, keys: int | None) -> Recorded:
        """Commits the event's outcome and returns it; raises only if nothing was stored."""
        if event.type == EVENT_CALLER_KEY:
            return Recorded(self._caller_key(binding, event))
        ref = source_ref_for(event)
        if self._seen(ref):
            return Recorded(DUPLICATE)
        if event.type in LOGGED_TYPES:
            return Recorded(self._log(binding, event, ref, LOGGED_TYPES[event.type]))
        if event.type not in (evp.EVENT_INVITED_KEY, evp.EVENT_UNINVITED_KEY):
            return Recorded(self._log(binding, event, ref, UNKNOWN_EVENT))
        if binding.window_code is None:
            return Recorded(self._log(binding, event, ref, NO_WINDOW))
        try:
            level = level_for_key(event.key, keys or 5)
        except ValueError:
            return Recorded(self._log(binding, event, ref, BAD_KEY, keys=keys))
        caller_offer = self.caller_offers.take(binding.window_id)
        if caller_offer is not None:
            invitation_id = caller_offer.invitation_id
        else:
            invitation_id = self._invitation_for(binding.window_id, naive_utc(event.event_time),
                                                 shown=event.type == evp.EVENT_INVITED_KEY)
        device = DeviceIdentity(event.device_serial, event.address, keys)
        return Recorded(self._rate(binding, event, ref, level, invitation_id, device),
                        invitation_id)

    # ------------------------------------------------------------ caller keypads (SLZ-68)
    def _caller_key(self, binding: DeviceBinding, event: DeviceEvent) -> str:
        """请评价 opens an offer at the window: its newest pending case, else a standalone one
        (an evaluator press then rates the window, uninvited)."""
        if event.key != slz68_codec.KEY_ASK_RATING or binding.window_id is None:
            return CALLER_KEY
        invitation = db.session.execute(
            sa.select(Invitation.id, Invitation.case_no)
            .where(Invitation.window_id == binding.window_id, Invitation.status == "pending",
                   sa.or_(Invitation.expires_at.is_(None), Invitation.expires_at >= utcnow()))
            .order_by(Invitation.invited_at.desc()).limit(1)).first()
        db.session.commit()
        self.caller_offers.open(
            binding.window_id, invitation.id if invitation else None,
            invitation.case_no if invitation else None,
            binding.offer_timeout_s or DEFAULT_TIMEOUT_S)
        log.info("caller %s (%s): 请评价, %s", event.address, binding.window_code,
                 f"case {invitation.case_no}" if invitation else "no case: standalone offer")
        return OFFERED

    def close_expired_offers(self, bindings: dict[int, DeviceBinding]) -> list[str]:
        """Offers whose time ran out without a press: one 未评价 row each; the invitation
        stays pending, so its later link and default rating still apply."""
        closed = []
        for window_id, offer in self.caller_offers.expired():
            binding = bindings.get(window_id)
            with write_transaction(db.session()):
                db.session.add(DeviceLog(
                    device_id=binding.device_id if binding else None, at=utcnow(), kind=UNRATED,
                    detail={"window": binding.window_code if binding else None,
                            "invitation_id": offer.invitation_id, "case_no": offer.case_no,
                            "protocol": "slz68"}))
                db.session.commit()
            closed.append(offer.case_no or "")
        return closed

    # ------------------------------------------------------------ ratings
    def _rate(self, binding, event, ref, level, invitation_id, device) -> str:
        try:
            result = record_rating(
                window_code=binding.window_code, level=level, channel="evaluator",
                invitation_id=invitation_id, source_ref=ref,
                rated_at=naive_utc(event.event_time), device=device)
        except AlreadyRated:
            return self._log(binding, event, ref, ALREADY_RATED, invitation_id=invitation_id)
        except RatingError as exc:
            kind = UNINVITED_REFUSED if exc.code == "invitation_required" else RATING_REFUSED
            return self._log(binding, event, ref, kind, level=level, code=exc.code,
                             invitation_id=invitation_id)
        if not result.created:
            return DUPLICATE
        log.info("device %s (%s): key %s -> level %s, %s", event.device_serial,
                 binding.window_code, event.key, level,
                 f"case {result.rating.case_no}" if invitation_id else "uninvited")
        return RATED

    def _invitation_for(self, window_id: int, event_time: datetime, *, shown: bool) -> int | None:
        """Which invitation a press answers.

        shown (a key during INVITE): the invitation whose INVITE this process sent last before
        the press; after a listener restart, the one the window offered at that time.
        Not shown (a key while the device was dark): the invitation the window offered at the
        press if it was still open then — the business system created it a moment before the
        device lit up. One already rated before the press is not offered any more.
        """
        if shown:
            offered = self.offers.invitation_at(window_id, event_time)
            if offered is not None:
                return offered
        row = self._read(_OFFERED_AT, {"window_id": window_id, "at": event_time})
        if row is None:
            return None
        invitation_id, status, rated_since = row
        if shown or status == "pending" or rated_since:
            return invitation_id
        return None

    def still_offered(self, invitation_id: int | None) -> bool:
        """Is the invitation still waiting for its rating and on screen? Asked on the bus
        thread just before INVITE goes out, after any press it committed itself."""
        return self._read(_STILL_OFFERED, {"id": invitation_id, "now": utcnow()}) is not None

    # ------------------------------------------------------------ device log
    def _seen(self, ref: str) -> bool:
        return self._read(_SEEN, {"ref": ref}) is not None

    @staticmethod
    def _log(binding: DeviceBinding, event: DeviceEvent, ref: str, kind: str, **extra) -> str:
        detail = {"window": binding.window_code, "protocol": event.protocol,
                  "address": event.address, "serial": event.device_serial,
                  "event_id": event.event_id, "type": event.type, "key": event.key,
                  "received_at": event.received_at.isoformat(), **extra}
        try:
            with write_transaction(db.session()):
                db.session.add(DeviceLog(device_id=binding.device_id, at=naive_utc(event.event_time),
                                         kind=kind, detail=detail, source_ref=ref))
                db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return DUPLICATE
        if kind not in (POWER_ON,):
            log.info("device %s (%s): %s %s", event.device_serial, binding.window_code, kind, extra)
        return kind
