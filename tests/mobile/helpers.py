"""Small helpers for the mobile tests: CSRF tokens from pages, images made in memory."""
import io
import re

import sqlalchemy as sa
from PIL import Image

from kiosk.extensions import db
from kiosk.models import OutboxEntry, Rating
from kiosk.models.mobile import RatingPhoto, RatingSupplement

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_from(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return CSRF_RE.search(page.get_data(as_text=True)).group(1)


def image_bytes(fmt: str = "JPEG", size=(64, 48), with_exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if with_exif:
        exif = Image.Exif()
        exif[0x010F] = "SecretPhoneMaker"  # Make
        exif[0x0131] = "GPS-ish software"  # Software
        image.save(out, format=fmt, exif=exif)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def counts(app) -> dict:
    with app.app_context():
        def n(model):
            return db.session.scalar(sa.select(sa.func.count()).select_from(model))
        return {"ratings": n(Rating), "photos": n(RatingPhoto), "supplements": n(RatingSupplement),
                "outbox": n(OutboxEntry)}


def photo_files(app) -> list:
    from pathlib import Path
    return sorted((Path(app.instance_path) / "mobile_photos").rglob("*.*"))
