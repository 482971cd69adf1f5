"""A Zhejiang-style offline report: one form POST per rating, MD5 app-key signature, 5 = 非常满意
(docs/interop.md "zhejiang")."""
import hashlib
from functools import partial
from urllib.parse import urlencode

from kiosk.sync.profiles.base import (
    Credentials,
    Profile,
    Request,
    evaluator_name,
    json_answer,
    local_time,
    provincial_level,
)

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# pf codes of this province: a counter evaluator is 5 (政务大厅其他终端/自助终端).
PF = {"touch": "4", "evaluator": "5", "qr": "3", "later": "2", "default": "7"}
PRO_STATUS_FINISHED = "3"  # a case is rated after its service
USER_PROP_PERSON = "1"
DEFAULT_DATA_SOURCE = "101"


def to_payload(record: dict, creds: Credentials) -> dict:
    fields = {
        "areaCode": record["region_code"],
        "deptCode": record["dept_code"],
        "taskCode": record.get("service_code") or "",
        "projectNo": record["case_no"],
        "proStatus": PRO_STATUS_FINISHED,
        "proDepart": record.get("hall_name") or "",
        "proManager": record.get("staff_no") or "",
        "pf": PF[record["channel"]],
        "userProp": USER_PROP_PERSON,
        "userName": evaluator_name(record),
        "satisfaction": str(provincial_level(record["level"])),
        "evalDetail": ",".join(record.get("reasons") or []),
        "writingEvaluation": record.get("comment", ""),
        "assessTime": local_time(record["rated_at"], TIME_FORMAT),
        "assessNumber": str(record.get("assess_number", 1)),
        "dataSource": str(creds.options.get("data_source", DEFAULT_DATA_SOURCE)),
        "windowNo": record.get("window_code") or "",
        "evalId": record["id"],  # the receiver de-duplicates by it
    }
    return fields


def event_payload(event: dict, creds: Credentials) -> dict:
    """差评整改在线反馈: a form like the rating's, dataType "rectify", pointing at the rating
    by our id and by the platform's evaluateId."""
    return {
        "dataType": "rectify",
        "areaCode": event["region_code"],
        "deptCode": event.get("dept_code") or "",
        "projectNo": event["case_no"],
        "evalId": event["rating_id"],
        "evaluateId": event.get("rating_receipt") or "",
        "rectifyId": event["id"],
        "rectifyStatus": event["code"],
        "rectifyTime": local_time(event["at"], TIME_FORMAT),
        "rectifyDeadline": local_time(event.get("due_at"), TIME_FORMAT) or "",
        "rectifyContent": event.get("note", ""),
        "dataSource": str(creds.options.get("data_source", DEFAULT_DATA_SOURCE)),
    }


def sign(fields: dict, secret: bytes) -> str:
    """MD5 over the non-empty fields sorted by name as k=v&…, then &key=SECRET; upper hex."""
    text = "&".join(f"{k}={fields[k]}" for k in sorted(fields) if fields[k] not in ("", None))
    return hashlib.md5((text + "&key=" + secret.decode()).encode()).hexdigest().upper()


def encode(payload: dict, creds: Credentials, path: str, now: float, nonce: str) -> Request:
    fields = {**payload, "appKey": creds.app_id, "timestamp": str(int(now * 1000)),
              "nonce": nonce}
    fields["sign"] = sign(fields, creds.key)
    body = urlencode(fields).encode()
    return Request("POST", body,
                   {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})


read_answer = partial(json_answer, code_field="result", ok_code="0",
                      receipt=lambda a: (a.get("data") or {}).get("evaluateId"),
                      message_field="msg")


PROFILE = Profile(
    name="zhejiang",
    required=("case_no", "service_code", "staff_no", "rated_at", "level", "region_code",
              "dept_code"),
    region_widths=(6,),
    dept_code_required=True,
    to_payload=to_payload,
    event_payload=event_payload,
    encode=encode,
    read_answer=read_answer,
    description="form POST, MD5 app-key signature, satisfaction 5 = 非常满意",
)
