"""Reference Fujian-style receiver: an SM4-sealed XML document with upper-case fields; answers
code "200" and a receipt evaluateUnid."""
import json
import re
import xml.etree.ElementTree as ET

from kiosk.sync.profiles import sm4box
from tests.interop.receivers.base import Receiver, Refused, one_of, require

TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
MANDATORY = ("PROJECTNO", "BUSINESSCODE", "REGIONCODE", "USERPROP", "EVALUATETYPE", "PF",
             "SATISFACTION", "EVALUATETIME", "CUSTOMFIELDS")


class FujianReceiver(Receiver):
    path = "/pjxt/api/evaluate/push"

    def __init__(self, app_id: str, key: bytes):
        self.app_id, self.key = app_id, key
        super().__init__()

    def handle(self, headers: dict, body: bytes):
        envelope = json.loads(body)
        box, ts = envelope.get("data", ""), envelope.get("timestamp", "")
        if envelope.get("appId") != self.app_id or not sm4box.tag_matches(
                self.key, self.app_id, ts, box, envelope.get("sign", "")):
            raise Refused("401", "sign check failed")
        try:
            root = ET.fromstring(sm4box.open_box(self.key, box))
        except (sm4box.BoxError, ET.ParseError) as exc:
            raise Refused("402", f"cannot decrypt: {exc}") from exc
        if root.tag not in ("EVALUATE", "RECTIFY"):
            raise Refused("403", "root element must be EVALUATE or RECTIFY")
        fields = {child.tag: child.text or "" for child in root}
        if any(name != name.upper() for name in fields):
            raise Refused("403", "field names are upper case")
        if root.tag == "RECTIFY":
            return self.event(fields)
        require(fields, MANDATORY, "404")
        if not re.fullmatch(r"\d{6}", fields["REGIONCODE"]):
            raise Refused("405", "REGIONCODE is 6 digits")
        one_of(fields, "PF", {"1", "2", "3", "4", "5", "6", "7"})
        one_of(fields, "SATISFACTION", {"1", "2", "3", "4", "5"})
        one_of(fields, "EVALUATETYPE", {"1", "2"})
        if not TIME.match(fields["EVALUATETIME"]):
            raise Refused("406", "EVALUATETIME must be yyyy-MM-dd HH:mm:ss")
        custom = json.loads(fields["CUSTOMFIELDS"])
        return 200, {"code": "200", "msg": "成功",
                     "evaluateUnid": self.accept(fields, custom["recordId"],
                                                 fields["PROJECTNO"], fields["EVALUATETYPE"])}

    def event(self, fields: dict):
        require(fields, ("PROJECTNO", "REGIONCODE", "EVALUATEID", "RECTIFYID", "RECTIFYSTATUS",
                         "RECTIFYTIME"), "404")
        if not TIME.match(fields["RECTIFYTIME"]):
            raise Refused("406", "RECTIFYTIME must be yyyy-MM-dd HH:mm:ss")
        receipt = self.accept_event(fields, fields["RECTIFYID"], fields["EVALUATEID"],
                                    fields.get("EVALUATEUNID"), fields["RECTIFYSTATUS"])
        return 200, {"code": "200", "msg": "成功", "evaluateUnid": receipt}

    def refused(self, exc: Refused):
        return 200, {"code": exc.code, "msg": exc.message}
