"""The event kinds of coopos.protocol.events are the one definition of the wire: every
kind goes from its builder through JSON and the server's validation and is read back the
same, and the server's pydantic models have exactly the protocol's fields."""

from __future__ import annotations

import json
import typing
from decimal import Decimal

import pytest
from pydantic import BaseModel

from coopos.protocol import catalog_page, events, rules
from coopos.protocol.events import EventKind
from coopos.server import schemas
from tests.unit.test_protocol import sale

MOVE = events.Movement(
    uuid="f" * 32,
    sku="ARG-OIL-100",
    location="SIAM-STAND",
    quantity="3.000",
    reason="transfer_in",
    reference="BL-T01-00001",
    note="",
    created_utc="2026-11-22T10:00:00",
    created_local="2026-11-22T11:00:00+01:00",
)
OUT = events.Movement(MOVE, uuid="e" * 32, location="WH", quantity="-3.000", reason="transfer_out")

EXAMPLES: dict[EventKind, dict] = {
    EventKind.SALE_COMPLETED: sale(),
    EventKind.REFUND_COMPLETED: sale(kind="refund"),
    EventKind.SHIFT_OPENED: events.ShiftOpened(
        uuid="c" * 32,
        location="SHOP",
        opened_by="d" * 32,
        opened_utc="2026-11-22T08:00:00",
        opened_local="2026-11-22T09:00:00+01:00",
        float=20000,
    ),
    EventKind.SHIFT_CLOSED: events.ShiftClosed(
        uuid="c" * 32,
        closed_by="d" * 32,
        closed_utc="2026-11-22T18:00:00",
        closed_local="2026-11-22T19:00:00+01:00",
        counts={"cash": 32000},
        expected={"cash": 32000},
        net_total=12000,
        z_number=7,
    ),
    EventKind.SHIFT_CASH_MOVEMENT: events.CashMovement(
        uuid="b" * 32,
        shift="c" * 32,
        amount=-5000,
        reason="Change for the bank",
        created_utc="2026-11-22T12:00:00",
        created_local="2026-11-22T13:00:00+01:00",
    ),
    EventKind.STOCK_MOVEMENTS: events.StockMovements(
        movements=[OUT, MOVE],
        note=events.ConsignmentNote(
            {
                "uuid": "9" * 32,
                "number": "BL-T01-00001",
                "kind": "dispatch",
                "fair": "SIAM",
                "from": "WH",
                "to": "SIAM-STAND",
            }
        ),
    ),
    EventKind.FAIR_COUNTED: events.FairCounted(
        fair="SIAM",
        location="SIAM-STAND",
        counted_utc="2026-11-30T18:00:00",
        counts={"ARG-OIL-100": "2.000"},
        movements=[
            events.Movement(
                MOVE, uuid="8" * 32, quantity="-1.000", reason="count", reference="SIAM"
            )
        ],
    ),
    EventKind.FAIR_CLOSED: events.FairClosed(fair="SIAM", closed_utc="2026-11-30T19:00:00"),
    EventKind.PAYOUT_RECORDED: events.Payout(
        uuid="7" * 32,
        cooperative="TIFAW",
        amount=150000,
        method="transfer",
        reference="VIR-1",
        fair="SIAM",
        paid_utc="2026-12-01T10:00:00",
        paid_local="2026-12-01T11:00:00+01:00",
        note="",
    ),
}


def test_every_kind_has_an_example_and_a_server_model():
    assert set(EXAMPLES) == set(EventKind) == set(schemas.PAYLOADS) == set(events.PAYLOADS)
    assert set(EventKind) == rules.KNOWN_KINDS
    assert all(events.VERSIONS[kind] >= 1 for kind in EventKind)


@pytest.mark.parametrize("kind", list(EventKind))
def test_round_trip(kind):
    """build -> JSON -> the server's validation and rules -> read back, unchanged."""
    built = events.build(kind, EXAMPLES[kind])
    wire = json.loads(json.dumps({"kind": kind, "payload": built}))
    assert wire["kind"] == kind.value
    model = schemas.PAYLOADS[EventKind(wire["kind"])].model_validate(wire["payload"])
    assert rules.check_event(wire["kind"], wire["payload"]) == []
    assert events.read(wire["kind"], wire["payload"]) == built
    # what the server understood is what was sent (quantities read as thousandths)
    assert model.model_dump(by_alias=True, exclude_unset=True) == _in_thousandths(built)


def _in_thousandths(value, key=""):
    if isinstance(value, str) and key in ("quantity", "counts"):
        return int(Decimal(value) * 1000)
    if isinstance(value, dict):
        return {k: _in_thousandths(v, key if key == "counts" else k) for k, v in value.items()}
    if isinstance(value, list):
        return [_in_thousandths(v) for v in value]
    return value


