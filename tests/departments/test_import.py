"""Import of departments and the 事项清单 from a hall's CSV/XLSX: bad input is refused whole,
with the line of each bad row; GBK CSVs are read; formulas stay text."""
import io
import os
import time
import tracemalloc

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from kiosk.departments.imports import run_import
from kiosk.extensions import db
from kiosk.models import Department, ServiceItem
from kiosk.models.audit import AuditLog
from tests.cases.helpers import _TOKEN as CSRF
from tests.cases.helpers import add_users, login

HEADER = "部门名称,统一社会信用代码,行政区划代码\n"
GOOD = ["五华区税务局,11100000000019713D,530102", "五华区人社局,914403001922038216,"]


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def departments(app):
    with app.app_context():
        return {d.credit_code: (d.name, d.region_code, d.active)
                for d in db.session.scalars(sa.select(Department))}


def run(app, kind, path, dry_run=False):
    with app.app_context():
        return run_import(kind, path, dry_run=dry_run, actor="test", source_name=path.name)


def test_departments_from_a_gbk_csv_then_unchanged_then_updated(app, tmp_path):
    before = departments(app)
    path = write(tmp_path / "d.csv", HEADER + "\n".join(GOOD) + "\n", "gbk")
    report = run(app, "departments", path)
    assert report.written and (report.created, report.errors) == (2, [])
    after = departments(app)
    assert after["11100000000019713D"] == ("五华区税务局", "530102", True)
    assert after["914403001922038216"] == ("五华区人社局", "440300", True)  # from the code
    assert len(after) == len(before) + 2
    again = run(app, "departments", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    renamed = write(tmp_path / "d2.csv", HEADER + "五华区税务局（新）,11100000000019713D,530102\n")
    report = run(app, "departments", renamed)
    assert report.updated == 1 and "五华区税务局（新）" in report.changes[0][4]
    assert departments(app)["11100000000019713D"][0] == "五华区税务局（新）"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
            AuditLog.action == "import", AuditLog.entity == "department")) == 3


def test_any_bad_row_refuses_the_whole_file_with_line_numbers(app, tmp_path):
    before = departments(app)
    text = HEADER + "\n".join([
        GOOD[0],
        "坏代码,11530102MB1234567X,530102",      # line 3: checksum
        "重复,11100000000019713D,",              # line 4: duplicate of line 2
        ",91110108551385082Q,",                  # line 5: no name
        "区划错,91110108551385082Q,53",           # line 6: duplicate and bad region
        "短,9144030019220382,",                   # line 7: length
    ]) + "\n"
    report = run(app, "departments", write(tmp_path / "bad.csv", text))
    assert not report.ok and not report.written
    lines = {line: message for line, message in report.errors}
    assert set(lines) == {3, 4, 5, 6, 7}
    assert "校验位" in lines[3] and "第 2 行重复" in lines[4] and "不能为空" in lines[5]
    assert "行政区划" in lines[6] and "18 位" in lines[7]
    assert departments(app) == before


def test_dry_run_writes_nothing(app, tmp_path):
    before = departments(app)
    report = run(app, "departments", write(tmp_path / "d.csv", HEADER + GOOD[0] + "\n"),
                 dry_run=True)
    assert report.ok and report.created == 1 and not report.written
    assert departments(app) == before


def test_missing_columns_and_unknown_formats_are_refused(app, tmp_path):
    report = run(app, "departments", write(tmp_path / "x.csv", "名称,代码\na,b\n"))
    assert "统一社会信用代码" in report.file_error
    report = run(app, "departments", write(tmp_path / "x.txt", HEADER))
    assert "CSV 或 XLSX" in report.file_error
    report = run(app, "departments", write(tmp_path / "x.xlsx", "not a zip"))
    assert "XLSX" in report.file_error


def test_services_take_their_department_by_code_or_name(app, tmp_path):
    run(app, "departments", write(tmp_path / "d.csv", HEADER + "\n".join(GOOD) + "\n"))
    text = ("事项编码,事项名称,实施主体编码,实施主体\n"
            "530102900001,纳税申报,11100000000019713D,\n"
            "530102900002,社保转移,,五华区人社局\n")
    report = run(app, "services", write(tmp_path / "s.csv", text))
    assert report.written and report.created == 2
    with app.app_context():
        items = {i.code: i.department.name for i in db.session.scalars(
            sa.select(ServiceItem).where(ServiceItem.code.like("5301029%")))}
    assert items == {"530102900001": "五华区税务局", "530102900002": "五华区人社局"}


