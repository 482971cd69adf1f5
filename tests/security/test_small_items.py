"""The smaller findings: no-store on a revealed phone, control characters refused where
text comes in, a private instance folder after `flask init`, no 500 for a settings form
with a field missing, the hub's rate limit keyed by address and its refusals aggregated."""
import secrets
import stat

import pytest
import sqlalchemy as sa

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import Rating
from kiosk.ratings.errors import RatingError
from kiosk.ratings.service import record_rating
from tests.cases.helpers import add_users, bad_rating, login

pytestmark = pytest.mark.timeout(60)


def test_a_revealed_phone_is_never_cached(app):
    add_users(app)
    with app.app_context():
        _rid, case_id = bad_rating(phone="13812345678")
    web = login(app, "mgr")
    r = web.post(f"/admin/cases/{case_id}/phone", data={"reason": "回访"},
                 token_from=f"/admin/cases/{case_id}")
    assert r.status_code == 200 and "13812345678" in r.get_data(as_text=True)
    assert r.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("text", ["正常留言\x00", "窗口\x1b[31m", "a\x0bb", "bad\ufffe"])
def test_control_characters_in_comments_are_refused(app, text):
    with app.app_context(), pytest.raises(RatingError) as refused:
        record_rating(window_code="A01", level=2, channel="touch", comment=text)
    assert refused.value.code == "bad_comment_characters"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 0
        ok = record_rating(window_code="A01", level=2, channel="touch", comment="第一行\n第二行\t好")
        assert ok.created


def test_flask_init_leaves_a_private_instance(tmp_path, monkeypatch):
    inst = tmp_path / "inst"
    monkeypatch.setenv("KIOSK_INSTANCE_PATH", str(inst))
    monkeypatch.delenv("KIOSK_DATABASE_URL", raising=False)
    result = create_app().test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(inst.stat().st_mode) == 0o700
    for name in ("hall.db", "secret_key"):
        assert stat.S_IMODE((inst / name).stat().st_mode) == 0o600, name


def test_settings_post_with_a_field_missing_is_a_form_error(app):
    add_users(app)
    web = login(app, "root")
    required = {"name": "大厅", "region_code": "530102", "dept_code": "11530102MB00000014"}
    for missing in required:
        data = {k: v for k, v in required.items() if k != missing}
        r = web.post("/admin/settings", data=data, token_from="/admin/settings")
        assert r.status_code == 422, missing
    r = web.post("/admin/settings", data=required, token_from="/admin/settings")
    assert r.status_code == 302  # every optional field left out: saved, not a 500


@pytest.mark.postgres
def test_hub_limit_is_per_address_whatever_hall_is_claimed(hub_app, hub_url, hall_key):
    from tests.security.hubsend import post_batch

    hub_app.config["RATELIMIT_HUB"] = "5 per minute"
    codes = [post_batch(hub_url, f"fake-{i}", secrets.token_hex(8), []).status_code
             for i in range(7)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]


@pytest.mark.postgres
def test_hub_refusals_are_counted_not_written_one_by_one(hub_app, hub_url, hall_key):
    from kiosk.models import HubAuthRefusal
    from tests.security.hubsend import post_batch

    for _ in range(30):
        assert post_batch(hub_url, "530102-WH", "wrong-key", []).status_code == 401
    with hub_app.app_context():
        rows = db.session.execute(sa.select(HubAuthRefusal.reason, HubAuthRefusal.count)).all()
        db.session.remove()
    assert rows == [("bad_signature", 30)]
