"""The hash chain (pure): link hashes, the envelope a link travels in, checking links.

A link is (seq, prev, hash): `seq` counts the hall's records from 1, `prev` is the hash of
link seq - 1 (GENESIS for the first), and `hash` = SHA-256 over `prev`, a newline and the
record's bytes. Changing, dropping or reordering any record breaks the links after it.

The record's bytes are its JSON text exactly as the hall wrote it: the outbox keeps that
text and the batch carries it unchanged, next to an envelope holding what is not content
(the link, the sealed phone, the origin a forwarding hub names). So nobody re-serialises a
record to check it. A record sent the older way, as one JSON object with its link inside,
has as bytes its canonical form (canonical() below).
"""
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import orjson

GENESIS = "0" * 64
MAX_SEQ = 2**63 - 1  # what a hub's BIGINT column holds
# Fields that are not the record's content, carried in its envelope: the link itself, and
# what a sender adds on the way (the sealed phone number; the origin a forwarding hub names).
NOT_CONTENT = frozenset(("chain", "contact", "origin_hall"))
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class BadLink(ValueError):
    """A record's chain field is malformed."""


class Link(NamedTuple):  # a tuple: a hub reads thousands a batch, a dataclass costs 3x
    seq: int
    prev: str
    hash: str

    def as_dict(self) -> dict:
        return {"seq": self.seq, "prev": self.prev, "hash": self.hash}


def is_hash(value) -> bool:
    return isinstance(value, str) and _HEX64.match(value) is not None


def canonical(record: dict) -> bytes:
    """The record's content as bytes: sorted keys, no spaces, UTF-8, transport fields out —
    byte for byte what json.dumps(content, sort_keys=True, ensure_ascii=False,
    separators=(",", ":")) gives for records (strings, integers, booleans, null, lists,
    objects), so anyone can recompute it; orjson makes it ~8x cheaper, which matters at a
    hub checking thousands of records per batch. Stable under a JSON round trip."""
    content = dict(record)
    for name in NOT_CONTENT:
        content.pop(name, None)
    return orjson.dumps(content, option=orjson.OPT_SORT_KEYS)


def digest(prev: str, content: bytes) -> str:
    """The one rule: a link's hash over the one before it and the record's bytes."""
    return hashlib.sha256(prev.encode() + b"\n" + content).hexdigest()


def link_hash(prev: str, record: dict) -> str:
    """The hash of a record sent as one JSON object: over its canonical bytes."""
    return digest(prev, canonical(record))


def linked(record: dict, seq: int, prev: str) -> dict:
    """The record as one JSON object, its link (seq, prev, hash) in its "chain" field."""
    return {**record, "chain": Link(seq, prev, link_hash(prev, record)).as_dict()}


def envelope(link: Link | None, **extra) -> dict:
    """What travels beside a record's text: its link under "chain", and transport fields."""
    out = {} if link is None else {"chain": link.as_dict()}
    out.update((k, v) for k, v in extra.items() if v is not None)
    return out


def links_for(contents: Iterable[bytes], seq: int, prev: str) -> list[Link]:
    """The links of records following link (seq, prev), each over its bytes, in order."""
    out = []
    for content in contents:
        seq += 1
        link = Link(seq, prev, digest(prev, content))
        prev = link.hash
        out.append(link)
    return out


def run_links(contents: Iterable[bytes], seq: int, prev: str, last: str) -> list[Link] | None:
    """The links of a run of records numbered from `seq`, the first following `prev`, each
    over its bytes, in order; None unless the last one's hash is `last`. Equal, every record
    is the one its sender hashed, in its place: a change anywhere would change every hash
    after it. Not equal, the run cannot say which record differs."""
    links = links_for(contents, seq - 1, prev)
    return links if links and links[-1].hash == last else None


def text_matches(content: bytes, link: Link) -> bool:
    """Whether the record text is what its link's hash was computed over."""
    return digest(link.prev, content) == link.hash


def link_of(record: dict) -> Link | None:
    """The record's link, None for a record sent without one; BadLink if malformed."""
    chain = record.get("chain") if isinstance(record, dict) else None
    if chain is None:
        return None
    if not isinstance(chain, dict):
        raise BadLink("chain is not an object")
    seq, prev, digest = chain.get("seq"), chain.get("prev"), chain.get("hash")
    if type(seq) is not int or not 1 <= seq <= MAX_SEQ:
        raise BadLink("chain.seq is not a positive 64-bit integer")
    # Length only: a non-hex hash can never equal the hexdigest it is compared with.
    if not (isinstance(prev, str) and len(prev) == 64
            and isinstance(digest, str) and len(digest) == 64):
        raise BadLink("chain.prev and chain.hash are 64 hex digits")
    return Link(seq, prev, digest)


def content_matches(record: dict, link: Link) -> bool:
    """Whether the record's content is what its link's hash was computed over."""
    return link_hash(link.prev, record) == link.hash


@dataclass(frozen=True)
class Problem:
    # gap | hash_mismatch | broken_link | bad_link | head_mismatch; and on the hall, the
    # rating table against the records: rating_missing | rating_differs | rating_unqueued
    kind: str
    seq: int | None
    detail: str


def check_run(records: Iterable[tuple[int | None, dict, bytes | None]],
              first_prev: str = GENESIS, first_seq: int = 1
              ) -> tuple[list[Problem], Link | None]:
    """Checks a hall's records in stored order, (seq column, envelope, record text) each, or
    (seq column, record, None) for records kept as one JSON object: every link
    well-formed, hashing its content, joined to the one before, numbered without a gap.
    Returns the problems and the last link seen."""
    problems: list[Problem] = []
    expected_seq, expected_prev, last = first_seq, first_prev, None
    for column_seq, carrier, content in records:
        try:
            link = link_of(carrier)
        except BadLink as exc:
            problems.append(Problem("bad_link", column_seq, str(exc)))
            continue
        if link is None:
            problems.append(Problem("bad_link", column_seq, "record without a link"))
            continue
        if column_seq is not None and column_seq != link.seq:
            problems.append(Problem("bad_link", link.seq,
                                    f"row says seq {column_seq}, record says {link.seq}"))
        if link.seq != expected_seq:
            problems.append(Problem("gap", expected_seq,
                                    f"expected seq {expected_seq}, found {link.seq}"))
        elif link.prev != expected_prev:
            problems.append(Problem("broken_link", link.seq,
                                    "prev is not the hash of the record before"))
        if not (content_matches(carrier, link) if content is None
                else text_matches(content, link)):
            problems.append(Problem("hash_mismatch", link.seq,
                                    "content differs from what was hashed"))
        expected_seq, expected_prev, last = link.seq + 1, link.hash, link
    return problems, last