def test_an_item_of_an_unknown_department_refuses_the_file(app, tmp_path):
    text = ("事项编码,事项名称,实施主体编码,实施主体\n"
            "530102900003,好事项,,五华区政务服务管理局\n"
            "530102900004,坏事项,91110108551385082Q,\n"
            "530102900005,无名部门,,不存在的局\n"
            "530102900003,重复事项,,五华区政务服务管理局\n")
    report = run(app, "services", write(tmp_path / "s.csv", text))
    assert not report.written
    lines = dict(report.errors)
    assert "91110108551385082Q" in lines[3] and "请先导入部门" in lines[3]
    assert "不存在的局" in lines[4] and "第 2 行重复" in lines[5]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(
            ServiceItem.code.like("5301029%"))) == 0


def test_xlsx_with_a_title_row_and_formulas_keeps_formulas_as_text(app, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["五华区部门名录（2026 年 11 月）"])
    sheet.append(["部门名称", "统一社会信用代码", "行政区划代码", "是否启用"])
    sheet.append(['=HYPERLINK("http://x.example","点我")', "11100000000019713D", 530102, "是"])
    sheet.append(["停用的局", "914403001922038216", None, "否"])
    path = tmp_path / "d.xlsx"
    book.save(path)
    report = run(app, "departments", path)
    assert report.written, report.errors
    after = departments(app)
    assert after["11100000000019713D"] == ('=HYPERLINK("http://x.example","点我")', "530102", True)
    assert after["914403001922038216"][2] is False
    # A formula where a code belongs is just a wrong code.
    book = Workbook()
    book.active.append(["部门名称", "统一社会信用代码"])
    book.active.append(["某局", "=A1"])
    book.save(tmp_path / "f.xlsx")
    report = run(app, "departments", tmp_path / "f.xlsx")
    assert not report.ok and report.errors[0][0] == 2


def test_fifty_thousand_rows_stream_in_bounded_memory(app, tmp_path):
    """A 50,000-row 事项清单 is checked row by row: the peak does not grow with the file."""
    def services_file(name, rows):
        path = tmp_path / name
        with open(path, "w", encoding="gbk") as f:
            f.write("事项编码,事项名称,实施主体\n")
            for i in range(rows):
                f.write(f"53{i:010d},事项{i}（示例名称，长度接近真实事项名称的一行文字）,五华区政务服务管理局\n")
        return path

    def peak(path):
        tracemalloc.start()
        report = run(app, "services", path, dry_run=True)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return report, top

    small, small_peak = peak(services_file("s5k.csv", 5_000))
    big, big_peak = peak(services_file("s50k.csv", 50_000))
    assert small.created == 5_000 and big.created == 50_000 and big.ok
    # Only each code seen is kept (to name the line of a duplicate), ~140 bytes a row; the
    # rows themselves (name, department, the dict of a row: over 600 bytes) are not.
    assert big_peak < 250 * 50_000, big_peak


