"""Reference Zhejiang-style receiver: form POST, MD5 app-key signature, satisfaction 5 = 非常满意."""
import re
from urllib.parse import parse_qsl

from kiosk.sync.profiles.zhejiang import sign
from tests.interop.receivers.base import Receiver, Refused, one_of, require

TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
MANDATORY = ("areaCode", "deptCode", "taskCode", "projectNo", "proStatus", "proManager", "pf",
             "userProp", "satisfaction", "assessTime", "assessNumber", "dataSource", "evalId")


class ZhejiangReceiver(Receiver):
    path = "/evaluate/offline/report"

    def __init__(self, app_key: str, secret: bytes):
        self.app_key, self.secret = app_key, secret
        super().__init__()

    def handle(self, headers: dict, body: bytes):
        if not headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            raise Refused("40001", "form post expected")
        fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        given = fields.pop("sign", "")
        if fields.get("appKey") != self.app_key or sign(fields, self.secret) != given:
            raise Refused("40003", "sign error")
        if fields.get("dataType") == "rectify":
            return self.event(fields)
        require(fields, MANDATORY, "40002")
        one_of(fields, "pf", {"1", "2", "3", "4", "5", "6", "7"})
        one_of(fields, "satisfaction", {"1", "2", "3", "4", "5"})
        one_of(fields, "proStatus", {"1", "2", "3"})
        one_of(fields, "userProp", {"1", "2"})
        one_of(fields, "assessNumber", {"1", "2"})
        if not TIME.match(fields["assessTime"]):
            raise Refused("40004", "assessTime must be yyyy-MM-dd HH:mm:ss")
        if len(fields["deptCode"]) != 18 or not re.fullmatch(r"\d{6}", fields["areaCode"]):
            raise Refused("40005", "deptCode 18 characters, areaCode 6 digits")
        if not re.fullmatch(r"\d{3}", fields["dataSource"]):
            raise Refused("40006", "dataSource is a 3-digit code")
        if int(fields["satisfaction"]) >= 3 and fields.get("evalDetail"):
            raise Refused("40007", "evalDetail only for 不满意 and 非常不满意")
        return 200, {"result": "0", "msg": "success",
                     "data": {"evaluateId": self.accept(fields, fields["evalId"],
                                                        fields["projectNo"],
                                                        fields["assessNumber"])}}

    def event(self, fields: dict):
        require(fields, ("areaCode", "projectNo", "evalId", "rectifyId", "rectifyStatus",
                         "rectifyTime", "dataSource"), "40002")
        if not TIME.match(fields["rectifyTime"]):
            raise Refused("40004", "rectifyTime must be yyyy-MM-dd HH:mm:ss")
        receipt = self.accept_event(fields, fields["rectifyId"], fields["evalId"],
                                    fields.get("evaluateId"), fields["rectifyStatus"])
        return 200, {"result": "0", "msg": "success", "data": {"evaluateId": receipt}}

    def refused(self, exc: Refused):
        return 200, {"result": exc.code, "msg": exc.message}  # the platform answers 200 anyway
