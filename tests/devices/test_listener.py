"""The listener end to end: simulator behind a real pty, real threads, real SQLite."""
import time
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from device_drivers import evp
from kiosk.db_setup import write_transaction
from kiosk.devices.health import LAST_SEEN_EVERY_S, needs_writing
from kiosk.devices.recorder import ALREADY_RATED, COVER, DUPLICATE, POWER_ON, UNINVITED_REFUSED
from kiosk.extensions import db
from kiosk.models import Hall, Window
from kiosk.ops.probes import LISTENER_HEARTBEAT_FILE
from kiosk.ratings.service import record_rating

from .conftest import LosesAcks, wait_for

pytestmark = pytest.mark.timeout(30)


def test_invite_press_rates_the_case_and_acks(start_hall):
    hall = start_hall()
    inv_id = hall.invite(1, "2026-EVP-0001")
    assert hall.wait_state(1, evp.STATE_INVITE)
    assert wait_for(lambda: hall.sim.status()[1]["text"][0] == "张三 工号YN0101")
    assert hall.sim.press(1, 2)

    assert wait_for(lambda: hall.ratings(case_no="2026-EVP-0001"))
    (rating,) = hall.ratings(case_no="2026-EVP-0001")
    assert (rating.level, rating.channel, rating.invitation_id) == (2, "evaluator", inv_id)
    assert rating.source_ref == "evp:EVPSIM-000000001:2"  # event 1 was the power-on
    assert wait_for(lambda: hall.queued(1) == 0)  # ACKed after the commit
    assert hall.state(1) in (evp.STATE_THANKS, evp.STATE_IDLE)


def test_power_on_and_cover_go_to_the_device_log(start_hall):
    hall = start_hall(addresses=(1,))
    assert wait_for(lambda: hall.logs(POWER_ON))
    hall.sim.cover(1)
    assert wait_for(lambda: hall.logs(COVER))
    assert wait_for(lambda: hall.queued(1) == 0)
    assert hall.ratings() == []


@pytest.mark.parametrize("lost", ["lose_ack_requests", "lose_ack_answers"])
def test_lost_ack_resends_the_event_and_it_is_stored_once(start_hall, lost):
    sim = LosesAcks([1], timing=False)
    hall = start_hall(addresses=(1,), sim=sim)
    assert wait_for(lambda: hall.queued(1) == 0)  # power-on handled
    hall.invite(1, "2026-EVP-0002")
    assert hall.wait_state(1, evp.STATE_INVITE)
    setattr(sim, lost, 3)  # the ACK and both retries
    hall.sim.press(1, 1)
    assert wait_for(lambda: getattr(sim, lost) == 0 and hall.queued(1) == 0)
    assert len(hall.ratings(case_no="2026-EVP-0002")) == 1
    if lost == "lose_ack_requests":  # the device never saw the ACK: it sent the event again
        assert hall.outcomes().get(DUPLICATE, 0) >= 1


def test_touchscreen_first_then_evaluator_idles_and_a_late_press_is_refused(start_hall):
    hall = start_hall(addresses=(1,))
    inv_id = hall.invite(1, "2026-EVP-0003")
    assert hall.wait_state(1, evp.STATE_INVITE)
    hall.sim.drop_requests(1, -1)  # the listener cannot hear the device for a moment…
    hall.sim.press(1, 5)  # …while the citizen presses the evaluator
    with hall.app.app_context():  # and the touchscreen is answered first
        record_rating(window_code=hall.windows[1], level=1, channel="touch",
                      invitation_id=inv_id)
    hall.sim.clear_faults()

    assert wait_for(lambda: hall.logs(ALREADY_RATED))
    assert wait_for(lambda: hall.queued(1) == 0)  # acked although not stored
    ratings = hall.ratings(case_no="2026-EVP-0003")
    assert [(r.channel, r.level) for r in ratings] == [("touch", 1)]
    assert hall.state(1) != evp.STATE_INVITE


def test_touchscreen_rating_turns_the_evaluator_to_thanks(start_hall):
    hall = start_hall(addresses=(1,))
    inv_id = hall.invite(1, "2026-EVP-0004")
    assert hall.wait_state(1, evp.STATE_INVITE)
    with hall.app.app_context():
        record_rating(window_code=hall.windows[1], level=2, channel="touch", invitation_id=inv_id)
    assert hall.wait_state(1, evp.STATE_THANKS)
    hall.sim.press(1, 3)  # not invited any more: an uninvited rating of the window, not the case
    assert wait_for(lambda: hall.queued(1) == 0)
    assert len(hall.ratings(case_no="2026-EVP-0004")) == 1


