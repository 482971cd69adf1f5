"""An Anhui-style interface (docs/interop.md "anhui"): the fields as a query string, signed
with the app key (MD5), Base64-encoded twice and posted as the form field `param`; every
request names its `source`, and data that goes on to the national platform says
`version=2`. Answers JSON: status "1" and a receipt `data.evaluateId`."""
import base64
import hashlib
from functools import partial
from urllib.parse import urlencode

from kiosk.sync.profiles import provincial
from kiosk.sync.profiles.base import Credentials, Profile, Request, json_answer, local_time
from kiosk.sync.profiles.provincial import PF, TIME_FORMAT  # noqa: F401 (this profile's codes)

NATIONAL_VERSION = "2"


def _common(creds: Credentials) -> dict:
    fields = {"source": str(creds.options.get("source") or "")}
    if creds.options.get("national", True):
        fields["version"] = NATIONAL_VERSION
    return fields


def to_payload(record: dict, creds: Credentials) -> dict:
    return {
        "type": "evaluate",
        **provincial.rating_fields(record),
        "handleUserCode": record.get("staff_no") or "",
        "evalContent": record.get("comment", ""),
        "evalTime": local_time(record["rated_at"], TIME_FORMAT),
        "isDefault": "1" if record.get("is_default") else "0",
        **_common(creds),
    }


def event_payload(event: dict, creds: Credentials) -> dict:
    return {"type": "rectify", **provincial.rectify_fields(event), **_common(creds)}


def sign(fields: dict, secret: bytes) -> str:
    """MD5 over the fields sorted by name as k=v&… (empty ones too), then &key=SECRET."""
    text = "&".join(f"{k}={fields[k]}" for k in sorted(fields))
    return hashlib.md5((text + "&key=" + secret.decode()).encode()).hexdigest()


def twice_b64(text: str) -> str:
    return base64.b64encode(base64.b64encode(text.encode())).decode()


def from_twice_b64(param: str) -> str:
    return base64.b64decode(base64.b64decode(param, validate=True), validate=True).decode()


def encode(payload: dict, creds: Credentials, path: str, now: float, nonce: str) -> Request:
    fields = provincial.signed_fields(payload, creds, now, nonce, sign)
    body = urlencode({"param": twice_b64(urlencode(fields))}).encode()
    return Request("POST", body,
                   {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})


read_answer = partial(json_answer, code_field="status", ok_code="1",
                      receipt=provincial.receipt,
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
