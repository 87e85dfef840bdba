"""Multi-part events on the server (issue 13, item 3): the parts of a large event are
stored as they come, and the whole event is projected exactly once, when its last part
arrives, whatever the pushes and retries in between; a group that cannot make a whole is
quarantined like any unreadable event, and replayed from its stored parts."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import func, select

from coopos.protocol import parts
from coopos.server import event_parts
from coopos.server.models import Event, EventFlag, StockMovement, new_uuid

LIMIT = 900  # bytes per part: a few movements each, so a test's event has many parts


def count(db, model, *where) -> int:
    with db.read() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def received(till, n: int, sku="ARG-OIL-100", reference="BL-1"):
    return [till.movement(sku, Decimal(1), "received", reference) for _ in range(n)]


def in_parts(till, kind: str, payload: dict, limit: int = LIMIT) -> list[dict]:
    """The part events a till writes for one large event."""
    pieces = parts.split(kind, json.dumps(payload, ensure_ascii=False), new_uuid(), limit)
    return [till.event(parts.PART_KIND, piece) for piece in pieces]


def stock(client, till, sku="ARG-OIL-100") -> str:
    rows = client.get(f"/v1/stock?location=SHOP&sku={sku}", headers=till.headers).json()["rows"]
    return rows[0]["quantity"] if rows else "0.000"


def test_parts_are_kept_until_the_last_one_then_projected_once(client, db, till):
    till.sale(("ARG-OIL-100", "1"))
    group = in_parts(till, "stock.movements", {"movements": received(till, 30)})
    till.sale(("ARG-OIL-100", "1"))
    assert len(group) > 4

    first = till.push(till.outbox[:3])  # the sale and two parts: nothing of them counts yet
    assert first.status_code == 200, first.text
    assert first.json()["stored"] == 3
    assert stock(client, till) == "39.000"  # 40 received by head office, 1 sold
    assert count(db, StockMovement, StockMovement.reference == "BL-1") == 0

    rest = till.outbox[3:]
    answer = till.push(rest)
    assert answer.status_code == 200, answer.text
    assert answer.json()["acked_through"] == len(till.outbox)
    assert stock(client, till) == "68.000"  # 39 + 30, then one more sold
    assert count(db, StockMovement, StockMovement.reference == "BL-1") == 30

    again = till.push(rest)  # the answer was lost: the resend changes nothing
    assert again.json()["duplicates"] == len(rest)
    assert count(db, StockMovement, StockMovement.reference == "BL-1") == 30
    assert count(db, Event) == len(till.outbox)  # each part stored once, raw


def test_a_whole_event_in_one_push_and_its_flags(client, db, till):
    movements = received(till, 20, sku="NO-SUCH-SKU")
    group = in_parts(till, "stock.movements", {"movements": movements})
    answer = till.push()
    assert answer.status_code == 200, answer.text
    flags = answer.json()["flagged"]
    # a whole event's flags name its last part and the group (the whole event's uuid)
    assert {f["code"] for f in flags} == {"unknown_sku"}
    assert {(f["seq"], f["uuid"]) for f in flags} == {
        (group[-1]["seq"], group[-1]["payload"]["group"])
    }
    with db.read() as s:
        flagged = s.execute(select(Event.seq).join(EventFlag, EventFlag.event_id == Event.id))
        assert set(flagged.scalars()) == {group[-1]["seq"]}


def held(answer) -> list[tuple[int, str]]:
    assert answer.status_code == 200, answer.text
    return [(q["seq"], q["code"]) for q in answer.json()["quarantined"]]


def test_a_whole_event_follows_the_rules_of_its_kind(client, till):
    elsewhere = received(till, 10)
    elsewhere[3]["location"] = "WH"  # not this till's location
    group = in_parts(till, "stock.movements", {"movements": elsewhere})
    answer = till.push()
    # stored and acknowledged; the whole event is quarantined at its last part
    assert held(answer) == [(till.outbox[-1]["seq"], "forbidden_location")]
    assert answer.json()["quarantined"][0]["uuid"] == group[-1]["payload"]["group"]
    assert answer.json()["acked_through"] == len(till.outbox)
    assert stock(client, till) == "40.000"  # nothing of it counted


def test_a_whole_payload_that_is_not_valid_is_held_at_its_last_part(db, till):
    movements = received(till, 10)
    movements[5]["quantity"] = "a lot"
    in_parts(till, "stock.movements", {"movements": movements})
    answer = till.push()
    assert held(answer) == [(till.outbox[-1]["seq"], "invalid_event")]
    assert count(db, Event) == len(till.outbox)  # every part stored, raw
    assert count(db, StockMovement, StockMovement.reference == "BL-1") == 0


def test_a_nul_hidden_in_the_joined_text_is_held(db, till):
    movements = received(till, 10)
    movements[2]["note"] = "a\x00b"  # a part carries it escaped: "a\\u0000b"
    in_parts(till, "stock.movements", {"movements": movements})
    answer = till.push()
    [(seq, code)] = held(answer)
    assert seq == till.outbox[-1]["seq"] and code == "invalid_text"
    assert "U+0000" in answer.json()["quarantined"][0]["message"]


def test_a_held_whole_event_is_replayed_from_its_stored_parts(client, db, till, run):
    movements = received(till, 10)
    movements[2]["note"] = "a\x00b"
    in_parts(till, "stock.movements", {"movements": movements})
    assert held(till.push())
    assert stock(client, till) == "40.000"
    code, _out, _err = run("quarantine", "replay", "--all", "--clean")
    assert code == 0
    assert stock(client, till) == "50.000"  # the whole, joined again and cleaned
    assert count(db, StockMovement, StockMovement.reference == "BL-1") == 10


def test_groups_that_cannot_make_a_whole_are_held_at_their_last_part(db, till, new_till):
    # another event came between two parts: the group misses one where its last part says
    in_parts(till, "stock.movements", {"movements": received(till, 10)})
    interrupting = till.sale(("ALM-500", "1"))
    till.outbox.remove(interrupting)
    till.outbox.insert(2, interrupting)
    for seq, event in enumerate(till.outbox, start=1):
        event["seq"] = seq
    answer = till.push()
    assert held(answer) == [(len(till.outbox), "invalid_part")]
    assert "misses" in answer.json()["quarantined"][0]["message"]

    # a group that starts with part 2
    other = new_till()
    pieces = in_parts(other, "stock.movements", {"movements": received(other, 10)})
    other.outbox[:] = pieces[1:]
    for seq, event in enumerate(other.outbox, start=1):
        event["seq"] = seq
    answer = other.push()
    assert held(answer) == [(len(other.outbox), "invalid_part")]


def test_a_group_whose_last_part_never_comes_is_kept_and_never_counted(client, db, till):
    in_parts(till, "stock.movements", {"movements": received(till, 10)})
    till.outbox.pop()  # the last part never comes (a till that lost it)...
    till.sale(("ALM-500", "1"))  # ... and the device goes on
    answer = till.push()
    assert answer.status_code == 200, answer.text
    assert answer.json()["acked_through"] == len(till.outbox)
    assert stock(client, till) == "40.000"  # nothing of the group counted
    assert count(db, Event) == len(till.outbox)  # its parts are kept


def test_parts_whose_data_does_not_join_are_held(db, till):
    pieces = in_parts(till, "stock.movements", {"movements": received(till, 10)})
    pieces[-1]["payload"]["data"] = pieces[-1]["payload"]["data"][:-1]  # the object unclosed
    answer = till.push()
    assert held(answer) == [(pieces[-1]["seq"], "invalid_part")]
    assert "do not join" in answer.json()["quarantined"][0]["message"]
    assert count(db, Event) == len(till.outbox)  # stored, counted nowhere


def test_a_malformed_part_is_held_with_its_seq(db, till):
    till.sale(("ALM-500", "1"))
    till.event(parts.PART_KIND, {"group": "nope", "kind": "stock.movements", "part": 1})
    answer = till.push()
    assert held(answer) == [(2, "invalid_part")]
    assert "uuid" in answer.json()["quarantined"][0]["message"]


def test_a_stored_whole_event_can_be_made_again_from_its_parts(db, till):
    """What a replay of a whole event needs: its parts, read back from the events."""
    payload = {"movements": received(till, 12)}
    group = in_parts(till, "stock.movements", payload)
    assert till.sync()
    last = group[-1]
    with db.read() as s:
        device_id = s.execute(select(Event.device_id).where(Event.seq == last["seq"])).scalar()
        stored = s.execute(select(Event.payload).where(Event.seq == last["seq"])).scalar()
        whole = event_parts.stored_whole(s, device_id, last["seq"], json.loads(stored))
    assert whole == ("stock.movements", json.loads(json.dumps(payload)))
