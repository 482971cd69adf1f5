"""The hub's check of each hall's hash chain (docs/security.md, tamper evidence).

screen() is pure: it reads each record's link and rejects a record whose content is not
what its hash covers. note_links() runs last in the batch's transaction: it holds the
hall's head row, compares the links with those seen before, stores the new ones, moves the
verified head forward and writes an incident for every break. Records that verify are
stored whatever else is wrong; nothing is repaired.

A gap is only judged below the sending hall's `low` (its oldest record the hub has not
confirmed): batches sent in parallel or retried may arrive out of order, but a record
below `low` was confirmed by the hub, so if its link is missing it was never sent. A hub
that forwards halls' chains reports such a `low` per hall once its outbox is drained
(kiosk/sync/store.py chain_report), and the hub above judges their gaps the same way.
"""
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from kiosk.integrity.chain import GENESIS, BadLink, Link, content_matches, link_of
from kiosk.models import HubChainHead, HubChainLink, HubChainRestore, HubIntegrityIncident

log = logging.getLogger(__name__)

# What an incident can be: a hole in the sequence; content that is not what its hash
# covers; a seq seen before with another hash; a link that does not join its neighbour;
# an unreadable link; a declared restore whose head the hub knew differently.
KINDS = ("gap", "hash_mismatch", "conflict", "broken_link", "bad_link", "restore_mismatch")
WALK_CHUNK = 1000

heads = HubChainHead.__table__
links = HubChainLink.__table__
incidents = HubIntegrityIncident.__table__
restores = HubChainRestore.__table__


@dataclass(frozen=True)
class Finding:
    kind: str
    seq: int | None
    record_id: str | None = None
    detail: str = ""
    seq_to: int | None = None  # a gap's last missing seq


@dataclass
class Screened:
    links: dict[str, list[tuple[Link, str | None]]]  # hall → its links in this batch
    findings: dict[str, list[Finding]]
    mismatched: set[str]  # record ids to reject


def screen(entries) -> Screened:
    """entries: (origin hall, record id, record) for each record of the batch."""
    out = Screened(defaultdict(list), defaultdict(list), set())
    for hall, rid, record in entries:
        rid = None if rid is None else rid[:36]  # as stored; the sender chose its length
        try:
            link = link_of(record)
        except BadLink as exc:
            out.findings[hall].append(Finding("bad_link", None, rid, str(exc)))
            if rid is not None:
                out.mismatched.add(rid)
            continue
        if link is None:
            continue  # a hall (or a record queued) before the chain existed
        if not content_matches(record, link):
            out.findings[hall].append(Finding("hash_mismatch", link.seq, rid,
                                              "content differs from what was hashed"))
            if rid is not None:
                out.mismatched.add(rid)
        out.links[hall].append((link, rid))
    return out


def sender_report(batch: dict) -> tuple[int | None, int | None]:
    """(low, head) from the batch's "chain" object: the sender's own chain."""
    chain = batch.get("chain")
    if not isinstance(chain, dict):
        return None, None

    def count(v):
        return v if type(v) is int and v >= 0 else None

    return count(chain.get("low")), count(chain.get("head"))


def forwarded_report(batch: dict) -> dict[str, int]:
    """hall → low from the batch's chain.forwarded: a forwarding hub's word that every
    record of that hall below `low` was sent up and confirmed. Who may say so for which
    hall is the caller's to check (kiosk/hub/tenancy.py)."""
    chain = batch.get("chain")
    forwarded = chain.get("forwarded") if isinstance(chain, dict) else None
    if not isinstance(forwarded, dict):
        return {}
    out = {}
    for hall, position in forwarded.items():
        low = position.get("low") if isinstance(position, dict) else None
        if isinstance(hall, str) and type(low) is int and low > 0:
            out[hall] = low
    return out


def _insert(conn):
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def _lock_head(conn, hall: str, now: datetime) -> tuple[int, str | None]:
    conn.execute(_insert(conn)(heads).values(hall_code=hall, seq=0, hash=GENESIS,
                                             updated_at=now).on_conflict_do_nothing())
    row = conn.execute(sa.select(heads.c.seq, heads.c.hash).where(heads.c.hall_code == hall)
                       .with_for_update()).one()
    return row.seq, row.hash


def _live(hall: str):
    return sa.and_(links.c.hall_code == hall, links.c.retired_by == 0)


def _known(conn, hall: str, low: int, high: int) -> dict[int, tuple[str, str]]:
    rows = conn.execute(sa.select(links.c.seq, links.c.prev, links.c.hash)
                        .where(_live(hall), links.c.seq.between(low, high)))
    return {seq: (prev, digest) for seq, prev, digest in rows}


