"""Find things users name (a sku, a location code, a user) or say clearly that they don't exist."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from coopos.db.models import Cooperative, Location, Product, ProductBarcode, Shift, User
from coopos.domain import keyboard
from coopos.domain.errors import NotFoundError
from coopos.i18n import _
from coopos.services import settings


def location(session: Session, code: str | None = None) -> Location:
    """The location with ``code``, or the till's own location when ``code`` is None."""
    code = code or settings.get(session, "device.location")
    loc = session.execute(
        select(Location).where(func.upper(Location.code) == str(code).upper())
    ).scalar()
    if loc is None:
        raise NotFoundError(_("Unknown location “{code}”.", code=code))
    return loc


def product_by_code(session: Session, code: str) -> Product | None:
    """A product by barcode first (scanners), then by sku; the code as typed first, then
    as a scanner set for another keyboard layout meant it (``keyboard.readings``)."""
    for reading in keyboard.readings(code):
        product = _product_by_exact_code(session, reading)
        if product is not None:
            return product
    return None


def _product_by_exact_code(session: Session, code: str) -> Product | None:
    if not code:
        return None
    product = session.execute(
        select(Product).join(ProductBarcode).where(ProductBarcode.barcode == code)
    ).scalar()
    if product is None:
        product = session.execute(
            select(Product).where(or_(Product.sku == code, Product.sku == code.upper()))
        ).scalar()
    return product


def product(session: Session, code: str) -> Product:
    found = product_by_code(session, code)
    if found is None:
        if keyboard.looks_mangled(code):
            raise keyboard.unknown_code(code)
        raise NotFoundError(_("Unknown product “{code}”: no such barcode or SKU.", code=code))
    return found


def cooperative(session: Session, code_or_name: str) -> Cooperative:
    text = code_or_name.strip()
    coop = session.execute(
        select(Cooperative).where(
            or_(
                func.upper(Cooperative.code) == text.upper(),
                Cooperative.name_fr == text,
                Cooperative.name_ar == text,
                Cooperative.name_en == text,
            )
        )
    ).scalar()
    if coop is None:
        raise NotFoundError(_("Unknown cooperative “{name}”.", name=code_or_name))
    return coop


def user_by_name(session: Session, name: str) -> User:
    user = session.execute(
        select(User).where(func.lower(User.name) == name.strip().lower(), User.active)
    ).scalar()
    if user is None:
        raise NotFoundError(_("Unknown user “{name}”.", name=name))
    return user


def open_shift(session: Session) -> Shift | None:
    return session.execute(select(Shift).where(Shift.status == "open")).scalar()
