"""A KP-ASCII keypad (at most once) through the same listener, over a real pty."""
import pytest
import sqlalchemy as sa

from device_drivers.simulator import KeypadSim, PtyTransport
from kiosk.devices.listener import Listener
from kiosk.extensions import db
from kiosk.invitations.service import create_invitation
from kiosk.models import Device, Rating, Window

from .conftest import wait_for

pytestmark = pytest.mark.timeout(20)


def test_keypad_lights_on_invite_and_its_press_rates_the_case(app, tmp_path):
    sim = KeypadSim("KP-A01", 3, timing=False)
    transport = PtyTransport(sim, str(tmp_path / "ttyKP"))
    link = transport.start()
    with app.app_context():
        window = db.session.scalars(sa.select(Window).where(Window.code == "A01")).one()
        db.session.add(Device(window_id=window.id, protocol="kp-ascii", port=link, address=1))
        db.session.commit()
    listener = Listener.from_database(app, state_interval_s=0.05, health_interval_s=0.1).start()
    try:
        # pyserial flushes input on open: a HELLO sent before that is lost (at most once).
        assert wait_for(lambda: listener.workers[0].port_up)
        sim.power_cycle()  # HELLO: the listener learns serial and key count
        def keys():
            with app.app_context():
                return db.session.scalar(sa.select(Device.keys))

        assert wait_for(lambda: keys() == 3)
        with app.app_context():
            create_invitation(window_code="A01", case_no="2026-KP-0001")
        assert wait_for(lambda: sim.lit)
        sim.press(1)  # 满意 on a three-key pad

        def rating():
            with app.app_context():
                found = db.session.scalars(
                    sa.select(Rating).where(Rating.case_no == "2026-KP-0001")).first()
                db.session.expunge_all()
                return found

        found = wait_for(rating)
        assert found is not None and found.level == 2 and found.channel == "evaluator"
        assert found.source_ref.startswith("kp-ascii:KP-A01:")
        assert wait_for(lambda: not sim.lit)
    finally:
        listener.stop()
        transport.close()
