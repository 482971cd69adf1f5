"""SLZ-68 windows in the one device listener: caller → evaluator → rating over a real pty,
ACK only after the commit, the per-window timeout (未评价), health rows."""
import pytest
import sqlalchemy as sa

from device_drivers import slz68_codec as codec
from device_drivers.simulator import PtyTransport
from device_drivers.simulator.slz68_sim import Slz68SimBus
from kiosk.devices.listener import Listener
from kiosk.devices.manage import DeviceSpec, add_device
from kiosk.devices.recorder import UNRATED
from kiosk.extensions import db
from kiosk.invitations.service import create_invitation
from kiosk.models import Device, DeviceLog, Invitation, Rating

from .conftest import wait_for

pytestmark = pytest.mark.timeout(30)
CALLER, EVALUATOR = 0x01, 0x81


class AcksLate(Slz68SimBus):
    """Remembers how many ratings were stored when each acknowledgement arrived."""

    def __init__(self, app, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.app = app
        self.stored_at_ack: list[int] = []

    def host_write(self, data, now):
        if data.startswith(codec.evaluator_ack(EVALUATOR)[:5]):
            with self.app.app_context():
                self.stored_at_ack.append(db.session.scalar(
                    sa.select(sa.func.count()).select_from(Rating)))
                db.session.commit()
        super().host_write(data, now)


@pytest.fixture
def wired(app, tmp_path):
    """The SLZ-68 simulator behind a pty, configured like `devices add --protocol slz68`."""
    link = str(tmp_path / "ttySLZ")
    sim = AcksLate(app, [CALLER], [EVALUATOR], timing=False)
    transport = PtyTransport(sim, link)
    transport.start()
    with app.app_context():
        add_device(DeviceSpec("A01", "slz68", link, EVALUATOR, caller=CALLER, timeout_s=5), "test")
        db.session.commit()
    listener = Listener.from_database(app, state_interval_s=0.05, health_interval_s=0.1).start()
    yield sim, listener
    listener.stop()
    transport.close()


def invite(app, case_no):
    with app.app_context():
        return create_invitation(window_code="A01", case_no=case_no,
                                 service_code="530102001000", staff_no="YN0101").invitation.id


def ratings(app, **where):
    with app.app_context():
        rows = db.session.scalars(sa.select(Rating).filter_by(**where)).all()
        db.session.expunge_all()
        return rows


def test_caller_then_evaluator_rates_the_invitation_and_acks_after_the_commit(app, wired):
    sim, listener = wired
    inv_id = invite(app, "SLZ-CASE-1")
    sim.caller_key(CALLER, codec.KEY_ASK_RATING)
    assert wait_for(lambda: listener.workers[0].outcomes.get("offered"))
    sim.press(EVALUATOR, 0x03)  # 非常满意

    assert wait_for(lambda: ratings(app, case_no="SLZ-CASE-1"))
    (rating,) = ratings(app, case_no="SLZ-CASE-1")
    assert (rating.level, rating.channel, rating.invitation_id) == (1, "evaluator", inv_id)
    assert (rating.device_address, rating.device_keys) == (EVALUATOR, 4)
    assert rating.device_serial.endswith("#81")
    assert wait_for(lambda: sim.acked.get(EVALUATOR))
    assert sim.stored_at_ack[0] == 1  # the acknowledgement came after the rating was stored
    with app.app_context():
        assert db.session.get(Invitation, inv_id).status == "rated"
    assert wait_for(lambda: ratings(app) and len(ratings(app)) == 1)
    assert sim.sent[EVALUATOR] == 1  # acknowledged in time: the device did not repeat


def test_timeout_records_unrated_and_leaves_invitation_pending(app, wired):
    sim, listener = wired
    inv_id = invite(app, "SLZ-CASE-2")
    now = [0.0]
    listener.workers[0].recorder.caller_offers.monotonic = lambda: now[0]
    sim.caller_key(CALLER, codec.KEY_ASK_RATING)
    assert wait_for(lambda: listener.workers[0].outcomes.get("offered"))
    now[0] += 5.0  # the window's timeout runs out without a press

    def unrated_rows():
        with app.app_context():
            return db.session.scalars(sa.select(DeviceLog).where(DeviceLog.kind == UNRATED)).all()

    assert wait_for(lambda: unrated_rows())
    (row,) = unrated_rows()
    assert row.detail["case_no"] == "SLZ-CASE-2" and row.detail["window"] == "A01"
    with app.app_context():
        assert db.session.get(Invitation, inv_id).status == "pending"  # the default applies later
    assert ratings(app) == []


def test_health_row_of_an_slz68_evaluator(app, wired):
    sim, _ = wired
    sim.press(EVALUATOR, 0x02)  # no offer: an uninvited rating of the window

    def device():
        with app.app_context():
            row = db.session.scalars(sa.select(Device)).one()
            db.session.expunge(row)
            return row

    assert wait_for(lambda: device().online and device().keys == 4)
    assert wait_for(lambda: ratings(app, uninvited=True))
