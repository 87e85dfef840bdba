"""A page of the catalog pull (``GET /v1/sync/pull``, docs/sync.md): one definition that
the server builds (``coopos/server/sync/catalog_feed.py``) and the till reads
(``coopos/services/sync.py`` and ``catalog_pull.py``).

A page is ``{"changes": [...], "cursor": N, "more": bool}``; each change is the state
of one catalog row after a write at head office, ``{"cursor", "entity", "key", "data"}``.
The same row may come several times: the last state wins (:func:`final_states`).  What
each entity's ``data`` holds is what the server's ``*_data`` functions write; the till
reads it field by field and ignores what it does not know.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

# In the order a page is applied: a row's references come before it (a location's fair,
# a product's cooperative and category).
ENTITIES = ("fair", "location", "cooperative", "category", "product", "user")


class Change(TypedDict):
    cursor: int
    entity: str  # one of ENTITIES
    key: str
    data: dict[str, Any]


class Page(TypedDict):
    changes: list[Change]
    cursor: int  # where the next page starts
    more: bool  # another page waits


class PageError(ValueError):
    """A page that does not have this shape (a server of another protocol)."""


def page(changes: list[Change], cursor: int, more: bool) -> Page:
    return Page(changes=changes, cursor=cursor, more=more)


def read_page(raw: Any, cursor: int) -> Page:
    """A page as received; ``cursor`` (the one asked from) when the server gave none."""
    if not isinstance(raw, Mapping):
        raise PageError("a catalog page is an object")
    changes = raw.get("changes") or []
    if not isinstance(changes, list) or not all(isinstance(c, Mapping) for c in changes):
        raise PageError("a catalog page's changes are a list of objects")
    try:
        new_cursor = int(raw.get("cursor", cursor))
    except (TypeError, ValueError):
        raise PageError("a catalog page's cursor is a whole number") from None
    return Page(changes=list(changes), cursor=new_cursor, more=bool(raw.get("more")))


def row_key(entity: str, data: Mapping[str, Any]) -> Any:
    """What identifies a row of ``entity``: a product or user by uuid (older servers: its
    SKU or name), the others by code."""
    if entity in ("product", "user"):
        return data.get("uuid") or data.get("sku") or data.get("name")
    return data["code"]


def final_states(changes: list[Change]) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """The last state of each row of a page, by entity, in the order of those states;
    and the unknown entities met (left out)."""
    finals: dict[str, dict[Any, dict[str, Any]]] = {entity: {} for entity in ENTITIES}
    unknown = []
    for change in changes:
        entity, data = change.get("entity"), change.get("data") or {}
        if entity not in finals:
            unknown.append(str(entity))
            continue
        key = row_key(str(entity), data)
        rows = finals[str(entity)]
        rows.pop(key, None)  # the last state counts, in its own place
        rows[key] = data
    return {entity: list(rows.values()) for entity, rows in finals.items()}, unknown


__all__ = [
    "ENTITIES",
    "Change",
    "Page",
    "PageError",
    "final_states",
    "page",
    "read_page",
    "row_key",
]
