"""The listener against the EVP/1 simulator behind a real pty, on the test app's SQLite."""
from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from device_drivers import evp
from device_drivers.simulator import EvpSimBus, PtyTransport
from kiosk.devices.listener import Listener
from kiosk.extensions import db
from kiosk.invitations.service import create_invitation
from kiosk.models import Device, DeviceLog, Rating, Window


def wait_for(predicate, seconds: float = 5.0, step: float = 0.01):
    """Polls a condition the listener's threads make true; returns its last value."""
    end = time.monotonic() + seconds
    while True:
        value = predicate()
        if value or time.monotonic() > end:
            return value
        time.sleep(step)


class LosesAcks(EvpSimBus):
    """A bus on which the next ACK requests (or OK answers) are lost on the wire."""

    lose_ack_requests = 0
    lose_ack_answers = 0

    def _on_frame(self, frame, done_at):
        if frame.cmd == evp.CMD_ACK and frame.addr in self.devices:
            if self.lose_ack_requests:
                self.lose_ack_requests -= 1
                return
            if self.lose_ack_answers:
                self.lose_ack_answers -= 1
                self.devices[frame.addr].handle(frame, done_at)  # acts, answer lost
                return
        super()._on_frame(frame, done_at)


@dataclass
class SimHall:
    app: object
    sim: EvpSimBus
    transport: PtyTransport
    listener: Listener
    windows: dict[int, str]  # address -> window code

    def state(self, address: int) -> int:
        return self.sim.status()[address]["state"]

    def queued(self, address: int) -> int:
        return self.sim.status()[address]["queued"]

    def wait_state(self, address: int, state: int, seconds: float = 5.0) -> bool:
        return wait_for(lambda: self.state(address) == state, seconds)

    def invite(self, address: int, case_no: str) -> int:
        with self.app.app_context():
            return create_invitation(window_code=self.windows[address], case_no=case_no,
                                     service_code="530102001000").invitation.id

    def ratings(self, **where) -> list[Rating]:
        with self.app.app_context():
            rows = db.session.scalars(sa.select(Rating).filter_by(**where)).all()
            db.session.expunge_all()
            return rows

    def logs(self, kind: str) -> list[DeviceLog]:
        with self.app.app_context():
            rows = db.session.scalars(sa.select(DeviceLog).where(DeviceLog.kind == kind)).all()
            db.session.expunge_all()
            return rows

    def device_row(self, address: int) -> Device:
        with self.app.app_context():
            row = db.session.scalars(sa.select(Device).where(Device.address == address)).one()
            db.session.expunge(row)
            return row

    def outcomes(self) -> dict[str, int]:
        return self.listener.workers[0].outcomes


@pytest.fixture
def start_hall(app, tmp_path):
    """start_hall(addresses=(1, 2), sim=None) -> SimHall; device N sits at window N."""
    started: list[SimHall] = []

    def start(addresses=(1, 2), sim: EvpSimBus | None = None,
              state_interval_s: float = 0.05, reload_interval_s: float = 2.0) -> SimHall:
        sim = sim or EvpSimBus(addresses, timing=False)
        transport = PtyTransport(sim, str(tmp_path / "ttyEVP"))
        link = transport.start()
        with app.app_context():
            codes = db.session.scalars(sa.select(Window.code).order_by(Window.code)).all()
            windows = {a: codes[a - 1] for a in addresses}
            for address, code in windows.items():
                window = db.session.scalars(sa.select(Window).where(Window.code == code)).one()
                db.session.add(Device(window_id=window.id, protocol="evp", port=link,
                                      address=address))
            db.session.commit()
        listener = Listener.from_database(app, state_interval_s=state_interval_s,
                                          health_interval_s=0.1,
                                          reload_interval_s=reload_interval_s)
        hall = SimHall(app, sim, transport, listener.start(), windows)
        started.append(hall)
        return hall

    yield start
    for hall in started:
        hall.listener.stop()
        hall.transport.close()
