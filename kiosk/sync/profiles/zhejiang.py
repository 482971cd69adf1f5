"""A Zhejiang-style offline report: one form POST per rating, MD5 app-key signature, 5 = 非常满意
(docs/interop.md "zhejiang")."""
import hashlib
from functools import partial
from urllib.parse import urlencode

from kiosk.sync.profiles import provincial
from kiosk.sync.profiles.base import Credentials, Profile, Request, json_answer, local_time
from kiosk.sync.profiles.provincial import PF, TIME_FORMAT  # noqa: F401 (this profile's codes)

PRO_STATUS_FINISHED = "3"  # a case is rated after its service
USER_PROP_PERSON = "1"
DEFAULT_DATA_SOURCE = "101"


def _data_source(creds: Credentials) -> str:
    return str(creds.options.get("data_source", DEFAULT_DATA_SOURCE))


def to_payload(record: dict, creds: Credentials) -> dict:
    return {
        **provincial.rating_fields(record),
        "deptCode": record["dept_code"],  # required here
        "proStatus": PRO_STATUS_FINISHED,
        "proDepart": record.get("hall_name") or "",
        "proManager": record.get("staff_no") or "",
        "userProp": USER_PROP_PERSON,
        "writingEvaluation": record.get("comment", ""),
        "assessTime": local_time(record["rated_at"], TIME_FORMAT),
        "dataSource": _data_source(creds),
    }


def event_payload(event: dict, creds: Credentials) -> dict:
    """差评整改在线反馈: a form like the rating's, dataType "rectify"."""
    return {"dataType": "rectify", **provincial.rectify_fields(event),
            "deptCode": event.get("dept_code") or "", "dataSource": _data_source(creds)}


def sign(fields: dict, secret: bytes) -> str:
    """MD5 over the non-empty fields sorted by name as k=v&…, then &key=SECRET; upper hex."""
    text = "&".join(f"{k}={fields[k]}" for k in sorted(fields) if fields[k] not in ("", None))
    return hashlib.md5((text + "&key=" + secret.decode()).encode()).hexdigest().upper()


def encode(payload: dict, creds: Credentials, path: str, now: float, nonce: str) -> Request:
    body = urlencode(provincial.signed_fields(payload, creds, now, nonce, sign)).encode()
    return Request("POST", body,
                   {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})


read_answer = partial(json_answer, code_field="result", ok_code="0",
                      receipt=provincial.receipt,
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
