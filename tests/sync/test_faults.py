"""Through every fault between hall and hub, the hub ends with exactly the hall's ratings."""
from datetime import timedelta

import pytest

from kiosk.extensions import db
from kiosk.models.base import utcnow
from kiosk.sync import settings
from kiosk.sync.store import LEASE
from kiosk.sync.worker import Worker, drain
from tests.faultproxy import FaultProxy
from tests.hubkit import (
    configure_hall,
    hall_ids,
    hub_ids,
    hub_incidents,
    make_ratings,
    pending,
)

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]

RATINGS = 25
BATCH = 10


@pytest.fixture
def proxy(hub_url):
    p = FaultProxy(int(hub_url.rsplit(":", 1)[1]), hold_seconds=0.8)
    yield p
    p.close()


@pytest.fixture
def hall(app, proxy, hall_key):
    configure_hall(app, proxy.url, hall_key, SYNC_BATCH_SIZE=BATCH, SYNC_READ_TIMEOUT=0.4,
                   SYNC_CONNECT_TIMEOUT=0.4)
    make_ratings(app, RATINGS)
    return app


def drain_with_retries(app, now, rounds: int = 30) -> list:
    """Runs the worker as the daemon does with SYNC_IN_FLIGHT=2 (two batches in flight, so
    the faults meet parallel batches), and after a failure again at once (no backoff
    sleep): the clock is injected."""
    results = []
    with app.app_context():
        worker = Worker(db.engine, settings.load(app))
        try:
            for _ in range(rounds):
                r = drain(worker, clock=lambda: now, parallel=2)
                results.append(r)
                if not r.error and r.claimed == 0:
                    break
        finally:
            worker.close()
    return results


def assert_exactly_once(app, hub_app):
    assert hub_ids(hub_app) == hall_ids(app)
    assert pending(app) == 0
    assert hub_incidents(hub_app) == []  # a fault is not tampering


@pytest.mark.parametrize("mode", [
    "drop", "500_before", "500_after", "timeout", "reset_mid", "dup_first", "dup_second",
])
def test_fault_then_recovery(hall, hub_app, proxy, mode):
    proxy.plan = [mode, mode]  # the first two batches both meet the fault
    results = drain_with_retries(hall, utcnow())
    assert any(r.error for r in results) or mode == "dup_first"
    assert_exactly_once(hall, hub_app)


def test_hub_down_then_up(app, hub_app, hub_url, hall_key):
    from tests.conftest import free_port

    configure_hall(app, f"http://127.0.0.1:{free_port()}", hall_key, SYNC_BATCH_SIZE=BATCH,
                   SYNC_CONNECT_TIMEOUT=0.4)
    make_ratings(app, RATINGS)
    down = drain_with_retries(app, utcnow(), rounds=2)
    assert all(r.error for r in down) and pending(app) == RATINGS
    app.config["SYNC_URL"] = hub_url
    drain_with_retries(app, utcnow())
    assert_exactly_once(app, hub_app)


def test_late_delivery_of_a_held_batch(hall, hub_app, proxy):
    """A batch the network held back arrives after its retry and after later batches."""
    proxy.plan = ["hold"]
    drain_with_retries(hall, utcnow())
    assert hub_ids(hub_app) == hall_ids(hall)
    late = proxy.release_held()
    assert b'"duplicate":[' in late[0] and late[0].startswith(b"HTTP/1.1 200")
    assert_exactly_once(hall, hub_app)


def test_reordered_batches_sent_directly(app, hub_app, hub_url, hall_key):
    """Batches reach the hub in reverse order, then the daemon runs: still exactly once."""
    from kiosk.sync import store
    from kiosk.sync.client import HubClient
    from kiosk.sync.wire import encode_batch

    configure_hall(app, hub_url, hall_key)
    make_ratings(app, RATINGS)
    with app.app_context():
        now = utcnow()
        batches = []
        for _ in range(3):
            claimed = store.claim(db.engine, now, BATCH)
            batches.append(encode_batch(batch_id=str(len(batches)), hall_id="530102-WH",
                                        sent_at="", backlog={}, items=[(c.envelope_text, c.payload_text)
                                                                       for c in claimed]))
        client = HubClient(settings.load(app))
        for body in reversed(batches):
            client.send_batch(body)
        client.close()
        store.release_all_claims(db.engine)  # as a restarted daemon would
    drain_with_retries(app, now)
    assert_exactly_once(app, hub_app)


def test_expired_lease_is_claimed_again(hall, hub_app, proxy):
    """A daemon that died holding a claim: after the lease, another run sends the rows."""
    from kiosk.sync import store

    with hall.app_context():
        now = utcnow()
        assert len(store.claim(db.engine, now, 100)) == RATINGS
        assert store.claim(db.engine, now, 100) == []
    drain_with_retries(hall, now + LEASE + timedelta(seconds=1))
    assert_exactly_once(hall, hub_app)
