"""The upstream record of a rating, snapshotted into the outbox in the rating's own commit."""
from kiosk.ratings.levels import LEVEL_NAMES
from kiosk.timeutil import iso_utc


def rating_record(rating, window, hall) -> dict:
    """Canonical record (docs/sync-api.md). The phone never travels in this record."""
    return {
        "id": str(rating.id),
        "hall_name": hall.name,
        "region_code": hall.region_code,
        "dept_code": hall.dept_code,
        "window_code": window.code,
        "staff_no": rating.staff.staff_no if rating.staff else None,
        "service_code": rating.service.code if rating.service else None,
        "case_no": rating.case_no,
        "channel": rating.channel,
        "level": rating.level,
        "level_name": LEVEL_NAMES[rating.level],
        "scale": rating.scale,
        "reasons": list(rating.reasons or []),
        "reason_version": rating.reason_version,
        "comment": rating.comment,
        "real_name": rating.phone is not None,
        "rated_at": iso_utc(rating.rated_at),
        "is_default": rating.is_default,
        "uninvited": rating.uninvited,
    }
