"""The OpenAPI description (/api/v1/openapi.json) checked against the code by schemathesis:
generated requests go through the Flask app (WSGI), and every answer must be a documented
status with a body that matches the documented schema. Bounded: a few examples each."""
import json
import secrets
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kiosk.sync import signing
from tests.hubkit import HALL_CODE, add_hall

pytestmark = pytest.mark.timeout(60)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
FEW = settings(max_examples=25, deadline=None, derandomize=True,
               suppress_health_check=list(HealthCheck))


def test_openapi_document_is_served_and_valid(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    spec = r.json
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/invitations", "/api/v1/invitations/{invitation_id}",
            "/hub/api/v1/batches", "/hub/api/v1/config",
            "/hub/api/v1/integrity/restore"} <= set(spec["paths"])


def run(schema, check_one, mode=GenerationMode.POSITIVE) -> None:
    """Hypothesis over schemathesis' generated cases (not its pytest plugin: it lags pytest)."""

    @FEW
    @given(case=schema.as_strategy(mode))
    def examples(case):
        check_one(case)

    examples()


def business_schema(app):
    app.config["RATELIMIT_API"] = "100000 per second"  # hypothesis sends bursts
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).include(tag="business")


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_business_api_conforms(app, api_headers, mode):
    def check_one(case):
        case.call_and_validate(headers=api_headers, checks=CHECKS)

    run(business_schema(app), check_one, mode)


def test_business_api_without_token_is_401_as_documented(app):
    def check_one(case):
        case.headers = {k: v for k, v in (case.headers or {}).items()
                        if k.lower() != "authorization"}
        response = case.call()
        assert response.status_code == 401
        case.validate_response(response, checks=CHECKS)

    run(business_schema(app), check_one)


def hub_schema(hub_app):
    hub_app.config["RATELIMIT_HUB"] = "100000 per second"
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", hub_app).include(tag="hub")


@pytest.mark.postgres
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_hub_api_with_generated_headers_refuses_as_documented(hub_app, mode):
    """Unsigned (random) headers: every answer is a documented refusal, never a 500."""
    add_hall(hub_app)

    def check_one(case):
        response = case.call()
        assert response.status_code in (400, 401, 403, 413, 415), response.get_data()
        case.validate_response(response, checks=CHECKS)

    run(hub_schema(hub_app), check_one, mode)


@pytest.mark.postgres
def test_hub_api_signed_requests_conform(hub_app):
    """Correctly signed by a registered hall: the body as sent is what gets signed."""
    key = add_hall(hub_app).encode()
    client = hub_app.test_client()

    def check_one(case):
        sent = case.body
        if isinstance(sent, dict):
            # Another hall's name is a documented 403 (the sender forwards for nobody).
            sent = {k: v for k, v in sent.items() if k != "hall"}
        body = b"" if case.method == "GET" else json.dumps(sent).encode()
        headers = {"Content-Type": "application/json",
                   **signing.signed_headers(HALL_CODE, key, case.method, case.formatted_path,
                                            body, time.time(), nonce=secrets.token_hex(16))}
        response = client.open(case.formatted_path, method=case.method, data=body,
                               headers=headers)
        assert response.status_code not in (401, 403), response.get_data()
        case.validate_response(response, checks=CHECKS)

    run(hub_schema(hub_app), check_one)
