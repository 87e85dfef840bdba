"""Set-up: the server's first run, fairs, locations and users (catalog writes go through
``sync.catalog_write`` so that tills pull them)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from coopos.domain.catalog import Role
from coopos.domain.errors import NotFoundError, ValidationError
from coopos.domain.pin_policy import check_pin
from coopos.domain.security import hash_pin, might_match, verify_pin
from coopos.i18n import _
from coopos.protocol import text as text_rules
from coopos.protocol.codes import fair_code, location_code
from coopos.server import sync
from coopos.server.admin.common import (
    DEFAULT_LOCATION,
    KINDS,
    _location,
)
from coopos.server.db import Database
from coopos.server.models import (
    Fair,
    Location,
    User,
)

# -- set-up ------------------------------------------------------------------------------------


def init_server(db: Database) -> bool:
    """The default shop location ``SHOP``; True if it was created (safe to repeat)."""

    def work(log: sync.ChangeLog) -> bool:
        s = log.session
        if s.execute(select(Location.id).where(Location.code == DEFAULT_LOCATION)).first():
            return False
        shop = Location(code=DEFAULT_LOCATION, kind="shop", name=_("Shop"))
        s.add(shop)
        log.touch(shop)
        return True

    return sync.catalog_write(db, work)


def add_fair(
    db: Database,
    code: str,
    name: str,
    city: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Fair:
    code = fair_code(code)
    if not name.strip():
        raise ValidationError(_("A fair needs a name."))
    text_rules.check_name(name, _("The name"))
    text_rules.check_name(city, _("The city"))
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError(_("The end date is before the start date."))

    def work(log: sync.ChangeLog) -> Fair:
        s = log.session
        if s.execute(select(Fair.id).where(Fair.code == code)).first():
            raise ValidationError(_("Fair {code} already exists.", code=code))
        fair = Fair(
            code=code, name=name.strip(), city=city.strip(), starts_on=starts_on, ends_on=ends_on
        )
        s.add(fair)
        log.touch(fair)
        return fair

    return sync.catalog_write(db, work)


def add_location(
    db: Database, code: str, kind: str, name: str, fair: str | None = None
) -> Location:
    code = location_code(code)
    if kind not in KINDS:
        raise ValidationError(_("A location is a shop, a warehouse or a stand."))
    if not name.strip():
        raise ValidationError(_("A location needs a name."))
    text_rules.check_name(name, _("The name"))
    if fair and kind != "stand":
        raise ValidationError(_("Only a stand belongs to a fair."))

    def work(log: sync.ChangeLog) -> Location:
        s = log.session
        if s.execute(select(Location.id).where(Location.code == code)).first():
            raise ValidationError(_("Location {code} already exists.", code=code))
        fair_row = None
        if fair:
            fair_row = s.execute(
                select(Fair).where(Fair.code == fair.strip().upper())
            ).scalar_one_or_none()
            if fair_row is None:
                raise NotFoundError(_("Unknown fair {code}.", code=fair))
        location = Location(code=code, kind=kind, name=name.strip(), fair=fair_row)
        s.add(location)
        log.touch(location)
        return location

    return sync.catalog_write(db, work)


def _locations(s: Session, codes: list[str] | None) -> list[Location]:
    """The locations named (default: the shop ``SHOP``); at least one."""
    codes = [c.strip().upper() for c in codes or [DEFAULT_LOCATION] if c.strip()]
    if not codes:
        raise ValidationError(_("Give at least one location."))
    return [_location(s, code) for code in dict.fromkeys(codes)]


def add_user(
    db: Database,
    name: str,
    role: str,
    pin: str,
    language: str | None = None,
    locations: list[str] | None = None,
) -> User:
    """A user of the tills at ``locations`` (default: ``SHOP``); head office owns users,
    and each till receives only those of its own location.  PINs are unique: a PIN alone
    identifies a user at a till's login."""
    name = text_rules.check_name(name.strip(), _("The name"))
    if not name or len(name) > 100:
        raise ValidationError(_("A user needs a name (up to 100 characters)."))
    try:
        role = Role(role).value
    except ValueError:
        raise ValidationError(_("A role is seller, manager or admin.")) from None
    pin = check_pin(pin, role)
    pin_hash = hash_pin(pin)  # slow on purpose: done before the transaction

    def work(log: sync.ChangeLog) -> User:
        s = log.session
        where = _locations(s, locations)
        if s.execute(select(User.id).where(User.name == name)).first():
            raise ValidationError(_("A user named “{name}” already exists.", name=name))
        if _pin_taken(s, pin):
            # the same sentence as the till's: it does not say that someone has it
            raise ValidationError(_("This PIN cannot be used: choose another one."))
        user = User(name=name, role=role, pin_hash=pin_hash, language=language, locations=where)
        s.add(user)
        log.touch(user)
        return user

    return sync.catalog_write(db, work)


def _pin_taken(s: Session, pin: str, except_id: int | None = None) -> bool:
    return any(
        other.id != except_id
        and might_match(pin, other.pin_hash)
        and verify_pin(pin, other.pin_hash)
        for other in s.execute(select(User).where(User.active)).scalars()
    )


def set_user_pin(db: Database, name: str, pin: str) -> User:
    """A new PIN for a user, for every till of their locations (a PIN changed at a till
    stays on that till until head office's next change of the user)."""

    def work(log: sync.ChangeLog) -> User:
        s = log.session
        user = s.execute(select(User).where(User.name == name.strip())).scalar_one_or_none()
        if user is None:
            raise NotFoundError(_("Unknown user {name}.", name=name))
        new_pin = check_pin(pin, user.role)
        if _pin_taken(s, new_pin, user.id):
            raise ValidationError(_("This PIN cannot be used: choose another one."))
        user.pin_hash = hash_pin(new_pin)
        log.touch(user)
        return user

    return sync.catalog_write(db, work)


def set_user_locations(db: Database, name: str, locations: list[str]) -> User:
    """Where a user works from now on.  Tills of the other locations receive the user
    withdrawn (no PIN hash): they deactivate it."""

    def work(log: sync.ChangeLog) -> User:
        s = log.session
        user = s.execute(select(User).where(User.name == name.strip())).scalar_one_or_none()
        if user is None:
            raise NotFoundError(_("Unknown user {name}.", name=name))
        user.locations = _locations(s, locations)
        flag_modified(user, "name")  # a new version, so that tills see the change
        log.touch(user)
        return user

    return sync.catalog_write(db, work)
