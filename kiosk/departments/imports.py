"""Import of a hall's department list and 事项清单 from its CSV or XLSX export.

Every row is checked first; the file is written only when no row is bad, in one
transaction (nothing half-imported). A dry run stops after the checks and tells what would
change. Rows are streamed: memory grows with the hall's existing rows and the codes seen,
never with the file. A formula in a cell arrives as its text and is stored as text.
"""
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kiosk.db_setup import write_transaction
from kiosk.departments import credit_code, service_code
from kiosk.departments.tables import TableError, read_table
from kiosk.extensions import db
from kiosk.models import Department, ServiceItem
from kiosk.models.audit import audit

# Header names used by halls' exports (政务服务事项管理系统, 部门名录), the preferred first.
DEPARTMENT_COLUMNS = {
    "name": ("部门名称", "单位名称", "实施主体名称", "实施主体", "部门"),
    "credit_code": ("统一社会信用代码", "实施主体编码", "实施主体统一社会信用代码",
                    "社会信用代码", "信用代码"),
    "region_code": ("行政区划代码", "区划代码", "行政区划", "所属区划"),
    "active": ("是否启用", "状态", "启用"),
}
DEPARTMENT_REQUIRED = ("name", "credit_code")
SERVICE_COLUMNS = {
    "code": ("事项编码", "实施编码", "事项实施编码", "基本编码", "事项代码"),
    "name": ("事项名称", "实施清单名称", "事项"),
    "dept_code": ("实施主体编码", "实施主体统一社会信用代码", "统一社会信用代码"),
    "dept_name": ("实施主体", "实施主体名称", "实施部门", "部门名称"),
}
SERVICE_REQUIRED = ("code", "name")
FIELD_LABELS = {
    "name": _l("名称"), "credit_code": _l("统一社会信用代码"), "code": _l("事项编码"),
    "region_code": _l("行政区划代码"),
}
YES = {"", "是", "启用", "正常", "在用", "有效", "1", "true", "yes", "y"}
NO = {"否", "停用", "注销", "撤销", "无效", "0", "false", "no", "n"}
CREDIT_CODE_PROBLEMS = {
    "length": _l("统一社会信用代码应为 18 位"),
    "characters": _l("统一社会信用代码含有不允许的字符（不含 I、O、S、V、Z）"),
    "checksum": _l("统一社会信用代码校验位不正确"),
}
MAX_LISTED = 200  # errors and changes listed in a report; all are counted
BATCH = 1000
DEPARTMENT_NAME_MAX, SERVICE_NAME_MAX = 100, 200
SERVICE_CODE_PROBLEMS = {
    "empty": _l("事项编码不能为空"),
    "too_long": _l("事项编码最多 %(n)d 位", n=service_code.MAX_LENGTH),
    "characters": _l("事项编码只能包含大写字母、数字和中间的连字符“-”"),
}


@dataclass
class ImportReport:
    kind: str  # departments | services
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_count: int = 0
    errors: list = field(default_factory=list)  # (line, message), the first MAX_LISTED
    changes: list = field(default_factory=list)  # (line, action, code, name, what changed)
    file_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and self.file_error is None

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def error(self, line: int, message) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED:
            self.errors.append((line, str(message)))

    def change(self, line: int, action: str, code: str, name: str, what: str = "") -> None:
        if action == "unchanged":
            self.unchanged += 1
            return
        setattr(self, action, getattr(self, action) + 1)
        if len(self.changes) < MAX_LISTED:
            self.changes.append((line, action, code, name, what))


@dataclass
class _Write:
    """A row's effect, applied in batches: insert values or (id, new values)."""
    insert: dict | None = None
    update: dict | None = None


def _file_error(exc: TableError) -> str:
    if exc.reason == "unknown_format":
        return str(_l("只能导入 CSV 或 XLSX 文件。"))
    if exc.reason == "not_xlsx":
        return str(_l("无法读取该 XLSX 文件，请用 Excel 另存为 .xlsx 后重试。"))
    if exc.reason == "empty":
        return str(_l("文件是空的。"))
    missing = "、".join(str(FIELD_LABELS.get(f, f)) for f in exc.fields)
    return str(_l("找不到必需的列：%(columns)s。请使用导入模板的列名。", columns=missing))


