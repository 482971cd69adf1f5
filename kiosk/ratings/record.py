"""The upstream records (docs/sync-api.md): pure builders, no database, no Flask.

A rating's record is snapshotted into the outbox in the rating's own commit; later events
on the same rating (差评 case status, exclusion after appeal) are records of their own kind.
Field names are ours (snake_case, stable); `to_national()` renames them to the national
好差评 platform's names for an upstream that wants those.
"""
from datetime import datetime

from kiosk.phones import mask_phone
from kiosk.ratings.levels import LEVEL_NAMES
from kiosk.timeutil import iso_utc, to_local

SCHEMA = 1
KINDS = ("rating", "rating_event")

# GB/T 39046 评价渠道 (text) and the common provincial `pf` code for each of our channels.
CHANNEL_GBT = {
    "touch": ("政务大厅平板电脑", 4),
    "evaluator": ("政务大厅其他终端", 5),
    "qr": ("二维码", 3),
    "later": ("移动服务端", 2),  # the case's own link, opened on the citizen's phone
    "default": ("系统默认评价", 7),
}
# Rectification statuses seen on provincial platforms (整改状态); "0" = nothing requested.
RECTIFICATION_STATUSES = ("0", "10", "11", "12", "20", "21", "220", "221", "222", "3", "999")
RECTIFICATION_DEFAULT = "0"
# supplement and photos come from the mobile channel (补充评价, photo fingerprints).
# appeal: filed (申诉), for the hall's or the hub's decision; appeal_decided: its outcome.
EVENT_TYPES = ("case_status", "excluded", "reinstated", "supplement", "photos", "appeal",
               "appeal_decided")
CASE_STATUSES = (
    "registered", "assigned", "verified", "rectifying", "rectified", "replied", "revisited",
    "closed",
)


def rating_record(rating, hall) -> dict:
    """The canonical record of one rating. `rating` is the ratings service's StoredRating
    (or anything with its attributes), `hall` its HallFacts. The full phone number never
    goes into the outbox: the sync daemon seals it per upstream (see kiosk/sync/contact.py)."""
    return {
        "schema": SCHEMA,
        "kind": "rating",
        "id": str(rating.id),
        "hall_name": hall.name,
        "region_code": hall.region_code,  # 行政区划
        # 统一社会信用代码 of the 实施主体: the rating's responsible department; the hall's own
        # code only while the hall has not assigned departments.
        "dept_code": getattr(rating, "department_code", None) or hall.dept_code,
        "dept_name": getattr(rating, "department_name", None),
        "window_code": rating.window_code,
        "staff_no": rating.staff_no,  # 工号
        "service_code": rating.service_code,  # 事项编码
        "case_no": rating.case_no,  # 办件编号
        "channel": rating.channel,  # 评价渠道, see CHANNEL_GBT
        "level": rating.level,  # 满意度代码: 1 非常满意 … 5 非常不满意
        "level_name": LEVEL_NAMES[rating.level],  # 满意度
        "scale": rating.scale,
        "reasons": list(rating.reasons or []),
        "reason_version": rating.reason_version,
        "comment": rating.comment or "",  # 文字评价
        "real_name": rating.phone is not None,
        "phone_masked": mask_phone(rating.phone) or None,
        "rated_at": iso_utc(rating.rated_at),  # 评价时间
        # 评价次数: 1 first rating, 2 a 补充评价 (supplement).
        "assess_number": getattr(rating, "assess_number", 1) or 1,
        "is_default": bool(rating.is_default),
        "uninvited": bool(rating.uninvited),
        # Optional facts a province asks for; absent ones are filled at send time where the
        # hall knows them (kiosk/sync/enrich.py), never invented.
        "service_at": iso_utc(getattr(rating, "invited_at", None)),  # the service's time
        "evaluator_address": getattr(rating, "evaluator_address", None),  # bus address
        "device_serial": getattr(rating, "device_serial", None),
        "device_keys": getattr(rating, "device_keys", None),  # 4: an SLZ-68 four-key scale
        "rectification_status": RECTIFICATION_DEFAULT,
    }


def rating_event_record(
    *,
    event_id,
    rating_id,
    event: str,
    at: datetime,
    status: str | None = None,
    due_at: datetime | None = None,
    note: str = "",
    facts: dict | None = None,
) -> dict:
    """A later event on a rating. `event_id` is a fresh uuid7: the hub de-duplicates by it and
    applies events in `at` order, so a late or repeated event never rolls a status back.
    `facts` are the event's own extra fields (a supplement's photos, its assess_number, a
    case step's action, an appeal's id)."""
    if event not in EVENT_TYPES:
        raise ValueError(f"unknown event {event}")
    if event == "case_status" and status not in CASE_STATUSES:
        raise ValueError(f"unknown case status {status}")
    return {
        "schema": SCHEMA,
        "kind": "rating_event",
        "id": str(event_id),
        "rating_id": str(rating_id),
        "event": event,
        "status": status,
        "due_at": iso_utc(due_at),
        "at": iso_utc(at),
        "note": note,
        **(facts or {}),
    }


def _gbt_time(iso: str | None) -> str | None:
    """评价时间 in GB/T form, YYYYMMDDThhmmss, in hall (China) time."""
    if not iso:
        return None
    utc = datetime.fromisoformat(iso.replace("Z", "+00:00")).replace(tzinfo=None)
    return to_local(utc).strftime("%Y%m%dT%H%M%S")


def to_national(record: dict) -> dict:
    """The rating record under the national platform's field names (a profile's field map).
    Note `satisfaction` counts the provincial way: 5 = 非常满意."""
    channel_text, pf = CHANNEL_GBT[record["channel"]]
    return {
        "projectNo": record["case_no"],
        "taskCode": record["service_code"],
        "areaCode": record["region_code"],
        "deptCode": record["dept_code"],
        "proManager": record["staff_no"],
        "pf": pf,
        "channelName": channel_text,
        "satisfaction": 6 - record["level"],
        "satisfactionName": record["level_name"],
        "evalDetail": ",".join(record["reasons"]),
        "writingEvaluation": record["comment"],
        "assessTime": _gbt_time(record["rated_at"]),
        "assessNumber": record["assess_number"],
        "userProp": 1,
    }
