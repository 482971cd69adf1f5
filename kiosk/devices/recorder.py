"""One device event -> one durable outcome (a rating or a DeviceLog row), before the ACK.

Runs on the bus thread inside an app context. Every event ends in exactly one of:
a stored rating, a DeviceLog row saying why not, or "duplicate" (stored before: the
device re-sent it because our ACK never arrived). Nothing is dropped silently.
"""
from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from device_drivers import evp
from device_drivers.events import DeviceEvent
from kiosk.db_setup import write_transaction
from kiosk.devices.config import DeviceBinding
from kiosk.devices.offers import OfferBook
from kiosk.extensions import db
from kiosk.models import DeviceLog, Invitation, Rating
from kiosk.ratings.errors import AlreadyRated, RatingError
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
LOGGED_TYPES = {evp.EVENT_COVER: COVER, evp.EVENT_POWER_ON: POWER_ON}


def source_ref_for(event: DeviceEvent) -> str:
    """Dedup key of a device event: (protocol, device serial, event_id)."""
    return f"{event.protocol}:{event.device_serial}:{event.event_id}"[:80]


def naive_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


class EventRecorder:
    def __init__(self, offers: OfferBook) -> None:
        self.offers = offers

    def record(self, binding: DeviceBinding, event: DeviceEvent, keys: int | None) -> str:
        """Commits the event's outcome and returns it; raises only if nothing was stored."""
        ref = source_ref_for(event)
        if self._seen(ref):
            return DUPLICATE
        if event.type in LOGGED_TYPES:
            return self._log(binding, event, ref, LOGGED_TYPES[event.type])
        if event.type not in (evp.EVENT_INVITED_KEY, evp.EVENT_UNINVITED_KEY):
            return self._log(binding, event, ref, UNKNOWN_EVENT)
        if binding.window_code is None:
            return self._log(binding, event, ref, NO_WINDOW)
        try:
            level = level_for_key(event.key, keys or 5)
        except ValueError:
            return self._log(binding, event, ref, BAD_KEY, keys=keys)
        invitation_id = None
        if event.type == evp.EVENT_INVITED_KEY:
            invitation_id = self._invitation_for(binding.window_id, naive_utc(event.event_time))
        return self._rate(binding, event, ref, level, invitation_id)

    # ------------------------------------------------------------ ratings
    def _rate(self, binding, event, ref, level, invitation_id) -> str:
        try:
            result = record_rating(
                window_code=binding.window_code, level=level, channel="evaluator",
                invitation_id=invitation_id, source_ref=ref,
                rated_at=naive_utc(event.event_time))
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

    def _invitation_for(self, window_id: int, event_time: datetime) -> int | None:
        """The invitation the device showed at the press; after a listener restart, the one
        the window offered at that time according to the database."""
        offered = self.offers.invitation_at(window_id, event_time)
        if offered is not None:
            return offered
        found = db.session.scalar(
            sa.select(Invitation.id)
            .where(Invitation.window_id == window_id, Invitation.invited_at <= event_time,
                   Invitation.screen_until >= event_time)
            .order_by(Invitation.invited_at.desc()).limit(1))
        db.session.commit()
        return found

    # ------------------------------------------------------------ device log
    @staticmethod
    def _seen(ref: str) -> bool:
        seen = db.session.scalar(sa.select(Rating.id).where(Rating.source_ref == ref)) or \
            db.session.scalar(sa.select(DeviceLog.id).where(DeviceLog.source_ref == ref))
        db.session.commit()  # end the read snapshot before any write
        return seen is not None

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
