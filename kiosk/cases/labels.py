"""Display names of case statuses, steps and outcomes (Simplified Chinese via babel)."""
from flask_babel import lazy_gettext as _l

from kiosk.phones import mask_phone

mask = mask_phone  # the name the case pages and the ledger use

STATUS = {
    "registered": _l("登记"), "assigned": _l("转办"), "verified": _l("核实"),
    "rectified": _l("整改"), "replied": _l("反馈"), "revisited": _l("回访"),
    "closed": _l("办结"),
}
ACTION = {
    "register": _l("登记"), "assign": _l("指定承办人"), "transfer": _l("转办"), "verify": _l("核实"), "rectify": _l("整改"),
    "reply": _l("反馈"), "revisit": _l("回访"), "close": _l("办结"), "extend": _l("延期"),
    "appeal": _l("申诉"), "decide_appeal": _l("申诉审核"),
    "approve_extension": _l("批准延期"), "refuse_extension": _l("不予延期"),
    "explain_overdue": _l("逾期说明"),
    "publish": _l("公开整改措施"), "unpublish": _l("取消公开整改措施"),
}
VERIFICATION = {"founded": _l("属实"), "unfounded": _l("不属实"), "mistaken": _l("误评"),
                "malicious": _l("恶意评价")}
GROUND = {"mistaken": _l("误评"), "malicious": _l("恶意评价")}
EXCLUSION_SOURCE = {"verification": _l("核实"), "appeal": _l("申诉复核")}
EXTENSION = {"pending": _l("待审批"), "approved": _l("已批准"), "refused": _l("不予延期")}
DECIDER = {"hall": _l("本大厅管理人员"), "hub": _l("上级复核")}
REVISIT = {"satisfied": _l("满意"), "basic": _l("基本满意"), "unsatisfied": _l("不满意")}
APPEAL = {"none": _l("无"), "pending": _l("待审核"), "accepted": _l("已采纳"),
          "rejected": _l("已驳回")}
