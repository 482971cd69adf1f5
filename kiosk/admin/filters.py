"""Template filters for the admin: times in the hall's local time."""
from kiosk.admin import bp
from kiosk.timeutil import to_local


@bp.app_template_filter("localtime")
def localtime(utc_naive) -> str:
    return to_local(utc_naive).strftime("%Y-%m-%d %H:%M:%S") if utc_naive else ""
