"""Keeps every evaluator in its window's state: reads the database (cheap indexed queries)
whenever another connection committed to it, and at least once a second, computes
desired_state() and hands it to the bus threads.

The touchscreen and the evaluator share one invitation: this thread only looks at the
database, so whichever channel rated the case, the evaluator follows (THANKS, then IDLE).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask

from kiosk.devices.bus_worker import BusWorker
from kiosk.devices.desired import THANKS_SECONDS, Offer, WindowView, desired_state
from kiosk.extensions import db
from kiosk.models import Invitation, Rating, Staff, Window
from kiosk.models.base import utcnow
from kiosk.touch.changes import changes_for

log = logging.getLogger("kiosk.devices")
POLL_INTERVAL_S = 1.0  # at least this often; a commit wakes it at once (changes.py)
UNWATCHED_INTERVAL_S = 0.1  # no waking possible (every waiting place taken, not SQLite)


def read_windows(window_ids: Iterable[int], now: datetime):
    """(views, offers, last_rated) for the given windows, from three small queries."""
    ids = sorted(set(window_ids))
    views = {
        r.id: WindowView(r.paused, r.pause_reason, r.name, r.staff_no)
        for r in db.session.execute(
            sa.select(Window.id, Window.paused, Window.pause_reason, Staff.name, Staff.staff_no)
            .outerjoin(Staff, Staff.id == Window.staff_id)
            .where(Window.id.in_(ids)))
    }
    offers: dict[int, Offer] = {}
    for r in db.session.execute(
        sa.select(Invitation.id, Invitation.window_id, Invitation.screen_until, Staff.name,
                  Staff.staff_no)
        .outerjoin(Staff, Staff.id == Invitation.staff_id)
        .where(Invitation.window_id.in_(ids), Invitation.status == "pending",
               Invitation.screen_until > now)
        .order_by(Invitation.invited_at)  # the newest offer per window wins below
    ):
        offers[r.window_id] = Offer(r.id, r.screen_until, r.name, r.staff_no)
    last_rated = dict(db.session.execute(
        sa.select(Rating.window_id, sa.func.max(Rating.created_at))
        .where(Rating.window_id.in_(ids), Rating.invitation_id.is_not(None),
               Rating.created_at > now - timedelta(seconds=THANKS_SECONDS))
        .group_by(Rating.window_id)).all())
    db.session.commit()  # end the read snapshot: the next round must see new rows
    return views, offers, last_rated


class WindowStates:
    def __init__(self, app: Flask, workers: list[BusWorker], stop: threading.Event, *,
                 clock: Callable[[], datetime] = utcnow,
                 interval_s: float = POLL_INTERVAL_S) -> None:
        self.app = app
        self.workers = workers
        self.stop = stop
        self.clock = clock
        self.interval_s = interval_s
        self.thread = threading.Thread(target=self.run, name="window-states", daemon=True)

    def run(self) -> None:
        with self.app.app_context():
            # Woken by any commit to the hall database (an invitation, a rating, a pause),
            # whichever process made it; looks again every interval_s regardless, for what
            # only the clock changes (an offer's screen time running out, THANKS ending).
            changes = changes_for(self.app, db.engine)
            woken = changes.enter()
            seen = changes.generation
            try:
                while not self.stop.is_set():
                    try:
                        self.tick()
                    except Exception:  # a locked or briefly missing database: try again
                        log.exception("window states not refreshed")
                        db.session.rollback()
                    if woken:
                        seen = changes.wait(seen, self.interval_s)
                    else:
                        self.stop.wait(min(self.interval_s, UNWATCHED_INTERVAL_S))
            finally:
                if woken:
                    changes.leave()

    def tick(self) -> None:
        now = self.clock()
        bound = [(w, d) for w in tuple(self.workers) for d in w.bus.devices if d.window_id is not None]
        views, offers, last_rated = read_windows((d.window_id for _, d in bound), now)
        for worker, device in bound:
            view = views.get(device.window_id)
            if view is None:
                continue  # the window was deleted while we run
            worker.set_desired(device.address, desired_state(
                view, offers.get(device.window_id), last_rated.get(device.window_id), now))
