"""Checks a record against what one profile's upstream demands (pure). A record that fails is
held with the reasons, for a person to look at; it is never altered to pass (a province
rejects a rating timed before its service, and shifting the time would be a falsification)."""
from kiosk.sync.profiles.base import Profile, parse_iso

CASE_NO_MAX = 50
DEPT_CODE_WIDTH = 18
FIELD_NAMES = {
    "case_no": "办件编号", "channel": "评价渠道", "rated_at": "评价时间", "level": "满意度",
    "region_code": "行政区划", "dept_code": "实施主体统一社会信用代码", "service_code": "事项编码",
    "staff_no": "经办人工号",
}


def problems(record: dict, profile: Profile) -> list[str]:
    """Every reason this record cannot go to this upstream (empty: it may be sent)."""
    found = []
    if record.get("kind") == "case_event":
        # Sent only after the province accepted its rating, whose facts it repeats.
        return [] if record.get("code") else ["case event without a rectification code"]
    if record.get("kind") != "rating":
        return [f"kind {record.get('kind')!r} is not sent to {profile.name}"]
    for field in profile.required:
        if record.get(field) in (None, ""):
            found.append(f"missing {field} ({FIELD_NAMES.get(field, field)})")
    region = record.get("region_code") or ""
    if region and (not region.isdigit() or len(region) not in profile.region_widths):
        widths = " or ".join(str(w) for w in profile.region_widths)
        found.append(f"region_code {region!r} must be {widths} digits")
    dept = record.get("dept_code") or ""
    if profile.dept_code_required and dept and len(dept) != DEPT_CODE_WIDTH:
        found.append(f"dept_code {dept!r} must be {DEPT_CODE_WIDTH} characters")
    if len(record.get("case_no") or "") > CASE_NO_MAX:
        found.append(f"case_no longer than {CASE_NO_MAX} characters")
    rated, served = parse_iso(record.get("rated_at")), parse_iso(record.get("service_at"))
    if rated and served and rated < served:
        found.append(f"rated_at {record['rated_at']} is before the service at "
                     f"{record['service_at']}")
    return found
