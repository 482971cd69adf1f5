"""SMS invitations through a local gateway over real HTTP: sent by the sync process, signed,
retried with backoff on passing trouble, final on refusal, skipped once the case is rated;
delivery state in the admin; the full phone number never logged nor kept once settled."""
import logging
import os
import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import Hall, Invitation
from kiosk.models.base import utcnow
from kiosk.models.notify import SmsNotice
from kiosk.notify.daemon import sms_worker
from kiosk.ratings.service import record_rating
from kiosk.seed import seed_demo
from kiosk.sync.settings import NotConfigured
from tests.admin.conftest import login, users  # noqa: F401  (fixture)
from tests.later.helpers import invite
from tests.notify.receiver import APP_KEY, SECRET, Gateway, serve

pytestmark = pytest.mark.timeout(60)
PHONE = "13812345678"
TEMPLATE = "【{hall}】您的办件{case_no}已办结，请于{deadline}前评价：{url} 查询短码{short_code}"


@pytest.fixture
def gateway():
    return Gateway()


@pytest.fixture
def app(tmp_path, gateway):
    url, server, thread = serve(gateway)
    secret_file = tmp_path / "sms_secret"
    secret_file.write_text(SECRET)
    os.chmod(secret_file, 0o600)
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": secrets.token_hex(16),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hall.db'}",
        "UPSTREAMS": [],  # no upstream: the sync process sends only the SMS
        "SMS_GATEWAY": {"url": url, "app_key": APP_KEY, "template": TEMPLATE,
                        "format": gateway.fmt, "sign": gateway.sign, "max_attempts": 4},
    })
    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.scalars(sa.select(Hall)).one().public_base_url = "https://pj.hall.example"
        db.session.commit()
    yield app
    server.close()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


def notice(app) -> SmsNotice:
    with app.app_context():
        return db.session.scalars(sa.select(SmsNotice)).one()


def run(app, now=None):
    with app.app_context():
        _descriptor, worker = sms_worker(app, db.engine)
        try:
            return worker.run_once(now or utcnow())
        finally:
            worker.close()


def test_sync_process_sends_the_signed_invitation_with_the_link(app, client, api_headers,
                                                                 gateway, caplog):
    caplog.set_level(logging.DEBUG)
    body = invite(client, api_headers, case_no="2026-XX-0300", phone=PHONE)
    assert body["sms"] == {"status": "pending", "phone": "138****5678", "attempts": 0,
                           "settled_at": None}
    assert gateway.received == []  # nothing is sent inside the request
    result = app.test_cli_runner().invoke(args=["sync", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "sync [sms]: 1 accepted" in result.output
    assert gateway.bad_signatures == 0 and len(gateway.received) == 1
    sent = gateway.received[0]
    assert sent["mobile"] == PHONE and sent["appKey"] == APP_KEY
    link = body["later"]["url"].split("/m/l/")[1]
    assert f"https://pj.hall.example/m/l/{link}" in sent["content"]
    assert "2026-XX-0300" in sent["content"] and body["later"]["short_code"] in sent["content"]
    stored = notice(app)
    assert (stored.status, stored.gateway_ref, stored.attempts) == ("sent", "M-1", 1)
    assert stored.phone is None and stored.phone_masked == "138****5678"
    assert PHONE not in caplog.text and PHONE not in result.output
    api = client.get(f"/api/v1/invitations/{body['id']}", headers=api_headers).get_json()
    assert api["sms"]["status"] == "sent"
    # The message's link opens the case's rating page.
    assert client.get(f"/m/l/{link}").status_code == 200


def test_passing_trouble_is_retried_with_backoff_then_sent(app, client, api_headers, gateway):
    gateway.script = [(500, b"oops"), (200, b"<html>busy</html>"), (200, b'{"msg": "?"}'),
                      (503, b"")]
    invite(client, api_headers, case_no="2026-XX-0301", phone=PHONE)
    now = utcnow()
    delays = []
    for _ in range(3):
        r = run(app, now)
        assert r.error and r.accepted == 0
        stored = notice(app)
        assert stored.status == "pending" and stored.phone == PHONE
        delays.append((stored.next_attempt_at - now).total_seconds())
        assert run(app, now).taken == 0  # not due before its next attempt
        now = stored.next_attempt_at
    assert delays == [30, 60, 120]
    assert "not JSON" in notice(app).last_error or "without" in notice(app).last_error
    r = run(app, now)  # the fourth: 503 again, and the last allowed attempt
    stored = notice(app)
    assert (stored.status, stored.attempts, stored.phone) == ("failed", 4, None)
    assert stored.last_error == "gateway HTTP 503"


def test_retry_succeeds_after_a_server_error(app, client, api_headers, gateway):
    gateway.script = [(502, b"bad gateway")]
    invite(client, api_headers, case_no="2026-XX-0302", phone=PHONE)
    run(app)
    run(app, notice(app).next_attempt_at)
    stored = notice(app)
    assert (stored.status, stored.attempts, stored.last_error) == ("sent", 2, None)
    assert len(gateway.received) == 2


def test_a_refusal_is_final_and_its_message_is_masked(app, client, api_headers, gateway,
                                                       caplog):
    caplog.set_level(logging.INFO)
    gateway.script = [(200, f'{{"code": "40002", "msg": "blacklisted {PHONE}"}}'.encode())]
    invite(client, api_headers, case_no="2026-XX-0303", phone=PHONE)
    r = run(app)
    assert r.failed == 1 and not r.error
    stored = notice(app)
    assert stored.status == "failed" and stored.phone is None
    assert stored.last_error == "gateway refused (code=40002): blacklisted 138****5678"
    assert PHONE not in caplog.text
    assert run(app, utcnow() + timedelta(days=1)).taken == 0


def test_case_rated_before_the_message_goes_is_skipped(app, client, api_headers, gateway):
    body = invite(client, api_headers, case_no="2026-XX-0304", phone=PHONE)
    with app.app_context():
        record_rating(window_code="A01", level=1, channel="touch", invitation_id=body["id"])
    run(app)
    stored = notice(app)
    assert stored.status == "skipped" and stored.phone is None and gateway.received == []


def test_opt_out_and_one_message_per_case(app, client, api_headers, gateway):
    invite(client, api_headers, case_no="2026-XX-0305", phone=PHONE, send_sms=False)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SmsNotice.id))) == 0
        assert db.session.scalars(sa.select(Invitation)).one().phone_last4 == "5678"
    invite(client, api_headers, case_no="2026-XX-0306", phone=PHONE)
    again = client.post("/api/v1/invitations", headers=api_headers,
                        json={"window": "A02", "case_no": "2026-XX-0306", "phone": PHONE})
    assert again.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SmsNotice.id))) == 1


