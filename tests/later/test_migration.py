"""The revision of rating later, upgraded from the revision before it with data in it:
rows that reference ratings survive the rebuild of the rating table, pending invitations get
a lookup code, and the channel "later" is accepted (and nothing else new)."""
import importlib.util
import secrets
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from kiosk import create_app
from kiosk.extensions import db
from kiosk.later.codes import SHORT_CODE_ALPHABET
from tests.ops.test_migrations import FILL, RATING_ID

pytestmark = pytest.mark.timeout(60)
SCRIPT = next(Path(__file__).resolve().parents[2].glob(
    "migrations/versions/*_later_link_sms_replies.py"))


def _revision():
    spec = importlib.util.spec_from_file_location("later_revision", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.revision, module.down_revision


SUPPLEMENT_ID = uuid.UUID("01900000-0000-7000-8000-0000000000aa")
MORE = [
    "INSERT INTO invitation (id, case_no, window_id, service_id, staff_id, invited_at,"
    " screen_until, expires_at, status, client) VALUES"
    " (1, '2026-XX-0001', 1, 1, 1, '2026-01-05 08:55:00', '2026-01-05 08:57:00',"
    " '2026-01-12 15:59:59', 'rated', 'queue'),"
    " (2, '2026-XX-0002', 1, 1, 1, '2026-11-30 02:00:00', '2026-11-30 02:02:00',"
    " '2026-12-07 15:59:59', 'pending', 'queue'),"
    " (3, '2026-XX-0003', 1, NULL, NULL, '2026-11-30 03:00:00', '2026-11-30 03:02:00',"
    " NULL, 'pending', NULL)",
    "UPDATE rating SET invitation_id = 1 WHERE id = :id",
    "INSERT INTO rating_supplement (id, rating_id, comment, created_at)"
    " VALUES (:sid, :id, '补充：第二次去也一样', '2026-01-06 09:00:00')",
    "INSERT INTO rating_photo (id, rating_id, supplement_id, path, content_type, size, width,"
    " height, sha256, created_at) VALUES (1, :id, NULL, 'mobile_photos/x/a.jpg', 'image/jpeg',"
    " 1234, 64, 48, :sha, '2026-01-05 09:00:00'), (2, :id, :sid, 'mobile_photos/x/b.png',"
    " 'image/png', 99, 8, 8, :sha, '2026-01-06 09:00:00')",
]


def test_upgrade_from_the_previous_revision_keeps_every_row(tmp_path):
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": secrets.token_hex(8),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hall.db'}",
    })
    mine, previous = _revision()
    params = {"id": RATING_ID.hex, "rid": str(RATING_ID), "sid": SUPPLEMENT_ID.hex,
              "sha": "0" * 64}
    with app.app_context():
        upgrade(revision=previous)
        with db.engine.begin() as conn:
            for statement in FILL + MORE:
                conn.execute(sa.text(statement), params)
        upgrade(revision=mine)
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("PRAGMA foreign_key_check")).all() == []
            assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
            rating = conn.execute(sa.text(
                "SELECT level, channel, case_no, comment, phone, invitation_id FROM rating"
            )).one()
            assert tuple(rating) == (4, "touch", "2026-XX-0001", "排队太久", "13812345678", 1)
            assert conn.execute(sa.text(
                "SELECT count(*) FROM rating_photo WHERE rating_id = :id"), params).scalar() == 2
            assert conn.execute(sa.text(
                "SELECT comment FROM rating_supplement")).scalar() == "补充：第二次去也一样"
            codes = dict(conn.execute(sa.text(
                "SELECT id, short_code FROM invitation")).all())
            assert codes[1] is None  # rated: nothing left to look up
            assert all(len(codes[i]) == 6 and set(codes[i]) <= set(SHORT_CODE_ALPHABET)
                       for i in (2, 3)) and codes[2] != codes[3]
            assert conn.execute(sa.text(
                "SELECT phone_last4 FROM invitation WHERE id = 2")).scalar() is None
            # The rebuilt table takes the new channel and still refuses unknown ones.
            insert = ("INSERT INTO rating (id, level, scale, channel, window_id, invitation_id,"
                      " case_no, reasons, comment, rated_at, created_at, uninvited, is_default,"
                      " excluded) VALUES (:id, 2, 5, :channel, 1, 2, '2026-XX-0002', '[]', '',"
                      " '2026-11-30 05:00:00', '2026-11-30 05:00:00', 0, 0, 0)")
            conn.execute(sa.text(insert), {"id": uuid.uuid4().hex, "channel": "later"})
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text(insert.replace("2, '2026-XX-0002'", "3, '2026-XX-0003'")),
                         {"id": uuid.uuid4().hex, "channel": "sms"})
        db.engine.dispose()


def test_downgrade_turns_later_ratings_back_into_the_mobile_channel(tmp_path):
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": secrets.token_hex(8),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hall.db'}",
    })
    mine, previous = _revision()
    with app.app_context():
        upgrade(revision=mine)
        with db.engine.begin() as conn:
            for statement in FILL:
                conn.execute(sa.text(statement), {"id": RATING_ID.hex, "rid": str(RATING_ID)})
            conn.execute(sa.text("UPDATE rating SET channel = 'later'"))
        downgrade(revision=previous)
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT channel FROM rating")).scalar() == "qr"
            with pytest.raises(sa.exc.IntegrityError):
                conn.execute(sa.text("UPDATE rating SET channel = 'later'"))
        db.engine.dispose()


def test_the_revision_runs_on_postgresql(tmp_path, pg_url):
    app = create_app({
        "TESTING": True, "ROLE": "hub", "INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": secrets.token_hex(8), "SQLALCHEMY_DATABASE_URI": pg_url,
    })
    mine, previous = _revision()
    with app.app_context():
        upgrade(revision=previous)
        upgrade(revision=mine)
        with db.engine.connect() as conn:
            check = conn.execute(sa.text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conname = 'ck_rating_channel' AND conrelid = 'rating'::regclass")).scalar()
            assert "'later'" in check
        downgrade(revision=previous)
        db.engine.dispose()
