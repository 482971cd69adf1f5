"""Display names of case statuses, steps and outcomes (Simplified Chinese via babel)."""
from flask_babel import lazy_gettext as _l

try:  # the admin's privacy module: one masking rule everywhere
    from kiosk.privacy import mask_phone as mask
except ImportError:  # pragma: no cover - until kiosk/privacy.py is installed
    def mask(phone):
        return phone[:3] + "****" + phone[-4:] if phone and len(phone) >= 7 else ""

STATUS = {
    "registered": _l("登记"), "assigned": _l("转办"), "verified": _l("核实"),
    "rectified": _l("整改"), "replied": _l("反馈"), "revisited": _l("回访"),
    "closed": _l("办结"),
}
ACTION = {
    "register": _l("登记"), "assign": _l("转办"), "verify": _l("核实"), "rectify": _l("整改"),
    "reply": _l("反馈"), "revisit": _l("回访"), "close": _l("办结"), "extend": _l("延期"),
    "appeal": _l("申诉"), "decide_appeal": _l("申诉审核"),
}
VERIFICATION = {"founded": _l("属实"), "unfounded": _l("不属实"), "mistaken": _l("误评/恶意评价")}
REVISIT = {"satisfied": _l("满意"), "basic": _l("基本满意"), "unsatisfied": _l("不满意")}
APPEAL = {"none": _l("无"), "pending": _l("待审核"), "accepted": _l("已采纳"),
          "rejected": _l("已驳回")}