def test_admin_shows_delivery_state_with_masked_numbers(app, client, api_headers, gateway,
                                                         users):  # noqa: F811
    gateway.script = [(200, b'{"code": "40002", "msg": "no"}')]
    invite(client, api_headers, case_no="2026-XX-0307", phone=PHONE)
    run(app)
    page = login(app, users["auditor"]).get("/admin/sms")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2026-XX-0307" in html and "138****5678" in html and "发送失败" in html
    assert PHONE not in html and "gateway refused" in html


@pytest.mark.parametrize("gateway", [Gateway(fmt="json", sign="hmac-sha256")])
def test_json_post_with_hmac_signature(app, client, api_headers, gateway):
    invite(client, api_headers, case_no="2026-XX-0308", phone=PHONE)
    assert run(app).accepted == 1
    assert gateway.bad_signatures == 0 and gateway.received[0]["mobile"] == PHONE


def test_unreachable_gateway_is_a_passing_trouble(app, client, api_headers, gateway):
    app.config["SMS_GATEWAY"] = {**app.config["SMS_GATEWAY"], "url": "http://127.0.0.1:9/x"}
    invite(client, api_headers, case_no="2026-XX-0309", phone=PHONE)
    r = run(app)
    assert r.error and notice(app).last_error == "gateway unreachable: ConnectError"
    assert notice(app).status == "pending"


@pytest.mark.parametrize("change, message", [
    ({"app_secret": "x"}, "app_secret_file"),
    ({"template": "请评价"}, "{url}"),
    ({"template": "{url} {phone}"}, "placeholder"),
    ({"format": "xml"}, "format one of"),
])
def test_bad_configuration_is_refused_clearly(app, change, message):
    app.config["SMS_GATEWAY"] = {**app.config["SMS_GATEWAY"], **change}
    with app.app_context(), pytest.raises(NotConfigured, match=message):
        sms_worker(app, db.engine)


def test_secret_file_readable_by_others_is_refused(app, tmp_path):
    os.chmod(tmp_path / "sms_secret", 0o644)
    with app.app_context(), pytest.raises(NotConfigured, match="chmod 600"):
        sms_worker(app, db.engine)


def test_off_unless_configured(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI":
                      f"sqlite:///{tmp_path / 'h.db'}"})
    with app.app_context():
        db.create_all()
        assert sms_worker(app, db.engine) is None
        db.engine.dispose()
