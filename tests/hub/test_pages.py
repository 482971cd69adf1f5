"""The hub's own pages: an overview across halls and one page per hall, with the hall's
definitions of every figure; the hall's pages answer 404 at the hub."""
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from kiosk.auth.cli import create_user
from kiosk.extensions import db
from kiosk.hub import trend
from kiosk.models import HubHall
from kiosk.models.base import utcnow
from kiosk.ratings.service import record_rating
from kiosk.stats import indicators
from kiosk.sync import settings
from kiosk.sync.worker import Worker, drain
from tests.hubkit import HALL_CODE, add_hall, configure_hall

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(90)]
PASSWORD = "correct horse battery staple"


def rate(app, level: int, window: str = "A01", days_ago: int = 0, **kw) -> None:
    with app.app_context():
        record_rating(window_code=window, level=level, channel="evaluator",
                      source_ref=f"t:{uuid.uuid4()}",
                      rated_at=utcnow() - timedelta(days=days_ago), **kw)


def sync(app) -> None:
    with app.app_context():
        worker = Worker(db.engine, settings.load(app))
        drain(worker)
        worker.close()


def signed_in(hub_app, role: str = "manager"):
    with hub_app.app_context():
        create_user(f"u-{role}", PASSWORD, role)
    hub_app.config["WTF_CSRF_ENABLED"] = False
    client = hub_app.test_client()
    r = client.post("/login", data={"username": f"u-{role}", "password": PASSWORD})
    assert r.status_code == 302
    return client


@pytest.fixture
def synced(app, hub_app, hub_url, hall_key):
    configure_hall(app, hub_url, hall_key)
    for level in (1, 2, 2, 5):
        rate(app, level)
    rate(app, 4, window="A02", reasons=["R01"])
    rate(app, 1, days_ago=3)
    sync(app)
    add_hall(hub_app, "530103-XS", "西山区政务服务中心")  # registered, never synced
    return app


def test_overview_figures_trend_and_silent_halls(synced, hub_app):
    page = signed_in(hub_app).get("/hub/").get_data(as_text=True)
    today = indicators.Ratio(3, 5).percent  # 1, 2, 2 good of 1, 2, 2, 5, 4
    month = indicators.Ratio(4, 6).percent
    assert f"满意率 {today:.2f}%" in page and f"满意率 {month:.2f}%" in page
    assert 'href="/hub/halls/530102-WH"' in page
    # The chart has every one of the 30 days, with a zero where nothing was rated.
    with hub_app.app_context():
        days = trend.daily(utcnow())
    assert len(days) == 30 and [p.total for p in days][-4:] == [1, 0, 0, 5]
    assert page.count("<rect") >= 30 and page.count("<circle") >= 2  # bars, rate points
    assert "近30日各大厅评价数量与满意率" in page
    # The hall that never synced is not heard from; the one that just did is.
    silent = page.split('id="silent-halls"', 1)[1].split("</div>", 1)[0]
    assert "西山区政务服务中心" in silent and "五华区" not in silent


def test_hall_page_windows_and_cases(synced, hub_app):
    client = signed_in(hub_app, "auditor")
    page = client.get(f"/hub/halls/{HALL_CODE}").get_data(as_text=True)
    a01 = page.split('data-window="A01"', 1)[1].split("</tr>", 1)[0]
    assert f"{indicators.Ratio(4, 5).percent:.2f}% (5)" in a01
    a02 = page.split('data-window="A02"', 1)[1].split("</tr>", 1)[0]
    assert f"{indicators.Ratio(0, 1).percent:.2f}% (1)" in a02
    cases = page.split('class="data hub-cases"', 1)[1]
    assert cases.count("data-case=") == 2
    assert "办事效率低、业务不熟练" in cases  # the reason's text, not its code
    english = client.get(f"/hub/halls/{HALL_CODE}?lang=en").get_data(as_text=True)
    assert "Slow service, unfamiliar with the procedure" in english
    assert client.get("/hub/halls/NO-SUCH-HALL").status_code == 404


