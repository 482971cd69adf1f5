"""A hall feeding its city hub and a national receiver at once: an SLZ-68 rating reaches both
with the same level and case number, and one upstream down does not block the other."""
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from device_drivers import slz68_codec as codec
from device_drivers.simulator import get_simulator, remove_simulator
from kiosk.devices.listener import Listener
from kiosk.devices.manage import DeviceSpec, add_device
from kiosk.extensions import db
from kiosk.invitations.service import create_invitation
from kiosk.models import Device, HubRating
from kiosk.sync import delivery_store as ds
from kiosk.sync.daemon import build_workers, run_all
from tests.devices.conftest import wait_for
from tests.hubkit import HALL_CODE, configure_hall
from tests.interop.conftest import SERVICE, STAFF, entry_for

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(40)]


def rate_on_slz68(app, case_no: str) -> None:
    """请评价 on the caller, 非常满意 on the window's evaluator, through the device listener."""
    name = f"it-{uuid.uuid4().hex[:6]}"
    port = f"slzsim://{name}?callers=1&evaluators=129&timing=0"
    with app.app_context():
        add_device(DeviceSpec("A01", "slz68", port, 0x81, caller=0x01, timeout_s=5), "test")
        db.session.commit()
        create_invitation(window_code="A01", case_no=case_no, service_code=SERVICE,
                          staff_no=STAFF)
    listener = Listener.from_database(app, state_interval_s=0.05).start()
    try:
        worker = next(w for w in listener.workers if w.bus.port == port)
        assert wait_for(lambda: worker.port_up)
        sim = get_simulator("slzsim", name)
        sim.caller_key(0x01, codec.KEY_ASK_RATING)
        assert wait_for(lambda: worker.outcomes.get("offered"))
        sim.press(0x81, 0x03)
        assert wait_for(lambda: worker.outcomes.get("rated")), worker.outcomes
    finally:
        listener.stop()
        with app.app_context():
            db.session.execute(sa.delete(Device).where(Device.port == port))
            db.session.commit()
        remove_simulator("slzsim", name)


def run_daemon_until(app, done, seconds=15.0):
    with app.app_context():
        workers = build_workers(app, db.engine)
    stop = threading.Event()

    def daemon():
        with app.app_context():
            run_all(workers, stop)

    thread = threading.Thread(target=daemon, daemon=True)
    thread.start()
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end and not done():
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
        for _, w in workers:
            w.close()
    return done()


def test_slz68_rating_reaches_hub_and_national(app, hub_app, hub_url, hall_key, national):
    configure_hall(app, hub_url, hall_key)
    app.config["UPSTREAMS"] = [{"name": "city-hub", "profile": "hub"},
                               entry_for(app, "nation", national)]
    rate_on_slz68(app, "SLZ-IT-0001")

    def hub_rows():
        with hub_app.app_context():
            rows = db.session.scalars(sa.select(HubRating)).all()
            db.session.remove()
            return rows

    assert run_daemon_until(app, lambda: hub_rows() and national.received)
    (hub_row,) = hub_rows()
    assert (hub_row.level, hub_row.record["case_no"], hub_row.origin_hall) == (
        1, "SLZ-IT-0001", HALL_CODE)
    (sent,) = national.received
    assert (sent["满意度代码"], sent["办件编号"], sent["评价渠道"]) == (
        "1", "SLZ-IT-0001", "政务大厅其他终端")
    with app.app_context():
        row = ds.delivery_of(db.engine, "nation", str(hub_row.id))
    assert row.status == "accepted" and row.receipt_id == national.receipts[str(hub_row.id)]


def test_province_down_does_not_block_the_hub(app, hub_app, hub_url, hall_key, fujian):
    configure_hall(app, hub_url, hall_key)
    app.config["UPSTREAMS"] = [{"name": "city-hub", "profile": "hub"},
                               entry_for(app, "province", fujian)]
    fujian.down = True
    for n in range(3):
        rate_on_slz68(app, f"SLZ-IT-1{n:03d}")

    def hub_count():
        with hub_app.app_context():
            n = db.session.scalar(sa.select(sa.func.count()).select_from(HubRating))
            db.session.remove()
            return n

    assert run_daemon_until(app, lambda: hub_count() == 3)
    with app.app_context():
        counts = ds.counts(db.engine, "province")
    assert counts["failed"] >= 1 and counts["accepted"] == 0 and fujian.received == []


def test_hub_down_does_not_block_the_province(app, fujian):
    configure_hall(app, "http://127.0.0.1:9", "k" * 32)  # nothing listens on port 9
    app.config.update(SYNC_CONNECT_TIMEOUT=0.3, SYNC_READ_TIMEOUT=0.3)
    app.config["UPSTREAMS"] = [{"name": "city-hub", "profile": "hub"},
                               entry_for(app, "province", fujian)]
    for n in range(3):
        rate_on_slz68(app, f"SLZ-IT-2{n:03d}")
    assert run_daemon_until(app, lambda: len(fujian.received) == 3)
    assert {r["PROJECTNO"] for r in fujian.received} == {f"SLZ-IT-2{n:03d}" for n in range(3)}
