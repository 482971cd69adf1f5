"""Profile mappings and validation without I/O."""
import pytest

from kiosk.sync import profiles
from kiosk.sync.profiles import sm4box
from kiosk.sync.profiles.base import Credentials
from kiosk.sync.profiles.fujian import to_xml
from kiosk.sync.validation import problems

pytestmark = pytest.mark.timeout(10)

CREDS = Credentials("app", b"0123456789abcdef", {"data_source": "102"})
RECORD = {
    "schema": 1, "kind": "rating", "id": "0190a5d2-0000-7000-8000-000000000001",
    "hall_name": "五华区政务服务中心", "region_code": "530102", "dept_code": "11530102MB1234567X",
    "window_code": "A01", "staff_no": "YN0101", "service_code": "530102001000",
    "case_no": "ZW0001", "channel": "evaluator", "level": 1, "level_name": "非常满意",
    "scale": 5, "reasons": [], "reason_version": None, "comment": "", "real_name": False,
    "phone_masked": None, "rated_at": "2026-03-02T01:02:03Z", "assess_number": 1,
    "is_default": False, "uninvited": False, "service_at": "2026-03-02T01:00:00Z",
    "evaluator_address": 0x83, "rectification_status": "0",
}


def payload(name, **changes):
    return profiles.get(name).to_payload({**RECORD, **changes}, CREDS)


def test_very_satisfied_from_an_evaluator_in_each_profile():
    nat = payload("national")
    assert (nat["满意度代码"], nat["满意度"], nat["评价渠道"]) == ("1", "非常满意", "政务大厅其他终端")
    zj = payload("zhejiang")
    assert (zj["satisfaction"], zj["pf"], zj["dataSource"]) == ("5", "5", "102")
    fj = payload("fujian")
    assert (fj["SATISFACTION"], fj["PF"], fj["EVALUATETYPE"]) == ("5", "4", "1")


@pytest.mark.parametrize("level, national, provincial", [(1, "1", "5"), (2, "2", "4"),
                                                         (3, "3", "3"), (5, "5", "1")])
def test_level_directions(level, national, provincial):
    assert payload("national", level=level, level_name="x")["满意度代码"] == national
    assert payload("zhejiang", level=level)["satisfaction"] == provincial
    assert payload("fujian", level=level)["SATISFACTION"] == provincial


def test_times_in_hall_time_and_each_format():
    assert payload("national")["评价时间"] == "20260302T090203"
    assert payload("zhejiang")["assessTime"] == "2026-03-02 09:02:03"
    assert payload("fujian")["EVALUATETIME"] == "2026-03-02 09:02:03"


def test_default_and_supplement_flags():
    nat = payload("national", channel="default", is_default=True, assess_number=2)
    assert (nat["默认评价"], nat["评价次数"]) == ("1", 2)
    assert payload("zhejiang", channel="default")["pf"] == "7"
    assert payload("fujian", assess_number=2)["EVALUATETYPE"] == "2"


def test_sm4_box_round_trip_and_wrong_key():
    xml = to_xml(payload("fujian"))
    box = sm4box.seal(CREDS.key, xml)
    assert sm4box.open_box(CREDS.key, box) == xml
    with pytest.raises(sm4box.BoxError):
        sm4box.open_box(b"fedcba9876543210", box)


def test_valid_record_has_no_problems():
    for name in ("national", "zhejiang", "fujian"):
        assert problems(RECORD, profiles.get(name)) == []


def test_rating_before_its_service_is_a_problem():
    found = problems({**RECORD, "rated_at": "2026-03-02T00:59:59Z"}, profiles.get("national"))
    assert found and "before the service" in found[0]


def test_missing_mandatory_field_is_named():
    found = problems({**RECORD, "service_code": None}, profiles.get("zhejiang"))
    assert found == ["missing service_code (事项编码)"]
    assert problems({**RECORD, "service_code": None}, profiles.get("national")) == []


def test_region_code_width_per_profile():
    nine = {**RECORD, "region_code": "530102001"}
    assert problems(nine, profiles.get("national")) == []
    assert problems(nine, profiles.get("fujian")) == ["region_code '530102001' must be 6 digits"]
