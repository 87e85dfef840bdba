"""Clock skew per event (issue 13, item 8): an event whose time is ahead of the server's
receipt time, or behind the device's previous events, is flagged (and still counted: the
sale happened, only its clock is wrong), and the flags show per device in the reports."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from coopos.server import admin
from coopos.server.validation import CLOCK_TOLERANCE, clock_flags

NOW = datetime(2026, 11, 22, 12, 0, 0)


def at(event, moment: datetime):
    event["created_utc"] = moment.isoformat(sep=" ")
    return event


def clock(answer) -> list[tuple[int, str]]:
    return [
        (f["seq"], f["code"]) for f in answer.json()["flagged"] if f["code"].startswith("clock")
    ]


def test_events_ahead_of_the_server_or_going_backwards_are_flagged(client, db, till, run):
    db.now = lambda: NOW
    at(till.sale(("ALM-500", "1")), NOW - timedelta(hours=2))
    at(till.sale(("ALM-500", "1")), NOW - timedelta(hours=1))
    at(till.sale(("ALM-500", "1")), NOW + timedelta(days=400))  # the clock jumped ahead
    at(till.sale(("ALM-500", "1")), NOW - timedelta(minutes=50))  # and came back: fine
    at(till.sale(("ALM-500", "1")), NOW - timedelta(hours=3))  # set back by 2 h 10
    at(till.sale(("ALM-500", "1")), NOW - timedelta(minutes=48))  # within the tolerance
    answer = till.push()
    assert clock(answer) == [(3, "clock_ahead"), (5, "clock_backwards")]
    back = next(f for f in answer.json()["flagged"] if f["code"] == "clock_backwards")
    assert back["detail"]["previous_seq"] == 4 and back["detail"]["back_s"] == 7800
    assert answer.json()["quarantined"] == []  # flagged, still counted
    assert len(admin.sales(db, admin.SalesFilter())[0]) == 6

    # the reference survives to the next push: earlier than seq 6 by an hour is backwards
    at(till.sale(("ALM-500", "1")), NOW - timedelta(hours=2))
    assert clock(till.push()) == [(7, "clock_backwards")]

    rows = client.get("/v1/flags/summary?prefix=clock_", headers=till.headers).json()["rows"]
    assert [(r["device_id"], r["code"], r["events"]) for r in rows] == [
        (1, "clock_ahead", 1),
        (1, "clock_backwards", 2),
    ]
    listed = client.get("/v1/flags?code=clock_ahead", headers=till.headers).json()["flags"]
    assert [(f["seq"], f["detail"]["ahead_s"]) for f in listed] == [(3, 400 * 86400)]
    code, out, _ = run("flags", "summary", "--clock")
    assert code == 0 and "clock_backwards" in out and "T01" in out
    code, out, _ = run("flags", "list", "--code", "clock_ahead", "--format", "json")
    assert code == 0 and '"ahead_s": 34560000' in out
    code, out, _ = run("device", "list", "--format", "csv")
    assert code == 0 and out.splitlines()[1].split(",")[9] == "3"  # clock flags


def test_a_good_clock_earns_no_flag(till, db):
    till.open_shift()
    for _ in range(20):
        till.sale(("ALM-500", "1"))
    till.close_shift()
    assert clock(till.push()) == []


times = st.lists(st.integers(-10_000, 10_000), max_size=30)


@given(offsets=times, start=st.none() | st.integers(-10_000, 10_000))
def test_clock_flags_follow_their_definition(offsets, start):
    """Ahead: more than the tolerance after receipt.  Backwards: more than the tolerance
    before the latest of the earlier times that were not ahead (and of the reference)."""
    moments = [(seq, NOW + timedelta(minutes=m)) for seq, m in enumerate(offsets, start=1)]
    reference = None if start is None else (0, NOW + timedelta(minutes=start))
    flags, last = clock_flags(moments, NOW, reference)
    found = {(seq, code) for seq, code, _d in flags}
    plausible = [reference[1]] if reference else []
    for seq, moment in moments:
        ahead = moment - NOW > CLOCK_TOLERANCE
        assert ((seq, "clock_ahead") in found) == ahead
        backwards = not ahead and bool(plausible) and max(plausible) - moment > CLOCK_TOLERANCE
        assert ((seq, "clock_backwards") in found) == backwards
        if not ahead:
            plausible.append(moment)
    assert (last[1] if last else None) == (max(plausible) if plausible else None)
    if all(m <= 5 for m in offsets) and offsets == sorted(offsets) and start is None:
        assert flags == []  # a clock that only moves on earns nothing
