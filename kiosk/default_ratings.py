"""Default ratings (rule 3): a case not rated within 5 working days counts as 基本满意.

Run daily by a timer (docs/operations.md). Each due invitation is claimed inside
record_rating(), so running twice, or two runs at once, records one rating per case.
"""
from dataclasses import dataclass
from datetime import UTC, datetime

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.invitations.service import rating_deadline
from kiosk.models import Invitation, Window
from kiosk.models.base import utcnow
from kiosk.ratings.errors import RatingError
from kiosk.ratings.levels import DEFAULT_LEVEL
from kiosk.ratings.service import record_rating
from kiosk.timeutil import HALL_TZ, to_local
from kiosk.workdays import CalendarRangeError, is_workday


@dataclass
class DefaultOutcome:
    invitation_id: int
    case_no: str
    window_code: str
    recorded: bool
    message: str = ""


def due_invitations(now: datetime) -> list[tuple[int, str, str, datetime]]:
    """Pending invitations whose deadline (end of the 5th working day) has passed."""
    return db.session.execute(
        sa.select(Invitation.id, Invitation.case_no, Window.code, Invitation.expires_at)
        .join(Window, Window.id == Invitation.window_id)
        .where(Invitation.status == "pending", Invitation.expires_at < now)
        .order_by(Invitation.expires_at, Invitation.id)
    ).all()


def fill_missing_deadlines() -> int:
    """Invitations made while the calendar did not reach their deadline get it now, if it does.
    Returns how many still have none."""
    missing = 0
    with write_transaction(db.session()):
        for inv in db.session.scalars(
            sa.select(Invitation).where(
                Invitation.status == "pending", Invitation.expires_at.is_(None)
            )
        ):
            inv.expires_at = rating_deadline(inv.invited_at)
            missing += inv.expires_at is None
        db.session.commit()
    return missing


def record_defaults(now: datetime) -> list[DefaultOutcome]:
    """Records the default rating for every due invitation; `now` is naive UTC."""
    # Refuse to work on a day the official calendar does not know: the deadlines around it
    # could not have been computed either.
    is_workday(to_local(now).date())
    outcomes = []
    for inv_id, case_no, window_code, expires_at in due_invitations(now):
        try:
            record_rating(
                window_code=window_code, level=DEFAULT_LEVEL, channel="default",
                invitation_id=inv_id, is_default=True, rated_at=expires_at,
            )
        except RatingError as exc:  # rated a moment ago on another channel, for example
            db.session.rollback()
            outcomes.append(DefaultOutcome(inv_id, case_no, window_code, False, str(exc.message)))
        else:
            outcomes.append(DefaultOutcome(inv_id, case_no, window_code, True))
    return outcomes


def parse_now(value: str | None) -> datetime:
    """ISO 8601; without an offset it is the hall's local time. Returns naive UTC."""
    if not value:
        return utcnow()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 date/time: {value}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=HALL_TZ)
    return moment.astimezone(UTC).replace(tzinfo=None)


@click.command("default")
@click.option("--now", "now_text", metavar="ISO", help="Pretend it is this time (hall local time unless an offset is given).")
@with_appcontext
def ratings_default(now_text: str | None) -> None:
    """Record 基本满意 by default for every invitation not rated within 5 working days."""
    now = parse_now(now_text)
    try:
        missing = fill_missing_deadlines()
        outcomes = record_defaults(now)
    except CalendarRangeError as exc:
        raise click.ClickException(
            f"{exc}. No default ratings were recorded."
        ) from exc
    for o in outcomes:
        state = "default 基本满意 recorded" if o.recorded else f"skipped: {o.message}"
        click.echo(f"invitation {o.invitation_id} case {o.case_no} window {o.window_code}: {state}")
    recorded = sum(o.recorded for o in outcomes)
    click.echo(f"{recorded} default rating(s) recorded at {to_local(now).isoformat(timespec='seconds')} (hall time)")
    if missing:
        raise click.ClickException(
            f"{missing} pending invitation(s) have no deadline yet: the official calendar does "
            "not reach 5 working days after them. Update the chinesecalendar package or add "
            "the published schedule to instance/holiday_calendar.json, then run this again."
        )
