"""Inviting through the real business API and moving an invitation back in time."""
from datetime import datetime, timedelta

from kiosk.extensions import db
from kiosk.invitations.service import rating_deadline
from kiosk.models import Invitation
from kiosk.models.base import utcnow
from kiosk.timeutil import to_local, to_utc


def invite(client, api_headers, case_no="2026-XX-0100", window="A01", **extra):
    r = client.post("/api/v1/invitations", headers=api_headers,
                    json={"window": window, "case_no": case_no, **extra})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def invited_at(app, invitation_id: int, local: datetime) -> None:
    """As if the counter visit had been at `local` (hall time): the screen offer is long
    over, the deadline is 5 working days after that day."""
    with app.app_context():
        inv = db.session.get(Invitation, invitation_id)
        inv.invited_at = to_utc(local)
        inv.screen_until = to_utc(local) + timedelta(seconds=120)
        inv.expires_at = rating_deadline(inv.invited_at)
        db.session.commit()


def two_days_ago_at_ten() -> datetime:
    """Hall time, relative to the real clock (the claim of the rating reads the real clock)."""
    return (to_local(utcnow()) - timedelta(days=2)).replace(hour=10, minute=0, second=0,
                                                            microsecond=0)


def link_path(body: dict) -> str:
    url = body["later"]["url"]
    return url[url.index("/m/l/"):]
