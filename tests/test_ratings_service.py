"""The ratings service: validation, one rating per case, rating + outbox in one commit."""
import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.invitations.service import create_invitation
from kiosk.models import Hall, Invitation, OutboxEntry, Rating
from kiosk.ratings.errors import AlreadyRated, NotFound, RatingError
from kiosk.ratings.service import record_rating


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def invite(case_no="2026-XX-0001", window="A01"):
    return create_invitation(window_code=window, case_no=case_no, service_code="530102001000").invitation


def test_invited_rating_is_stored_with_its_case_and_outbox_row(ctx):
    inv = invite()
    result = record_rating(window_code="A01", level=2, channel="touch", invitation_id=inv.id)
    rating = db.session.get(Rating, result.rating.id)
    assert result.created
    assert rating.case_no == "2026-XX-0001"
    assert rating.service.code == "530102001000"
    assert rating.staff.staff_no == "YN0101"  # the window's signed-in clerk at invitation time
    assert not rating.uninvited
    assert db.session.get(Invitation, inv.id).status == "rated"
    outbox = db.session.scalars(sa.select(OutboxEntry)).one()
    assert outbox.record_id == str(rating.id)
    assert outbox.payload["case_no"] == "2026-XX-0001"
    assert outbox.payload["level"] == 2
    assert "phone" not in outbox.payload


def test_second_rating_for_a_case_is_refused(ctx):
    inv = invite()
    record_rating(window_code="A01", level=1, channel="touch", invitation_id=inv.id)
    with pytest.raises(AlreadyRated) as exc:
        record_rating(window_code="A01", level=5, channel="evaluator", invitation_id=inv.id)
    assert exc.value.status == 409
    assert "已经评价" in str(exc.value.message)
    assert count(Rating) == 1 and count(OutboxEntry) == 1


def test_reinviting_a_rated_case_is_refused(ctx):
    inv = invite()
    record_rating(window_code="A01", level=1, channel="touch", invitation_id=inv.id)
    with pytest.raises(AlreadyRated):
        invite()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"level": 0}, "bad_level"),
        ({"level": 6}, "bad_level"),
        ({"level": True}, "bad_level"),
        ({"level": 2, "reasons": ["R01"]}, "reasons_not_allowed"),
        ({"level": 4}, "reasons_required"),
        ({"level": 4, "reasons": ["R99"]}, "bad_reason"),
        ({"level": 4, "reasons": ["R01", "R01"]}, "reasons_repeated"),
        ({"level": 5, "reasons": ["R01"], "comment": "差" * 501}, "comment_too_long"),
        ({"level": 5, "reasons": ["R01"], "phone": "12345"}, "bad_phone"),
        ({"level": 5, "reasons": ["R01"], "phone": "1381234567a"}, "bad_phone"),
    ],
)
def test_invalid_ratings_are_refused_and_nothing_is_stored(ctx, kwargs, code):
    with pytest.raises(RatingError) as exc:
        record_rating(window_code="A01", channel="touch", **kwargs)
    assert exc.value.code == code
    assert str(exc.value.message)
    assert count(Rating) == 0 and count(OutboxEntry) == 0


def test_comment_of_exactly_500_characters_is_accepted(ctx):
    result = record_rating(
        window_code="A01", level=4, channel="touch", reasons=["R02"], comment="慢" * 500
    )
    assert len(result.rating.comment) == 500
    assert result.rating.query_code.startswith("PY") and len(result.rating.query_code) == 14


def test_three_level_window_accepts_only_its_levels(ctx):
    with pytest.raises(RatingError):
        record_rating(window_code="C02", level=1, channel="touch")
    with pytest.raises(RatingError):
        record_rating(window_code="C02", level=5, channel="touch", reasons=["R01"])
    rating = record_rating(window_code="C02", level=2, channel="touch").rating
    assert rating.scale == 3


def test_unknown_window_is_refused(ctx):
    with pytest.raises(NotFound):
        record_rating(window_code="Z99", level=1, channel="touch")


def test_uninvited_ratings_follow_the_hall_setting(ctx):
    rating = record_rating(window_code="A02", level=1, channel="touch").rating
    assert rating.uninvited and rating.case_no is None
    db.session.scalars(sa.select(Hall)).one().allow_uninvited = False
    db.session.commit()
    with pytest.raises(RatingError) as exc:
        record_rating(window_code="A02", level=1, channel="touch")
    assert exc.value.code == "invitation_required"
    assert count(Rating) == 1


def test_invitation_of_another_window_is_not_found(ctx):
    inv = invite(window="A01")
    with pytest.raises(NotFound):
        record_rating(window_code="A02", level=1, channel="touch", invitation_id=inv.id)
    assert db.session.get(Invitation, inv.id).status == "pending"


def test_repeated_device_event_is_not_stored_twice(ctx):
    first = record_rating(window_code="A01", level=2, channel="evaluator", source_ref="evp:SN1:7")
    again = record_rating(window_code="A01", level=2, channel="evaluator", source_ref="evp:SN1:7")
    assert first.created and not again.created
    assert again.rating.id == first.rating.id
    assert count(Rating) == 1 and count(OutboxEntry) == 1


def test_evaluator_bad_rating_needs_no_reasons(ctx):
    rating = record_rating(window_code="A01", level=5, channel="evaluator").rating
    assert rating.reasons == [] and rating.query_code is not None


def test_phone_is_kept_for_call_back(ctx):
    rating = record_rating(
        window_code="A01", level=4, channel="touch", reasons=["R01"], phone="13812345678"
    ).rating
    assert db.session.get(Rating, rating.id).phone == "13812345678"
