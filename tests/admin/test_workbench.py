"""The manager's workbench (/admin/): today's figures by the indicators' definitions, the
30-day trend, window states from the device health rows and window states, the 差评 that
need handling (overdue first), each tile a link — and a handler sees their department only."""
import re
from datetime import timedelta

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import Device, User, Window
from kiosk.models.base import utcnow
from kiosk.ratings.service import record_rating
from kiosk.stats import indicators
from tests.cases.helpers import login
from tests.stats import dataset


def _num(html: str, ident: str) -> str:
    found = re.search(rf'id="{ident}"[^>]*>([^<]*)<', html)
    assert found, ident
    return found.group(1).strip()


def _pct(part, whole) -> str:
    return f"{indicators.Ratio(part, whole).percent:.2f}%"


def test_manager_sees_the_hall_today_and_what_needs_handling(app):
    data = dataset.build(app)
    with app.app_context():
        windows = {w.code: w for w in db.session.scalars(sa.select(Window))}
        windows["B01"].paused, windows["B01"].pause_reason = True, "培训"
        db.session.add_all([
            Device(window_id=windows["A02"].id, protocol="evp", port="/dev/ttyS9", address=1,
                   online=False),
            Device(window_id=windows["A01"].id, protocol="evp", port="/dev/ttyS9", address=2,
                   online=True, last_seen=utcnow()),
        ])
        db.session.commit()
        # A serving window whose last rating is from yesterday: quiet for hours.
        record_rating(window_code="A03", level=1, channel="touch",
                      rated_at=utcnow() - timedelta(hours=30))
    html = login(app, "mgr").get("/admin/").get_data(as_text=True)

    # Figures from tests/stats/dataset.py, worked out by hand there.
    assert _num(html, "ratings-today") == "11"
    assert _num(html, "satisfaction-today") == _pct(8, 11)
    assert (_num(html, "open-cases"), _num(html, "overdue-cases")) == ("2", "1")
    assert (_num(html, "devices-offline"), _num(html, "windows-paused")) == ("1", "1")

    # Each tile is a link to the page it summarises.
    for target in (f"/admin/stats?from={data.today}&amp;to={data.today}",
                   "/admin/cases?overdue=1", "/admin/devices", "/admin/windows"):
        assert f'href="{target}"' in html
    # The overdue case comes first among the cases to handle, with its deadline.
    cases = html[html.index('id="bench-cases"'):]
    first = cases[:cases.index("</li>")]
    assert "已逾期" in first and "整改期限" in first and "年" in first
    # Window states: paused with its reason, an offline evaluator, a quiet window.
    rows = {code: html[html.index(f'id="window-{code}"'):] for code in ("A01", "A02", "A03",
                                                                        "B01")}
    assert "暂停服务" in rows["B01"][:600] and "培训" in rows["B01"][:600]
    assert "离线 1 / 1" in rows["A02"][:900]
    assert "在线" in rows["A01"][:900]
    assert re.search(r"(2[4-9]|30) 小时无评价", rows["A03"][:900])
    # The 30-day trend: a bar per day, the satisfaction line's dot for today.
    assert html.count('<rect x=') >= 30 and "<circle" in html


def test_handler_sees_their_department_only(app):
    data = dataset.build(app)
    with app.app_context():
        db.session.scalars(sa.select(User).where(User.username == "h1")).one().department_id = \
            data.police
        db.session.commit()
    html = login(app, "h1").get("/admin/").get_data(as_text=True)
    # 公安: A02's four ratings and the 事项 served at A01 (dataset.py): 5 ratings, 3 good.
    assert _num(html, "ratings-today") == "5"
    assert _num(html, "satisfaction-today") == _pct(3, 5)
    assert 'id="window-A02"' in html and 'id="window-A01"' not in html
    assert "本部门数据" in html


def test_handler_without_department_sees_no_figures(app):
    dataset.build(app)
    with app.app_context():
        db.session.scalars(sa.select(User).where(User.username == "h2")).one().department_id = None
        db.session.commit()
    html = login(app, "h2").get("/admin/").get_data(as_text=True)
    assert 'id="ratings-today"' not in html and 'id="window-states"' not in html
    assert "尚未关联部门" in html


def test_workbench_in_english(app):
    dataset.build(app)
    html = login(app, "mgr").get("/admin/?lang=en").get_data(as_text=True)
    assert "Workbench" in html and "Same day last week" in html and "Windows now" in html
    assert "工作台" not in html
