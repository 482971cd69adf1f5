"""A rating and its photos are one transaction: when the photos cannot be stored, neither is
the rating (and its files are removed); when they can, both are there with their records."""
import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import Invitation, OutboxEntry, Rating
from kiosk.models.mobile import RatingPhoto
from kiosk.ratings.service import record_rating
from tests.later.helpers import invite, link_path
from tests.mobile.helpers import counts, image_bytes, photo_files
from tests.mobile.test_mobile_rating import post_rating

pytestmark = pytest.mark.timeout(60)


def test_rating_and_photos_commit_together(app, client, api_headers):
    body = invite(client, api_headers, case_no="2026-XX-0400")
    r = post_rating(client, link_path(body), level=2, comment="很好",
                    photos=[("a.jpg", image_bytes("JPEG")), ("b.png", image_bytes("PNG"))])
    assert r.status_code == 302
    with app.app_context():
        rating = db.session.scalars(sa.select(Rating)).one()
        photos = db.session.scalars(sa.select(RatingPhoto)).all()
        assert len(photos) == 2 and {p.rating_id for p in photos} == {rating.id}
        assert all(p.created_at == rating.created_at for p in photos)  # one write, one time
        kinds = db.session.scalars(sa.select(OutboxEntry.kind).order_by(OutboxEntry.id)).all()
        assert kinds[0] == "rating" and "rating_event" in kinds
    assert len(photo_files(app)) == 2


def test_photos_that_cannot_be_stored_take_the_rating_with_them(app, client, api_headers):
    body = invite(client, api_headers, case_no="2026-XX-0401")
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TRIGGER refuse_photo BEFORE INSERT ON rating_photo "
                             "BEGIN SELECT RAISE(ABORT, 'photo store unavailable'); END"))
    client.application.config["PROPAGATE_EXCEPTIONS"] = False
    r = post_rating(client, link_path(body), level=4, reasons=["R01"],
                    photos=[("a.jpg", image_bytes("JPEG"))])
    assert r.status_code == 500
    assert counts(app) == {"ratings": 0, "photos": 0, "supplements": 0, "outbox": 0}
    assert photo_files(app) == []
    with app.app_context():
        assert db.session.get(Invitation, body["id"]).status == "pending"
    # The citizen can try again once the fault is gone.
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(sa.text("DROP TRIGGER refuse_photo"))
    ok = post_rating(client, link_path(body), level=4, reasons=["R01"],
                     photos=[("a.jpg", image_bytes("JPEG"))])
    assert ok.status_code == 302 and counts(app)["photos"] == 1


def test_service_level_also_write_failure_rolls_back_the_rating(app):
    def broken(conn, stored, now):
        raise RuntimeError("second write failed")

    with app.app_context():
        with pytest.raises(RuntimeError):
            record_rating(window_code="A01", level=2, channel="qr", also_write=broken)
        assert db.session.scalar(sa.select(sa.func.count(Rating.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(OutboxEntry.id))) == 0
