"""The hub's check of each hall's hash chain (docs/security.md, tamper evidence).

screen() is pure: it reads each record's link and rejects a record whose content is not
what its hash covers. note_links() runs last in the batch's transaction: it holds the
hall's head row, joins the links to the runs of seqs received before
(kiosk/hub/chain_runs.py: normally one UPDATE of the hall's one run per batch; the links
themselves stay in the stored records), moves the verified head forward and writes an
incident for every break. Records that verify are stored whatever else is wrong; nothing
is repaired.

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

from kiosk.hub.chain_runs import Run, changes, fold, split, triage
from kiosk.integrity.chain import (
    GENESIS,
    MAX_SEQ,
    BadLink,
    Link,
    content_matches,
    is_hash,
    link_of,
    text_matches,
)
from kiosk.models import (
    HubChainHead,
    HubChainRestore,
    HubChainRun,
    HubIntegrityIncident,
    HubRating,
    HubRatingEvent,
)

log = logging.getLogger(__name__)

# What an incident can be: a hole in the sequence; content that is not what its hash
# covers; a seq seen before with another hash; a link that does not join its neighbour;
# an unreadable link; a declared restore whose head the hub knew differently.
KINDS = ("gap", "hash_mismatch", "conflict", "broken_link", "bad_link", "restore_mismatch")

heads = HubChainHead.__table__
runs = HubChainRun.__table__
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


def read_link(record: dict) -> Link | BadLink | None:
    """The record's link; None for a record sent without one (a hall, or a record queued,
    before the chain existed); the BadLink if malformed, for screen() to report."""
    try:
        return link_of(record)
    except BadLink as exc:
        return exc


class BadRun(ValueError):
    """A batch's "links" is malformed, or comes with lines that carry links of their own."""


def sent_run(batch: dict, lines) -> tuple[int, str, str] | None:
    """(seq, prev, hash) from the batch's "links": its lines are the sender's own records
    seq, seq + 1, … of its chain, in order, the first following `prev`, the last hashing
    to `hash` (kiosk/integrity/chain.py run_links). None for a batch whose records carry
    their links themselves, or have none. BadRun if malformed."""
    run = batch.get("links")
    if run is None:
        return None
    if lines is None:
        raise BadRun("links: only in a batch sent as lines")
    seq, prev, last = (run.get(k) for k in ("seq", "prev", "hash")) if isinstance(
        run, dict) else (None, None, None)
    if (type(seq) is not int or not 1 <= seq <= MAX_SEQ - len(lines.texts)
            or not is_hash(prev) or not is_hash(last)):
        raise BadRun("links is {seq: a positive integer, prev and hash: 64 hex digits}")
    if any(isinstance(item, dict) and ("chain" in item or "origin_hall" in item)
           for item in lines.items):
        raise BadRun("the lines of a batch with links carry no link or origin of their own")
    return seq, prev, last


def screen(entries, verified: bool = False) -> Screened:
    """entries: (origin hall, record id, its link by read_link(), record, its text) for each
    linked record of the batch; the text is None for a record sent as one JSON object (its
    canonical bytes count). verified: every link was computed over its text already (a
    batch sent as a run)."""
    out = Screened(defaultdict(list), defaultdict(list), set())
    for hall, rid, link, record, text in entries:
        # As stored; the sender chose its length (and, for a broken record, its type).
        rid = rid[:36] if isinstance(rid, str) else None
        if isinstance(link, BadLink):
            out.findings[hall].append(Finding("bad_link", None, rid, str(link)))
            if rid is not None:
                out.mismatched.add(rid)
            continue
        if not verified and not (content_matches(record, link) if text is None
                                 else text_matches(text, link)):
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


# What every batch runs, as fixed text: building SQLAlchemy expressions for each batch cost
# more CPU than the statements themselves. Plain SQL that PostgreSQL and SQLite both take.
# The upsert locks the hall's head row (as SELECT … FOR UPDATE would) and reads it.
_LOCK_HEAD = sa.text(
    "INSERT INTO hub_chain_head (hall_code, seq, hash, updated_at) VALUES (:hall, 0, :genesis,"
    " :now) ON CONFLICT (hall_code) DO UPDATE SET hall_code = excluded.hall_code"
    " RETURNING seq, hash")
_RUNS_AROUND = sa.text(
    "SELECT first_seq, first_prev, last_seq, last_hash FROM hub_chain_run"
    " WHERE hall_code = :hall AND retired_by = 0 AND last_seq >= :low AND first_seq <= :high")
_GROW_RUN = sa.text(
    "UPDATE hub_chain_run SET first_prev = :prev, last_seq = :last, last_hash = :digest"
    " WHERE hall_code = :hall AND retired_by = 0 AND first_seq = :key")
