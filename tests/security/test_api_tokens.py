"""A business-system token sees only the invitations its own client created: another
client's id gets exactly the answer an unknown id gets."""
import secrets

import pytest

from kiosk.extensions import db
from kiosk.models import ApiToken
from kiosk.models.tokens import hash_token

pytestmark = pytest.mark.timeout(30)


def token_for(app, name: str) -> dict:
    token = secrets.token_urlsafe(32)
    with app.app_context():
        db.session.add(ApiToken(name=name, token_hash=hash_token(token)))
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_a_token_reads_only_its_own_invitations(app, client):
    erp, other = token_for(app, "erp"), token_for(app, "queue-system")
    created = client.post("/api/v1/invitations", headers=erp,
                          json={"window": "A01", "case_no": "SEC-2026-0001"})
    assert created.status_code == 201
    own_id = created.json["id"]
    assert client.get(f"/api/v1/invitations/{own_id}", headers=erp).status_code == 200
    foreign = client.get(f"/api/v1/invitations/{own_id}", headers=other)
    unknown = client.get(f"/api/v1/invitations/{own_id + 1000}", headers=other)
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json["error"] == unknown.json["error"]
    assert (foreign.json["message"].replace(str(own_id), "N")
            == unknown.json["message"].replace(str(own_id + 1000), "N"))
    # Walking ids sequentially finds nothing of another client's.
    found = [i for i in range(1, own_id + 5)
             if client.get(f"/api/v1/invitations/{i}", headers=other).status_code != 404]
    assert found == []


def test_inviting_the_same_case_does_not_touch_another_clients_invitation(app, client):
    erp, other = token_for(app, "erp"), token_for(app, "queue-system")
    first = client.post("/api/v1/invitations", headers=erp,
                        json={"window": "A01", "case_no": "SEC-2026-0002"}).json
    second = client.post("/api/v1/invitations", headers=other,
                         json={"window": "A02", "case_no": "SEC-2026-0002"})
    assert second.status_code == 201 and second.json["id"] != first["id"]
    assert client.get(f"/api/v1/invitations/{first['id']}", headers=erp).json["window"] == "A01"


def test_an_invitation_id_beyond_2_63_is_a_clean_answer(app, client):
    erp = token_for(app, "erp")
    assert client.get(f"/api/v1/invitations/{2**64}", headers=erp).status_code == 404
    token = client.get("/touch/A01/state").json["csrf_token"]
    for bad in (2**63, 2**70, 0, -1, True):
        touch = client.post("/touch/A01/rate", json={"level": 1, "invitation_id": bad},
                            headers={"X-CSRFToken": token})
        assert touch.status_code == 400 and touch.json["error"] != "csrf", bad
