"""The catalog change log and the pull: every catalog write numbered in commit order
(``ChangeLog``, ``catalog_write``) and the pages a till pulls by cursor."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from coopos.protocol import catalog_page
from coopos.server.db import Database
from coopos.server.models import (
    CatalogChange,
    Category,
    ChangeClock,
    Cooperative,
    Fair,
    Location,
    Product,
    User,
)
from coopos.server.sync.common import (
    PULL_MAX,
    SyncError,
    T,
    canonical,
)

# -- catalog change log and pull ------------------------------------------------------------------

ENTITY_ORDER = catalog_page.ENTITIES  # a page is applied in this order
_BUMP_CLOCK = text("UPDATE change_clock SET value = value + :n WHERE id = 1 RETURNING value")


def _names(row: Any) -> dict[str, str | None]:
    return {f"name_{lang}": name for lang, name in row.names.items()}


def _fair_data(f: Fair) -> dict[str, Any]:
    return {
        "code": f.code,
        "name": f.name,
        "city": f.city,
        "starts_on": f.starts_on.isoformat() if f.starts_on else None,
        "ends_on": f.ends_on.isoformat() if f.ends_on else None,
        "version": f.version,
    }


def _location_data(loc: Location) -> dict[str, Any]:
    return {
        "code": loc.code,
        "kind": loc.kind,
        "name": loc.name,
        "fair": loc.fair.code if loc.fair else None,
        "active": loc.active,
        "version": loc.version,
    }


def _cooperative_data(c: Cooperative) -> dict[str, Any]:
    return {
        "code": c.code,
        **_names(c),
        "odco_number": c.odco_number,
        "ice": c.ice,
        "phone": c.phone,
        "city": c.city,
        "commission_bp": c.commission_bp,
        "active": c.active,
        "version": c.version,
    }


def _category_data(c: Category) -> dict[str, Any]:
    return {"code": c.code, **_names(c), "version": c.version}


def _user_data(u: User) -> dict[str, Any]:
    return {
        "uuid": u.uuid,
        "name": u.name,
        "role": u.role,
        "pin_hash": u.pin_hash,
        "language": u.language,
        "active": u.active,
        "version": u.version,
        "locations": [loc.code for loc in u.locations],
    }


def for_location(s: Session, changes: list[dict[str, Any]], location: str) -> list[dict[str, Any]]:
    """What a device at ``location`` may receive of a pulled page: users only in their
    newest snapshot (an older one may hold an old PIN hash), in full where they work,
    withdrawn elsewhere (uuid and version only: the till deactivates them and keeps no
    hash).  A snapshot without ``locations`` was written when every till received every
    user, and every user then worked everywhere (server migration 0006)."""
    keys = {c["key"] for c in changes if c["entity"] == "user"}
    if not keys:
        return changes
    newest = dict(
        s.execute(
            select(CatalogChange.key, func.max(CatalogChange.cursor))
            .where(CatalogChange.entity == "user", CatalogChange.key.in_(keys))
            .group_by(CatalogChange.key)
        ).all()
    )
    kept = []
    for change in changes:
        if change["entity"] == "user":
            if change["cursor"] < newest[change["key"]]:
                continue
            data = change["data"]
            if location not in data.get("locations", [location]):
                data = {"uuid": data["uuid"], "version": data["version"], "withdrawn": True}
            change = {**change, "data": data}
        kept.append(change)
    return kept


def product_data(p: Product) -> dict[str, Any]:
    return {
        "sku": p.sku,
        "uuid": p.uuid,
        **_names(p),
        "cooperative": p.cooperative.code,
        "category": p.category.code if p.category else None,
        "unit": p.unit,
        "sold_by_weight": p.sold_by_weight,
        "price_cents": p.price_cents,
        "vat_rate": p.vat_rate,
        "barcodes": sorted(b.barcode for b in p.barcodes),
        "active": p.active,
        "version": p.version,
    }


# entity name, its key, its data: what pull serves for each kind of catalog row
_SNAPSHOTS: dict[type, tuple[str, Callable[[Any], str], Callable[[Any], dict[str, Any]]]] = {
    Fair: ("fair", lambda r: r.code, _fair_data),
    Location: ("location", lambda r: r.code, _location_data),
    Cooperative: ("cooperative", lambda r: r.code, _cooperative_data),
    Category: ("category", lambda r: r.code, _category_data),
    Product: ("product", lambda r: r.sku, product_data),
    User: ("user", lambda r: r.uuid, _user_data),
}


def snapshot(row: Any) -> tuple[str, str, dict[str, Any]]:
    """(entity, key, data) of a catalog row, as pull serves it."""
    entity, key, data = _SNAPSHOTS[type(row)]
    return entity, key(row), data(row)


class ChangeLog:
    """The catalog rows one transaction touched.  ``finish()`` numbers them, at the very
    end of the transaction, from the one-row change clock.

    Why at the end: numbers taken earlier (a sequence at insert time) are handed out in
    start order, not commit order; a reader could see 7 committed while 6 is still open,
    move its cursor to 7 and never see 6.  Here the UPDATE of the clock row locks it until
    commit (PostgreSQL; SQLite has one writer at a time anyway), so a later writer gets a
    larger number only after this one committed: cursor order is commit order."""

    def __init__(self, session: Session, now: datetime):
        self.session = session
        self.now = now
        self._rows: dict[tuple[type, int], Any] = {}

    def touch(self, *rows: Any) -> None:
        for row in rows:
            self._rows[(type(row), id(row))] = row

    def finish(self) -> list[int]:
        """Write the snapshots; returns their cursors (empty if nothing was touched)."""
        if not self._rows:
            return []
        self.session.flush()  # versions bumped, ids assigned
        snaps = [snapshot(row) for row in self._rows.values()]
        # a row's references come first: fairs before locations, cooperatives before products
        snaps.sort(key=lambda item: ENTITY_ORDER.index(item[0]))
        last = int(self.session.execute(_BUMP_CLOCK, {"n": len(snaps)}).scalar_one())
        first = last - len(snaps) + 1
        self.session.execute(
            insert(CatalogChange.__table__),
            [
                {
                    "cursor": first + i,
                    "entity": entity,
                    "key": key,
                    "data": canonical(data),
                    "committed_utc": self.now,
                }
                for i, (entity, key, data) in enumerate(snaps)
            ],
        )
        self._rows.clear()
        return list(range(first, last + 1))


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True  # another writer created the same code first: the retry will see it
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code in ("40P01", "40001")  # deadlock, serialization failure


def catalog_write(
    db: Database, work: Callable[[ChangeLog], T], attempts: int = 3, dry_run: bool = False
) -> T:
    """Run ``work`` in one catalog-writing transaction, numbered by ``ChangeLog.finish``;
    retried when a concurrent writer won a race (unique code, deadlock)."""
    for attempt in range(attempts):
        try:
            with db.write() as session:
                log = ChangeLog(session, db.now())
                result = work(log)
                if dry_run:
                    session.rollback()
                else:
                    log.finish()
            return result
        except (IntegrityError, OperationalError) as exc:
            if attempt == attempts - 1 or not _retryable(exc):
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class PullResult:
    changes: list[dict[str, Any]]
    cursor: int
    more: bool


def pull(db: Database, cursor: int, limit: int = 500, location: str | None = None) -> PullResult:
    """Catalog changes after ``cursor``, oldest first.  The same key may come several
    times: apply them in order, the last one wins.  For a device, ``location`` is its
    own: users are filtered by ``for_location``."""
    if cursor < 0:
        raise SyncError(422, "invalid_cursor", "the cursor is a number >= 0")
    limit = max(1, min(limit, PULL_MAX))
    with db.read() as s:
        clock = s.execute(select(ChangeClock.value).where(ChangeClock.id == 1)).scalar_one()
        if cursor > clock:
            # the till holds a cursor from another (or a restored) server database
            raise SyncError(409, "cursor_ahead", "the cursor is ahead of the server", last=clock)
        rows = (
            s.execute(
                select(CatalogChange)
                .where(CatalogChange.cursor > cursor)
                .order_by(CatalogChange.cursor)
                .limit(limit + 1)
            )
            .scalars()
            .all()
        )
        more = len(rows) > limit
        rows = rows[:limit]
        changes = [
            catalog_page.Change(
                cursor=r.cursor, entity=r.entity, key=r.key, data=json.loads(r.data)
            )
            for r in rows
        ]
        if location is not None:
            changes = for_location(s, changes, location)
    return PullResult(changes, rows[-1].cursor if rows else cursor, more)
