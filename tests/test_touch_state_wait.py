"""The touchscreen's state request with ?after=<version>: it waits for a change, answers as
soon as another process commits one, and never holds more requests than it has places for."""
import sqlite3
import threading
import time

import pytest

pytestmark = pytest.mark.timeout(60)


def held_state(app, window, after):
    """GETs the state in a thread of its own; returns (thread, answer dict, timings)."""
    out = {}

    def run():
        started = time.monotonic()
        r = app.test_client().get(f"/touch/{window}/state?after={after}")
        out["seconds"] = time.monotonic() - started
        out["state"] = r.get_json()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def invite_from_another_process(app, window, case_no):
    """As the business API or the CLI of another process would: its own connection."""
    con = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    with con:
        window_id = con.execute("SELECT id FROM window WHERE code = ?", (window,)).fetchone()[0]
        con.execute(
            "INSERT INTO invitation (case_no, window_id, invited_at, screen_until, expires_at,"
            " status) VALUES (?, ?, datetime('now'), datetime('now', '+2 minutes'),"
            " datetime('now', '+7 days'), 'pending')", (case_no, window_id))
    con.close()


def test_a_waiting_screen_is_answered_when_an_invitation_is_committed(app, client):
    app.config["KIOSK_STATE_HOLD_SECONDS"] = 20
    first = client.get("/touch/A01/state").get_json()
    assert first["invitation"] is None and first["version"]

    thread, out = held_state(app, "A01", first["version"])
    time.sleep(0.5)
    assert thread.is_alive()  # nothing changed: still waiting
    invite_from_another_process(app, "A01", "WAIT-0001")
    thread.join(10)
    assert not thread.is_alive()
    assert out["state"]["invitation"]["case_no"] == "WAIT-0001"
    assert out["state"]["version"] != first["version"] and out["state"]["csrf_token"]
    assert out["seconds"] < 5  # woken by the commit, not by the 20 s hold running out


def test_a_change_at_another_window_does_not_answer_this_one(app, client):
    app.config["KIOSK_STATE_HOLD_SECONDS"] = 1.5
    version = client.get("/touch/A01/state").get_json()["version"]
    thread, out = held_state(app, "A01", version)
    time.sleep(0.3)
    invite_from_another_process(app, "A02", "WAIT-0002")
    thread.join(10)
    assert out["state"]["invitation"] is None and out["state"]["version"] == version
    assert out["seconds"] >= 1.4  # held for the whole hold time


def test_an_outdated_version_is_answered_at_once(app, client):
    app.config["KIOSK_STATE_HOLD_SECONDS"] = 20
    started = time.monotonic()
    state = client.get("/touch/A01/state?after=0000000000000000").get_json()
    assert time.monotonic() - started < 5 and state["window"] == "A01"


def test_with_every_waiting_place_taken_the_state_is_answered_at_once(app, client):
    app.config["KIOSK_STATE_HOLD_SECONDS"] = 3
    app.config["KIOSK_STATE_WAITERS"] = 1
    version = client.get("/touch/A01/state").get_json()["version"]
    thread, out = held_state(app, "A01", version)  # takes the one place
    time.sleep(0.3)
    started = time.monotonic()
    assert client.get(f"/touch/A01/state?after={version}").get_json()["version"] == version
    assert time.monotonic() - started < 1.5
    thread.join(10)
    assert out["seconds"] >= 2.9


def test_the_page_brings_the_session_its_scripts_share(app, client):
    """touch.js and clerk.js start at once: had their first requests made the session, each
    could get a token for its own, and a held state request keeps the stale one."""
    page = client.get("/touch/A01")
    assert page.status_code == 200 and "session=" in page.headers.get("Set-Cookie", "")
    token = client.get("/touch/A01/state").get_json()["csrf_token"]
    clerk_token = client.get("/touch/A01/clerk").get_json()["csrf_token"]
    for t in (token, clerk_token):  # both belong to the page's session
        r = client.post("/touch/A01/rate", json={"level": 1}, headers={"X-CSRFToken": t})
        assert r.status_code != 400 or r.get_json()["error"] != "csrf"
