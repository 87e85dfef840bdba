"""Bad requests get a 4xx with a reason, never a 500, and store nothing; a bad event in
a good request is stored and quarantined, never an error for its batch (issue 13)."""

from __future__ import annotations

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from coopos.server.models import Event, Sale

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
UUID = "a" * 32


def stored(db) -> int:
    with db.read() as s:
        return s.execute(select(func.count()).select_from(Event)).scalar_one()


def event(**fields):
    return {
        "seq": 1,
        "uuid": UUID,
        "kind": "sale.completed",
        "payload": {},
        "created_utc": "2026-11-22 10:00:00",
        **fields,
    }


GARBAGE = [
    b"",
    b"not json",
    b"[]",
    b"null",
    b'{"events": "x"}',
    b'{"events": [1, 2]}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"events": [' + b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"]}",
    json.dumps({"events": [event(seq=0)]}).encode(),
    json.dumps({"events": [event(seq=-5)]}).encode(),
    json.dumps({"events": [event(seq=10**30)]}).encode(),
    json.dumps({"events": [event(seq=1.5)]}).encode(),
    json.dumps({"events": [event(seq="1")]}).encode(),
    json.dumps({"events": [event(seq=True)]}).encode(),
    json.dumps({"events": [event(uuid="not-a-uuid")]}).encode(),
    json.dumps({"events": [event(uuid="A" * 32)]}).encode(),
    json.dumps({"events": [event(kind="")]}).encode(),
    json.dumps({"events": [event(kind="k" * 65)]}).encode(),
    json.dumps({"events": [event(payload=[1, 2])]}).encode(),
    json.dumps({"events": [event(payload="text")]}).encode(),
    json.dumps({"events": [event()], "device_time": "soon"}).encode(),
    json.dumps({"events": [event()], "device_time": "x" * 41}).encode(),
]


def test_garbage_pushes_get_a_4xx(client, db, till):
    for number, body in enumerate(GARBAGE):
        answer = client.post(
            "/v1/sync/push",
            content=body,
            headers={**till.headers, "Content-Type": "application/json"},
        )
        assert 400 <= answer.status_code < 500, (number, answer.text)
        assert answer.json()["detail"]["code"]
    assert stored(db) == 0


def test_garbage_elsewhere_gets_a_4xx(client, db, till):
    token = till.headers
    for method, path, body in [
        ("post", "/v1/enroll", b"{}"),
        ("post", "/v1/enroll", json.dumps({"code": "x" * 65}).encode()),
        ("post", "/v1/enroll", json.dumps({"code": "\ud800"}).encode()),
        ("post", "/v1/enroll", b'{"code": "\\ud800", "device_name": "\\u0000"}'),
        ("post", "/v1/enroll", json.dumps({"code": "A", "device_time": "never"}).encode()),
        ("get", "/v1/sync/pull?cursor=-1", None),
        ("get", "/v1/sync/pull?cursor=abc", None),
        ("get", "/v1/sync/pull?limit=100000", None),
        ("get", "/v1/stock?location=%00", None),
        ("get", "/v1/sales?day=yesterday", None),
        ("get", "/v1/sales?cooperative=a%00b", None),
        ("get", "/v1/catalog/products/%00", None),
        ("put", "/v1/catalog/products/ALM-500", b'{"version": 1, "name_fr": "\\u0000"}'),
        ("get", "/v1/nowhere", None),
        ("delete", "/v1/sync/push", None),
    ]:
        answer = client.request(
            method, path, content=body, headers={**token, "Content-Type": "application/json"}
        )
        assert 400 <= answer.status_code < 500, (path, body, answer.text)
        assert answer.json()["detail"]["code"], answer.text


