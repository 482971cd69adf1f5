"""The chain's pure part: links over record texts, the canonical form of records sent as one
JSON object, and what check_run finds."""
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.integrity.chain import (
    GENESIS,
    NOT_CONTENT,
    BadLink,
    Link,
    canonical,
    check_run,
    content_matches,
    digest,
    envelope,
    link_of,
    linked,
    text_matches,
)


def _records(n: int) -> list[dict]:
    out, prev = [], GENESIS
    for i in range(1, n + 1):
        record = linked({"kind": "rating", "id": f"r{i}", "level": 1 + i % 5,
                         "comment": "窗口很好", "reasons": []}, seq=i, prev=prev)
        prev = record["chain"]["hash"]
        out.append(record)
    return out


def _kinds(records) -> list[tuple[str, int]]:
    problems, _ = check_run((r["chain"]["seq"], r, None) for r in records)
    return [(p.kind, p.seq) for p in problems]


def test_canonical_form_survives_the_wire_and_ignores_transport_fields():
    (record,) = _records(1)
    on_the_wire = json.loads(json.dumps({**record, "contact": "sealed",
                                         "origin_hall": "530102-WH"}))
    assert canonical(on_the_wire) == canonical(record)
    assert content_matches(on_the_wire, link_of(on_the_wire))
    assert canonical({"b": 1, "a": "好"}) == '{"a":"好","b":1}'.encode()


def test_an_intact_run_has_no_problem():
    problems, last = check_run((r["chain"]["seq"], r, None) for r in _records(5))
    assert problems == [] and last.seq == 5


def _texts(n: int) -> list[tuple[int, dict, bytes]]:
    """(seq, envelope, text) as the outbox keeps them: the hash covers the text's bytes."""
    out, prev = [], GENESIS
    for i in range(1, n + 1):
        text = json.dumps({"kind": "rating", "id": f"r{i}", "level": 1 + i % 5,
                           "comment": "窗口很好"}, ensure_ascii=False).encode()
        link = Link(i, prev, digest(prev, text))
        out.append((i, envelope(link), text))
        prev = link.hash
    return out


def test_links_over_texts_check_the_very_bytes():
    rows = _texts(4)
    assert check_run(rows)[0] == []
    seq, env, text = rows[2]
    # The same record, one space less: other bytes, so not what was linked.
    rows[2] = (seq, env, text.replace(b", ", b",", 1))
    assert [(p.kind, p.seq) for p in check_run(rows)[0]] == [("hash_mismatch", 3)]
    assert envelope(None, origin_hall="530102-WH", contact=None) == {"origin_hall": "530102-WH"}


def test_a_link_made_on_a_json_object_verifies_on_its_canonical_text():
    """What lets a record linked the older way travel, and be stored, as text."""
    (record,) = _records(1)
    link = link_of(record)
    assert text_matches(canonical(record), link)
    assert not text_matches(json.dumps(record).encode(), link)


def test_a_deleted_record_is_a_gap():
    records = _records(5)
    del records[2]
    assert _kinds(records) == [("gap", 3)]


def test_a_changed_level_is_a_hash_mismatch():
    records = _records(5)
    records[1] = {**records[1], "level": 5}
    assert _kinds(records) == [("hash_mismatch", 2)]


def test_reordered_records_break_the_links():
    records = _records(5)
    records[1], records[2] = records[2], records[1]
    assert ("gap", 2) in _kinds(records)


def test_swapped_contents_under_the_same_links_are_hash_mismatches():
    records = _records(5)
    a, b = records[1], records[2]
    records[1] = {**b, "chain": a["chain"]}
    records[2] = {**a, "chain": b["chain"]}
    assert _kinds(records) == [("hash_mismatch", 2), ("hash_mismatch", 3)]


def test_a_rewritten_link_no_longer_joins_the_one_before():
    records = _records(3)
    records[1] = linked({k: v for k, v in records[1].items() if k != "chain"} | {"level": 5},
                        seq=2, prev="f" * 64)
    assert _kinds(records) == [("broken_link", 2), ("broken_link", 3)]


@pytest.mark.parametrize("chain", [
    "x", {"seq": 0, "prev": GENESIS, "hash": GENESIS}, {"seq": 1, "prev": "0" * 63,
                                                         "hash": GENESIS},
    {"seq": True, "prev": GENESIS, "hash": GENESIS},
])
def test_malformed_links_are_refused(chain):
    with pytest.raises(BadLink):
        link_of({"chain": chain})


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), _json_values, max_size=8))
def test_canonical_form_is_the_documented_stdlib_json(record):
    expected = json.dumps({k: v for k, v in record.items() if k not in NOT_CONTENT},
                          sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    assert canonical(record) == expected
