"""Screenshots into screenshots/ (git-ignored): every step of the window terminal at the four
terminal sizes (1080×1920, 1920×1080, 1280×800, 800×1280) in both languages and both modes,
every public page at kiosk (1080×1920) and phone (390×844) sizes plus the wall screen, and
the manager's pages (workbench, statistics, rankings, case list and case page) at the admin
sizes (1920×1080, 1366×768, 1280×800, 390×844) in both languages, and the hub's pages
(overview, one hall, integrity, appeals) fed by the demo hall's sync. A throwaway demo hall
with five weeks of history and a morning of ratings is served by waitress on loopback;
Debian's chromium takes the pictures.

    .venv/bin/python scripts/screenshots.py [--out screenshots] [--only terminal|public|admin]
"""
import argparse
import itertools
import logging
import random
import sys
import tempfile
import threading
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402
from uuid6 import uuid7  # noqa: E402
from waitress.server import create_server  # noqa: E402

from kiosk import create_app  # noqa: E402
from kiosk.extensions import db  # noqa: E402
from kiosk.invitations.service import create_invitation  # noqa: E402
from kiosk.models import Rating, Window  # noqa: E402
from kiosk.seed import seed_demo  # noqa: E402
from kiosk.timeutil import HALL_TZ, to_utc  # noqa: E402
from tests.browser.layout import (  # noqa: E402
    ADMIN_SIZES,
    TERMINAL_SIZES,
    add_admin_demo,
    admin_pages,
    log_in,
    walk_terminal,
)

CHROMIUM = "/usr/bin/chromium"
ADMIN_PASSWORD = "Screenshots-only-1"
SIZES = {
    "kiosk": {"width": 1080, "height": 1920},
    "phone": {"width": 390, "height": 844},
    "wall": {"width": 1920, "height": 1080},
}


def demo_app(instance: Path):
    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "screenshots",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'hall.db'}",
                      "KIOSK_IDLE_SECONDS": 120})
    with app.app_context():
        db.create_all()
        seed_demo()
        add_week_of_ratings()
        app.config["SHOT_CASE_ID"] = add_admin_demo(password=ADMIN_PASSWORD, weeks=5)
    return app


def add_week_of_ratings(seed: int = 8):
    """A plausible week: mostly good, a few 差评, more on some windows than others."""
    rnd = random.Random(seed)
    now = datetime.now(HALL_TZ).replace(tzinfo=None)
    windows = db.session.query(Window).order_by(Window.code).all()
    for days_ago in range(7):
        for w_index, window in enumerate(windows):
            for _ in range(rnd.randint(0, 12 - w_index)):
                when = now - timedelta(days=days_ago, minutes=rnd.randint(1, 480))
                level = rnd.choices([1, 2, 3, 4, 5], weights=[60, 25, 8, 5, 2])[0]
                if window.scale == 3:
                    level = min(max(level, 2), 4)
                db.session.add(Rating(id=uuid7(), level=level, scale=window.scale,
                                      channel="touch", window_id=window.id,
                                      rated_at=to_utc(when)))
    db.session.commit()


def serve(app) -> tuple[str, object]:
    server = create_server(app, host="127.0.0.1", port=0, threads=4, asyncore_use_poll=True)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}", server


def invite(app, case_no: str, window: str = "A01"):
    with app.app_context():
        create_invitation(window_code=window, case_no=case_no)


def public_paths(app) -> dict[str, str]:
    """The mobile pages and the query page, when their blueprint is installed."""
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    wanted = {"mobile-hall": "/m/", "mobile-window": "/m/w/A01", "query": "/q"}
    return {name: path for name, path in wanted.items()
            if path in rules or path.replace("A01", "<code>") in rules}


def shoot_terminal(app, base, browser, out: Path):
    """Every step of the window terminal at every terminal size, both languages, both modes:
    terminal-<size>-<lang>-<normal|elderly>-<step>.png."""
    context = browser.new_context(viewport=TERMINAL_SIZES["1080x1920"], locale="zh-CN",
                                  has_touch=True)
    page = context.new_page()
    cases = itertools.count(1)
    for size, viewport in TERMINAL_SIZES.items():
        page.set_viewport_size(viewport)
        for lang, elderly in itertools.product(("zh_CN", "en"), (False, True)):
            name = f"terminal-{size}-{lang}-{'elderly' if elderly else 'normal'}"
            walk_terminal(page, base, lang, elderly,
                          lambda: invite(app, f"SHOT-{next(cases):03d}"),
                          lambda step, name=name: page.screenshot(path=out / f"{name}-{step}.png"))
    context.close()


