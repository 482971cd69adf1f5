"""GB/T 39046-2020 table 9 items, keyed by their Chinese names, as JSON; HMAC-signed like our
hub (docs/interop.md "national"). One record per request; the answer carries a receipt."""
import json
from functools import partial

from kiosk.ratings.levels import LEVEL_NAMES
from kiosk.sync import signing
from kiosk.sync.profiles.base import (
    Credentials,
    Profile,
    Request,
    evaluator_name,
    json_answer,
    local_time,
)

TIME_FORMAT = "%Y%m%dT%H%M%S"
# 评价渠道 text per our channel. A default rating is not a channel of the standard: it goes
# as 政务大厅其他终端 with 默认评价 = "1", so the platform can count it apart.
CHANNELS = {
    "touch": "政务大厅平板电脑",
    "evaluator": "政务大厅其他终端",
    "qr": "二维码",
    "later": "移动服务端",
    "default": "政务大厅其他终端",
}


def to_payload(record: dict, creds: Credentials) -> dict:
    return {
        "办件编号": record["case_no"],
        "评价渠道": CHANNELS[record["channel"]],
        "评价人": evaluator_name(record),
        "评价时间": local_time(record["rated_at"], TIME_FORMAT),
        "评价次数": record.get("assess_number", 1),
        "满意度": LEVEL_NAMES[record["level"]],
        "满意度代码": str(record["level"]),  # the standard's own direction: 1 非常满意
        "文字评价": record.get("comment", ""),
        "行政区划": record["region_code"],
        # Beyond table 9: our record id (the receiver de-duplicates by it) and the flags.
        "评价编号": record["id"],
        "事项编码": record.get("service_code"),
        "实施主体编码": record.get("dept_code"),
        "默认评价": "1" if record.get("is_default") else "0",
    }


def event_payload(event: dict, creds: Credentials) -> dict:
    """A 整改 event: the rating it belongs to (our id and the platform's receipt), the code."""
    return {
        "记录类型": "整改",
        "事件编号": event["id"],
        "评价编号": event["rating_id"],
        "评价回执": event.get("rating_receipt") or "",
        "办件编号": event["case_no"],
        "行政区划": event["region_code"],
        "整改状态": event["code"],
        "状态时间": local_time(event["at"], TIME_FORMAT),
        "整改期限": local_time(event.get("due_at"), TIME_FORMAT) or "",
        "说明": event.get("note", ""),
    }


def encode(payload: dict, creds: Credentials, path: str, now: float, nonce: str) -> Request:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = signing.signed_headers(creds.app_id, creds.key, "POST", path, body, now, nonce)
    return Request("POST", body, {"Content-Type": "application/json; charset=utf-8", **headers})


read_answer = partial(json_answer, code_field="code", ok_code="0",
                      receipt=lambda a: a.get("receiptId"), message_field="message")


PROFILE = Profile(
    name="national",
    required=("case_no", "channel", "rated_at", "level", "region_code"),
    region_widths=(6, 9),
    dept_code_required=False,
    to_payload=to_payload,
    event_payload=event_payload,
    encode=encode,
    read_answer=read_answer,
    description="GB/T 39046 table 9 as JSON, HMAC-SHA256",
)
