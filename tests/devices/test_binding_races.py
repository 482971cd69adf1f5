"""Which case a press rates when invitations and presses cross: the simulator behind a real
pty, the listener's real threads, real SQLite."""
import time

import pytest
import sqlalchemy as sa

from device_drivers import evp
from device_drivers.simulator import EvpSimBus
from kiosk.extensions import db
from kiosk.models import Invitation, OutboxEntry
from kiosk.ratings.service import record_rating

from .conftest import wait_for

pytestmark = pytest.mark.timeout(30)


class RecordsStates(EvpSimBus):
    """A bus that remembers every SET_STATE its devices took, in order."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.states_taken: list[tuple[int, int]] = []  # (address, state)

    def _on_frame(self, frame, done_at):
        if frame.cmd == evp.CMD_SET_STATE and frame.addr in self.devices:
            self.states_taken.append((frame.addr, frame.data[0]))
        super()._on_frame(frame, done_at)


def status_of(app, invitation_id):
    with app.app_context():
        value = db.session.get(Invitation, invitation_id).status
        db.session.commit()
        return value


def test_press_before_the_device_lit_up_rates_the_new_invitation(start_hall):
    hall = start_hall(addresses=(1,))
    assert wait_for(lambda: hall.queued(1) == 0)  # power-on handled
    hall.sim.drop_requests(1, -1)  # the device hears nothing: the INVITE cannot reach it
    inv_id = hall.invite(1, "2026-RACE-0001")
    time.sleep(0.2)
    hall.sim.press(1, 2)  # the citizen presses 0.2 s after the invitation, keys still dark
    assert hall.sim.status()[1]["state"] != evp.STATE_INVITE
    hall.sim.clear_faults()

    assert wait_for(lambda: hall.ratings(case_no="2026-RACE-0001"))
    (rating,) = hall.ratings(case_no="2026-RACE-0001")
    assert (rating.invitation_id, rating.uninvited) == (inv_id, False)
    assert status_of(hall.app, inv_id) == "rated"
    assert wait_for(lambda: hall.queued(1) == 0)


def test_rating_keeps_the_device_and_the_upstream_record_names_it(start_hall):
    hall = start_hall(addresses=(1,))
    hall.invite(1, "2026-RACE-0002")
    assert hall.wait_state(1, evp.STATE_INVITE)
    hall.sim.press(1, 1)
    assert wait_for(lambda: hall.ratings(case_no="2026-RACE-0002"))
    (rating,) = hall.ratings(case_no="2026-RACE-0002")
    assert (rating.device_serial, rating.device_address, rating.device_keys) == (
        "EVPSIM-000000001", 1, 5)
    with hall.app.app_context():
        payload = db.session.scalars(
            sa.select(OutboxEntry.payload).where(OutboxEntry.record_id == str(rating.id))).one()
    assert (payload["evaluator_address"], payload["device_serial"], payload["device_keys"]) == (
        1, "EVPSIM-000000001", 5)


def test_newer_invitation_withdraws_the_older_from_screen_and_evaluator(start_hall):
    hall = start_hall(addresses=(1,))
    client = hall.app.test_client()
    code = hall.windows[1]
    first = hall.invite(1, "2026-RACE-A")  # citizen A leaves without rating
    assert hall.wait_state(1, evp.STATE_INVITE)
    second = hall.invite(1, "2026-RACE-B")  # citizen B is invited…
    assert client.get(f"/touch/{code}/state").json["invitation"]["id"] == second
    with hall.app.app_context():  # …and rates on the touchscreen
        record_rating(window_code=code, level=2, channel="touch", invitation_id=second)

    assert client.get(f"/touch/{code}/state").json["invitation"] is None  # A is not offered again
    assert wait_for(lambda: hall.state(1) in (evp.STATE_THANKS, evp.STATE_IDLE))
    time.sleep(0.3)  # several state rounds: the evaluator does not go back to A
    assert hall.state(1) != evp.STATE_INVITE
    hall.sim.press(1, 5)  # the next press is not taken as A's rating
    assert wait_for(lambda: hall.queued(1) == 0)
    assert hall.ratings(case_no="2026-RACE-A") == []
    assert status_of(hall.app, first) == "pending"  # later link and default still apply
    (uninvited,) = hall.ratings(uninvited=True)
    assert uninvited.level == 5


def test_invite_never_lights_the_keys_for_a_case_just_rated(start_hall):
    # States computed every 3 s: the INVITE for the invitation is computed long before the
    # device can take it, and the press that rates the case (made while the keys were dark)
    # reaches the bus thread around the same moment as that INVITE.
    sim = RecordsStates([1], timing=False)
    hall = start_hall(addresses=(1,), sim=sim, state_interval_s=3.0)
    assert wait_for(lambda: hall.queued(1) == 0)
    worker = hall.listener.workers[0]
    sim.drop_requests(1, -1)
    inv_id = hall.invite(1, "2026-RACE-0003")
    assert wait_for(lambda: getattr(worker._desired.get(1), "invitation_id", None) == inv_id,
                    seconds=5)
    hall.sim.press(1, 2)
    taken_before = len(sim.states_taken)
    sim.clear_faults()

    assert wait_for(lambda: hall.ratings(case_no="2026-RACE-0003"))
    # Well before the next state round, the device is not inviting for the rated case…
    assert wait_for(lambda: hall.state(1) != evp.STATE_INVITE, seconds=0.5)
    time.sleep(0.5)
    taken = [state for address, state in sim.states_taken[taken_before:] if address == 1]
    assert evp.STATE_THANKS in taken
    # …and once thanked, it is never invited again for that case.
    assert evp.STATE_INVITE not in taken[taken.index(evp.STATE_THANKS):]
    assert hall.state(1) != evp.STATE_INVITE