def test_paused_window_shows_paused(start_hall):
    hall = start_hall(addresses=(1,))
    with hall.app.app_context(), write_transaction(db.session()):  # the listener writes too
        window = db.session.scalars(sa.select(Window).where(Window.code == hall.windows[1])).one()
        window.paused, window.pause_reason = True, "午休"
        db.session.commit()
    assert hall.wait_state(1, evp.STATE_PAUSED)
    assert wait_for(lambda: hall.sim.status()[1]["text"][1] == "暂停服务 午休")


def test_uninvited_press_refused_by_the_hall_is_logged_and_acked(start_hall):
    hall = start_hall(addresses=(1,))
    with hall.app.app_context(), write_transaction(db.session()):
        db.session.scalars(sa.select(Hall)).one().allow_uninvited = False
        db.session.commit()
    assert wait_for(lambda: hall.queued(1) == 0)
    hall.sim.press(1, 4)
    assert wait_for(lambda: hall.logs(UNINVITED_REFUSED))
    assert wait_for(lambda: hall.queued(1) == 0)
    (row,) = hall.logs(UNINVITED_REFUSED)
    assert row.detail["key"] == 4 and row.detail["window"] == hall.windows[1]
    assert hall.ratings() == []


def test_uninvited_press_allowed_by_the_hall_is_an_uninvited_rating(start_hall):
    hall = start_hall(addresses=(1,))
    hall.sim.press(1, 2)
    assert wait_for(lambda: hall.ratings())
    (rating,) = hall.ratings()
    assert rating.uninvited and rating.case_no is None and rating.channel == "evaluator"


def test_port_lost_and_back_delivers_the_pending_press(start_hall):
    hall = start_hall(addresses=(1,))
    assert wait_for(lambda: hall.device_row(1).online)
    hall.transport.unplug()
    assert wait_for(lambda: not hall.device_row(1).online)
    hall.sim.press(1, 2)  # kept in the device's flash while the host cannot reach it
    time.sleep(0.3)
    assert hall.ratings() == []
    hall.transport.replug()
    assert wait_for(lambda: hall.ratings(), seconds=8)  # backoff 0.5 s doubling
    assert wait_for(lambda: hall.queued(1) == 0)
    assert wait_for(lambda: hall.device_row(1).online)


def test_an_offline_device_does_not_slow_the_others(start_hall):
    hall = start_hall(addresses=(1, 2, 3))
    assert wait_for(lambda: hall.queued(1) == 0 and hall.queued(3) == 0)
    assert wait_for(lambda: hall.device_row(2).online)
    hall.sim.power_off(2)
    # Offline after 5 misses of 3 attempts each (datasheet); until then it costs retries.
    assert wait_for(lambda: not hall.device_row(2).online, seconds=8)
    delays = []
    for n in range(5):
        before = len(hall.ratings())
        start = time.monotonic()
        hall.sim.press(1 + 2 * (n % 2), 2)
        assert wait_for(lambda b=before: len(hall.ratings()) > b, step=0.002)
        delays.append(time.monotonic() - start)
    # One probe of the absent device costs at most one 100 ms timeout per second.
    assert max(delays) < 0.5, delays


def test_health_rows_and_heartbeat(start_hall, app, tmp_path):
    hall = start_hall(addresses=(1,))
    assert wait_for(lambda: hall.device_row(1).serial_no == "EVPSIM-000000001")
    row = hall.device_row(1)
    assert (row.online, row.firmware, row.keys, row.misses) == (True, "SIM-1.0", 5, 0)
    assert row.last_seen is not None
    assert wait_for(lambda: (tmp_path / LISTENER_HEARTBEAT_FILE).exists())
    hall.listener.stop()
    assert not hall.device_row(1).online  # nobody polls it any more


def test_health_rows_write_last_seen_alone_only_now_and_then():
    at = datetime(2026, 11, 30, 9, 0, 0)
    row = {"online": True, "misses": 0, "last_seen": at}
    assert needs_writing(row, None)
    assert not needs_writing({**row, "last_seen": at + timedelta(seconds=5)}, row)
    assert needs_writing({**row, "last_seen": at + timedelta(seconds=LAST_SEEN_EVERY_S)}, row)
    assert needs_writing({**row, "misses": 1, "last_seen": at + timedelta(seconds=1)}, row)
    assert needs_writing({"online": False}, row)
