"""Reference Anhui-style receiver: form field `param` = Base64(Base64(query string)), MD5
app-key signature over the decoded fields, `source` required, `version=2` for data that goes
on to the national platform; answers status "1" and data.evaluateId."""
import re
from urllib.parse import parse_qsl

from kiosk.sync.profiles.anhui import from_twice_b64, sign
from tests.interop.receivers.base import Receiver, Refused, one_of, require

TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
MANDATORY = ("type", "evalId", "projectNo", "areaCode", "pf", "satisfaction", "evalTime",
             "assessNumber", "source", "appKey", "timestamp", "nonce")


class AnhuiReceiver(Receiver):
    path = "/ahzwfw/evaluate/receive"

    def __init__(self, app_key: str, secret: bytes, source: str):
        self.app_key, self.secret, self.source = app_key, secret, source
        super().__init__()

    def handle(self, headers: dict, body: bytes):
        if not headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            raise Refused("E01", "form post expected")
        form = dict(parse_qsl(body.decode("ascii"), keep_blank_values=True))
        if set(form) != {"param"}:
            raise Refused("E01", "exactly one form field, param")
        try:
            text = from_twice_b64(form["param"])
        except ValueError as exc:  # binascii.Error and UnicodeDecodeError are ValueErrors
            raise Refused("E02", f"param is not Base64 twice: {exc}") from exc
        fields = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True))
        given = fields.pop("sign", "")
        if fields.get("appKey") != self.app_key or sign(fields, self.secret) != given:
            raise Refused("E03", "sign error")
        if fields.get("source") != self.source:
            raise Refused("E04", "unknown source")
        if fields.get("version") != "2":
            raise Refused("E05", "version=2 is required for national reporting")
        if fields.get("type") == "rectify":
            require(fields, ("rectifyId", "evalId", "projectNo", "rectifyStatus",
                             "rectifyTime"), "E06")
            if not TIME.match(fields["rectifyTime"]):
                raise Refused("E07", "rectifyTime must be yyyy-MM-dd HH:mm:ss")
            receipt = self.accept_event(fields, fields["rectifyId"], fields["evalId"],
                                        fields.get("evaluateId"), fields["rectifyStatus"])
            return 200, {"status": "1", "msg": "ok", "data": {"evaluateId": receipt}}
        require(fields, MANDATORY, "E06")
        one_of(fields, "type", {"evaluate"})
        one_of(fields, "pf", {"1", "2", "3", "4", "5", "6", "7"})
        one_of(fields, "satisfaction", {"1", "2", "3", "4", "5"})
        one_of(fields, "assessNumber", {"1", "2"})
        if not TIME.match(fields["evalTime"]):
            raise Refused("E07", "evalTime must be yyyy-MM-dd HH:mm:ss")
        if not re.fullmatch(r"\d{6}|\d{12}", fields["areaCode"]):
            raise Refused("E08", "areaCode is 6 or 12 digits")
        receipt = self.accept(fields, fields["evalId"], fields["projectNo"],
                              fields["assessNumber"])
        return 200, {"status": "1", "msg": "ok", "data": {"evaluateId": receipt}}

    def refused(self, exc: Refused):
        return 200, {"status": "0", "code": exc.code, "msg": exc.message}
