"""Applying a pulled catalog page on the till (docs/sync.md, "Pull").

A page holds full states of rows in commit order, and the same row may come several
times.  Applied one change after the other, a page goes through states that are not valid
on the till: a barcode given back to a product still held, mid-page, by the product it
was lent to; two products swapping barcodes; a SKU freed and taken in one change set.  So
a page is applied as its *final* state: the last state of each row, references first
(fairs, locations, cooperatives, categories, then products and users), and the codes that
must stay unique (barcodes, SKUs, user names) are released before they are assigned.  A
till that applies every page this way ends with the server's catalog, whatever head office
did between two pulls and however the changes were paged.

Rows are matched by their server identity (a product's or a user's ``uuid``), else by
their code (a till that had the demo catalog before it was enrolled).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, selectinload

from coopos.db.models import (
    Category,
    Cooperative,
    Fair,
    Location,
    Product,
    ProductBarcode,
    User,
)
from coopos.services.catalog import reindex

log = logging.getLogger(__name__)

ENTITIES = ("fair", "location", "cooperative", "category", "product", "user")
_CHUNK = 500  # values per IN (...): far below SQLite's limit on bound parameters


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    items = list(values)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def final_states(changes: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The last state of each row of a page, by entity, in the order of those states."""
    finals: dict[str, dict[str, dict[str, Any]]] = {entity: {} for entity in ENTITIES}
    for change in changes:
        entity, data = change.get("entity"), change.get("data") or {}
        if entity not in finals:
            log.warning("pulled an unknown catalog entity %r: ignored", entity)
            continue
        if entity in ("product", "user"):
            key = data.get("uuid") or data.get("sku") or data.get("name")
        else:
            key = data["code"]
        rows = finals[str(entity)]
        rows.pop(key, None)  # the last state counts, in its own place
        rows[key] = data
    return {entity: list(rows.values()) for entity, rows in finals.items()}


def apply_changes(session: Session, changes: list[dict[str, Any]]) -> set[int]:
    """Apply one pulled page; returns the ids of the products whose search text may have
    changed (already reindexed)."""
    states = final_states(changes)
    _apply_fairs(session, states["fair"])
    _apply_locations(session, states["location"])
    renamed = _apply_cooperatives(session, states["cooperative"])
    _apply_categories(session, states["category"])
    touched = _apply_products(session, states["product"])
    _apply_users(session, states["user"])
    session.flush()
    if renamed:  # a cooperative's names are in its products' search text
        touched |= set(
            session.execute(select(Product.id).where(Product.cooperative_id.in_(renamed)))
            .scalars()
            .all()
        )
    products: list[Product] = []
    for chunk in _chunks(touched):
        products += session.execute(
            select(Product)
            .where(Product.id.in_(chunk))
            .options(selectinload(Product.barcodes), selectinload(Product.cooperative))
        ).scalars()
    reindex(session, products)
    return touched


# -- rows keyed by a code ------------------------------------------------------------------


