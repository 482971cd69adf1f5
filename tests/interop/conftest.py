"""Fixtures for the interop tests: the demo hall, the three reference receivers on loopback,
and helpers that configure UPSTREAMS and make invited ratings."""
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.extensions import db
from kiosk.invitations.service import create_invitation
from kiosk.models.base import utcnow
from kiosk.ratings.service import record_rating
from kiosk.sync.profile_worker import ProfileWorker
from kiosk.sync.upstreams import load_one
from tests.hubkit import hall_key, hub_app, hub_url, pg_url  # noqa: F401  (hub fixtures)
from tests.interop.receivers.anhui import AnhuiReceiver
from tests.interop.receivers.fujian import FujianReceiver
from tests.interop.receivers.national import NationalReceiver
from tests.interop.receivers.zhejiang import ZhejiangReceiver

NATIONAL_KEY = "national-test-key-0123456789"
ZHEJIANG_SECRET = "zj-app-secret-abcdef"
FUJIAN_SM4_HEX = "0123456789abcdeffedcba9876543210"
ANHUI_SECRET = "ah-app-secret-123456"
ANHUI_SOURCE = "HALL530102"
SERVICE = "530102001000"
STAFF = "YN0101"


@pytest.fixture
def national():
    r = NationalReceiver("530102-WH", NATIONAL_KEY.encode())
    yield r
    r.close()


@pytest.fixture
def zhejiang():
    r = ZhejiangReceiver("hall-530102", ZHEJIANG_SECRET.encode())
    yield r
    r.close()


@pytest.fixture
def fujian():
    r = FujianReceiver("FJ-530102", bytes.fromhex(FUJIAN_SM4_HEX))
    yield r
    r.close()


@pytest.fixture
def anhui():
    r = AnhuiReceiver("ah-530102", ANHUI_SECRET.encode(), ANHUI_SOURCE)
    yield r
    r.close()


def write_key(app, name: str, text: str) -> str:
    path = Path(app.instance_path) / f"{name}_key"
    path.write_text(text + "\n")
    return path.name  # relative to the instance folder, as in config.json


def entry_for(app, name: str, receiver, key: str | None = None, **extra) -> dict:
    """An UPSTREAMS entry pointing at a reference receiver."""
    profile = {NationalReceiver: "national", ZhejiangReceiver: "zhejiang",
               FujianReceiver: "fujian", AnhuiReceiver: "anhui"}[type(receiver)]
    default_key = {"national": NATIONAL_KEY, "zhejiang": ZHEJIANG_SECRET,
                   "fujian": FUJIAN_SM4_HEX, "anhui": ANHUI_SECRET}[profile]
    app_id = {"national": "530102-WH", "zhejiang": "hall-530102", "fujian": "FJ-530102",
              "anhui": "ah-530102"}[profile]
    options = {"anhui": {"source": ANHUI_SOURCE}}.get(profile)
    entry = {"name": name, "profile": profile, "url": receiver.url, "app_id": app_id,
             "app_key_file": write_key(app, name, key or default_key),
             "connect_timeout": 0.5, "read_timeout": 2.0}
    if options:
        entry["options"] = options
    return {**entry, **extra}


def worker_for(app, entry: dict) -> ProfileWorker:
    with app.app_context():
        return ProfileWorker(db.engine, load_one(app, entry))


def invited_rating(app, level: int = 1, channel: str = "evaluator", window: str = "A01",
                   rated_offset: timedelta = timedelta(seconds=5), **kw) -> tuple[str, str]:
    """An invitation for a fresh case, rated `rated_offset` after it. Returns (id, case_no)."""
    case_no = f"ZW{uuid.uuid4().hex[:12].upper()}"
    with app.app_context():
        inv = create_invitation(window_code=window, case_no=case_no, service_code=SERVICE,
                                staff_no=STAFF).invitation
        rating = record_rating(window_code=window, level=level, channel=channel,
                               invitation_id=inv.id, rated_at=inv.invited_at + rated_offset,
                               **kw).rating
    return str(rating.id), case_no


def later(seconds: float = 0):
    return utcnow() + timedelta(seconds=seconds)
