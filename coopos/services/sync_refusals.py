"""When the server can never accept an event (docs/sync.md, "The till's algorithm").

An answer that means "this can never be accepted" (413: the body is too large; 400 and
422: the server cannot read it) is not retried forever by the push (``sync._push_all``):

- a batch of several events is sent again in smaller batches;
- an event alone that an older coopos wrote above ``MAX_EVENT_BYTES`` is split in parts
  in place (:func:`split_in_place`: the server holds nothing from it on, it says so, and
  it keeps no hole), then sent;
- anything else (an event under the protocol's limit refused by a proxy with a smaller
  one, an event the server cannot read) stops the push at that event (:func:`refuse`):
  the sync state names it, the log and a crash report get the details, and nothing is
  acknowledged or lost.  Events behind it wait in order (the protocol has no holes); pull
  goes on.  Automatic rounds do not send it again; a person's "sync now" does (after
  support fixed the server).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select, text

from coopos.db.models import OutboxEvent, new_uuid
from coopos.i18n import _
from coopos.logs import log_crash
from coopos.protocol import parts
from coopos.protocol.limits import MAX_EVENT_BYTES
from coopos.services import settings
from coopos.services.context import Context
from coopos.sync.client import SyncFailure

log = logging.getLogger(__name__)

TOO_LARGE = 413
UNREADABLE = (400, 422)  # the server cannot read what this till sends: a bug to report


class EventRefused(SyncFailure):
    """The server cannot take this event, ever: sync stopped at it (``refused`` says
    which and why)."""

    def __init__(self, refused: dict[str, Any]):
        super().__init__(refused_message(refused), status=refused.get("status", 0))
        self.retry = False
        self.refused = refused


class RefusedEventReport(Exception):
    """What goes to the crash report when the server refuses an event for good."""


def refused_message(refused: dict[str, Any]) -> str:
    return _(
        "Sending stopped at event {seq} ({kind}, {size} KB): the server refused it "
        "({reason}). Nothing is lost: it and the {later} events after it are kept on this "
        "till. Tell support; details are in the log.",
        seq=refused.get("seq"),
        kind=refused.get("kind"),
        size=max(1, int(refused.get("bytes") or 0) // 1024),
        reason=refused.get("reason") or refused.get("status"),
        later=refused.get("later", 0),
    )


def split_in_place(ctx: Context, seq: int) -> int:
    """Replace outbox event ``seq`` (written whole by an older coopos, above
    ``MAX_EVENT_BYTES``) by its parts, moving the events after it up.  Only for events the
    server does not hold, nor any after them.  Returns the number of parts."""
    with ctx.write() as uow:
        conn = uow.connection
        row = conn.execute(select(OutboxEvent.__table__).where(OutboxEvent.seq == seq)).one()
        pieces = parts.split(row.kind, row.payload, row.uuid)  # the whole keeps its uuid
        shift = len(pieces) - 1
        # Two steps: SQLite checks the unique seq row by row during an UPDATE.
        conn.execute(
            text("UPDATE outbox SET seq = -(seq + :n) WHERE seq > :seq"), {"n": shift, "seq": seq}
        )
        conn.execute(text("UPDATE outbox SET seq = -seq WHERE seq < 0"))
        conn.execute(text("DELETE FROM outbox WHERE seq = :seq"), {"seq": seq})
        conn.execute(
            OutboxEvent.__table__.insert(),
            [
                {
                    "seq": seq + n,
                    "uuid": new_uuid(),
                    "kind": parts.PART_KIND,
                    "payload": parts.encode(piece),
                    "created_utc": row.created_utc,
                }
                for n, piece in enumerate(pieces)
            ],
        )
        conn.execute(
            text("UPDATE sequences SET last_value = last_value + :n WHERE name = 'outbox'"),
            {"n": shift},
        )
        uow.audit("outbox_split", None, seq=seq, uuid=row.uuid, kind=row.kind, parts=len(pieces))
    log.warning(
        "outbox event %s (%s, %s) was too large: split in %d parts",
        seq,
        row.kind,
        row.uuid,
        len(pieces),
    )
    return len(pieces)


def refuse(ctx: Context, event: dict[str, Any], exc: SyncFailure) -> EventRefused:
    """Record that the server refused ``event`` for good; the error to raise."""
    with ctx.read() as s:
        later = s.execute(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.seq > event["seq"])
        ).scalar_one()
    refused = {
        "seq": event["seq"],
        "uuid": event["uuid"],
        "kind": event["kind"],
        "bytes": size(event),
        "status": exc.status,
        "code": str(exc.detail.get("code") or ""),
        "reason": str(exc.detail.get("message") or exc.message),
        "later": int(later),
    }
    with ctx.write() as uow:
        settings.put(uow.session, "sync.refused", refused)
    try:
        raise RefusedEventReport(
            f"the server refused outbox event {refused['seq']} for good: {refused}"
        ) from exc
    except RefusedEventReport as report:
        log_crash(report)
    return EventRefused(refused)


def still_refused(ctx: Context) -> dict[str, Any] | None:
    """The refused event that still stops the push (None once it was sent)."""
    with ctx.read() as s:
        refused = settings.get(s, "sync.refused") or None
        if not refused:
            return None
        unacked = s.execute(
            select(OutboxEvent.seq).where(
                OutboxEvent.uuid == refused.get("uuid"), OutboxEvent.acked_utc.is_(None)
            )
        ).first()
    return refused if unacked is not None else None


def clear_refused(ctx: Context) -> None:
    with ctx.write() as uow:
        if settings.get(uow.session, "sync.refused"):
            settings.put(uow.session, "sync.refused", None)


def splittable(event: dict[str, Any]) -> bool:
    """An event written whole above the limit by an older coopos (never a part)."""
    return event["kind"] != parts.PART_KIND and size(event) > MAX_EVENT_BYTES


def size(event: dict[str, Any]) -> int:
    return parts.size(parts.encode(event["payload"]))
