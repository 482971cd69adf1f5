"""Photos of a rating and 补充评价 (supplements): stored with their outbox row in one commit.

The photo files are written first and removed again if the commit fails, so no row ever
points at a missing file and no failed submission leaves rows behind."""
import re
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from uuid6 import uuid7

from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.mobile.photos import CleanPhoto, remove_photos, write_photos
from kiosk.models import Rating
from kiosk.models.base import utcnow
from kiosk.models.mobile import RatingPhoto, RatingSupplement
from kiosk.ratings.errors import AlreadyRated, RatingError
from kiosk.ratings.record import rating_event_record
from kiosk.ratings.service import COMMENT_MAX
from kiosk.ratings.text import has_control_characters
from kiosk.sync.queue import queue_outbox
from kiosk.timeutil import to_local, to_utc
from kiosk.workdays import workday_deadline

SUPPLEMENT_WORKDAYS = 5
QUERY_CODE_RE = re.compile(r"^PY\d{12}$")


def normalise_query_code(text: str) -> str:
    return re.sub(r"[\s-]", "", text or "").upper()


def rating_by_query_code(code: str) -> Rating | None:
    code = normalise_query_code(code)
    if not QUERY_CODE_RE.match(code):
        return None
    return db.session.scalars(sa.select(Rating).where(Rating.query_code == code)).first()


def supplement_of(rating: Rating) -> RatingSupplement | None:
    return db.session.scalars(
        sa.select(RatingSupplement).where(RatingSupplement.rating_id == rating.id)
    ).first()


def supplement_deadline(rating: Rating) -> datetime:
    """End of the 5th working day after the rating's day (hall time), as naive UTC."""
    return to_utc(workday_deadline(to_local(rating.rated_at), SUPPLEMENT_WORKDAYS))


def can_supplement(rating: Rating, now: datetime | None = None) -> bool:
    return supplement_of(rating) is None and (now or utcnow()) <= supplement_deadline(rating)


def _photo_rows(rating_id, supplement_id, photos: list[CleanPhoto], paths: list[str], now):
    return [
        {
            "rating_id": rating_id, "supplement_id": supplement_id, "path": path,
            "content_type": p.content_type, "size": len(p.data), "width": p.width,
            "height": p.height, "sha256": p.sha256, "created_at": now,
        }
        for p, path in zip(photos, paths, strict=True)
    ]


def _event(rating_id, event: str, at: datetime, note: str = "", **facts) -> dict:
    """A kind="rating_event" record (docs/sync-api.md) for the mobile channel's events.
    Photos go upstream as fingerprints; the files stay in the hall."""
    return rating_event_record(event_id=uuid7(), rating_id=rating_id, event=event, at=at,
                               note=note, facts=facts)


def _photo_facts(photos: list[CleanPhoto]) -> list[dict]:
    return [{"sha256": p.sha256, "content_type": p.content_type, "size": len(p.data)}
            for p in photos]


def _store(instance_path: str, rating_id, photos: list[CleanPhoto], write) -> None:
    """Writes the files, then runs write(conn, paths) and commits; undoes the files on error."""
    paths = write_photos(instance_path, rating_id, photos) if photos else []
    try:
        with write_transaction(db.session()) as conn:
            write(conn, paths)
            db.session.commit()
    except BaseException:
        remove_photos(instance_path, paths)
        raise


class RatingPhotos:
    """The photos sent with a rating: files written first (outside the write transaction),
    rows written by the ratings service in the rating's own transaction (write()), files
    removed again (discard()) when that transaction does not commit."""

    def __init__(self, instance_path: str, photos: list[CleanPhoto]):
        self.instance_path, self.photos = instance_path, photos
        self.paths = write_photos(instance_path, uuid7(), photos) if photos else []

    def write(self, conn, stored, now: datetime) -> None:
        if not self.photos:
            return
        conn.execute(sa.insert(RatingPhoto),
                     _photo_rows(stored.id, None, self.photos, self.paths, now))
        queue_outbox(conn, _event(stored.id, "photos", now, photos=_photo_facts(self.photos)),
                     created_at=now)

    def discard(self) -> None:
        remove_photos(self.instance_path, self.paths)


def add_supplement(instance_path: str, rating: Rating, comment: str, photos: list[CleanPhoto],
                   now: datetime | None = None) -> RatingSupplement:
    now = now or utcnow()
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise RatingError("comment_too_long", _l("补充内容最多 %(n)d 个字。", n=COMMENT_MAX))
    if has_control_characters(comment):
        raise RatingError("bad_comment_characters", _l("留言含有无法显示的控制字符，请删除后再提交。"))
    if not comment and not photos:
        raise RatingError("supplement_empty", _l("请填写补充内容或上传照片。"))
    if supplement_of(rating) is not None:
        raise AlreadyRated("supplement_exists", _l("该评价已经补充过一次，不能再次补充。"))
    if now > supplement_deadline(rating):
        raise RatingError(
            "supplement_too_late",
            _l("补充评价须在评价后 %(n)d 个工作日内提交，已超过期限。", n=SUPPLEMENT_WORKDAYS),
            status=410,
        )
    supplement_id = uuid7()

    def write(conn, paths):
        conn.execute(sa.insert(RatingSupplement).values(
            id=supplement_id, rating_id=rating.id, comment=comment, created_at=now))
        if photos:
            conn.execute(sa.insert(RatingPhoto),
                         _photo_rows(rating.id, supplement_id, photos, paths, now))
        queue_outbox(conn, _event(rating.id, "supplement", now, note=comment, assess_number=2,
                                  supplement_id=str(supplement_id),
                                  photos=_photo_facts(photos)), created_at=now)

    try:
        _store(instance_path, rating.id, photos, write)
    except sa.exc.IntegrityError as exc:  # a second tab submitted at the same moment
        db.session.rollback()
        raise AlreadyRated("supplement_exists",
                           _l("该评价已经补充过一次，不能再次补充。")) from exc
    return db.session.get(RatingSupplement, supplement_id)
