"""A hall's chain at the hub as runs: stretches of consecutive seqs received, each kept by
its two ends (the first link's prev, the last link's hash). The links inside a run are in
the stored records; to join a new batch only the ends are needed. Pure: chain_check.py
reads and writes the runs.
"""
from dataclasses import dataclass

from kiosk.integrity.chain import GENESIS, Link


@dataclass(frozen=True)
class Run:
    first_seq: int
    first_prev: str
    last_seq: int
    last_hash: str

    def covers(self, seq: int) -> bool:
        return self.first_seq <= seq <= self.last_seq

    @property
    def length(self) -> int:
        return self.last_seq - self.first_seq + 1


@dataclass(frozen=True)
class Break:
    """A link that does not join its neighbour (a broken_link incident)."""
    seq: int
    record_id: str | None
    detail: str


@dataclass
class Triage:
    new: list[tuple[Link, str | None]]  # at seqs no run covers, one per seq, by seq
    covered: list[tuple[Link, str | None]]  # at covered seqs, not known duplicates
    doubled: list[tuple[Link, str | None]]  # a seq twice in the batch with other content


def _seq(item) -> int:
    return item[0].seq


def triage(runs: list[Run], batch_links, duplicates: set[str]) -> Triage:
    """Sorts the batch's links. A record the hub already held with the same content (a
    duplicate) at a covered seq is a replay and needs nothing more."""
    out = Triage([], [], [])
    first: dict[int, Link] = {}
    seqs = [link.seq for link, _ in batch_links]
    # A batch comes in seq order (a hall sends its outbox by row): no need to sort it.
    ordered = list(batch_links) if seqs == sorted(seqs) else sorted(batch_links, key=_seq)
    if not ordered:
        return out
    low, high = ordered[0][0].seq, ordered[-1][0].seq
    inside = [r for r in runs if r.last_seq >= low and r.first_seq <= high]
    if not inside and high - low == len(ordered) - 1:
        # The usual batch: seqs without a hole or a repeat, none received before.
        out.new = ordered
        return out
    for link, rid in ordered:
        if inside and any(run.covers(link.seq) for run in inside):
            if rid is None or rid not in duplicates:
                out.covered.append((link, rid))
        elif link.seq in first:
            if first[link.seq].hash != link.hash:
                out.doubled.append((link, rid))
        else:
            first[link.seq] = link
            out.new.append((link, rid))
    return out


def _groups(new):
    if new and new[-1][0].seq - new[0][0].seq == len(new) - 1:
        yield new  # the usual case: one stretch
        return
    group: list = []
    for item in new:
        if group and item[0].seq != group[-1][0].seq + 1:
            yield group
            group = []
        group.append(item)
    if group:
        yield group


def fold(runs: list[Run], new) -> tuple[list[Run], list[Break]]:
    """Adds the new links (triage().new) to the runs around them (disjoint, not adjacent):
    each stretch of consecutive new seqs joins the run ending just before it and the one
    starting just after it, even where a link does not join (the break is reported, the
    seqs were received all the same). Returns the runs afterwards and the breaks."""
    by_first = {r.first_seq: r for r in runs}
    by_last = {r.last_seq: r for r in runs}
    breaks: list[Break] = []
    for group in _groups(new):
        (head, head_id), (tail, _) = group[0], group[-1]
        if [lk.prev for lk, _ in group[1:]] != [lk.hash for lk, _ in group[:-1]]:
            for (before, _), (link, rid) in zip(group, group[1:], strict=False):
                if link.prev != before.hash:
                    breaks.append(Break(link.seq, rid,
                                        "prev is not the hash of the record before"))
        left = by_last.pop(head.seq - 1, None)
        right = by_first.pop(tail.seq + 1, None)
        expected = GENESIS if head.seq == 1 else left.last_hash if left else None
        if expected is not None and expected != head.prev:
            breaks.append(Break(head.seq, head_id, "prev is not the hash of the record before"))
        if right is not None and right.first_prev != tail.hash:
            breaks.append(Break(tail.seq + 1, None, "the record after does not join this one"))
        if left is not None:
            del by_first[left.first_seq]
        if right is not None:
            del by_last[right.last_seq]
        merged = Run(left.first_seq if left else head.seq, left.first_prev if left else head.prev,
                     right.last_seq if right else tail.seq,
                     right.last_hash if right else tail.hash)
        by_first[merged.first_seq] = by_last[merged.last_seq] = merged
    return sorted(by_first.values(), key=lambda r: r.first_seq), breaks


def changes(before: list[Run], after: list[Run]):
    """(first seqs of runs gone, runs changed, runs added), keyed by first_seq."""
    old = {r.first_seq: r for r in before}
    new = {r.first_seq: r for r in after}
    gone = [s for s in old if s not in new]
    changed = [r for s, r in new.items() if s in old and old[s] != r]
    added = [r for s, r in new.items() if s not in old]
    return gone, changed, added


def split(run: Run, seq: int, digest: str) -> tuple[Run, Run]:
    """The run cut after seq (first_seq <= seq < last_seq): the part up to seq, ending in
    digest, and the part after it, joined to digest."""
    return (Run(run.first_seq, run.first_prev, seq, digest),
            Run(seq + 1, digest, run.last_seq, run.last_hash))
