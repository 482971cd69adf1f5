"""The hub's link columns, from the revision before with records stored the older way (the
link inside the record) on SQLite and PostgreSQL: each link moves to the columns, each
record gets back the text its link covers, and downgrade puts the links back."""
import json
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from kiosk import close_app, create_app
from kiosk.extensions import db
from kiosk.integrity.chain import GENESIS, Link, text_matches
from kiosk.integrity.chain import digest as link_digest
from tests.revisions import revisions

RATING = ("INSERT INTO hub_rating (id, origin_hall, sender_hall, rated_at, level, channel, "
          "is_default, excluded, record, received_at) VALUES (:id, 'H1', 'H1', "
          "'2026-11-02 09:00:00', 5, 'evaluator', false, false, {record}, "
          "'2026-11-02 09:00:01')")
EVENT = ("INSERT INTO hub_rating_event (id, rating_id, origin_hall, event, at, record, "
         "received_at) VALUES (:id, :rating_id, 'H1', 'case_status', '2026-11-02 10:00:00', "
         "{record}, '2026-11-02 10:00:01')")


def _text(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _content(rid: str) -> str:
    return _text({"schema": 1, "kind": "rating", "id": rid, "level": 5, "comment": "太慢，\"链\""})


def _appended(text: str, link: Link) -> str:
    """As the older hub stored a record sent as a line: its text, the link added at the end."""
    return f'{text[:-1]},"chain":{_text(link.as_dict())}}}'


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_links_move_to_columns_and_records_get_their_text_back(tmp_path, pg_url, engine):
    before, mine = revisions("hub_link_columns")
    url = f"sqlite:///{tmp_path / 'hub.db'}" if engine == "sqlite" else pg_url
    app = create_app({"ROLE": "hub", "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": url})
    ids = {name: str(uuid.uuid4()) for name in ("line", "object", "bare", "huge", "event")}
    texts = {name: _content(rid) for name, rid in ids.items()}
    line = Link(1, GENESIS, link_digest(GENESIS, texts["line"].encode()))
    obj = Link(2, line.hash, "a" * 64)
    event = Link(3, obj.hash, link_digest(obj.hash, texts["event"].encode()))
    # A record sent as one JSON object: the link wherever its sender put it.
    obj_record = {"chain": obj.as_dict(), **json.loads(texts["object"])}
    huge = {**json.loads(texts["huge"]), "chain": {"seq": 2**70, "prev": GENESIS,
                                                   "hash": GENESIS}}
    stored_before = {"line": _appended(texts["line"], line), "object": _text(obj_record),
                     "bare": texts["bare"], "huge": _text(huge),
                     "event": _appended(texts["event"], event)}
    with app.app_context():
        upgrade(revision=before)
        cast = "CAST(:record AS JSON)" if engine == "postgresql" else ":record"
        with db.engine.begin() as conn:
            for name in ("line", "object", "bare", "huge"):
                conn.execute(sa.text(RATING.format(record=cast)),
                             {"id": ids[name], "record": stored_before[name]})
            conn.execute(sa.text(EVENT.format(record=cast)),
                         {"id": ids["event"], "rating_id": ids["line"],
                          "record": stored_before["event"]})
        upgrade(revision=mine)
        got = {}
        with db.engine.connect() as conn:
            for table in ("hub_rating", "hub_rating_event"):
                got.update({str(uuid.UUID(str(rid))): (text, seq, prev, digest)
                            for rid, text, seq, prev, digest in conn.execute(sa.text(
                                f"SELECT id, CAST(record AS TEXT), chain_seq, chain_prev, "
                                f"chain_hash FROM {table}"))})
        downgrade(revision=before)
        with db.engine.connect() as conn:
            back = {str(uuid.UUID(str(rid))): json.loads(text) for rid, text in conn.execute(
                sa.text("SELECT id, CAST(record AS TEXT) FROM hub_rating "
                        "UNION ALL SELECT id, CAST(record AS TEXT) FROM hub_rating_event"))}
        db.engine.dispose()
    close_app(app)

    by_name = {name: got[rid] for name, rid in ids.items()}
    # Sent as lines: the exact text the link covers, which verifies.
    for name, link in (("line", line), ("event", event)):
        assert by_name[name] == (texts[name], *link)
        assert text_matches(by_name[name][0].encode(), link)
    # Sent as one object: the record without its link (its hash covers its canonical form).
    assert json.loads(by_name["object"][0]) == json.loads(texts["object"])
    assert by_name["object"][1:] == tuple(obj)
    assert by_name["bare"] == (texts["bare"], None, None, None)
    # A seq no column holds stays where it was.
    assert json.loads(by_name["huge"][0]) == huge and by_name["huge"][1:] == (None,) * 3
    assert back == {ids[name]: json.loads(text) for name, text in stored_before.items()}