def _by_code(session: Session, model: Any, codes: Iterable[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for chunk in _chunks(set(codes)):
        for row in session.execute(select(model).where(model.code.in_(chunk))).scalars():
            found[row.code] = row
    return found


def _rows(session: Session, model: Any, states: list[dict[str, Any]]) -> list[tuple[dict, Any]]:
    """Each state with its row (a new one, added to the session, if the till has none)."""
    existing = _by_code(session, model, (d["code"] for d in states))
    pairs = []
    for data in states:
        row = existing.get(data["code"])
        if row is None:
            row = model(code=data["code"])
            session.add(row)
        pairs.append((data, row))
    return pairs


def _names(target: Any, data: dict[str, Any]) -> None:
    for lang in ("ar", "fr", "en", "zgh"):
        key = f"name_{lang}"
        if key in data:
            setattr(target, key, data[key])


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _apply_fairs(session: Session, states: list[dict[str, Any]]) -> None:
    with session.no_autoflush:  # new rows are inserted filled, at the next flush
        for data, row in _rows(session, Fair, states):
            row.name, row.city = data.get("name") or data["code"], data.get("city") or ""
            row.starts_on, row.ends_on = _date(data.get("starts_on")), _date(data.get("ends_on"))
    session.flush()


def _apply_locations(session: Session, states: list[dict[str, Any]]) -> None:
    fairs = _by_code(session, Fair, (d["fair"] for d in states if d.get("fair")))
    with session.no_autoflush:
        for data, row in _rows(session, Location, states):
            row.kind, row.name = data["kind"], data.get("name") or data["code"]
            row.active = bool(data.get("active", True))
            fair = fairs.get(data.get("fair") or "")
            row.fair_id = fair.id if fair else None
    session.flush()


def _apply_cooperatives(session: Session, states: list[dict[str, Any]]) -> set[int]:
    """Returns the ids of the cooperatives whose names changed."""
    renamed = []
    with session.no_autoflush:
        for data, row in _rows(session, Cooperative, states):
            before = row.names
            _names(row, data)
            for key in ("odco_number", "ice", "phone", "city"):
                setattr(row, key, data.get(key) or "")
            row.commission_bp = int(data.get("commission_bp") or 0)
            row.active = bool(data.get("active", True))
            if row.id is not None and row.names != before:
                renamed.append(row)
    session.flush()
    return {row.id for row in renamed}


def _apply_categories(session: Session, states: list[dict[str, Any]]) -> None:
    with session.no_autoflush:
        for data, row in _rows(session, Category, states):
            _names(row, data)
    session.flush()


def _references(session: Session, model: Any, codes: set[str]) -> dict[str, Any]:
    """Rows a product names, with a placeholder for one an old server did not send first."""
    found = _by_code(session, model, codes)
    for code in codes - set(found):
        found[code] = model(code=code, name_fr=code)
        session.add(found[code])
    return found


# -- products: SKUs and barcodes are unique --------------------------------------------------


def _aside(row: Any, column: str) -> str:
    """A value no real code has, to park a unique code until its final value is set."""
    return f"~{row.id}~{getattr(row, column)}"[:64]


def _match(
    states: list[dict[str, Any]], key: str, by_uuid: dict[str, Any], by_key: dict[str, Any]
) -> list[tuple[dict[str, Any], Any]]:
    """Each state with the till row it updates (None: a new row): the row with its uuid,
    else the row with its code unless that row is another state's by uuid."""
    page_uuids = {d["uuid"] for d in states if d.get("uuid")}
    taken: set[int] = set()
    pairs = []
    for data in states:
        row = by_uuid.get(data.get("uuid") or "")
        if row is None:
            candidate = by_key.get(data[key])
            if (
                candidate is not None
                and candidate.uuid not in page_uuids
                and id(candidate) not in taken
            ):
                row = candidate
        if row is not None:
            taken.add(id(row))
        pairs.append((data, row))
    return pairs


def _release(
    session: Session, pairs: list[tuple[dict, Any]], key: str, holders: dict[str, Any]
) -> None:
    """Park the codes (``key``) that change hands before anyone takes them: the rows
    that get another one, and rows outside the page that hold one the page gives away
    (a till's own product whose SKU head office gave to another: it keeps the parked
    one)."""
    mine = {id(row) for _data, row in pairs if row is not None}
    moving = [row for data, row in pairs if row is not None and getattr(row, key) != data[key]]
    wanted = {data[key]: row for data, row in pairs}
    for code, holder in holders.items():
        if id(holder) not in mine and wanted.get(code) is not holder:
            log.warning("the till's %s %s gives way to head office's", key, code)
            moving.append(holder)
    for row in moving:
        setattr(row, key, _aside(row, key))
    if moving:
        session.flush()


def _lookup(session: Session, model: Any, column: str, values: Iterable[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    attr = getattr(model, column)
    for chunk in _chunks({v for v in values if v}):
        for row in session.execute(select(model).where(attr.in_(chunk))).scalars():
            found[getattr(row, column)] = row
    return found


def _apply_products(session: Session, states: list[dict[str, Any]]) -> set[int]:
    if not states:
        return set()
    coops = _references(session, Cooperative, {d["cooperative"] for d in states})
    categories = _references(
        session, Category, {d["category"] for d in states if d.get("category")}
    )
    session.flush()
    by_uuid = _lookup(session, Product, "uuid", (d.get("uuid") for d in states))
    by_sku = _lookup(session, Product, "sku", (d["sku"] for d in states))
    pairs = _match(states, "sku", by_uuid, by_sku)
    _release(session, pairs, "sku", by_sku)
    rows: list[tuple[dict[str, Any], Product]] = []
    with session.no_autoflush:  # new rows are inserted filled, at the next flush
        for data, found in pairs:
            if found is None:
                row = Product(uuid=data["uuid"]) if data.get("uuid") else Product()
                session.add(row)
            else:
                row = found
            if data.get("uuid") and row.uuid != data["uuid"]:
                row.uuid = data["uuid"]  # matched by SKU: head office's identity from now on
            row.sku = data["sku"]
            _names(row, data)
            row.cooperative = coops[data["cooperative"]]
            row.category = categories[data["category"]] if data.get("category") else None
            row.unit = data.get("unit") or "piece"
            row.sold_by_weight = bool(data.get("sold_by_weight"))
            row.price_cents = int(data["price_cents"])
            row.vat_rate = int(data["vat_rate"])
            row.active = bool(data.get("active", True))
            rows.append((data, row))
    session.flush()
    return _assign_barcodes(session, rows)


def _assign_barcodes(session: Session, rows: list[tuple[dict[str, Any], Product]]) -> set[int]:
    """Give each product exactly its barcodes, taking them from whoever holds them (head
    office owns the catalog); returns every product whose barcodes changed hands."""
    ids = {row.id for _data, row in rows}
    owner: dict[str, int] = {}
    for data, row in rows:
        for code in data.get("barcodes") or []:
            owner[code] = row.id
    table = ProductBarcode.__table__
    losers: set[int] = set()
    for chunk in _chunks(owner):
        losers.update(
            session.execute(select(table.c.product_id).where(table.c.barcode.in_(chunk))).scalars()
        )
    for chunk in _chunks(ids):
        session.execute(delete(table).where(table.c.product_id.in_(chunk)))
    for chunk in _chunks(owner):
        session.execute(delete(table).where(table.c.barcode.in_(chunk)))
    if owner:
        session.execute(
            insert(table), [{"barcode": code, "product_id": pid} for code, pid in owner.items()]
        )
    for row in list(session.identity_map.values()):  # the ORM's barcodes are stale now
        if isinstance(row, Product):
            session.expire(row, ["barcodes"])
        elif isinstance(row, ProductBarcode):
            session.expunge(row)
    return ids | losers


# -- users: names are unique ----------------------------------------------------------------


def _apply_users(session: Session, states: list[dict[str, Any]]) -> None:
    if not states:
        return
    by_uuid = _lookup(session, User, "uuid", (d.get("uuid") for d in states))
    by_name = _lookup(session, User, "name", (d["name"] for d in states))
    pairs = _match(states, "name", by_uuid, by_name)
    _release(session, pairs, "name", by_name)
    with session.no_autoflush:
        for data, found in pairs:
            row = found if found is not None else User(uuid=data["uuid"])
            if found is None:
                session.add(row)
            elif row.uuid != data["uuid"]:
                row.uuid = data["uuid"]
            row.name, row.role, row.pin_hash = data["name"], data["role"], data["pin_hash"]
            row.language = data.get("language")
            row.active = bool(data.get("active", True))
    session.flush()
