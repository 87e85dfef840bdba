"""Multi-part events (coopos/protocol/parts.py): any payload split under any limit joins
back to itself, and every part fits the limit as it travels."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopos.protocol import parts
from coopos.protocol.limits import MAX_EVENT_BYTES

GROUP = "0123456789abcdef0123456789abcdef"
# Letters the tills write (Arabic, Tifinagh), and what JSON must escape.
TEXT = st.text(alphabet=st.sampled_from('aé"\\/\n\tأرⵜⵉ€😀\x00\x1f '), max_size=40)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=60,
)


@settings(max_examples=200, deadline=None)
@given(payload=st.dictionaries(TEXT, JSON, max_size=8), limit=st.integers(300, 2000))
def test_any_payload_split_under_any_limit_joins_back(payload, limit):
    text = json.dumps(payload, ensure_ascii=False)
    pieces = parts.split("stock.movements", text, GROUP, limit)
    assert all(parts.size(parts.encode(p)) <= limit for p in pieces)
    read = [parts.read_part(json.loads(parts.encode(p))) for p in pieces]
    assert parts.join(read) == ("stock.movements", payload)


def test_a_large_import_is_cut_in_parts_under_the_protocols_limit():
    movement = {"sku": "ARG-ⵜⵉ-001", "quantity": "12.500", "note": 'zit "argan" زيت'}
    payload = {"movements": [dict(movement, n=n) for n in range(20_000)]}
    text = json.dumps(payload, ensure_ascii=False)
    pieces = parts.split("stock.movements", text, GROUP)
    sizes = [parts.size(parts.encode(p)) for p in pieces]
    assert len(pieces) > 1 and all(size <= MAX_EVENT_BYTES for size in sizes)
    assert all(size > 0.9 * MAX_EVENT_BYTES for size in sizes[:-1])  # as few parts as can be
    assert [p["part"] for p in pieces] == list(range(1, len(pieces) + 1))
    assert {p["parts"] for p in pieces} == {len(pieces)}
    assert parts.join([parts.read_part(p) for p in pieces])[1] == payload


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ([], "an object"),
        ({"group": "ABC", "kind": "k", "part": 1, "parts": 1, "data": ""}, "uuid"),
        ({"group": GROUP, "kind": "event.part", "part": 1, "parts": 1, "data": ""}, "kind"),
        ({"group": GROUP, "kind": "k", "part": True, "parts": 1, "data": ""}, "whole numbers"),
        ({"group": GROUP, "kind": "k", "part": 3, "parts": 2, "data": ""}, "part 3 of 2"),
        ({"group": GROUP, "kind": "k", "part": 0, "parts": 2, "data": ""}, "part 0 of 2"),
        ({"group": GROUP, "kind": "k", "part": 1, "parts": 1, "data": 5}, "text"),
    ],
)
def test_a_malformed_part_is_named(payload, reason):
    with pytest.raises(parts.PartError, match=reason):
        parts.read_part(payload)


def test_parts_that_do_not_make_a_whole_are_refused():
    pieces = [
        parts.read_part(p) for p in parts.split("k", '{"a": "' + "x" * 900 + '"}', GROUP, 300)
    ]
    assert len(pieces) > 2
    with pytest.raises(parts.PartError, match="has 2 of its"):
        parts.join(pieces[:2])
    with pytest.raises(parts.PartError, match="where 2 should be"):
        parts.join([pieces[0], pieces[2], pieces[1], *pieces[3:]])
    other = parts.Part("f" * 32, "k", 2, pieces[0].parts, pieces[1].data)
    with pytest.raises(parts.PartError, match="another event"):
        parts.join([pieces[0], other, *pieces[2:]])
    broken = parts.Part(GROUP, "k", 1, 1, '{"a": ')
    with pytest.raises(parts.PartError, match="do not join into JSON"):
        parts.join([broken])
    with pytest.raises(parts.PartError, match="an object"):
        parts.join([parts.Part(GROUP, "k", 1, 1, "[1]")])
