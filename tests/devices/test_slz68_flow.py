"""Caller → evaluator → rating over a real pty, and the per-window timeout (未评价)."""
import threading
import time

import pytest
import sqlalchemy as sa

from device_drivers import slz68_codec as codec
from device_drivers.simulator import PtyTransport
from device_drivers.simulator.slz68_sim import Slz68SimBus
from device_drivers.slz68 import Slz68Driver
from kiosk.extensions import db
from kiosk.invitations.service import create_invitation
from kiosk.models import DeviceLog, Invitation, Rating
from kiosk.slz68_windows import UNRATED, Slz68Windows, WindowWiring

pytestmark = pytest.mark.timeout(30)
CALLER, EVALUATOR = 0x01, 0x81


@pytest.fixture
def wired(app, tmp_path):
    """The SLZ-68 simulator behind a pty, the driver and the window flow running in a thread."""
    link = str(tmp_path / "ttySLZ")
    sim = Slz68SimBus([CALLER], [EVALUATOR], timing=False)
    transport = PtyTransport(sim, link)
    transport.start()
    driver = Slz68Driver.open(link, 9600, [CALLER, EVALUATOR])
    flow = Slz68Windows([WindowWiring("A01", CALLER, EVALUATOR, timeout_s=0.6)])
    stop = threading.Event()

    def run():
        with app.app_context():
            flow.run(driver, stop)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield sim, flow
    stop.set()
    thread.join(timeout=5)
    driver.close()
    transport.close()


def wait_for(predicate, seconds=5.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def invite(app, case_no):
    with app.app_context():
        return create_invitation(window_code="A01", case_no=case_no,
                                 service_code="530102001000", staff_no="YN0101").invitation.id


def test_caller_then_evaluator_rates_the_invitation(app, wired):
    sim, flow = wired
    inv_id = invite(app, "SLZ-CASE-1")
    sim.caller_key(CALLER, codec.KEY_ASK_RATING)
    assert wait_for(lambda: "A01" in flow.offers)
    sim.press(EVALUATOR, 0x03)  # 非常满意

    def rated():
        with app.app_context():
            return db.session.scalars(sa.select(Rating).where(Rating.case_no == "SLZ-CASE-1")).first()

    assert wait_for(lambda: rated() is not None)
    rating = rated()
    assert (rating.level, rating.channel, rating.invitation_id) == (1, "evaluator", inv_id)
    with app.app_context():
        assert db.session.get(Invitation, inv_id).status == "rated"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 1


def test_timeout_records_unrated_and_leaves_invitation_pending(app, wired):
    sim, flow = wired
    inv_id = invite(app, "SLZ-CASE-2")
    sim.caller_key(CALLER, codec.KEY_ASK_RATING)

    def unrated_rows():
        with app.app_context():
            return db.session.scalars(sa.select(DeviceLog).where(DeviceLog.kind == UNRATED)).all()

    assert wait_for(lambda: unrated_rows())
    (row,) = unrated_rows()
    assert row.detail["case_no"] == "SLZ-CASE-2" and row.detail["window"] == "A01"
    with app.app_context():
        assert db.session.get(Invitation, inv_id).status == "pending"  # the default applies later
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 0
