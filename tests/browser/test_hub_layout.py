"""The hub's pages for people at a desktop, a laptop and a phone, in both languages: no
control outside the viewport, none overlapping, no clipped text, never sideways scrolling
(scrolling down is fine); axe finds nothing serious; no request fails (favicon, styles) and
the console stays free of errors. KIOSK_SCREENSHOT_DIR=… keeps pictures."""
import itertools
import json
import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.auth.cli import create_user
from kiosk.extensions import db
from kiosk.models import HubIntegrityIncident
from kiosk.models.base import utcnow
from kiosk.ratings.service import record_rating
from kiosk.sync import settings
from kiosk.sync.worker import Worker, drain
from tests.browser.layout import layout_problems
from tests.browser.test_a11y import serious_violations
from tests.hubkit import (  # noqa: F401  (the hub fixtures)
    HALL_CODE,
    add_hall,
    configure_hall,
    hall_key,
    hub_app,
    hub_url,
    pg_url,
)

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.timeout(300)]
HUB_SIZES = {"1920x1080": {"width": 1920, "height": 1080},
             "1280x800": {"width": 1280, "height": 800},
             "390x844": {"width": 390, "height": 844}}
PAGES = {"overview": "/hub/", "hall": f"/hub/halls/{HALL_CODE}", "appeals": "/hub/appeals",
         "integrity": "/hub/integrity", "integrity-all": "/hub/integrity?show=all"}
PASSWORD = "correct horse battery staple"


@pytest.fixture
def hub_with_data(app, hub_app, hub_url, hall_key, monkeypatch):  # noqa: F811  (hubkit's)
    # Pages of 4 差评, so that the hall page shows its pager with these few.
    monkeypatch.setattr("kiosk.hub.drilldown.CASES_SHOWN", 4)
    configure_hall(app, hub_url, hall_key)
    with app.app_context():
        for days_ago, window, level in itertools.product(range(0, 12, 2), ("A01", "A02", "B01"),
                                                        (1, 2, 2, 3, 4)):
            record_rating(window_code=window, level=5 if days_ago == 4 and level == 4 else level,
                          channel="evaluator", source_ref=f"t:{uuid.uuid4()}",
                          reasons=["R02"] if level >= 4 else (),
                          rated_at=utcnow() - timedelta(days=days_ago, hours=1))
        worker = Worker(db.engine, settings.load(app))
        drain(worker)
        worker.close()
    add_hall(hub_app, "530103-XS", "西山区政务服务中心")
    with hub_app.app_context():
        create_user("supervisor", PASSWORD, "admin")
        for seq, reviewed in ((4, None), (9, utcnow())):  # one to review, one reviewed
            db.session.add(HubIntegrityIncident(
                hall_code=HALL_CODE, kind="gap", seq_from=seq, seq_to=seq + 1, count=1,
                detail="confirmed to the hall, never received", detected_at=utcnow(),
                reviewed_at=reviewed, reviewed_by=reviewed and "supervisor",
                review_note=reviewed and "大厅断电后恢复备份，已核实。"))
        db.session.commit()
    return hub_url


def test_hub_pages_fit_every_size(hub_with_data, browser):
    out = os.environ.get("KIOSK_SCREENSHOT_DIR")
    context = browser.new_context(viewport=HUB_SIZES["1920x1080"], locale="zh-CN",
                                  bypass_csp=True)
    page = context.new_page()
    failed: list[str] = []  # stylesheets, the favicon …: nothing a page asks for is missing
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.on("console", lambda m: m.type == "error" and failed.append(m.text))
    page.goto(f"{hub_with_data}/login")
    page.get_by_label("用户名").fill("supervisor")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/hub/")
    found: dict[str, list[str]] = {}
    for (size, viewport), (name, path), lang in itertools.product(
            HUB_SIZES.items(), PAGES.items(), ("zh_CN", "en")):
        page.set_viewport_size(viewport)
        joiner = "&" if "?" in path else "?"
        response = page.goto(f"{hub_with_data}{path}{joiner}lang={lang}")
        assert response.ok, f"{path}: {response.status}"
        problems = layout_problems(page, whole_screen=False)
        if size != "1280x800":  # the markup is the same; axe at the widest and narrowest
            problems += serious_violations(page)
        if problems:
            found[f"{size} {name} {lang}"] = problems
        if out:
            Path(out).mkdir(parents=True, exist_ok=True)
            shot = f"{out}/hub-{name}-{size}-{lang}"
            page.screenshot(path=f"{shot}.png", full_page=size != "390x844")
            if size == "390x844":  # a phone: one screen at the top, one at the first table
                page.locator("table").first.evaluate("e => e.scrollIntoView()")
                page.screenshot(path=f"{shot}-table.png")
    context.close()
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
    assert failed == []
