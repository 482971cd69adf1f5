"""Windows wired through an SLZ-68 queue bus: the clerk's caller opens an invitation, the
window's evaluator rates it (docs/slz68-protocol.md "How the hall uses it").

请评价 on a caller → the window's pending invitation (from the business system) is offered for
the window's timeout; without one, the press is taken as an uninvited rating of the window
(if the hall allows it). A press inside the time rates it; when the time runs out a
"unrated" (未评价) row goes to the device log and the invitation stays pending, so the
5-working-day default rating applies to it later as to any unrated case.

Lives outside kiosk/devices while that listener is being finished; it needs an app context.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from device_drivers import slz68_codec as codec
from device_drivers.events import DeviceEvent
from device_drivers.slz68 import EVENT_CALLER_KEY, EVENT_PRESS
from kiosk.extensions import db
from kiosk.models import DeviceLog, Invitation, Window
from kiosk.models.base import utcnow
from kiosk.ratings.errors import RatingError
from kiosk.ratings.service import record_rating

UNRATED = "unrated"  # DeviceLog kind: 请评价 timed out without a press (未评价)


@dataclass(frozen=True)
class WindowWiring:
    window_code: str
    caller: int  # 0x01–0x7F
    evaluator: int  # 0x81–0xFF
    timeout_s: float = 30.0


@dataclass
class Offer:
    invitation_id: int | None
    case_no: str | None
    until: float  # monotonic


class Slz68Windows:
    def __init__(self, wiring: list[WindowWiring],
                 monotonic: Callable[[], float] = time.monotonic, log=print):
        self.by_caller = {w.caller: w for w in wiring}
        self.by_evaluator = {w.evaluator: w for w in wiring}
        self.monotonic = monotonic
        self.log = log
        self.offers: dict[str, Offer] = {}  # window code → the open offer

    def handle(self, event: DeviceEvent) -> str | None:
        """One driver event; returns what happened (for logs and tests)."""
        if event.type == EVENT_CALLER_KEY and event.key == codec.KEY_ASK_RATING:
            wiring = self.by_caller.get(event.address)
            return self._offer(wiring) if wiring else None
        if event.type == EVENT_PRESS:
            wiring = self.by_evaluator.get(event.address)
            return self._rate(wiring, event) if wiring else None
        return None

    def tick(self) -> list[str]:
        """Closes offers whose time ran out, recording 未评价."""
        now = self.monotonic()
        closed = [code for code, offer in self.offers.items() if offer.until <= now]
        for code in closed:
            offer = self.offers.pop(code)
            db.session.add(DeviceLog(at=utcnow(), kind=UNRATED, detail={
                "window": code, "invitation_id": offer.invitation_id, "case_no": offer.case_no,
                "protocol": "slz68"}))
        if closed:
            db.session.commit()
        return closed

    def _offer(self, wiring: WindowWiring) -> str:
        invitation = db.session.execute(
            sa.select(Invitation.id, Invitation.case_no)
            .join(Window, Window.id == Invitation.window_id)
            .where(Window.code == wiring.window_code, Invitation.status == "pending",
                   sa.or_(Invitation.expires_at.is_(None), Invitation.expires_at >= utcnow()))
            .order_by(Invitation.invited_at.desc()).limit(1)
        ).first()
        db.session.commit()
        self.offers[wiring.window_code] = Offer(
            invitation.id if invitation else None, invitation.case_no if invitation else None,
            self.monotonic() + wiring.timeout_s)
        return f"offered {wiring.window_code}"

    def _rate(self, wiring: WindowWiring, event: DeviceEvent) -> str:
        offer = self.offers.pop(wiring.window_code, None)
        if offer is not None and offer.until <= self.monotonic():
            self.offers[wiring.window_code] = offer  # tick() records it as 未评价
            offer = None
        try:
            result = record_rating(
                window_code=wiring.window_code, level=event.key, channel="evaluator",
                invitation_id=offer.invitation_id if offer else None,
                source_ref=f"slz68:{event.device_serial}:{event.event_id}"[:80],
                rated_at=event.event_time.replace(tzinfo=None))
        except RatingError as exc:
            self.log(f"slz68: press at {wiring.window_code} not recorded: {exc}")
            return f"refused {wiring.window_code}"
        return f"rated {wiring.window_code} {result.rating.id}"

    def run(self, driver, stop) -> None:
        """The listener loop for one SLZ-68 port (stop: a threading.Event)."""
        while not stop.is_set():
            for event in driver.poll_cycle():
                self.handle(event)
            self.tick()


def parse_wiring(spec: str) -> WindowWiring:
    """WINDOW:CALLER:EVALUATOR[:TIMEOUT_S], addresses decimal or 0x…, e.g. A01:1:0x81:30."""
    code, caller, evaluator, *rest = spec.split(":")
    return WindowWiring(code, int(caller, 0), int(evaluator, 0), float(rest[0]) if rest else 30.0)


def main(argv: list[str] | None = None) -> int:
    """python -m kiosk.slz68_windows --port /dev/ttyUSB1 --window A01:1:0x81:30 [...]"""
    import argparse
    import signal
    import threading

    from device_drivers.registry import open_driver
    from kiosk import create_app

    parser = argparse.ArgumentParser(prog="python -m kiosk.slz68_windows")
    parser.add_argument("--port", required=True, help="serial device, pty or slzsim:// URL")
    parser.add_argument("--baud", type=int, default=9600)
    parser.add_argument("--window", action="append", required=True, type=parse_wiring)
    args = parser.parse_args(argv)
    addresses = [a for w in args.window for a in (w.caller, w.evaluator)]
    driver = open_driver("slz68", args.port, args.baud, addresses)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with create_app().app_context():
        print(f"slz68: {args.port}, windows {[w.window_code for w in args.window]}", flush=True)
        try:
            Slz68Windows(args.window).run(driver, stop)
        finally:
            driver.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