def upload(web, kind, data: bytes, name: str) -> tuple[str, str]:
    """Posts the file; the answer comes at once, pointing at the job's status page."""
    html = web.c.get(f"/admin/import/{kind}").get_data(as_text=True)
    token = CSRF.search(html).group(1)
    r = web.c.post(f"/admin/import/{kind}", data={
        "csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    return token, r.headers["Location"]


def finished(web, status: str, seconds: float = 60):
    """The status page once the job is no longer running (it reloads itself until then)."""
    deadline = time.monotonic() + seconds
    while True:
        r = web.c.get(status)
        if r.status_code != 200 or 'http-equiv="refresh"' not in r.get_data(as_text=True):
            return r
        assert "import-running" in r.get_data(as_text=True)
        assert time.monotonic() < deadline, "the import job did not finish"
        time.sleep(0.1)


def test_admin_import_of_a_large_file_answers_at_once_and_writes_nothing_when_a_row_is_bad(
        app, tmp_path):
    add_users(app)
    web = login(app, "mgr")
    rows = ["事项编码,事项名称,实施主体"] + [f"54{i:010d},事项{i},五华区政务服务管理局"
                                     for i in range(20_000)]
    rows[15_000] = "549999999999,坏事项,不存在的局"
    started = time.monotonic()
    _, status = upload(web, "services", "\n".join(rows).encode(), "事项清单.csv")
    assert time.monotonic() - started < 5  # the check runs beside the request
    page = finished(web, status, 240).get_data(as_text=True)
    assert "有错误，没有写入任何数据" in page and "确认导入" not in page
    assert "<td>15001</td>" in page and "不存在的局" in page  # the bad row, by its line
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(
            ServiceItem.code.like("54%"))) == 0
    assert list((tmp_path).glob("imports/*")) == []


def test_admin_import_with_dry_run_then_confirm_and_templates(app, tmp_path):
    add_users(app)
    web = login(app, "mgr")
    page = web.get("/admin/import/departments").get_data(as_text=True)
    assert "下载 XLSX 模板" in page
    template = web.get("/admin/import/departments/template.xlsx")
    assert template.status_code == 200
    path = tmp_path / "t.xlsx"
    path.write_bytes(template.data)
    header = [c.value for c in next(load_workbook(path).active.iter_rows())]
    assert header == ["部门名称", "统一社会信用代码", "行政区划代码", "是否启用"]
    csv_template = web.get("/admin/import/services/template.csv")
    assert csv_template.data.decode("utf-8-sig").startswith("事项编码,事项名称,实施主体编码,实施主体")

    data = (HEADER + "\n".join(GOOD) + "\n").encode("gbk")
    token, status = upload(web, "departments", data, "部门.csv")
    page = finished(web, status).get_data(as_text=True)
    assert "试运行结果" in page and "确认导入" in page and "新增 2" in page
    assert "11100000000019713D" not in departments(app)
    r = web.c.post(status, data={"csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == status
    r = finished(web, status)
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/departments")
    assert departments(app)["11100000000019713D"][0] == "五华区税务局"
    assert list((tmp_path).glob("imports/*")) == []  # the upload and its job are gone
    # A handler may not import.
    assert login(app, "h1").post("/admin/import/departments").status_code == 403
    assert "五华区税务局" in web.get("/admin/departments").get_data(as_text=True)


@pytest.mark.parametrize("kind", ["departments", "services"])
def test_cli_import_and_dry_run(app, tmp_path, kind):
    path = write(tmp_path / "d.csv", HEADER + "\n".join(GOOD) + "\n")
    if kind == "services":
        run(app, "departments", path)
        path = write(tmp_path / "s.csv", "事项编码,事项名称,实施主体\n530102900009,纳税,五华区税务局\n")
    runner = app.test_cli_runner()
    dry = runner.invoke(args=[kind, "import", str(path), "--dry-run"])
    created = 2 if kind == "departments" else 1
    assert dry.exit_code == 0 and "试运行" in dry.output and f"新增 {created}" in dry.output
    done = runner.invoke(args=[kind, "import", str(path)])
    assert done.exit_code == 0 and "已导入" in done.output
    bad = write(tmp_path / "bad.csv", HEADER + "坏,11530102MB1234567X,\n")
    refused = runner.invoke(args=["departments", "import", str(bad)])
    assert refused.exit_code == 1 and "第 2 行" in refused.output


def test_a_job_whose_web_process_ended_reads_as_failed(tmp_path):
    """A restart in the middle of an import leaves no page reloading for ever."""
    import json
    import subprocess

    from kiosk.departments import jobs

    upload = tmp_path / "abc.csv"
    gone = subprocess.Popen(["true"])  # a process that has ended
    gone.wait()
    jobs.state_path(upload).write_text(json.dumps(
        {"state": jobs.CHECKING, "kind": "services", "pid": gone.pid}))
    assert jobs.read(upload)[0] == jobs.FAILED
    jobs.state_path(upload).write_text(json.dumps(
        {"state": jobs.CHECKING, "kind": "services", "pid": os.getpid()}))
    assert jobs.read(upload)[0] == jobs.CHECKING