_MOVE_HEAD = sa.text(
    "UPDATE hub_chain_head SET seq = :seq, hash = :hash, updated_at = :now,"
    " reported_seq = COALESCE(:reported, reported_seq) WHERE hall_code = :hall"
).bindparams(sa.bindparam("reported", type_=sa.BigInteger))


def _lock_head(conn, hall: str, now: datetime) -> tuple[int, str | None]:
    seq, digest = conn.execute(_LOCK_HEAD, {"hall": hall, "genesis": GENESIS, "now": now}).one()
    return seq, digest


def _live(hall: str):
    return sa.and_(runs.c.hall_code == hall, runs.c.retired_by == 0)


def _as_run(row) -> Run:
    return Run(row.first_seq, row.first_prev, row.last_seq, row.last_hash)


_RUN_COLUMNS = (runs.c.first_seq, runs.c.first_prev, runs.c.last_seq, runs.c.last_hash)


def _runs_around(conn, hall: str, low: int, high: int) -> list[Run]:
    """The live runs that cover or touch low..high (normally one: the hall's chain so far)."""
    rows = conn.execute(_RUNS_AROUND, {"hall": hall, "low": low - 1, "high": high + 1})
    return [_as_run(r) for r in rows]


def _run_from(conn, hall: str, seq: int) -> Run | None:
    """The first live run that covers seq or starts after it."""
    row = conn.execute(sa.select(*_RUN_COLUMNS).where(_live(hall), runs.c.last_seq >= seq)
                       .order_by(runs.c.last_seq).limit(1)).first()
    return None if row is None else _as_run(row)


def _store_runs(conn, hall: str, before: list[Run], after: list[Run]) -> None:
    gone, changed, added = changes(before, after)
    if gone:
        conn.execute(runs.delete().where(_live(hall), runs.c.first_seq.in_(gone)))
    if changed:
        conn.execute(_GROW_RUN, [{"hall": hall, "key": r.first_seq, "prev": r.first_prev,
                                  "last": r.last_seq, "digest": r.last_hash} for r in changed])
    if added:
        conn.execute(runs.insert(), [
            {"hall_code": hall, "retired_by": 0, "first_seq": r.first_seq,
             "first_prev": r.first_prev, "last_seq": r.last_seq, "last_hash": r.last_hash}
            for r in added])


def _stored_hashes(conn, hall: str, seqs) -> dict[int, set[str]]:
    """The hashes of the hall's stored records at these seqs (a seq received twice, a
    declared restore), by the index on each record's link."""
    found: dict[int, set[str]] = defaultdict(set)
    seqs = sorted(set(seqs))
    if not seqs:
        return found
    for table in (HubRating.__table__, HubRatingEvent.__table__):
        for at, digest in conn.execute(sa.select(table.c.chain_seq, table.c.chain_hash).where(
                table.c.origin_hall == hall, table.c.chain_seq.in_(seqs))):
            found[at].add(digest)
    return found


def _conflicts(conn, hall: str, covered) -> list[Finding]:
    """Links at seqs received before, of records that are not known duplicates: a conflict
    where the hub holds a record at that seq with another hash. (None: the record there
    was refused, and this one, sent again after a fix, is the first stored.)"""
    held = _stored_hashes(conn, hall, [link.seq for link, _ in covered])
    return [Finding("conflict", link.seq, rid, "this seq arrived before with other content")
            for link, rid in covered if held.get(link.seq, set()) - {link.hash}]


def _walk(conn, hall: str, seq: int, digest: str | None,
          at_hand: list[Run]) -> tuple[int, str | None]:
    """Moves the head to the end of the run that continues it (runs are merged: one),
    usually among the runs the batch just joined."""
    run = next((r for r in at_hand if r.covers(seq + 1)), None) or _run_from(conn, hall, seq + 1)
    if run is not None and run.first_seq <= seq + 1:
        return run.last_seq, run.last_hash
    return seq, digest


def _judge_gaps(conn, hall: str, seq: int, digest, low: int,
                detail: str = "confirmed to the hall, never received"):
    """Below `low` every record was confirmed: a hole there is a record never sent.
    The head steps over it (the incident stays) so the same hole is reported once."""
    findings = []
    while seq + 1 < low:
        after = _run_from(conn, hall, seq + 1)
        end = low - 1 if after is None else min(after.first_seq - 1, low - 1)
        findings.append(Finding("gap", seq + 1, None, detail, seq_to=end))
        if after is not None and after.first_seq - 1 == end:
            seq, digest = after.last_seq, after.last_hash
        else:
            seq, digest = end, None
    return seq, digest, findings