def _find(annotation, wanted):
    """The type inside ``list[X]``, ``X | None``, ``Annotated[X, ...]`` that is ``wanted``."""
    if wanted(annotation):
        return annotation
    return next(
        (found for arg in typing.get_args(annotation) if (found := _find(arg, wanted))), None
    )


def _is_model(tp):
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _compare(model: type[BaseModel], shape: type, path: str) -> list[str]:
    found = []
    protocol = events.fields(shape)
    server = {(f.alias or name): f for name, f in model.model_fields.items()}
    if set(protocol) != set(server):
        found.append(f"{path}: protocol {sorted(protocol)} != server {sorted(server)}")
        return found
    for name, (annotation, required) in protocol.items():
        if server[name].is_required() != required:
            found.append(f"{path}.{name}: required {required} in the protocol")
        inner_shape = _find(annotation, events.is_shape)
        inner_model = _find(server[name].annotation, _is_model)
        if bool(inner_shape) != bool(inner_model):
            found.append(f"{path}.{name}: nested in one definition only")
        elif inner_shape:
            found += _compare(inner_model, inner_shape, f"{path}.{name}")
    return found


@pytest.mark.parametrize("kind", list(EventKind))
def test_the_servers_models_have_the_protocols_fields(kind):
    assert _compare(schemas.PAYLOADS[kind], events.PAYLOADS[kind], kind.value) == []


def test_the_comparison_sees_a_drifted_model():
    class Drifted(schemas._Payload):
        fair: str
        closed_at: str

    class Optional(schemas._Payload):
        fair: str
        closed_utc: str = ""

    assert _compare(Drifted, events.FairClosed, "x")
    assert _compare(Optional, events.FairClosed, "x")


def test_a_misspelt_or_missing_field_fails_on_the_till():
    with pytest.raises(events.ShapeError, match="fiar"):
        events.build(EventKind.FAIR_CLOSED, {"fiar": "SIAM", "closed_utc": "x"})
    with pytest.raises(events.ShapeError, match="closed_utc"):
        events.build(EventKind.FAIR_CLOSED, {"fair": "SIAM"})
    bad_line = sale()
    bad_line["lines"][0]["net"] = "100"  # money is whole centimes
    with pytest.raises(events.ShapeError, match=r"lines\[0\]\.net"):
        events.build(EventKind.SALE_COMPLETED, bad_line)
    with pytest.raises(ValueError):
        events.build("sale.complete", sale())


def test_reading_keeps_what_it_knows_of_a_newer_tills_event():
    newer = dict(EXAMPLES[EventKind.FAIR_CLOSED], closed_by="someone")
    assert events.read("fair.closed", newer) == EXAMPLES[EventKind.FAIR_CLOSED]
    with pytest.raises(events.ShapeError):
        events.read("fair.closed", {"closed_utc": "x"})


# -- the catalog-pull page ----------------------------------------------------------------------


def test_the_catalog_page_is_one_definition():
    assert typing.get_args(schemas.ChangeOut.model_fields["entity"].annotation) == (
        catalog_page.ENTITIES
    )
    assert set(schemas.PullResponse.model_fields) == set(catalog_page.Page.__annotations__)
    assert set(schemas.ChangeOut.model_fields) == set(catalog_page.Change.__annotations__)


def test_a_page_round_trips_and_its_last_state_wins():
    fair = {"code": "SIAM", "name": "SIAM", "version": 1}
    renamed = dict(fair, name="SIAM 2027", version=2)
    built = catalog_page.page(
        [
            catalog_page.Change(cursor=1, entity="fair", key="SIAM", data=fair),
            catalog_page.Change(cursor=2, entity="shelf", key="X", data={"code": "X"}),
            catalog_page.Change(cursor=3, entity="fair", key="SIAM", data=renamed),
        ],
        cursor=3,
        more=False,
    )
    known = dict(built, changes=[c for c in built["changes"] if c["entity"] != "shelf"])
    assert schemas.PullResponse.model_validate(known).model_dump() == known  # the server's
    read = catalog_page.read_page(json.loads(json.dumps(built)), 0)
    assert read == built
    states, unknown = catalog_page.final_states(read["changes"])
    assert states["fair"] == [renamed] and unknown == ["shelf"]
    assert catalog_page.read_page({}, 7) == {"changes": [], "cursor": 7, "more": False}
    with pytest.raises(catalog_page.PageError):
        catalog_page.read_page({"changes": "x"}, 0)
