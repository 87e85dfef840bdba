"""Sizes the till and the server agree on (docs/sync.md, "Limits").

Sizes are bytes of UTF-8 JSON as sent (no ASCII escaping).  The till writes no outbox
event above ``MAX_EVENT_BYTES`` (a larger one is split in parts, see
:mod:`coopos.protocol.parts`) and fills a push up to ``MAX_BATCH_BYTES``, so a push stays
far below the server's ``MAX_BODY_BYTES`` and below a reverse proxy's usual 1 MiB."""

from __future__ import annotations

MAX_BODY_BYTES = 4 * 1024 * 1024  # the server answers 413 `too_large` above this
MAX_BATCH_EVENTS = 500  # the server answers 413 `too_many_events` above this
MAX_BATCH_BYTES = 512 * 1024  # the till's pushes: up to this, or one event alone
MAX_EVENT_BYTES = 256 * 1024  # one outbox event's payload; larger ones go in parts
MAX_PARTS = 100_000  # parts of one event (25 GB): a bound for the server's checks

if not MAX_EVENT_BYTES <= MAX_BATCH_BYTES < MAX_BODY_BYTES:  # pragma: no cover
    raise AssertionError("a push must always fit in the server's body limit")
