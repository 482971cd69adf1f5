"""The pure parts of the listener: desired device state, offer book, health rows."""
from datetime import datetime, timedelta

import pytest

from device_drivers import evp
from device_drivers.events import DeviceHealth
from kiosk.devices.desired import (
    DeviceState,
    Offer,
    WindowView,
    desired_state,
    fit_text,
    needs_sending,
)
from kiosk.devices.health import health_row
from kiosk.devices.offers import OfferBook

pytestmark = pytest.mark.timeout(10)
NOW = datetime(2026, 3, 2, 2, 0, 0)
WINDOW = WindowView(paused=False, staff_name="张三", staff_no="YN0101")


def offer(seconds_left=30.0, **kw):
    return Offer(7, NOW + timedelta(seconds=seconds_left), **kw)


def test_idle_without_invitation_shows_the_clerk():
    state = desired_state(WINDOW, None, None, NOW)
    assert state.state == evp.STATE_IDLE and state.lines == ("张三 工号YN0101", "")


def test_invite_with_timeout_left_and_staff_of_the_invitation():
    state = desired_state(WINDOW, offer(29.2, staff_name="李四", staff_no="YN0102"), None, NOW)
    assert (state.state, state.timeout_s, state.invitation_id) == (evp.STATE_INVITE, 30, 7)
    assert state.lines[0] == "李四 工号YN0102"


def test_invite_timeout_fits_a_byte():
    assert desired_state(WINDOW, offer(10_000), None, NOW).timeout_s == 255


def test_an_offer_whose_screen_time_is_over_is_not_shown():
    assert desired_state(WINDOW, offer(-1), None, NOW).state == evp.STATE_IDLE


def test_paused_wins_over_an_invitation():
    paused = WindowView(paused=True, pause_reason="午休")
    state = desired_state(paused, offer(), None, NOW)
    assert state.state == evp.STATE_PAUSED and state.lines[1] == "暂停服务 午休"


def test_thanks_after_a_rating_then_idle():
    just = NOW - timedelta(seconds=1)
    assert desired_state(WINDOW, None, just, NOW).state == evp.STATE_THANKS
    assert desired_state(WINDOW, None, NOW - timedelta(seconds=4), NOW).state == evp.STATE_IDLE


def test_a_new_invitation_beats_the_thanks_of_the_last_one():
    assert desired_state(WINDOW, offer(), NOW, NOW).state == evp.STATE_INVITE


def test_text_is_cut_on_a_character_boundary():
    text = fit_text("评" * 20)
    assert len(text.encode()) <= 48 and text == "评" * 16


def test_needs_sending_ignores_a_shrinking_timeout_only():
    a = DeviceState(evp.STATE_INVITE, 30, 7, ("x", ""))
    assert not needs_sending(DeviceState(evp.STATE_INVITE, 29, 7, ("x", "")), a)
    assert needs_sending(DeviceState(evp.STATE_INVITE, 30, 8, ("x", "")), a)
    assert needs_sending(DeviceState(evp.STATE_IDLE, 0, None, ("x", "")), a)
    assert needs_sending(a, None)


def test_offer_book_picks_the_invite_shown_at_the_press():
    book = OfferBook()
    book.invite_sent(1, 10, NOW)
    book.invite_sent(1, 11, NOW + timedelta(seconds=5))
    assert book.invitation_at(1, NOW + timedelta(seconds=1)) == 10
    assert book.invitation_at(1, NOW + timedelta(seconds=6)) == 11
    assert book.invitation_at(1, NOW - timedelta(seconds=1)) is None
    assert book.invitation_at(2, NOW) is None


def test_health_row_of_a_lost_port_is_offline():
    assert health_row(False, None) == {"online": False}
    h = DeviceHealth("evp", 3, online=True, consecutive_misses=0, serial="S1", firmware="F",
                     keys=5)
    assert health_row(False, h)["online"] is False
    row = health_row(True, h)
    assert row == {"online": True, "misses": 0, "serial_no": "S1", "firmware": "F", "keys": 5}