def _compare(known: dict, batch_links) -> tuple[dict, dict, list[Finding]]:
    """The batch's links not seen before (seq → (link, id)), all links now known around
    them (seq → (prev, hash)), and the breaks they show."""
    findings, new = [], {}
    for link, rid in sorted(batch_links, key=lambda x: x[0].seq):
        seen = known.get(link.seq) or (
            (new[link.seq][0].prev, new[link.seq][0].hash) if link.seq in new else None)
        if seen is not None:
            if seen[1] != link.hash:
                findings.append(Finding("conflict", link.seq, rid,
                                        "this seq arrived before with other content"))
            continue
        new[link.seq] = (link, rid)
    view = {**known, **{s: (lk.prev, lk.hash) for s, (lk, _) in new.items()}}
    for seq, (link, rid) in new.items():
        before = GENESIS if seq == 1 else view.get(seq - 1, (None, None))[1]
        if before is not None and before != link.prev:
            findings.append(Finding("broken_link", seq, rid,
                                    "prev is not the hash of the record before"))
        after = known.get(seq + 1)
        if after is not None and after[0] != link.hash:
            findings.append(Finding("broken_link", seq + 1, None,
                                    "the record after does not join this one"))
    return new, view, findings


def _walk_known(view: dict, seq: int, digest: str | None) -> tuple[int, str | None]:
    """Moves the head along links already in hand (usually: the batch just received)."""
    while seq + 1 in view:
        seq += 1
        digest = view[seq][1]
    return seq, digest


def _walk(conn, hall: str, seq: int, digest: str | None) -> tuple[int, str | None]:
    """Moves the head along stored links that follow it without a hole (links that came
    ahead of their turn, in an earlier batch)."""
    while True:
        rows = conn.execute(sa.select(links.c.seq, links.c.hash)
                            .where(_live(hall), links.c.seq > seq)
                            .order_by(links.c.seq).limit(WALK_CHUNK)).all()
        for next_seq, next_hash in rows:
            if next_seq != seq + 1:
                return seq, digest
            seq, digest = next_seq, next_hash
        if len(rows) < WALK_CHUNK:
            return seq, digest


# COPY's text format: what the sender wrote is escaped, a missing id is NULL.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def _copy_text(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _store_links(conn, hall: str, new: dict, now: datetime) -> None:
    """New links only (the head row is held, and every seq was looked up): on PostgreSQL
    one COPY of ready-made text, a fraction of the cost of an INSERT per row."""
    if not new:
        return
    if conn.dialect.name == "postgresql":
        tail = f"\t{now.isoformat()}\n"

        def rows(esc):
            return "".join(
                f"{hall}\t0\t{s}\t{esc(lk.prev)}\t{esc(lk.hash)}\t"
                f"{_NULL if rid is None else esc(rid)}{tail}" for s, (lk, rid) in new.items())

        # Links as halls send them are hex digests and uuids: if the text has only its own
        # separators and no backslash, nothing in it needs escaping.
        text = rows(str)
        nulls = sum(rid is None for _, rid in new.values())
        if (text.count("\t") != 6 * len(new) or text.count("\n") != len(new)
                or text.count("\\") != nulls or "\r" in text):
            text = rows(_copy_text)
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(
                "COPY hub_chain_link (hall_code, retired_by, seq, prev, hash, record_id, "
                "received_at) FROM STDIN") as copy:
            copy.write(text)
        return
    conn.execute(links.insert(), [
        {"hall_code": hall, "retired_by": 0, "seq": s, "prev": lk.prev, "hash": lk.hash,
         "record_id": rid, "received_at": now} for s, (lk, rid) in new.items()])


def _judge_gaps(conn, hall: str, seq: int, digest, low: int,
                detail: str = "confirmed to the hall, never received"):
    """Below `low` every record was confirmed: a hole there is a record never sent.
    The head steps over it (the incident stays) so the same hole is reported once."""
    findings = []
    while seq + 1 < low:
        after = conn.execute(sa.select(links.c.seq, links.c.prev)
                             .where(_live(hall), links.c.seq > seq)
                             .order_by(links.c.seq).limit(1)).first()
        end = low - 1 if after is None else min(after.seq - 1, low - 1)
        findings.append(Finding("gap", seq + 1, None, detail, seq_to=end))
        if after is not None and after.seq - 1 == end:
            seq, digest = _walk(conn, hall, end, after.prev)
        else:
            seq, digest = end, None
    return seq, digest, findings