def test_hub_menu_and_no_hall_pages_at_the_hub(hub_app):
    client = signed_in(hub_app, "admin")
    page = client.get("/hub/").get_data(as_text=True)
    nav = page.split("<nav", 1)[1].split("</nav>", 1)[0]
    assert 'href="/hub/"' in nav and 'href="/hub/appeals"' in nav and 'href="/admin/users"' in nav
    assert "/admin/windows" not in nav and "/admin/stats" not in nav
    for path in ("/admin/", "/admin/windows", "/admin/stats", "/admin/cases", "/touch/A01",
                 "/display", "/m/", "/admin/settings", "/w/A01"):
        assert client.get(path).status_code == 404, path
    assert client.post("/api/v1/invitations", json={}).status_code == 404
    hub_app.config["WTF_CSRF_ENABLED"] = True  # the users page renders its forms' tokens
    users = client.get("/admin/users")
    assert users.status_code == 200
    assert "/admin/windows" not in users.get_data(as_text=True)  # the hub's menu there too
    assert client.get("/favicon.ico", follow_redirects=True).status_code == 200
    assert client.get("/home").headers["Location"].endswith("/hub/")


def test_hall_pages_stay_at_a_hall(client):
    assert client.get("/admin/").status_code == 302  # to the login, as before
    assert client.get("/touch/A01").status_code == 200


def hub_backlog(hub_app, code: str = HALL_CODE) -> tuple:
    with hub_app.app_context():
        h = db.session.scalar(sa.select(HubHall).where(HubHall.code == code))
        db.session.remove()
        return h.reported_backlog, h.reported_dead, h.reported_oldest_at


def status_backlog(app) -> tuple[int, int, str]:
    """(backlog, dead letters, oldest unsynced) as the hall's `flask sync status` prints them."""
    out = app.test_cli_runner().invoke(args=["sync", "status"]).output
    field = {line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in out.splitlines()
             if ":" in line}
    return int(field["backlog"]), int(field["dead letters"]), field["oldest unsynced"]


def test_the_hubs_hall_backlog_is_the_halls_sync_status(app, hub_app, hub_url, hall_key):
    configure_hall(app, hub_url, hall_key, SYNC_BATCH_SIZE=10)
    for level in [1, 2, 3] * 8 + [5]:
        rate(app, level)
    with app.app_context():
        worker = Worker(db.engine, settings.load(app))
        now = utcnow()
        seen = []
        for _ in range(4):  # batch by batch: after each, both say what is left
            result = worker.run_once(now)
            backlog, dead, oldest = status_backlog(app)
            assert hub_backlog(hub_app)[:2] == (backlog, dead)
            assert oldest.startswith("-") == (hub_backlog(hub_app)[2] is None)
            seen.append(backlog)
            if not result.more:
                break
        assert seen[0] > seen[1] > 0 and seen[-1] == 0, seen
        # A record the hub rejects becomes a dead letter: the idle report says so.
        rate(app, 2)
        db.session.execute(sa.text("UPDATE outbox SET payload = replace(payload, :a, :b) "
                                   "WHERE sent_at IS NULL"),
                           {"a": '"level":2', "b": '"level":9'})
        db.session.commit()
        worker.run_once(now)
        worker.run_once(now)  # idle: reports the dead letter
        assert status_backlog(app)[:2] == (0, 1)
        assert hub_backlog(hub_app)[:2] == (0, 1)
        worker.close()


def test_every_case_of_a_hall_is_on_one_of_its_pages(app, hub_app, hub_url, hall_key):
    from kiosk.hub.drilldown import CASES_SHOWN

    configure_hall(app, hub_url, hall_key)
    for i in range(CASES_SHOWN + 30):
        rate(app, 5 if i % 2 else 4, days_ago=i % 20)
    rate(app, 1)  # satisfied: not a case
    sync(app)
    client = signed_in(hub_app)
    seen = []
    for page in (1, 2):
        html = client.get(f"/hub/halls/{HALL_CODE}?page={page}").get_data(as_text=True)
        assert f"第 {page} / 2 页" in html and f"共 {CASES_SHOWN + 30} 条" in html
        seen += [part.split('"', 1)[0] for part in html.split('data-case="')[1:]]
    assert len(seen) == len(set(seen)) == CASES_SHOWN + 30  # none twice, none left out
    last = client.get(f"/hub/halls/{HALL_CODE}?page=99").get_data(as_text=True)
    assert "第 2 / 2 页" in last and "下一页" not in last  # past the end: the last page
    english = client.get(f"/hub/halls/{HALL_CODE}?page=1&lang=en").get_data(as_text=True)
    assert "Page 1 of 2" in english and "Next" in english
