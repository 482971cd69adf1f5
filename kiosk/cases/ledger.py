"""The 差评 ledger (台账) as XLSX: one row per case, one sheet with every step; citizens'
text is written as text (kiosk/exports.py)."""
import io

import sqlalchemy as sa

from kiosk.cases.labels import mask
from kiosk.exports import xlsx_append
from kiosk.extensions import db
from kiosk.models import Rating, Window
from kiosk.models.cases import BadCase, CaseStep
from kiosk.ratings.levels import LEVEL_NAMES
from kiosk.stats.indicators import is_overdue
from kiosk.timeutil import to_local

CASE_HEADERS = ["工单号", "评价时间", "窗口", "评价等级", "原因", "留言", "联系电话", "状态",
                "登记时间", "整改期限", "是否逾期", "承办人", "核实结果", "整改措施", "反馈内容",
                "回访结果", "申诉", "办结时间"]
STEP_HEADERS = ["工单号", "时间", "操作人", "操作", "原状态", "新状态", "说明"]


def _local(value):
    return to_local(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def ledger_xlsx(case_query: sa.Select, now) -> bytes:
    """case_query selects the BadCase rows the user may see (visible_cases())."""
    from openpyxl import Workbook
    sub = case_query.subquery()
    rows = db.session.execute(
        sa.select(BadCase, Rating, Window.code)
        .join(sub, sub.c.id == BadCase.id)
        .join(Rating, Rating.id == BadCase.rating_id)
        .join(Window, Window.id == Rating.window_id)
        .order_by(BadCase.id)
    ).all()
    book = Workbook()
    sheet = book.active
    sheet.title = "差评台账"
    xlsx_append(sheet, CASE_HEADERS)
    for case, rating, window_code in rows:
        xlsx_append(sheet, [
            case.id, _local(rating.rated_at), window_code, LEVEL_NAMES[rating.level],
            "、".join(rating.reasons or []), rating.comment or "", mask(rating.phone),
            case.status, _local(case.registered_at), _local(case.due_at),
            "是" if is_overdue(case.status, case.due_at, now) else "否",
            case.assignee.username if case.assignee else "", case.verification or "",
            case.rectification or "", case.reply or "", case.revisit_result or "",
            case.appeal_status, _local(case.closed_at),
        ])
    steps = book.create_sheet("处理记录")
    xlsx_append(steps, STEP_HEADERS)
    for step in db.session.scalars(
        sa.select(CaseStep).join(sub, sub.c.id == CaseStep.case_id).order_by(CaseStep.id)
    ):
        xlsx_append(steps, [step.case_id, _local(step.at), step.actor, step.action,
                      step.from_status or "", step.to_status, step.note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
