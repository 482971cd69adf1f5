"""An Anhui-style interface (docs/interop.md "anhui"): the fields as a query string, signed
with the app key (MD5), Base64-encoded twice and posted as the form field `param`; every
request names its `source`, and data that goes on to the national platform says
`version=2`. Answers JSON: status "1" and a receipt `data.evaluateId`."""
import base64
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
# pf codes: evaluator and touchscreen are 政务大厅 terminals; a later rating (the case's own
# link, on a phone) is the mobile channel; 7 is this platform's default rating.
PF = {"touch": "4", "evaluator": "5", "qr": "3", "later": "2", "default": "7"}
NATIONAL_VERSION = "2"


def _common(creds: Credentials) -> dict:
    fields = {"source": str(creds.options.get("source") or "")}
    if creds.options.get("national", True):
        fields["version"] = NATIONAL_VERSION
    return fields


def to_payload(record: dict, creds: Credentials) -> dict:
    return {
        "type": "evaluate",
        "evalId": record["id"],
        "projectNo": record["case_no"],
        "taskCode": record.get("service_code") or "",
        "areaCode": record["region_code"],
        "deptCode": record.get("dept_code") or "",
        "windowNo": record.get("window_code") or "",
        "handleUserCode": record.get("staff_no") or "",
        "pf": PF[record["channel"]],
        "userName": evaluator_name(record),
        "satisfaction": str(provincial_level(record["level"])),
        "evalDetail": ",".join(record.get("reasons") or []),
        "evalContent": record.get("comment", ""),
        "evalTime": local_time(record["rated_at"], TIME_FORMAT),
        "assessNumber": str(record.get("assess_number", 1)),
        "isDefault": "1" if record.get("is_default") else "0",
        **_common(creds),
    }


def event_payload(event: dict, creds: Credentials) -> dict:
    return {
        "type": "rectify",
        "rectifyId": event["id"],
        "evalId": event["rating_id"],
        "evaluateId": event.get("rating_receipt") or "",
        "projectNo": event["case_no"],
        "areaCode": event["region_code"],
        "rectifyStatus": event["code"],
        "rectifyTime": local_time(event["at"], TIME_FORMAT),
        "rectifyDeadline": local_time(event.get("due_at"), TIME_FORMAT) or "",
        "rectifyContent": event.get("note", ""),
        **_common(creds),
    }


def sign(fields: dict, secret: bytes) -> str:
    """MD5 over the fields sorted by name as k=v&… (empty ones too), then &key=SECRET."""
    text = "&".join(f"{k}={fields[k]}" for k in sorted(fields))
    return hashlib.md5((text + "&key=" + secret.decode()).encode()).hexdigest()


def twice_b64(text: str) -> str:
    return base64.b64encode(base64.b64encode(text.encode())).decode()


def from_twice_b64(param: str) -> str:
    return base64.b64decode(base64.b64decode(param, validate=True), validate=True).decode()


def encode(payload: dict, creds: Credentials, path: str, now: float, nonce: str) -> Request:
    fields = {**payload, "appKey": creds.app_id, "timestamp": str(int(now * 1000)),
              "nonce": nonce}
    fields["sign"] = sign(fields, creds.key)
    body = urlencode({"param": twice_b64(urlencode(fields))}).encode()
    return Request("POST", body,
                   {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})


read_answer = partial(json_answer, code_field="status", ok_code="1",
                      receipt=lambda a: (a.get("data") or {}).get("evaluateId"),
                      message_field="msg")


PROFILE = Profile(
    name="anhui",
    required=("case_no", "rated_at", "level", "region_code"),
    region_widths=(6, 12),
    dept_code_required=False,
    to_payload=to_payload,
    event_payload=event_payload,
    encode=encode,
    read_answer=read_answer,
    description="query string, MD5 app key, Base64 twice; source and version=2",
    required_options=("source",),
)
