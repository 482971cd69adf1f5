"""A Fujian-style interface: upper-case fields in an XML document, sealed with SM4, answered
with code "200" and a receipt id `evaluateUnid` (docs/interop.md "fujian")."""
import json
import xml.etree.ElementTree as ET
from functools import partial

from kiosk.sync.profiles import sm4box
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
ROOT = "EVALUATE"
EVENT_ROOT = "RECTIFY"  # 整改 events: their own document in the same sealed envelope
# PF of this province: touchscreen and counter evaluator are both 政务大厅 devices (4).
PF = {"touch": "4", "evaluator": "4", "qr": "3", "later": "2", "default": "7"}
USER_PROP_PERSON = "1"


def to_payload(record: dict, creds: Credentials) -> dict:
    custom = {
        "recordId": record["id"],
        "isDefault": "1" if record.get("is_default") else "0",
        "evaluatorAddress": record.get("evaluator_address"),
        "reasonVersion": record.get("reason_version"),
        "rectification": record.get("rectification_status", "0"),
    }
    return {
        "PROJECTNO": record["case_no"],
        "BUSINESSCODE": record.get("service_code") or "",
        "REGIONCODE": record["region_code"],
        "DEPTCODE": record.get("dept_code") or "",
        "WINDOWNO": record.get("window_code") or "",
        "HANDLEUSER": record.get("staff_no") or "",
        "USERPROP": USER_PROP_PERSON,
        "USERNAME": evaluator_name(record),
        "EVALUATETYPE": str(record.get("assess_number", 1)),
        "PF": PF[record["channel"]],
        "SATISFACTION": str(provincial_level(record["level"])),
        "EVALUATEDETAIL": ",".join(record.get("reasons") or []),
        "EVALUATECONTENT": record.get("comment", ""),
        "EVALUATETIME": local_time(record["rated_at"], TIME_FORMAT),
        "CUSTOMFIELDS": json.dumps({k: v for k, v in custom.items() if v is not None},
                                   ensure_ascii=False, separators=(",", ":")),
    }


def event_payload(event: dict, creds: Credentials) -> dict:
    return {
        "PROJECTNO": event["case_no"],
        "REGIONCODE": event["region_code"],
        "EVALUATEID": event["rating_id"],
        "EVALUATEUNID": event.get("rating_receipt") or "",
        "RECTIFYID": event["id"],
        "RECTIFYSTATUS": event["code"],
        "RECTIFYTIME": local_time(event["at"], TIME_FORMAT),
        "DEADLINE": local_time(event.get("due_at"), TIME_FORMAT) or "",
        "CONTENT": event.get("note", ""),
    }


def to_xml(payload: dict) -> bytes:
    root = ET.Element(EVENT_ROOT if "RECTIFYID" in payload else ROOT)
    for name, value in payload.items():
        ET.SubElement(root, name).text = "" if value is None else str(value)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def encode(payload: dict, creds: Credentials, path: str, now: float, nonce: str) -> Request:
    box = sm4box.seal(creds.key, to_xml(payload))
    timestamp = str(int(now * 1000))
    body = json.dumps({"appId": creds.app_id, "timestamp": timestamp, "data": box,
                       "sign": sm4box.tag(creds.key, creds.app_id, timestamp, box)}).encode()
    return Request("POST", body, {"Content-Type": "application/json; charset=utf-8"})


read_answer = partial(json_answer, code_field="code", ok_code="200",
                      receipt=lambda a: a.get("evaluateUnid"), message_field="msg")


PROFILE = Profile(
    name="fujian",
    required=("case_no", "service_code", "rated_at", "level", "region_code"),
    region_widths=(6,),
    dept_code_required=False,
    to_payload=to_payload,
    event_payload=event_payload,
    encode=encode,
    read_answer=read_answer,
    description="XML sealed with SM4-CBC + HMAC-SM3, receipt evaluateUnid",
)
