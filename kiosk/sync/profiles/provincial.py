"""What the provincial form interfaces (docs/interop.md "zhejiang", "anhui") share: the pf
channel codes, the rating's and the 整改 event's field names, the time format, the signed
form fields and where the answer's receipt is. Each profile adds its own fields and
signature rule (pure)."""
from kiosk.sync.profiles.base import Credentials, evaluator_name, local_time, provincial_level

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# pf codes: evaluator and touchscreen are 政务大厅 terminals (a counter evaluator is 5, 政务大厅
# 其他终端/自助终端); a later rating (the case's own link, on a phone) is the mobile channel;
# 7 is these platforms' default rating.
PF = {"touch": "4", "evaluator": "5", "qr": "3", "later": "2", "default": "7"}


def rating_fields(record: dict) -> dict:
    """The rating's fields both interfaces name alike; evalId is our record id (the
    receiver de-duplicates by it)."""
    return {
        "evalId": record["id"],
        "projectNo": record["case_no"],
        "taskCode": record.get("service_code") or "",
        "areaCode": record["region_code"],
        "deptCode": record.get("dept_code") or "",
        "windowNo": record.get("window_code") or "",
        "pf": PF[record["channel"]],
        "userName": evaluator_name(record),
        "satisfaction": str(provincial_level(record["level"])),
        "evalDetail": ",".join(record.get("reasons") or []),
        "assessNumber": str(record.get("assess_number", 1)),
    }


def rectify_fields(event: dict) -> dict:
    """差评整改在线反馈: the rating it belongs to, by our id and by the platform's
    evaluateId, and the case's state."""
    return {
        "rectifyId": event["id"],
        "evalId": event["rating_id"],
        "evaluateId": event.get("rating_receipt") or "",
        "projectNo": event["case_no"],
        "areaCode": event["region_code"],
        "rectifyStatus": event["code"],
        "rectifyTime": local_time(event["at"], TIME_FORMAT),
        "rectifyDeadline": local_time(event.get("due_at"), TIME_FORMAT) or "",
        "rectifyContent": event.get("note", ""),
    }


def signed_fields(payload: dict, creds: Credentials, now: float, nonce: str, sign) -> dict:
    """The payload with appKey, a millisecond timestamp, the nonce and sign(fields, key)."""
    fields = {**payload, "appKey": creds.app_id, "timestamp": str(int(now * 1000)),
              "nonce": nonce}
    fields["sign"] = sign(fields, creds.key)
    return fields


def receipt(answer: dict) -> str | None:
    """The platform's id of the rating: data.evaluateId."""
    return (answer.get("data") or {}).get("evaluateId")
