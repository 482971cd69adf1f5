"""What a window's evaluator should show now: a pure function of the window's state.

  paused                      -> PAUSED
  an invitation is offered    -> INVITE (timeout = what is left of the offer), staff + 工号
  a case was rated just now   -> THANKS (whichever channel rated it)
  otherwise                   -> IDLE
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from device_drivers import evp

THANKS_SECONDS = 3.0  # as long as the device's own thank-you light
TEXT_MAX_BYTES = 48  # SET_TEXT limit (datasheet)
MAX_TIMEOUT_S = 255  # SET_STATE timeout is a u8
THANKS_TEXT = "感谢您的评价"


@dataclass(frozen=True)
class Offer:
    """The invitation a window offers now (from invitations.current_invitation)."""

    invitation_id: int
    screen_until: datetime
    staff_name: str | None = None
    staff_no: str | None = None


@dataclass(frozen=True)
class WindowView:
    paused: bool
    pause_reason: str | None = None
    staff_name: str | None = None  # the clerk signed in at the window
    staff_no: str | None = None


@dataclass(frozen=True)
class DeviceState:
    state: int
    timeout_s: int = 0
    invitation_id: int | None = None  # which offer an INVITE stands for
    lines: tuple[str, str] = ("", "")

    @property
    def name(self) -> str:
        return evp.STATE_NAMES[self.state]


def fit_text(text: str, max_bytes: int = TEXT_MAX_BYTES) -> str:
    """Cut to the device's byte limit without splitting a UTF-8 character."""
    while len(text.encode("utf-8")) > max_bytes:
        text = text[:-1]
    return text


def staff_line(name: str | None, staff_no: str | None) -> str:
    parts = [p for p in (name, f"工号{staff_no}" if staff_no else None) if p]
    return fit_text(" ".join(parts))


def desired_state(window: WindowView, offer: Offer | None, last_rated_at: datetime | None,
                  now: datetime) -> DeviceState:
    """All datetimes naive UTC, as stored."""
    if window.paused:
        reason = f"暂停服务 {window.pause_reason}" if window.pause_reason else "暂停服务"
        return DeviceState(evp.STATE_PAUSED, lines=("", fit_text(reason)))
    idle_text = (staff_line(window.staff_name, window.staff_no), "")
    if offer is not None and offer.screen_until > now:
        left = math.ceil((offer.screen_until - now).total_seconds())
        text = staff_line(offer.staff_name or window.staff_name,
                          offer.staff_no or window.staff_no)
        return DeviceState(evp.STATE_INVITE, timeout_s=max(1, min(MAX_TIMEOUT_S, left)),
                           invitation_id=offer.invitation_id, lines=(text, "请您对我的服务作出评价"))
    if last_rated_at is not None and now - last_rated_at < timedelta(seconds=THANKS_SECONDS):
        return DeviceState(evp.STATE_THANKS, lines=(idle_text[0], THANKS_TEXT))
    return DeviceState(evp.STATE_IDLE, lines=idle_text)


def thanks_for(invite: DeviceState) -> DeviceState:
    """What a device shows instead of an INVITE whose case was rated meanwhile."""
    return DeviceState(evp.STATE_THANKS, lines=(invite.lines[0], THANKS_TEXT))


def needs_sending(wanted: DeviceState, applied: DeviceState | None) -> bool:
    """A new INVITE timeout alone is no reason to re-send: only state, offer or text."""
    if applied is None:
        return True
    return (wanted.state, wanted.invitation_id, wanted.lines) != (
        applied.state, applied.invitation_id, applied.lines)
