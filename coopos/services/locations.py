"""Locations (shop, warehouse, fair stand) and fairs."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from coopos.db.models import Fair, Location
from coopos.domain import events
from coopos.domain.errors import ValidationError
from coopos.i18n import _
from coopos.protocol import codes
from coopos.protocol import text as text_rules
from coopos.services.context import Context

KINDS = ("shop", "warehouse", "stand")


def add_location(
    ctx: Context,
    code: str,
    kind: str,
    name: str,
    user_id: int | None = None,
    fair_name: str | None = None,
    city: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Location:
    """A new location; a stand may belong to a fair (created with it)."""
    code = codes.location_code(code)
    if kind not in KINDS:
        raise ValidationError(_("A location is a shop, a warehouse or a stand."))
    if not name.strip():
        raise ValidationError(_("A location needs a name."))
    for value in (name, fair_name or "", city):
        text_rules.check_name(value, _("The name"))
    if fair_name and kind != "stand":
        raise ValidationError(_("Only a stand belongs to a fair."))
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError(_("The end date is before the start date."))
    with ctx.write() as uow:
        s = uow.session
        if s.execute(select(Location.id).where(func.upper(Location.code) == code)).first():
            raise ValidationError(_("Location {code} already exists.", code=code))
        fair = None
        if fair_name:
            fair = Fair(
                code=code,
                name=fair_name.strip(),
                city=city.strip(),
                starts_on=starts_on,
                ends_on=ends_on,
            )
            s.add(fair)
            s.flush()
        location = Location(
            code=code, kind=kind, name=name.strip(), fair_id=fair.id if fair else None
        )
        s.add(location)
        s.flush()
        uow.publish(events.LOCATIONS_CHANGED, code=code)
        uow.audit("location_added", user_id, code=code, kind=kind, fair=fair_name or "")
        return location


def list_locations(ctx: Context) -> list[Location]:
    with ctx.read() as s:
        return list(
            s.execute(
                select(Location).options(selectinload(Location.fair)).order_by(Location.code)
            ).scalars()
        )
