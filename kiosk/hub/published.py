"""What the hub publishes downward: the current reason template and a hall's settings."""
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.hub.forwarded_appeals import decisions_for
from kiosk.models import HubHall, ReasonTemplate
from kiosk.timeutil import iso_utc

# Hall settings a hub may set; anything else in HubHall.settings is not sent.
HALL_SETTING_KEYS = ("allow_uninvited", "voice_enabled")


def published_config(hall: HubHall) -> dict:
    template = db.session.scalars(
        sa.select(ReasonTemplate).order_by(ReasonTemplate.version.desc()).limit(1)
    ).first()
    settings = {k: v for k, v in (hall.settings or {}).items() if k in HALL_SETTING_KEYS}
    return {
        "reasons": None if template is None else {
            "version": template.version, "items": template.items,
            "published_at": iso_utc(template.published_at),
        },
        "hall_settings": settings,
        "appeal_decisions": decisions_for(hall.code),
        # Optional batch forms this hub takes: a hall sends them only once it reads this.
        "accepts": ["links"],
    }
