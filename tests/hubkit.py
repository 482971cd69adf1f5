"""Fixtures for the sync and hub tests: a hub on real PostgreSQL (a schema of its own),
served by waitress on loopback, and a hall configured to sync to it.

PostgreSQL unreachable is an error, never a skip: these tests prove the production path.
"""
import contextlib
import json
import secrets
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from waitress.server import create_server

from kiosk import close_app, create_app
from kiosk.extensions import db
from kiosk.hub import keys
from kiosk.integrity.chain import Link, digest, envelope
from kiosk.models import HubHall, HubIntegrityIncident, HubRating, OutboxEntry, ReasonTemplate
from kiosk.models.reasons import SEED_REASONS
from kiosk.ratings.service import record_rating
from kiosk.sync import settings
from tests.conftest import free_port, stop_server

PG_DSN = "postgresql://postgres@127.0.0.1:5432/test"
HALL_CODE = "530102-WH"
CITY = "CITY-KM"  # a city hub between the hall and the province (hub_app)


@contextlib.contextmanager
def pg_schema():
    """A database URL whose tables live in a fresh schema, dropped afterwards."""
    schema = "t_" + secrets.token_hex(6)
    with psycopg.connect(PG_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def pg_url():
    with pg_schema() as url:
        yield url


@contextlib.contextmanager
def hub(instance: Path, url: str, **config):
    """A hub app on `url`, its tables made and the reason catalogue seeded."""
    app = create_app({
        "TESTING": True, "ROLE": "hub", "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16), **config,
    })
    with app.app_context():
        db.create_all()
        db.session.add(ReasonTemplate(version=1, items=SEED_REASONS))
        db.session.commit()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
        close_app(app)


@pytest.fixture
def hub_app(tmp_path, pg_url):
    with hub(tmp_path / "hub", pg_url) as app:
        yield app


def add_hall(hub_app, code: str = HALL_CODE, name: str = "五华区政务服务中心", **kw) -> str:
    with hub_app.app_context():
        key = keys.new_hall_key()
        db.session.add(HubHall(code=code, name=name, key_sealed=keys.seal_hall_key(code, key),
                               settings={}, **kw))
        db.session.commit()
    return key


@pytest.fixture
def hall_key(hub_app) -> str:
    return add_hall(hub_app)


def serve(app):
    port = free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=4, asyncore_use_poll=True,
                           # its loop notices close() within this, not 1 s
                           asyncore_loop_timeout=0.05)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture
def hub_url(hub_app):
    server, thread, url = serve(hub_app)
    yield url
    stop_server(server, thread)


def configure_hall(app, url: str, key: str, **extra) -> None:
    settings.configure(Path(app.instance_path), url, HALL_CODE, key)
    app.config.update({"SYNC_URL": url, "SYNC_HALL_ID": HALL_CODE,
                       "SYNC_KEY_FILE": str(settings.key_file(app)), **extra})


def make_ratings(app, n: int, level: int = 2) -> list[str]:
    with app.app_context():
        return [str(record_rating(window_code="A01", level=level, channel="evaluator",
                                  source_ref=f"t:{uuid.uuid4()}").rating.id)
                for _ in range(n)]


def hall_ids(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(
            sa.select(OutboxEntry.record_id).where(OutboxEntry.kind == "rating")))


def hub_ids(hub_app) -> list[str]:
    """Every stored id, duplicates kept: a list, so "none twice" is checked too."""
    with hub_app.app_context():
        ids = sorted(str(i) for i in db.session.scalars(sa.select(HubRating.id)))
        db.session.remove()
        return ids


def pending(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEntry)
                                 .where(OutboxEntry.sent_at.is_(None)))


def hub_incidents(hub_app) -> list[tuple]:
    """(hall, kind, first seq, last seq) of every integrity incident at the hub."""
    with hub_app.app_context():
        i = HubIntegrityIncident
        rows = db.session.execute(sa.select(i.hall_code, i.kind, i.seq_from, i.seq_to)
                                  .order_by(i.id)).all()
        db.session.remove()
        return [tuple(r) for r in rows]


def wire_items(app, seqs=None) -> list[tuple[str | None, str]]:
    """(envelope, record text) of the hall's linked outbox rows in seq order, byte for byte
    as the daemon sends them where each record carries its link (encode_batch's items);
    only `seqs` if given."""
    o = OutboxEntry.__table__
    with app.app_context():
        rows = db.session.execute(sa.select(o.c.seq, o.c.envelope, sa.cast(o.c.payload, sa.Text))
                                  .where(o.c.seq.is_not(None)).order_by(o.c.seq)).all()
        db.session.remove()
    return [(env, text) for seq, env, text in rows if seqs is None or seq in seqs]


def relink(text: str, seq: int, prev: str) -> tuple[str, str]:
    """A record text with a link made for it, as someone holding the file could forge one:
    (envelope, text)."""
    link = Link(seq, prev, digest(prev, text.encode()))
    return json.dumps(envelope(link)), text


@pytest.fixture
def city(app, hub_app, hub_url, tmp_path):
    """The city hub on a PostgreSQL schema of its own, forwarding to the province
    (hub_app), serving the hall (app)."""
    province_key = add_hall(hub_app, CITY, "昆明市", may_forward=True, forwards_for=[HALL_CODE])
    (tmp_path / "city_key").write_text(province_key)
    with pg_schema() as url, hub(tmp_path / "city", url, SYNC_URL=hub_url, SYNC_HALL_ID=CITY,
                                 SYNC_KEY_FILE=str(tmp_path / "city_key"),
                                 SYNC_BATCH_SIZE=3) as city_app:
        server, thread, city_url = serve(city_app)
        configure_hall(app, city_url, add_hall(city_app))
        try:
            yield city_app
        finally:
            stop_server(server, thread)