def _too_long(value: str, limit: int) -> bool:
    return len(value) > limit


# ---- departments -----------------------------------------------------------------------

def _department_rows(path, report: ImportReport) -> Iterator[tuple[int, _Write]]:
    existing = {code: (dept_id, name, region, active) for dept_id, code, name, region, active
                in db.session.execute(sa.select(Department.id, Department.credit_code,
                                                Department.name, Department.region_code,
                                                Department.active))}
    first_line: dict[str, int] = {}
    for line, row in read_table(path, DEPARTMENT_COLUMNS, DEPARTMENT_REQUIRED):
        report.rows += 1
        problems = []
        name = row.get("name", "")
        if not name:
            problems.append(_l("部门名称不能为空"))
        elif _too_long(name, DEPARTMENT_NAME_MAX):
            problems.append(_l("部门名称最多 %(n)d 个字", n=DEPARTMENT_NAME_MAX))
        code = credit_code.normalise(row.get("credit_code", ""))
        try:
            credit_code.validate(code)
        except credit_code.CreditCodeError as exc:
            problems.append(_l("%(problem)s：%(code)s", problem=CREDIT_CODE_PROBLEMS[exc.reason],
                               code=code or "—"))
        else:
            if code in first_line:
                problems.append(_l("统一社会信用代码 %(code)s 与第 %(line)d 行重复",
                                   code=code, line=first_line[code]))
            else:
                first_line[code] = line
        region = row.get("region_code", "") or (credit_code.region_of(code) if code else "")
        if region and not (region.isdigit() and 6 <= len(region) <= 12):
            problems.append(_l("行政区划代码应为 6–12 位数字：%(value)s", value=region))
        active_text = row.get("active", "").strip().lower()
        if active_text not in YES and active_text not in NO:
            problems.append(_l("是否启用只能填“是”或“否”：%(value)s", value=row.get("active")))
        if problems:
            report.error(line, "；".join(str(p) for p in problems))
            continue
        active = active_text not in NO
        if code not in existing:
            report.change(line, "created", code, name)
            yield line, _Write(insert={"credit_code": code, "name": name, "region_code": region,
                                       "active": active})
            continue
        dept_id, old_name, old_region, old_active = existing[code]
        changed = _differences({"name": (old_name, name), "region_code": (old_region, region),
                                "active": (old_active, active)})
        if not changed:
            report.change(line, "unchanged", code, name)
            continue
        report.change(line, "updated", code, name, changed)
        yield line, _Write(update={"id": dept_id, "name": name, "region_code": region,
                                   "active": active})


def _differences(pairs: dict) -> str:
    return "; ".join(f"{key}: {old} → {new}" for key, (old, new) in pairs.items() if old != new)


# ---- service items (事项清单) ----------------------------------------------------------

