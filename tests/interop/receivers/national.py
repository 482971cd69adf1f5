"""Reference national receiver: GB/T 39046 table 9 items as JSON, HMAC-signed (our scheme)."""
import json
import re
import time

from kiosk.sync import signing
from tests.interop.receivers.base import Receiver, Refused, one_of, require

CHANNELS = {"PC端", "移动服务端", "二维码", "政务大厅平板电脑", "政务大厅其他终端", "电话", "短信"}
LEVELS = {"1": "非常满意", "2": "满意", "3": "基本满意", "4": "不满意", "5": "非常不满意"}
TIME = re.compile(r"^\d{8}T\d{6}$")


class NationalReceiver(Receiver):
    path = "/gbt39046/api/evaluations"

    def __init__(self, app_id: str, key: bytes):
        self.app_id, self.key = app_id, key
        self.nonces: set[str] = set()
        super().__init__()

    def handle(self, headers: dict, body: bytes):
        h = {k.lower(): v for k, v in headers.items()}
        ts, nonce = int(h.get("x-timestamp", "0")), h.get("x-nonce", "")
        if h.get("x-hall-id") != self.app_id or not signing.signature_matches(
                self.key, h.get("x-signature", ""), "POST", self.path, ts, nonce, body):
            raise Refused("bad_signature", "signature does not match")
        if not signing.is_fresh(ts, time.time()) or nonce in self.nonces:
            raise Refused("replay", "stale or repeated request")
        self.nonces.add(nonce)
        payload = json.loads(body)
        if payload.get("记录类型") == "整改":
            return self.event(payload)
        require(payload, ("办件编号", "评价渠道", "评价人", "评价时间", "评价次数", "满意度",
                          "满意度代码", "行政区划", "评价编号"))
        one_of(payload, "评价渠道", CHANNELS)
        one_of(payload, "满意度代码", set(LEVELS))
        if LEVELS[payload["满意度代码"]] != payload["满意度"]:
            raise Refused("bad_code", "满意度 does not match 满意度代码")
        if not TIME.match(payload["评价时间"]):
            raise Refused("bad_time", "评价时间 must be YYYYMMDDThhmmss")
        one_of(payload, "评价次数", {1, 2})
        region = payload["行政区划"]
        if not (region.isdigit() and len(region) <= 9):
            raise Refused("bad_region", "行政区划 is at most 9 digits")
        if len(payload["办件编号"]) > 50 or len(payload["评价人"]) > 30:
            raise Refused("too_long", "办件编号 ≤ 50, 评价人 ≤ 30")
        return 200, {"code": "0", "message": "ok",
                     "receiptId": self.accept(payload, payload["评价编号"], payload["办件编号"],
                                              payload["评价次数"])}

    def event(self, payload: dict):
        require(payload, ("事件编号", "评价编号", "办件编号", "整改状态", "状态时间", "行政区划"))
        if not TIME.match(payload["状态时间"]):
            raise Refused("bad_time", "状态时间 must be YYYYMMDDThhmmss")
        receipt = self.accept_event(payload, payload["事件编号"], payload["评价编号"],
                                    payload.get("评价回执"), payload["整改状态"])
        return 200, {"code": "0", "message": "ok", "receiptId": receipt}

    def refused(self, exc: Refused):
        status = 401 if exc.code in ("bad_signature", "replay") else 400
        return status, {"code": exc.code, "message": exc.message}
