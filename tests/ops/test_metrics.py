"""/metrics: the content a Prometheus server scrapes, and who may read it."""
import pytest

from kiosk.extensions import db
from kiosk.models import Device
from kiosk.ratings.service import record_rating

pytestmark = pytest.mark.timeout(30)
REMOTE = {"REMOTE_ADDR": "10.20.30.40"}


def test_metrics_report_ratings_devices_and_latency(app, client):
    with app.app_context():
        record_rating(window_code="A01", level=1, channel="touch")
        record_rating(window_code="A01", level=1, channel="touch")
        record_rating(window_code="A02", level=2, channel="evaluator")
        db.session.add(Device(protocol="evp", port="/dev/evaluator-bus0", address=3,
                              online=False, misses=7))
        db.session.commit()
    client.get("/touch/A01/state")
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.mimetype == "text/plain"
    text = r.get_data(as_text=True)
    assert 'kiosk_ratings{channel="touch",level="1"} 2.0' in text
    assert 'kiosk_ratings{channel="evaluator",level="2"} 1.0' in text
    assert 'kiosk_devices{state="offline"} 1.0' in text
    assert 'kiosk_device_misses{address="3",port="/dev/evaluator-bus0"} 7.0' in text
    assert 'kiosk_request_duration_seconds_count{endpoint="touch.state",method="GET",status="200"}' in text
    assert "kiosk_sync_backlog" not in text  # no upstream configured


def test_sync_metrics_when_an_upstream_is_configured(app, client):
    app.config["SYNC_URL"] = "https://hub.example"
    with app.app_context():
        record_rating(window_code="A01", level=1, channel="touch")
    text = client.get("/metrics").get_data(as_text=True)
    assert "kiosk_sync_backlog 1.0" in text
    assert "kiosk_sync_consecutive_failures 0.0" in text


def test_metrics_refused_to_other_hosts_without_token(client):
    assert client.get("/metrics", environ_base=REMOTE).status_code == 403


def test_metrics_with_token_from_another_host(app, client):
    app.config["METRICS_TOKEN"] = "s3cret-metrics-token"
    ok = client.get("/metrics", environ_base=REMOTE,
                    headers={"Authorization": "Bearer s3cret-metrics-token"})
    assert ok.status_code == 200 and b"kiosk_ratings" in ok.data
    wrong = client.get("/metrics", environ_base=REMOTE, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403


def test_localhost_can_be_required_to_use_the_token(app, client):
    """Behind a reverse proxy every request comes from 127.0.0.1."""
    app.config["METRICS_ALLOW_LOCALHOST"] = False
    assert client.get("/metrics").status_code == 403
