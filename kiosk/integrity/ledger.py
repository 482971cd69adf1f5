"""Gives each record the hall queues upstream its link in the hall's chain, inside the
transaction that writes it: the head row is bumped first, which also holds it (the write
lock on SQLite, a row lock elsewhere) until that transaction ends."""
from kiosk.db_statements import Statement
from kiosk.integrity.chain import GENESIS, linked

_BUMP = Statement("UPDATE chain_head SET seq = seq + :n WHERE id = 1 RETURNING seq, hash")
_START = Statement("INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, :hash)")
_SET_HASH = Statement("UPDATE chain_head SET hash = :hash WHERE id = 1")


def link_records(conn, records: list[dict]) -> list[tuple[int, dict]]:
    """(seq, record with its "chain" link) for each record, in order; moves the head."""
    bumped = _BUMP.first(conn, {"n": len(records)})
    if bumped is None:  # the first record this hall ever queues
        _START.run(conn, {"hash": GENESIS})
        bumped = _BUMP.first(conn, {"n": len(records)})
    last_seq, prev = bumped
    seq = last_seq - len(records)
    out = []
    for record in records:
        seq += 1
        record = linked(record, seq, prev)
        prev = record["chain"]["hash"]
        out.append((seq, record))
    _SET_HASH.run(conn, {"hash": prev})
    return out