def shoot_admin(app, base, browser, out: Path):
    """The manager's pages at every admin size in both languages, the whole page:
    admin-<page>-<size>[-en].png."""
    context = browser.new_context(viewport=ADMIN_SIZES["1920x1080"], locale="zh-CN")
    page = context.new_page()
    log_in(page, base, "manager", ADMIN_PASSWORD)
    for size, viewport in ADMIN_SIZES.items():
        page.set_viewport_size(viewport)
        today = datetime.now(HALL_TZ).date()
        pages = admin_pages(app.config["SHOT_CASE_ID"], today)
        for (name, path), lang in itertools.product(pages.items(), ("zh_CN", "en")):
            sep = "&" if "?" in path else "?"
            page.goto(f"{base}{path}{sep}lang={lang}")
            suffix = "" if lang == "zh_CN" else "-en"
            page.screenshot(path=out / f"admin-{name}-{size}{suffix}.png", full_page=True)
    context.close()


HUB_SIZES = {"1920x1080": {"width": 1920, "height": 1080},
             "1280x800": {"width": 1280, "height": 800}, "390x844": {"width": 390, "height": 844}}


def hub_app(hall_app, instance: Path):
    """A demo hub (SQLite, as make run's) holding what the demo hall's sync daemon sent."""
    from kiosk.auth.cli import create_user
    from kiosk.hub import keys
    from kiosk.models import HubHall, ReasonTemplate
    from kiosk.models.reasons import SEED_REASONS
    from kiosk.sync import settings
    from kiosk.sync.worker import Worker, drain

    instance.mkdir()
    hub = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "screenshots", "ROLE": "hub",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'hub.db'}"})
    with hub.app_context():
        db.create_all()
        db.session.add(ReasonTemplate(version=1, items=SEED_REASONS))
        key = keys.new_hall_key()
        for code, name in (("530102-WH", "五华区政务服务中心"), ("530103-XS", "西山区政务服务中心")):
            db.session.add(HubHall(code=code, name=name, settings={},
                                   key_sealed=keys.seal_hall_key(code, key)))
        db.session.commit()
        create_user("supervisor", ADMIN_PASSWORD, "admin")
    base, server = serve(hub)
    settings.configure(Path(hall_app.instance_path), base, "530102-WH", key)
    hall_app.config.update({"SYNC_URL": base, "SYNC_HALL_ID": "530102-WH",
                            "SYNC_KEY_FILE": str(settings.key_file(hall_app))})
    with hall_app.app_context():
        worker = Worker(db.engine, settings.load(hall_app))
        drain(worker)
        worker.close()
    return base, server


def shoot_hub(hall_app, browser, out: Path, instance: Path):
    """The hub's pages at a desktop, a laptop and a phone, both languages:
    hub-<page>-<size>[-en].png."""
    base, server = hub_app(hall_app, instance)
    context = browser.new_context(viewport=HUB_SIZES["1920x1080"], locale="zh-CN")
    page = context.new_page()
    log_in(page, base, "supervisor", ADMIN_PASSWORD)
    pages = {"overview": "/hub/", "hall": "/hub/halls/530102-WH", "integrity": "/hub/integrity",
             "appeals": "/hub/appeals"}
    for (size, viewport), (name, path), lang in itertools.product(
            HUB_SIZES.items(), pages.items(), ("zh_CN", "en")):
        page.set_viewport_size(viewport)
        page.goto(f"{base}{path}?lang={lang}")
        suffix = "" if lang == "zh_CN" else "-en"
        page.screenshot(path=out / f"hub-{name}-{size}{suffix}.png", full_page=True)
    context.close()
    server.close()


def main() -> None:
    logging.getLogger("waitress").setLevel(logging.ERROR)  # "task queue depth" chatter
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    parser.add_argument("--only", choices=("terminal", "public", "admin", "hub"))
    args = parser.parse_args()
    out, only = Path(args.out), args.only
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = demo_app(Path(tmp))
        base, server = serve(app)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM,
                                        args=["--no-sandbox", "--disable-gpu"])
            if only in (None, "terminal"):
                shoot_terminal(app, base, browser, out)
            if only in (None, "admin"):
                shoot_admin(app, base, browser, out)
            if only in (None, "hub"):
                shoot_hub(app, browser, out, Path(tmp) / "hub")
            for size in ("wall", "kiosk", "phone") if only in (None, "public") else ():
                context = browser.new_context(viewport=SIZES[size], locale="zh-CN",
                                              is_mobile=size == "phone", has_touch=size != "wall")
                page = context.new_page()
                pages = {"display": "/display", **public_paths(app)}
                for name, path in pages.items():
                    if size == "wall" and name != "display":
                        continue
                    for lang in ("zh_CN", "en"):
                        page.goto(f"{base}{path}?lang={lang}")
                        if name == "display":
                            expect(page.locator("#window-rows tr")).to_have_count(8)
                        suffix = "" if lang == "zh_CN" else "-en"
                        page.screenshot(path=out / f"{name}-{size}{suffix}.png", full_page=True)
                if size == "phone":
                    page.goto(f"{base}/touch/A01?lang=zh_CN")
                    page.screenshot(path=out / "kiosk-idle-phone.png")
                context.close()
            browser.close()
        server.close()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
