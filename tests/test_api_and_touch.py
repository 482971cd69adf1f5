"""Business API → touchscreen endpoints → database, and every bad input gets a clear 4xx."""
import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import OutboxEntry, Rating


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Rating.id)))


def csrf(client, window="A01") -> str:
    return client.get(f"/touch/{window}/state").get_json()["csrf_token"]


def rate(client, body, window="A01", token=None):
    headers = {"X-CSRFToken": token if token is not None else csrf(client, window)}
    return client.post(f"/touch/{window}/rate", json=body, headers=headers)


def test_invite_show_rate_read_back(app, client, api_headers):
    r = client.post(
        "/api/v1/invitations",
        json={"window": "A01", "case_no": "2026-XX-0001", "service_code": "530102001000"},
        headers=api_headers,
    )
    assert r.status_code == 201
    inv = r.get_json()
    assert inv["status"] == "pending" and inv["staff_no"] == "YN0101"
    assert r.headers["Location"].endswith(f"/api/v1/invitations/{inv['id']}")

    state = client.get("/touch/A01/state").get_json()
    assert state["invitation"] == {"id": inv["id"], "case_no": "2026-XX-0001"}
    assert client.get("/touch/A02/state").get_json()["invitation"] is None

    r = rate(client, {"level": 2, "invitation_id": inv["id"]})
    assert r.status_code == 201

    r = client.get(f"/api/v1/invitations/{inv['id']}", headers=api_headers)
    body = r.get_json()
    assert body["status"] == "rated"
    assert body["rating"]["level"] == 2 and body["rating"]["level_name"] == "满意"
    assert client.get("/touch/A01/state").get_json()["invitation"] is None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxEntry.id))) == 1


def test_second_rating_and_reinvite_of_rated_case_get_409(app, client, api_headers):
    inv = client.post("/api/v1/invitations", json={"window": "A01", "case_no": "C-1"},
                      headers=api_headers).get_json()
    assert rate(client, {"level": 1, "invitation_id": inv["id"]}).status_code == 201
    r = rate(client, {"level": 5, "reasons": ["R01"], "invitation_id": inv["id"]})
    assert r.status_code == 409 and "已经评价" in r.get_json()["message"]
    r = client.post("/api/v1/invitations", json={"window": "A01", "case_no": "C-1"},
                    headers=api_headers)
    assert r.status_code == 409
    assert stored(app) == 1


def test_pending_case_invited_again_returns_same_invitation(client, api_headers):
    first = client.post("/api/v1/invitations", json={"window": "A01", "case_no": "C-2"},
                        headers=api_headers)
    again = client.post("/api/v1/invitations", json={"window": "A02", "case_no": "C-2"},
                        headers=api_headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["window"] == "A02"


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"level": 9}, 422, "bad_level"),
        ({"level": "2"}, 400, "bad_request"),
        ({"level": 4, "reasons": ["R01"], "comment": "x" * 501}, 422, "comment_too_long"),
        ({"level": 2, "reasons": ["R01"]}, 422, "reasons_not_allowed"),
        ({"level": 2, "invitation_id": 99999}, 404, "invitation_not_found"),
        ({"level": 4, "reasons": "R01"}, 400, "bad_request"),
    ],
)
def test_bad_touch_input_gets_clear_4xx_and_stores_nothing(app, client, body, status, error):
    r = rate(client, body)
    assert r.status_code == status
    assert r.get_json()["error"] == error and r.get_json()["message"]
    assert stored(app) == 0


def test_unknown_window(app, client):
    r = client.post("/touch/Z99/rate", json={"level": 1}, headers={"X-CSRFToken": csrf(client)})
    assert r.status_code == 404 and r.get_json()["message"]
    assert client.get("/touch/Z99").status_code == 404


def test_missing_or_wrong_csrf_token_is_refused(app, client):
    csrf(client)  # the session exists, but the token is not sent
    r = client.post("/touch/A01/rate", json={"level": 1})
    assert r.status_code == 400 and r.get_json()["error"] == "csrf"
    r = client.post("/touch/A01/rate", json={"level": 1}, headers={"X-CSRFToken": "forged"})
    assert r.status_code == 400
    assert stored(app) == 0


