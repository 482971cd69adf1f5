"""Uninvited ratings: off by default on touch and QR (a hall switches them on); when on, a
per-window limit on the server stops one person filing a row of 差评 against a clerk; every
uninvited rating keeps what a burst flag needs (window, level, time, uninvited)."""
import pytest
import sqlalchemy as sa

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import BadCase, Hall, Rating
from kiosk.seed import ensure_base
from tests.mobile.helpers import csrf_from

pytestmark = pytest.mark.timeout(90)


def touch_rate(client, window="A01", level=5, reasons=("R01",)):
    token = client.get(f"/touch/{window}/state").get_json()["csrf_token"]
    return client.post(f"/touch/{window}/rate", json={"level": level, "reasons": list(reasons)},
                       headers={"X-CSRFToken": token})


def qr_rate(client, window="A01", level=5):
    url = f"/m/w/{window}"
    return client.post(url, content_type="multipart/form-data", data={
        "csrf_token": csrf_from(client, url), "level": str(level), "reasons": ["R01"],
        "comment": "", "identity": "anonymous", "phone": ""})


def test_a_new_hall_takes_no_uninvited_rating(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hall.db'}",
                      "SECRET_KEY": "x" * 32})
    with app.app_context():
        db.create_all()
        hall = ensure_base("新大厅")  # what `flask init` makes
        assert hall.allow_uninvited is False
        from kiosk.models import Window
        db.session.add(Window(code="A01", name="综合窗口", scale=5))
        db.session.commit()
    client = app.test_client()
    r = touch_rate(client)
    assert r.status_code == 403 and r.get_json()["error"] == "invitation_required"
    assert client.get("/m/w/A01").status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 0


def test_forty_taps_of_the_worst_level_open_only_a_few_cases(app, client):
    with app.app_context():
        assert db.session.scalars(sa.select(Hall)).one().allow_uninvited is True  # demo hall
    answers = [touch_rate(client).status_code for _ in range(40)]
    assert answers.count(201) == 6 and answers[6:] == [429] * 34
    # The same window over the QR page shares the window's limit; another window does not.
    assert qr_rate(app.test_client()).status_code == 429
    assert touch_rate(client, window="A02").status_code == 201
    with app.app_context():
        cases = db.session.scalar(sa.select(sa.func.count()).select_from(BadCase))
        assert cases == 7
        kept = db.session.execute(sa.select(Rating.window_id, Rating.level, Rating.rated_at,
                                            Rating.uninvited)).all()
        assert all(r.uninvited and r.level == 5 and r.rated_at for r in kept)


def test_the_limit_is_configurable(app, client):
    app.config["RATE_LIMITS"] = {"uninvited_window": "2 per minute"}
    assert [touch_rate(client).status_code for _ in range(3)] == [201, 201, 429]
