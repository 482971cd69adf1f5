"""Devices added, changed or removed while the listener runs are picked up without a
restart: the simulator behind a real pty, the listener's own threads."""
import pytest
import sqlalchemy as sa

from device_drivers.simulator import EvpSimBus
from kiosk.db_setup import write_transaction
from kiosk.devices.manage import DeviceSpec, add_device, change_device, remove_device
from kiosk.extensions import db
from kiosk.models import Device, Rating, Window

from .conftest import wait_for

pytestmark = pytest.mark.timeout(40)


def test_added_changed_and_removed_devices_are_picked_up_live(start_hall):
    sim = EvpSimBus([1, 2], timing=False)  # device 2 is wired but not configured yet
    hall = start_hall(addresses=(1,), sim=sim, reload_interval_s=0.2)
    port = hall.listener.workers[0].bus.port
    with hall.app.app_context():
        codes = db.session.scalars(sa.select(Window.code).order_by(Window.code)).all()
    first_window, second_window = codes[1], codes[2]
    assert wait_for(lambda: hall.queued(1) == 0)
    sim.press(2, 1)  # not configured: stays queued in the device, unacknowledged
    assert wait_for(lambda: hall.queued(2) == 2, seconds=1)  # power-on + the press

    with hall.app.app_context(), write_transaction(db.session()):
        add_device(DeviceSpec(first_window, "evp", port, 2), "test")
        db.session.commit()
    assert wait_for(lambda: hall.queued(2) == 0, seconds=10)
    (rating,) = hall.ratings(device_address=2)
    assert rating.level == 1 and hall.listener.workers[0].bus.addresses == [1, 2]

    with hall.app.app_context(), write_transaction(db.session()):  # device 2 moves
        device = db.session.scalars(sa.select(Device).where(Device.address == 2)).one()
        change_device(device, DeviceSpec(second_window, "evp", port, 2), "test")
        db.session.commit()
    assert wait_for(lambda: hall.listener.workers
                    and hall.listener.workers[0].by_address[2].window_code == second_window, seconds=10)
    sim.press(2, 3)
    assert wait_for(lambda: len(hall.ratings(device_address=2)) == 2, seconds=10)
    with hall.app.app_context():
        by_level = dict(db.session.execute(
            sa.select(Rating.level, Window.code).join(Window, Window.id == Rating.window_id)
            .where(Rating.device_address == 2)).all())
    assert by_level == {1: first_window, 3: second_window}

    with hall.app.app_context(), write_transaction(db.session()):
        remove_device(db.session.scalars(sa.select(Device).where(Device.address == 2)).one(),
                      "test")
        db.session.commit()
    assert wait_for(lambda: hall.listener.workers[0].bus.addresses == [1], seconds=10)
    sim.press(2, 2)
    sim.press(1, 2)
    assert wait_for(lambda: hall.queued(1) == 0 and len(hall.ratings(device_address=1)) == 1)
    assert hall.queued(2) == 1  # nobody drives device 2 any more