def note_links(conn, screened: Screened, sender: str, report: tuple[int | None, int | None],
               batch_id: str | None, now: datetime,
               forwarded: dict[str, int] | None = None) -> None:
    """forwarded: hall → low for the halls whose chains the sender forwards (already
    checked that it may): their gaps are judged below that low as the sender's own are."""
    low, reported = report
    forwarded = {h: lo for h, lo in (forwarded or {}).items() if h != sender}
    halls = set(screened.links) | set(screened.findings) | set(forwarded)
    if low is not None:
        halls.add(sender)
    for hall in sorted(halls):  # one order for every batch: no deadlock between two
        findings = list(screened.findings.get(hall, []))
        seq, digest = _lock_head(conn, hall, now)
        batch_links = screened.links.get(hall, [])
        if batch_links:
            seqs = [lk.seq for lk, _ in batch_links]
            known = _known(conn, hall, min(seqs) - 1, max(seqs) + 1)
            new, view, breaks = _compare(known, batch_links)
            findings += breaks
            _store_links(conn, hall, new, now)
            seq, digest = _walk(conn, hall, *_walk_known(view, seq, digest))
        if hall == sender and low is not None:
            seq, digest, gaps = _judge_gaps(conn, hall, seq, digest, low)
            findings += gaps
        elif hall in forwarded:
            seq, digest, gaps = _judge_gaps(
                conn, hall, seq, digest, forwarded[hall],
                f"forwarded by {sender} as confirmed, never received")
            findings += gaps
        values = {"seq": seq, "hash": digest, "updated_at": now}
        if hall == sender and reported is not None:
            values["reported_seq"] = reported
        conn.execute(heads.update().where(heads.c.hall_code == hall).values(**values))
        _record(conn, hall, findings, batch_id, now)


def _ranges(findings: list[Finding]):
    """Consecutive findings of one kind become one incident (a rewound chain is one)."""
    keyed = sorted(findings, key=lambda f: (f.kind, f.seq if f.seq is not None else -1))
    run: list[Finding] = []
    for f in keyed:
        if run and (f.kind != run[-1].kind or f.seq is None or run[-1].seq is None
                    or f.seq != run[-1].seq + 1 or f.kind == "gap"):
            yield run
            run = []
        run.append(f)
    if run:
        yield run


def _record(conn, hall: str, findings: list[Finding], batch_id, now) -> None:
    rows = []
    for run in _ranges(findings):
        first, last = run[0], run[-1]
        rows.append({"hall_code": hall, "kind": first.kind, "seq_from": first.seq,
                     "seq_to": last.seq_to or last.seq, "count": len(run), "record_id": first.record_id,
                     "detail": first.detail[:300], "batch_id": batch_id, "detected_at": now})
        log.warning("integrity incident for hall %s: %s at seq %s–%s (%d): %s", hall,
                    first.kind, first.seq, last.seq_to or last.seq, len(run), first.detail)
    if rows:
        conn.execute(incidents.insert(), rows)


def declare_restore(conn, hall: str, seq: int, digest: str, note: str, now: datetime) -> dict:
    """The hall says it was restored from a backup whose chain ends at (seq, digest): links
    after it are set aside (kept), so the hall's new records there are not conflicts."""
    head_seq, _ = _lock_head(conn, hall, now)
    at_seq = conn.execute(sa.select(links.c.hash).where(_live(hall), links.c.seq == seq)).scalar()
    # A seq the hub never received cannot contradict the hall.
    matches = at_seq in (None, digest) if seq else digest == GENESIS
    restore_id = conn.execute(restores.insert().values(
        hall_code=hall, declared_at=now, seq=seq, hash=digest, hub_seq_before=head_seq,
        matches=matches, retired=0, note=note[:300]).returning(restores.c.id)).scalar_one()
    retired = conn.execute(links.update().where(_live(hall), links.c.seq > seq)
                           .values(retired_by=restore_id)).rowcount
    conn.execute(restores.update().where(restores.c.id == restore_id).values(retired=retired))
    if head_seq >= seq:
        conn.execute(heads.update().where(heads.c.hall_code == hall)
                     .values(seq=seq, hash=digest, updated_at=now))
    log.warning("hall %s declared a restore to seq %s (hub head was %s, %d links set aside)",
                hall, seq, head_seq, retired)
    if not matches:
        _record(conn, hall, [Finding("restore_mismatch", seq, None,
                                     "the declared head is not the hub's link at that seq")],
                None, now)
    return {"restore_id": restore_id, "seq": seq, "hub_seq_before": head_seq,
            "matches": matches, "retired": retired}
