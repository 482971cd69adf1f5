"""Gives each record the hall queues upstream its link in the hall's chain, inside the
transaction that writes it: the head row is bumped first, which also holds it (the write
lock on SQLite, a row lock elsewhere) until that transaction ends."""
from kiosk.db_statements import Statement
from kiosk.integrity.chain import GENESIS, Link, links_for

_BUMP = Statement("UPDATE chain_head SET seq = seq + :n WHERE id = 1 RETURNING seq, hash")
_START = Statement("INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, :hash)")
_SET_HASH = Statement("UPDATE chain_head SET hash = :hash WHERE id = 1")


def link_records(conn, texts: list[str]) -> list[Link]:
    """The link of each record text (its bytes as stored), in order; moves the head."""
    bumped = _BUMP.first(conn, {"n": len(texts)})
    if bumped is None:  # the first record this hall ever queues
        _START.run(conn, {"hash": GENESIS})
        bumped = _BUMP.first(conn, {"n": len(texts)})
    last_seq, prev = bumped
    links = links_for((text.encode() for text in texts), last_seq - len(texts), prev)
    _SET_HASH.run(conn, {"hash": links[-1].hash})
    return links