def _note_hall_links(conn, hall: str, batch_links,
                     duplicates: set[str]) -> tuple[list[Run], list[Finding]]:
    """Joins the batch's links to the runs: the runs around the batch afterwards, and the
    breaks and conflicts found."""
    seqs = [lk.seq for lk, _ in batch_links]
    before = _runs_around(conn, hall, min(seqs), max(seqs))
    sorted_links = triage(before, batch_links, duplicates)
    after, breaks = fold(before, sorted_links.new)
    _store_runs(conn, hall, before, after)
    findings = [Finding("broken_link", b.seq, b.record_id, b.detail) for b in breaks]
    findings += [Finding("conflict", lk.seq, rid, "this seq arrived twice with other content")
                 for lk, rid in sorted_links.doubled]
    if sorted_links.covered:
        findings += _conflicts(conn, hall, sorted_links.covered)
    return after, findings


def note_links(conn, screened: Screened, sender: str, report: tuple[int | None, int | None],
               batch_id: str | None, now: datetime,
               forwarded: dict[str, int] | None = None, *, duplicates: set[str]) -> None:
    """forwarded: hall → low for the halls whose chains the sender forwards (already
    checked that it may): their gaps are judged below that low as the sender's own are.
    duplicates: ids of the batch's records the hub already held with the same content."""
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
            around, breaks = _note_hall_links(conn, hall, batch_links, duplicates)
            findings += breaks
            seq, digest = _walk(conn, hall, seq, digest, around)
        if hall == sender and low is not None:
            seq, digest, gaps = _judge_gaps(conn, hall, seq, digest, low)
            findings += gaps
        elif hall in forwarded:
            seq, digest, gaps = _judge_gaps(
                conn, hall, seq, digest, forwarded[hall],
                f"forwarded by {sender} as confirmed, never received")
            findings += gaps
        conn.execute(_MOVE_HEAD, {"hall": hall, "seq": seq, "hash": digest, "now": now,
                                  "reported": reported if hall == sender else None})
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


def _hub_hash_at(conn, hall: str, seq: int) -> tuple[Run | None, set[str]]:
    """The live run covering seq, and the hashes the hub holds at seq (from the run's end
    if seq is one, else from the stored records)."""
    run = _run_from(conn, hall, seq)
    if run is None or not run.covers(seq):
        return None, set()
    if run.last_seq == seq:
        return run, {run.last_hash}
    return run, _stored_hashes(conn, hall, [seq]).get(seq, set())


def declare_restore(conn, hall: str, seq: int, digest: str, note: str, now: datetime) -> dict:
    """The hall says it was restored from a backup whose chain ends at (seq, digest): the
    seqs after it are set aside (kept, as retired runs), so the hall's new records there
    are not conflicts."""
    head_seq, _ = _lock_head(conn, hall, now)
    run, held = _hub_hash_at(conn, hall, seq) if seq else (None, set())
    # A seq the hub never received (or whose record it refused) cannot contradict the hall.
    matches = (not held or digest in held) if seq else digest == GENESIS
    restore_id = conn.execute(restores.insert().values(
        hall_code=hall, declared_at=now, seq=seq, hash=digest, hub_seq_before=head_seq,
        matches=matches, retired=0, note=note[:300]).returning(restores.c.id)).scalar_one()
    # The live run then ends in the hub's own hash at seq: a hall that restored something
    # else does not join it.
    ends_in = digest if matches or not held else min(held)
    retired = _retire_after(conn, hall, run, seq, ends_in, restore_id)
    conn.execute(restores.update().where(restores.c.id == restore_id).values(retired=retired))
    if head_seq >= seq:
        conn.execute(heads.update().where(heads.c.hall_code == hall)
                     .values(seq=seq, hash=digest, updated_at=now))
    log.warning("hall %s declared a restore to seq %s (hub head was %s, %d seqs set aside)",
                hall, seq, head_seq, retired)
    if not matches:
        _record(conn, hall, [Finding("restore_mismatch", seq, None,
                                     "the declared head is not the hub's link at that seq")],
                None, now)
    return {"restore_id": restore_id, "seq": seq, "hub_seq_before": head_seq,
            "matches": matches, "retired": retired}


def _retire_after(conn, hall: str, run: Run | None, seq: int, digest: str,
                  restore_id: int) -> int:
    """Sets the live seqs after seq aside under the restore: the run covering seq is cut
    there (its live part ends in the hub's hash at seq), the runs after it go whole.
    Returns how many seqs were set aside."""
    if run is not None and run.last_seq > seq:
        kept, cut = split(run, seq, digest)
        conn.execute(runs.update().where(_live(hall), runs.c.first_seq == run.first_seq)
                     .values(last_seq=kept.last_seq, last_hash=kept.last_hash))
        conn.execute(runs.insert().values(
            hall_code=hall, retired_by=0, first_seq=cut.first_seq, first_prev=cut.first_prev,
            last_seq=cut.last_seq, last_hash=cut.last_hash))
    later = sa.and_(_live(hall), runs.c.first_seq > seq)
    retired = conn.execute(sa.select(sa.func.coalesce(
        sa.func.sum(runs.c.last_seq - runs.c.first_seq + 1), 0)).where(later)).scalar_one()
    conn.execute(runs.update().where(later).values(retired_by=restore_id))
    return int(retired)
