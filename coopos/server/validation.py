"""What the server checks in a pushed event beyond its shape (docs/sync.md, "Validation
rules"), with what only the server knows: where the device may write stock, and whether
the event's time is plausible against the server's clock and the device's previous
events.

An event that breaks a rule is not refused with its batch: the check raises
:class:`Rejected`, and the push quarantines that event alone (``coopos.server.sync``).
The rules that need no server state are in :mod:`coopos.protocol.rules`, shared with
the till.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coopos.protocol.rules import COOP_PREFIX, Problem
from coopos.server import schemas
from coopos.server.models import Device, Fair, Location

CLOCK_TOLERANCE = timedelta(minutes=5)
MAX_PROBLEMS = 20  # kept per quarantined event


class Rejected(Exception):
    """An event the server cannot project: a stable ``code``, a message for head office,
    details; ``waits_for_event_id`` when it waits for another quarantined event."""

    def __init__(
        self, code: str, message: str, waits_for_event_id: int | None = None, **detail: Any
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail
        self.waits_for_event_id = waits_for_event_id

    @classmethod
    def of_problems(cls, problems: list[Problem]) -> Rejected:
        first = problems[0]
        return cls(
            first.code,
            f"{first.path}: {first.message}",
            problems=[p.as_dict() for p in problems[:MAX_PROBLEMS]],
        )


@dataclass
class Hold:
    """A quarantined event, as the push answers it and the quarantine table keeps it."""

    seq: int
    uuid: str
    code: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)
    event_id: int | None = None
    document_uuid: str | None = None
    waits_for_event_id: int | None = None


# -- where a device may write ---------------------------------------------------------------


class Places:
    """Where one device may write stock, from head office's locations and fairs.

    A device works at its own location and at the stands of the fair an event is for.
    It may also write at the other end of a delivery or return note it is party to (its
    location is the note's ``from`` or ``to``: a stand's till receives goods from the
    shop), at a note's stand or a count's place that head office does not know (a stand
    the till created: flagged ``unknown_location``), and put goods into any other
    location as the transfer in matching its own transfer out.  Anything else is
    ``forbidden_location``."""

    def __init__(self, s: Session, device: Device):
        self.s = s
        self.location = device.location.code
        self._stands: dict[str, set[str]] | None = None
        self._known: set[str] | None = None

    def stands_of(self, fair: str) -> set[str] | None:
        """The stand locations of a fair head office knows (None: an unknown fair)."""
        if self._stands is None:
            self._stands = {}
            for fair_code, stand in self.s.execute(
                select(Fair.code, Location.code).outerjoin(Location, Location.fair_id == Fair.id)
            ):
                stands = self._stands.setdefault(fair_code.upper(), set())
                if stand is not None:
                    stands.add(stand)
        return self._stands.get(fair.upper())

    def known(self, code: str) -> bool:
        if self._known is None:
            self._known = set(self.s.execute(select(Location.code)).scalars())
        return code in self._known

    def forbid(self, location: str) -> Rejected:
        return Rejected(
            "forbidden_location",
            f"this device writes for location {self.location}, not {location}",
            location=location,
        )

    def own(self, location: str) -> None:
        if location != self.location:
            raise self.forbid(location)

    def stock(
        self,
        movements: Iterable[schemas.MovementIn],
        fair: str | None = None,
        extra: Iterable[str] = (),
        party: Iterable[str] = (),
    ) -> list[tuple[str, dict[str, Any]]]:
        """Check the movements of one event; returns the flags it earns.  ``extra`` are
        the places the event names (a note's stand, a count's place), ``party`` the ends
        of a note the device is party to."""
        movements = list(movements)
        flags: list[tuple[str, dict[str, Any]]] = []
        works = {self.location} | {p for p in party if not p.upper().startswith(COOP_PREFIX)}
        stands: set[str] = set()
        if fair:
            found = self.stands_of(fair)
            if found is None:
                flags.append(("unknown_fair", {"fair": fair}))
            stands = found or set()
            works |= stands
        for place in extra:
            if place.upper().startswith(COOP_PREFIX) or place in works:
                continue
            if not self.known(place):
                works.add(place)
                flags.append(("unknown_location", {"location": place}))
        sources: dict[tuple[str, str], set[str]] = {}
        for move in movements:
            if move.reason == "transfer_out":
                sources.setdefault((move.reference, move.sku), set()).add(move.location)
        for move in movements:
            if move.location in works:
                continue
            source = sources.get((move.reference, move.sku))
            if move.reason == "transfer_in" and source and source <= works:
                continue
            raise self.forbid(move.location)
        return list({(code, tuple(sorted(d.items()))): (code, d) for code, d in flags}.values())

    def note(self, model: schemas.StockMovementsIn) -> list[tuple[str, dict[str, Any]]]:
        note = model.note
        assert note is not None
        ends = {note.from_, note.to}
        stand = note.to if note.kind == "dispatch" else note.from_
        party = ends if self.location in ends else set()
        return self.stock(model.movements, note.fair, {stand}, party)

    def count(self, model: schemas.FairCountedIn) -> list[tuple[str, dict[str, Any]]]:
        flags = self.stock(model.movements, model.fair, {model.location})
        stands = self.stands_of(model.fair) or set()
        if model.location not in {self.location, *stands} and self.known(model.location):
            raise self.forbid(model.location)
        return flags


# -- clocks -----------------------------------------------------------------------------------


def clock_flags(
    times: list[tuple[int, datetime]],
    received: datetime,
    reference: tuple[int, datetime] | None,
) -> tuple[list[tuple[int, str, dict[str, Any]]], tuple[int, datetime] | None]:
    """Flags for events whose time (the till's clock when it wrote them, in ``seq`` order)
    is implausible, each beyond ``CLOCK_TOLERANCE``: ahead of the server's receipt time
    (``clock_ahead``), or behind ``reference``, the latest plausible time the device sent
    before (``clock_backwards``: its clock was set back, or the event was forged).

    Returns ``(seq, code, detail)`` flags and the new reference.  An event ahead of the
    server never becomes the reference, so one event from the future does not make every
    later one "backwards"."""
    flags: list[tuple[int, str, dict[str, Any]]] = []
    for seq, at in times:
        if at - received > CLOCK_TOLERANCE:
            ahead = {"created_utc": at.isoformat(), "received_utc": received.isoformat()}
            ahead["ahead_s"] = int((at - received).total_seconds())
            flags.append((seq, "clock_ahead", ahead))
            continue
        if reference is not None and reference[1] - at > CLOCK_TOLERANCE:
            back = {
                "created_utc": at.isoformat(),
                "previous_seq": reference[0],
                "previous_utc": reference[1].isoformat(),
                "back_s": int((reference[1] - at).total_seconds()),
            }
            flags.append((seq, "clock_backwards", back))
        if reference is None or at > reference[1]:
            reference = (seq, at)
    return flags, reference
