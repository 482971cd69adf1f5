"""事项编码: national 实施编码 (33 characters with the 业务办理项 suffix) are accepted by the
import, the admin form and the schema; malformed codes are refused with a clear reason; the
widening revision keeps a hall's items."""
import secrets

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from kiosk import create_app
from kiosk.departments import service_code
from kiosk.extensions import db
from kiosk.models import ServiceItem
from tests.cases.helpers import add_users, login
from tests.departments.test_import import run, write

# An implementing body's 统一社会信用代码 (18), the level, a 12-digit 基本编码 and a
# 业务办理项 suffix: 33 characters.
IMPLEMENTATION = "11530102MB1F26734E" + "4" + "000117007000" + "01"
TOO_LONG = "9" * 41
DEPT = "五华区政务服务管理局"  # one of the demo hall's departments


@pytest.mark.parametrize("code, reason", [
    (IMPLEMENTATION, None), ("530102001000", None), ("62052400MZ-XK-0001", None),
    ("", "empty"), ("A" * 41, "too_long"), ("-XK0001", "characters"), ("XK0001-", "characters"),
    ("XK_0001", "characters"), ("许可0001", "characters"),
])
def test_what_a_code_may_look_like(code, reason):
    assert len(IMPLEMENTATION) == 33
    assert service_code.problem(code) == reason


def test_spreadsheet_spaces_and_case_are_normalised():
    assert service_code.normalise(" 62052400mz-xk-0001 ") == "62052400MZ-XK-0001"
    assert service_code.normalise("1153 0102") == "11530102"


def test_the_import_takes_an_implementation_code_and_names_a_bad_one(app, tmp_path):
    header = "事项编码,事项名称,实施主体\n"
    bad = run(app, "services", write(tmp_path / "bad.csv", header
                                      + f"{IMPLEMENTATION},营业执照,{DEPT}\n"
                                      + f"{TOO_LONG},过长,{DEPT}\n"
                                      + f"XK_01,坏字符,{DEPT}\n"))
    assert not bad.written
    errors = dict(bad.errors)
    assert "最多 40 位" in errors[3] and "连字符" in errors[4] and 2 not in errors
    good = run(app, "services", write(tmp_path / "good.csv", header
                                       + f"{IMPLEMENTATION.lower()},营业执照,{DEPT}\n"))
    assert good.written and good.created == 1
    with app.app_context():
        assert db.session.scalar(sa.select(ServiceItem.name).where(
            ServiceItem.code == IMPLEMENTATION)) == "营业执照"


def test_the_admin_form_saves_an_implementation_code(app):
    add_users(app)
    web = login(app, "root")
    r = web.post("/admin/services/new", {"code": IMPLEMENTATION, "name": "食品经营许可",
                                         "department_id": "0"}, token_from="/admin/services/new")
    assert r.status_code == 302, r.get_data(as_text=True)
    r = web.post("/admin/services/new", {"code": "XK 01_", "name": "坏", "department_id": "0"},
                 token_from="/admin/services/new")
    assert r.status_code == 422 and "连字符" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(
            ServiceItem.code == IMPLEMENTATION)) == 1


def test_the_widening_revision_keeps_the_items(tmp_path):
    from tests.departments import test_migration
    from tests.departments.test_migration import departments_revision

    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": secrets.token_hex(8),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hall.db'}",
    })
    with app.app_context():
        test_migration.REVISION_FILE = "service_code_width"
        try:
            mine, before = departments_revision()
        finally:
            test_migration.REVISION_FILE = "departments"
        upgrade(revision=before)
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO service_item (id, code, name) VALUES "
                                 "(1, '530102001000', '营业执照')"))
        upgrade(revision=mine)
        with db.engine.begin() as conn:
            column = next(c for c in sa.inspect(conn).get_columns("service_item")
                          if c["name"] == "code")
            assert column["type"].length == 40
            assert conn.execute(sa.text("SELECT code, name FROM service_item")).one() == (
                "530102001000", "营业执照")
            conn.execute(sa.text("INSERT INTO service_item (code, name) VALUES (:c, '新')"),
                         {"c": IMPLEMENTATION})
            with pytest.raises(sa.exc.IntegrityError):  # still unique
                conn.execute(sa.text("INSERT INTO service_item (code, name) VALUES (:c, 'x')"),
                             {"c": IMPLEMENTATION})
        db.engine.dispose()
