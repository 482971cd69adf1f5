"""Plain dicts of an entity's fields for the audit log's before → after."""
from kiosk.models import ApiToken, Hall, ServiceItem, Staff, User, Window


def window(w: Window) -> dict:
    return {
        "code": w.code, "name": w.name, "name_en": w.name_en, "scale": w.scale,
        "services": sorted(s.code for s in w.services),
        "staff_no": w.staff.staff_no if w.staff else None, "department_id": w.department_id,
    }


def staff(s: Staff) -> dict:
    return {"staff_no": s.staff_no, "name": s.name, "stars": s.stars, "active": s.active,
            "photo": s.photo, "pin_set": bool(s.pin_hash)}


def service(s: ServiceItem) -> dict:
    return {"code": s.code, "name": s.name, "department_id": s.department_id}


def hall(h: Hall) -> dict:
    return {"name": h.name, "region_code": h.region_code, "dept_code": h.dept_code,
            "allow_uninvited": h.allow_uninvited, "voice_enabled": h.voice_enabled,
            "public_base_url": h.public_base_url, "name_en": h.name_en,
            "supervision_phone": h.supervision_phone, "service_promise": h.service_promise}


def user(u: User) -> dict:
    return {"username": u.username, "display_name": u.display_name, "role": u.role,
            "active": u.active, "department_id": u.department_id}


def token(t: ApiToken) -> dict:
    return {"name": t.name, "revoked": t.revoked_at is not None}


def changed(before: dict | None, after: dict | None) -> list[tuple[str, object, object]]:
    """(field, before, after) for the fields that differ, for the audit page."""
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def department(d) -> dict:
    return {"credit_code": d.credit_code, "name": d.name, "region_code": d.region_code,
            "active": d.active}