def test_events_no_column_can_hold_are_kept_whole_and_quarantined(client, db, till):
    """Issue 13 (these were 422s for the whole batch): a NUL or a lone surrogate in the
    kind or the payload, a time that is not one; each is stored, escaped, acknowledged."""
    good = till.sale(("ALM-500", "1"))
    bodies = [
        dict(good, seq=2, uuid="b" * 32, kind="nul\u0000kind"),
        dict(good, seq=3, uuid="c" * 32, created_utc="yesterday"),
        dict(good, seq=4, uuid="d" * 32, created_utc="2026-13-45 10:00"),
        dict(good, seq=5, uuid="e" * 32, kind="x.y", payload={"a": "nul \u0000"}),
    ]
    body = json.dumps({"events": [good, *bodies]})[:-2]
    body += ', {"seq": 6, "uuid": "' + "f" * 32 + '", "kind": "x", '
    body += '"payload": {"s": "\\ud800"}, "created_utc": "2026-11-22"}]}'
    answer = client.post(
        "/v1/sync/push",
        content=body.encode(),
        headers={**till.headers, "Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["acked_through"] == 6 and answer.json()["stored"] == 6
    assert [(q["seq"], q["code"]) for q in answer.json()["quarantined"]] == [
        (2, "invalid_text"),
        (3, "invalid_time"),
        (4, "invalid_time"),
        (5, "unknown_kind"),
        (6, "unknown_kind"),
    ]
    assert stored(db) == 6
    with db.read() as s:
        kinds = dict(s.execute(select(Event.seq, Event.kind)).all())
        payload = s.execute(select(Event.payload).where(Event.seq == 6)).scalar_one()
    assert kinds[2] == "nul\\u0000kind"  # escaped: no column holds a NUL
    assert json.loads(payload) == {"s": "\ud800"}  # kept whole
    again = client.post(
        "/v1/sync/push",
        content=body.encode(),
        headers={**till.headers, "Content-Type": "application/json"},
    )
    assert again.json()["duplicates"] == 6  # the same event escaped the same way


def test_a_bad_payload_names_the_event_and_the_field(till):
    event = till.sale(("ALM-500", "1"))
    event["payload"]["lines"][0]["quantity"] = "1.0001"
    answer = till.push()
    assert answer.status_code == 200
    [held] = answer.json()["quarantined"]
    assert held["code"] == "invalid_event" and held["seq"] == 1
    assert held["detail"]["errors"][0]["loc"] == "lines.0.quantity"


def test_one_bad_event_is_quarantined_the_rest_of_its_batch_projected(db, till):
    """Issue 13: this was a 422 that stored nothing of the batch."""
    till.sale(("ALM-500", "1"))
    bad = till.sale(("ALM-500", "1"))
    bad["payload"]["total"] = "a lot"
    till.sale(("ALM-500", "1"))
    answer = till.push()
    assert answer.status_code == 200 and answer.json()["acked_through"] == 3
    assert [(q["seq"], q["code"]) for q in answer.json()["quarantined"]] == [(2, "invalid_event")]
    assert stored(db) == 3
    with db.read() as s:
        assert s.execute(select(func.count()).select_from(Sale)).scalar_one() == 2


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@FUZZ
@given(data=st.data())
def test_fuzzed_payloads_never_get_a_500(client, db, till, data):
    """Take a real event of each kind and break one field of it."""
    till.outbox.clear()
    till.open_shift()
    till.sale(("ALM-500", "1"), ("ALM-VRAC", "0.25"))
    till.cash(100)
    till.close_shift()
    till.event("stock.movements", {"movements": till.outbox[1]["payload"]["stock_movements"]})
    original = data.draw(st.sampled_from(till.outbox))
    broken = copy.deepcopy(original)
    target = broken["payload"]
    path = []
    while isinstance(target, dict | list) and target and data.draw(st.booleans()):
        key = data.draw(
            st.sampled_from(list(target) if isinstance(target, dict) else range(len(target)))
        )
        path.append(key)
        if not isinstance(target[key], dict | list):
            break
        target = target[key]
    if isinstance(target, dict):
        key = data.draw(st.sampled_from([*target, "extra"]) if target else st.just("extra"))
        target[key] = data.draw(json_values)
    elif isinstance(target, list):
        target.append(data.draw(json_values))
    broken["seq"] = till.acked + 1  # a new event each time, so that it is validated
    before = stored(db)
    answer = till.client.post("/v1/sync/push", json={"events": [broken]}, headers=till.headers)
    # issue 13: whatever the payload holds, the event is stored and acknowledged (projected
    # or quarantined); it never stops the till's queue
    assert answer.status_code == 200, answer.text
    till.acked += 1
    assert answer.json()["acked_through"] == till.acked
    assert stored(db) == before + 1
    # what breaks a rule is caught by the rules, not by the database
    assert "projection_failed" not in {q["code"] for q in answer.json()["quarantined"]}
