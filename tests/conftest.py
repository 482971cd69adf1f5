"""Shared fixtures: a real SQLite instance in a temporary folder, seeded as the demo hall."""
import gc
import secrets
import socket
import threading

import pytest
import sqlalchemy as sa
from waitress import wasyncore
from waitress.server import create_server

from kiosk import close_app, create_app
from kiosk.extensions import db
from kiosk.models import ApiToken
from kiosk.models.tokens import hash_token
from kiosk.ratings.committer import GroupCommitter
from kiosk.seed import seed_demo


def pytest_collection_finish(session):
    """What is alive once every test module is imported lives for the whole run: frozen,
    the collector no longer walks it, so each close_app()'s gc.collect() (one per app a
    test makes) looks only at what the tests made since, not at some 230,000 objects of
    the libraries, which cost 0.1–0.4 s a time."""
    gc.collect()
    gc.freeze()


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hall.db'}",
            "SECRET_KEY": secrets.token_hex(16),
        }
    )
    with app.app_context():
        db.create_all()
        seed_demo()
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api_headers(app):
    token = secrets.token_urlsafe(32)
    with app.app_context():
        db.session.add(ApiToken(name="test-business-system", token_hash=hash_token(token)))
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def closes():
    """closes(app) gives the app back and closes it (close_app) when the test ends: for
    apps a test makes itself, so their files are not left open for the tests after."""
    apps = []

    def keep(app):
        apps.append(app)
        return app

    yield keep
    for app in apps:
        close_app(app)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(app):
    """The app served by a real waitress on loopback, in a background thread. poll(), not
    select(): a long test run holds over 1024 descriptors, beyond which select() fails."""
    port = free_port()
    # Touchscreens' held state requests may take 2 of the 4 threads (kiosk.serve gives them
    # threads of their own); a closed page's request stays held until its state changes.
    app.config["KIOSK_STATE_WAITERS"] = 2
    server = create_server(app, host="127.0.0.1", port=port, threads=4, asyncore_use_poll=True,
                           # its loop notices close() within this, not 1 s
                           asyncore_loop_timeout=0.05)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    stop_server(server, thread)


def stop_server(server, thread) -> None:
    """Stops a waitress server run in `thread`: its listening socket, its open connections
    (a held state request or a client's keep-alive keeps one: the loop ends with them) and
    its worker threads, which close() leaves waiting for work for the rest of the run,
    keeping the server and its app alive for every later gc.collect() to walk."""
    server.close()
    wasyncore.close_all(server._map)
    thread.join(timeout=5)
    server.task_dispatcher.set_thread_count(0)  # each ends when idle; nothing waits here


@pytest.fixture
def committer(app):
    """A group committer on the test app's file, with a table `probe (n)` to write to."""
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE probe (n INTEGER PRIMARY KEY)"))
        committer = GroupCommitter(db.engine)
        yield committer
        committer.close()
