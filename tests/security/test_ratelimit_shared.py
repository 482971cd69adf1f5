"""The one rate limiter counts across worker processes, check and count in one step: of
many parallel attempts from several processes exactly the limit gets through."""
import multiprocessing
import secrets

import pytest
from limits import parse
from limits.strategies import FixedWindowRateLimiter

from kiosk import create_app
from kiosk.extensions import db
from kiosk.ratelimit import SQLiteStorage
from kiosk.seed import seed_demo

pytestmark = pytest.mark.timeout(120)
LIMIT = 30


def _attempts(uri: str, n: int, start, results) -> None:
    limiter = FixedWindowRateLimiter(SQLiteStorage(uri))
    item = parse(f"{LIMIT} per hour")
    start.wait()
    results.put(sum(limiter.hit(item, "uninvited_window", "A01") for _ in range(n)))


def test_processes_share_one_atomic_count(tmp_path):
    uri = f"kiosk+sqlite://{tmp_path / 'ratelimit.db'}"
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=_attempts, args=(uri, 20, start, results)) for _ in range(4)]
    for w in workers:
        w.start()
    start.set()
    allowed = sum(results.get(timeout=90) for _ in workers)
    for w in workers:
        w.join(timeout=30)
    assert allowed == LIMIT  # 80 attempts, the first release let 31 of 30 through


def test_counters_live_outside_the_hall_database_and_private(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": secrets.token_hex(8),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hall.db'}"})
    with app.app_context():
        db.create_all()
        seed_demo()
    counters = tmp_path / "ratelimit.db"
    assert counters.exists() and oct(counters.stat().st_mode & 0o777) == "0o600"
    with app.app_context():
        assert "rate_limit_hit" not in db.inspect(db.engine).get_table_names()
