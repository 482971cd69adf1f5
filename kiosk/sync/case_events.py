"""Which later events on a rating a province receives, and as what (pure).

The provinces know a rating's 整改 by rectification codes (docs/interop.md): 20 rectifying
(the case was handed over), 21 rectified, 999 revisited, 3 postponed (an approved
extension), and for a 差评 claimed to be wrong 10 void requested (appeal filed), 11 voided
(excluded from statistics, by 核实 or an accepted appeal), 12 void refused (appeal
rejected). A 补充评价 goes as the case's second assessment (评价次数 2). Every other event
(registered, verified, replied, closed, photos, …) stays with our own hub.
"""
RECTIFYING, RECTIFIED, REVISITED, POSTPONED = "20", "21", "999", "3"
VOID_REQUESTED, VOIDED, VOID_REFUSED = "10", "11", "12"
CODES = (RECTIFYING, RECTIFIED, REVISITED, POSTPONED, VOID_REQUESTED, VOIDED, VOID_REFUSED)


def rectification_code(event: dict) -> str | None:
    kind = event.get("event")
    if kind == "case_status":
        action, status = event.get("action"), event.get("status")
        if action in ("assign", "transfer") and event.get("from_status") == "registered":
            return RECTIFYING  # handed over: only the first 转办, a re-assignment is not news
        if action == "approve_extension":
            return POSTPONED
        if action == "rectify" and status == "rectified":
            return RECTIFIED
        if action == "revisit" and status == "revisited":
            return REVISITED
        return None
    if kind == "appeal":
        return VOID_REQUESTED
    if kind == "appeal_decided":
        return None if event.get("accepted") else VOID_REFUSED  # accepted: "excluded" says it
    if kind == "excluded":
        return VOIDED
    return None


def upstream_kind(record: dict) -> str | None:
    """"rating", "supplement" or "case_event" for what a province receives; None otherwise."""
    if record.get("kind") == "rating":
        return "rating"
    if record.get("kind") != "rating_event":
        return None
    if record.get("event") == "supplement":
        return "supplement"
    return "case_event" if rectification_code(record) else None


def supplement_as_rating(event: dict, rating: dict) -> dict:
    """A 补充评价 as the case's second assessment: the rating's facts, the supplement's own
    id, time and text; the level is the citizen's first one (a supplement adds, it does not
    re-rate)."""
    return {**rating, "id": event["id"], "rated_at": event["at"], "assess_number": 2,
            "comment": event.get("note") or "", "reasons": [], "first_rating_id": rating["id"]}


def case_event(event: dict, rating: dict, rating_receipt: str | None) -> dict:
    """The canonical 整改 event a profile maps: which rating (and the province's receipt for
    it), which code, when, the deadline in force, and the note."""
    return {
        "kind": "case_event", "id": event["id"], "rating_id": event["rating_id"],
        "rating_receipt": rating_receipt, "case_no": rating.get("case_no"),
        "region_code": rating.get("region_code"), "dept_code": rating.get("dept_code"),
        "service_code": rating.get("service_code"), "code": rectification_code(event),
        "at": event["at"], "due_at": event.get("due_at"), "note": event.get("note") or "",
    }