def test_malformed_json_to_touch_endpoint(app, client):
    r = client.post("/touch/A01/rate", data="{not json", content_type="application/json",
                    headers={"X-CSRFToken": csrf(client)})
    assert r.status_code == 400 and r.get_json()["message"]
    assert stored(app) == 0


@pytest.mark.parametrize(
    ("headers", "message_part"),
    [({}, "缺少"), ({"Authorization": "Bearer wrong"}, "无效"), ({"Authorization": "Basic x"}, "缺少")],
)
def test_api_token_required(client, headers, message_part):
    r = client.post("/api/v1/invitations", json={"window": "A01", "case_no": "C-3"}, headers=headers)
    assert r.status_code == 401 and message_part in r.get_json()["message"]


@pytest.mark.parametrize(
    ("kwargs", "status", "error"),
    [
        ({"data": "{oops", "content_type": "application/json"}, 400, "bad_request"),
        ({"json": ["A01"]}, 400, "bad_request"),
        ({"json": {"window": "A01"}}, 422, "bad_case_no"),
        ({"json": {"window": "A01", "case_no": "x" * 51}}, 422, "bad_case_no"),
        ({"json": {"window": "Z99", "case_no": "C-4"}}, 404, "unknown_window"),
        ({"json": {"window": "A01", "case_no": "C-4", "service_code": "nope"}}, 404, "unknown_service"),
        ({"json": {"window": "A01", "case_no": "C-4", "staff_no": "nobody"}}, 404, "unknown_staff"),
        ({"json": {"window": "A01", "case_no": 5}}, 400, "bad_request"),
        ({"json": {"window": "A01", "case_no": "C-4", "extra": 1}}, 400, "bad_request"),
    ],
)
def test_bad_invitation_requests(client, api_headers, kwargs, status, error):
    r = client.post("/api/v1/invitations", headers=api_headers, **kwargs)
    assert r.status_code == status
    assert r.get_json()["error"] == error and r.get_json()["message"]


def test_unknown_invitation_404(client, api_headers):
    r = client.get("/api/v1/invitations/424242", headers=api_headers)
    assert r.status_code == 404 and r.get_json()["message"]


def test_revoked_token_is_refused(app, client, api_headers):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tokens", "revoke", "test-business-system"]).exit_code == 0
    r = client.post("/api/v1/invitations", json={"window": "A01", "case_no": "C-5"}, headers=api_headers)
    assert r.status_code == 401


def test_invitation_beyond_the_calendar_has_no_deadline_yet_but_can_be_rated(
    app, client, api_headers, monkeypatch
):
    """Late December: 5 working days reach into a year the calendar does not know yet."""
    import kiosk.invitations.service as invitations
    from kiosk.workdays import CalendarRangeError

    def beyond(*_args):
        raise CalendarRangeError("no data for 2027")

    monkeypatch.setattr(invitations, "workday_deadline", beyond)
    r = client.post("/api/v1/invitations", json={"window": "A01", "case_no": "C-2027"},
                    headers=api_headers)
    assert r.status_code == 201 and r.get_json()["expires_at"] is None
    assert rate(client, {"level": 1, "invitation_id": r.get_json()["id"]}).status_code == 201


def test_huge_invitation_id_is_a_plain_404(client, api_headers):
    r = client.get("/api/v1/invitations/9223372036854775808", headers=api_headers)
    assert r.status_code == 404


def test_old_touchscreen_address_redirects(client):
    r = client.get("/w/A01")
    assert r.status_code == 301 and r.headers["Location"].endswith("/touch/A01")


def test_bad_rating_answers_with_a_qr_to_the_query_page(client):
    r = rate(client, {"level": 5, "reasons": ["R01"]})
    assert r.status_code == 201
    body = r.get_json()
    assert body["query_url"].endswith(f"/q?code={body['query_code']}")
    assert body["query_qr"].startswith("data:image/svg+xml;base64,")
    page = client.get(f"/q?code={body['query_code']}").get_data(as_text=True)
    assert f'value="{body["query_code"]}"' in page  # filled in; looking it up is one tap