def _service_rows(path, report: ImportReport) -> Iterator[tuple[int, _Write]]:
    by_code, by_name = {}, {}
    for dept_id, code, name in db.session.execute(
            sa.select(Department.id, Department.credit_code, Department.name)):
        by_code[code] = dept_id
        by_name.setdefault(name, []).append(dept_id)
    existing = {code: (item_id, name, dept_id) for item_id, code, name, dept_id
                in db.session.execute(sa.select(ServiceItem.id, ServiceItem.code,
                                                ServiceItem.name, ServiceItem.department_id))}
    first_line: dict[str, int] = {}
    for line, row in read_table(path, SERVICE_COLUMNS, SERVICE_REQUIRED):
        report.rows += 1
        problems = []
        code, name = service_code.normalise(row.get("code", "")), row.get("name", "")
        reason = service_code.problem(code)
        if reason is not None:
            problems.append(_l("%(problem)s：%(code)s", problem=SERVICE_CODE_PROBLEMS[reason],
                               code=code or "—") if code else SERVICE_CODE_PROBLEMS[reason])
        elif code in first_line:
            problems.append(_l("事项编码 %(code)s 与第 %(line)d 行重复", code=code,
                               line=first_line[code]))
        else:
            first_line[code] = line
        if not name:
            problems.append(_l("事项名称不能为空"))
        elif _too_long(name, SERVICE_NAME_MAX):
            problems.append(_l("事项名称最多 %(n)d 个字", n=SERVICE_NAME_MAX))
        dept_id, problem = _implementing_department(row, by_code, by_name)
        if problem is not None:
            problems.append(problem)
        if problems:
            report.error(line, "；".join(str(p) for p in problems))
            continue
        if code not in existing:
            report.change(line, "created", code, name)
            yield line, _Write(insert={"code": code, "name": name, "department_id": dept_id})
            continue
        item_id, old_name, old_dept = existing[code]
        changed = _differences({"name": (old_name, name), "department_id": (old_dept, dept_id)})
        if not changed:
            report.change(line, "unchanged", code, name)
            continue
        report.change(line, "updated", code, name, changed)
        yield line, _Write(update={"id": item_id, "name": name, "department_id": dept_id})


def _implementing_department(row, by_code, by_name):
    """(department id, None) or (None, the problem) for a row's 实施主体."""
    code = credit_code.normalise(row.get("dept_code", ""))
    name = row.get("dept_name", "")
    if code:
        if code not in by_code:
            return None, _l("实施主体编码 %(code)s 不在部门列表中，请先导入部门", code=code)
        return by_code[code], None
    if not name:
        return None, _l("缺少实施主体（实施主体编码或名称）")
    found = by_name.get(name, [])
    if not found:
        return None, _l("实施主体“%(name)s”不在部门列表中，请先导入部门", name=name)
    if len(found) > 1:
        return None, _l("有多个部门名为“%(name)s”，请填写实施主体编码", name=name)
    return found[0], None


# ---- running an import -----------------------------------------------------------------

KINDS: dict[str, tuple[Callable, type, str]] = {
    "departments": (_department_rows, Department, "department"),
    "services": (_service_rows, ServiceItem, "service_item"),
}


def run_import(kind: str, path, *, dry_run: bool, actor: str, source_name: str = ""
               ) -> ImportReport:
    """Checks every row; unless dry_run, writes them all in one transaction when none is bad.

    The check runs outside the write lock; the write re-reads the file under it, so ratings
    wait only for the write itself.
    """
    rows_of, model, entity = KINDS[kind]
    report = ImportReport(kind=kind, dry_run=dry_run)
    try:
        for _ in rows_of(path, report):
            pass
    except TableError as exc:
        report.file_error = _file_error(exc)
    db.session.rollback()  # end the read snapshot
    if dry_run or not report.ok:
        return report
    final = ImportReport(kind=kind, dry_run=False)
    with write_transaction(db.session()) as conn:
        inserts, updates = [], []
        for _line, effect in rows_of(path, final):
            (inserts if effect.insert else updates).append(effect.insert or effect.update)
            if len(inserts) >= BATCH or len(updates) >= BATCH:
                _flush(conn, model, inserts, updates)
        _flush(conn, model, inserts, updates)
        if not final.ok:  # the file changed between the check and the write
            db.session.rollback()
            return final
        audit(actor, "import", entity, source_name or None, None,
              {"created": final.created, "updated": final.updated,
               "unchanged": final.unchanged, "rows": final.rows})
        db.session.commit()
    return final


def _flush(conn, model, inserts: list, updates: list) -> None:
    table = model.__table__
    if inserts:
        conn.execute(sa.insert(model), inserts)
        inserts.clear()
    if updates:
        values = {k: sa.bindparam(f"new_{k}") for k in updates[0] if k != "id"}
        conn.execute(sa.update(table).where(table.c.id == sa.bindparam("row_id")).values(values),
                     [{"row_id": u["id"], **{f"new_{k}": v for k, v in u.items() if k != "id"}}
                      for u in updates])
        updates.clear()
