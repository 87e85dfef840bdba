"""Head office's use cases: set up the server, the catalog (import, locations, fairs,
users, product edits), devices and admin tokens, and the queries over what tills pushed.

Every catalog write goes through ``sync.catalog_write`` so that tills pull it, numbered
in commit order.  Errors are ``CooposError``s with one translated sentence (the CLI
prints them; the API turns them into 4xx answers).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from coopos.catalog_file import (
    CatalogImportError,
    CatalogRow,
    ImportSummary,
    RowError,
    check_rows,
    guess_cooperative_code,
    read_table,
)
from coopos.domain.catalog import Role, Unit, released_barcodes
from coopos.domain.errors import NotFoundError, StateError, ValidationError
from coopos.domain.pin_policy import check_pin
from coopos.domain.quantity import from_milli, to_milli
from coopos.domain.search import normalise
from coopos.domain.security import hash_pin, might_match, verify_pin
from coopos.i18n import _
from coopos.protocol import text as text_rules
from coopos.protocol.codes import fair_code, location_code
from coopos.server import sync
from coopos.server.db import Database
from coopos.server.models import (
    AdminToken,
    CashMovement,
    Category,
    Cooperative,
    Device,
    Event,
    EventFlag,
    Fair,
    Location,
    Product,
    ProductBarcode,
    Sale,
    SaleLine,
    SalePayment,
    Shift,
    StockMovement,
    User,
    new_uuid,
)

DEFAULT_LOCATION = "SHOP"
KINDS = ("shop", "warehouse", "stand")
CODE_HOURS = 24
_PREFIX = re.compile(r"^[A-Z0-9]{1,8}$")  # no dash: a receipt is PREFIX-000123


class StaleVersion(StateError):
    """An edit based on an old version of a row: refused, never merged."""

    def __init__(self, current: int):
        super().__init__(
            _(
                "Someone changed this product meanwhile (now version {version}): "
                "reload it and edit again.",
                version=current,
            )
        )
        self.current = current


def _local_now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _location(s: Session, code: str) -> Location:
    location = s.execute(
        select(Location).where(Location.code == code.strip().upper())
    ).scalar_one_or_none()
    if location is None:
        raise NotFoundError(_("Unknown location {code}.", code=code))
    return location


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


# -- devices ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewDevice:
    id: int
    code: str  # shown once; only its hash is stored
    expires_utc: datetime
    receipt_prefix: str
    location: str


@dataclass(frozen=True)
class DeviceInfo:
    id: int
    name: str
    location: str
    receipt_prefix: str
    status: str  # pending | expired | enrolled | revoked
    last_seen_utc: datetime | None
    last_ip: str | None
    clock_offset_ms: int | None
    acked_seq: int

    @property
    def drift(self) -> bool:
        """The device's clock is off by more than ``sync.DRIFT_LIMIT``."""
        limit = sync.DRIFT_LIMIT.total_seconds() * 1000
        return self.clock_offset_ms is not None and abs(self.clock_offset_ms) > limit


def _free_prefix(s: Session) -> str:
    used = set(s.execute(select(Device.receipt_prefix)).scalars())
    n = 1
    while f"T{n:02d}" in used:
        n += 1
    return f"T{n:02d}"


def add_device(
    db: Database,
    location: str = DEFAULT_LOCATION,
    prefix: str | None = None,
    name: str = "",
    hours: int = CODE_HOURS,
) -> NewDevice:
    """A device waiting for its till: a one-time enrollment code valid ``hours``."""
    if prefix is not None:
        prefix = prefix.strip().upper()
        if not _PREFIX.match(prefix):
            raise ValidationError(
                _("A receipt prefix is 1 to 8 letters or digits (not “{prefix}”).", prefix=prefix)
            )
    if not 1 <= hours <= 24 * 30:
        raise ValidationError(_("A code is valid from 1 hour to 30 days."))
    code = sync.new_enrollment_code()
    now = db.now()
    try:
        with db.write() as s:
            loc = _location(s, location)
            chosen = prefix or _free_prefix(s)
            # Prefixes of revoked devices stay taken: their receipts exist.
            if s.execute(select(Device.id).where(Device.receipt_prefix == chosen)).first():
                raise ValidationError(
                    _("Receipt prefix {prefix} is already used by another device.", prefix=chosen)
                )
            device = Device(
                name=name.strip()[:100],
                location=loc,
                receipt_prefix=chosen,
                code_hash=sync.hash_secret(sync.normalise_code(code)),
                code_expires_utc=now + timedelta(hours=hours),
                created_utc=now,
                acked_seq=0,
            )
            s.add(device)
            s.flush()
            return NewDevice(device.id, code, device.code_expires_utc, chosen, loc.code)
    except IntegrityError:
        # another head-office user took the same prefix at the same moment
        raise StateError(_("That receipt prefix was just taken: try again.")) from None


def _device_info(device: Device, now: datetime) -> DeviceInfo:
    if device.revoked_utc is not None:
        status = "revoked"
    elif device.token_hash is not None:
        status = "enrolled"
    elif device.code_expires_utc is not None and device.code_expires_utc > now:
        status = "pending"
    else:
        status = "expired"
    return DeviceInfo(
        id=device.id,
        name=device.name,
        location=device.location.code,
        receipt_prefix=device.receipt_prefix,
        status=status,
        last_seen_utc=device.last_seen_utc,
        last_ip=device.last_ip,
        clock_offset_ms=device.clock_offset_ms,
        acked_seq=device.acked_seq,
    )


def list_devices(db: Database) -> list[DeviceInfo]:
    now = db.now()
    with db.read() as s:
        devices = s.execute(
            select(Device).options(selectinload(Device.location)).order_by(Device.id)
        ).scalars()
        return [_device_info(d, now) for d in devices]


def revoke_device(db: Database, device_id: int) -> DeviceInfo:
    """Refuse the device from now on (its token and any unused code)."""
    now = db.now()
    with db.write() as s:
        device = s.get(Device, device_id, options=[selectinload(Device.location)])
        if device is None:
            raise NotFoundError(_("No device {id}.", id=device_id))
        if device.revoked_utc is None:
            device.revoked_utc = now
            device.code_hash = None
        return _device_info(device, now)


def reenroll_device(db: Database, device_id: int, hours: int = CODE_HOURS) -> NewDevice:
    """A fresh one-time code for an existing device (revoked, or its till restored on a
    new laptop): the same device, receipt prefix, location and sequence, so the till
    keeps its unsent sales and its numbering.  The device's current token stops working
    at once; the till that enrolls with the code gets a new one."""
    if not 1 <= hours <= 24 * 30:
        raise ValidationError(_("A code is valid from 1 hour to 30 days."))
    code = sync.new_enrollment_code()
    now = db.now()
    with db.write() as s:
        device = s.get(
            Device, device_id, options=[selectinload(Device.location)], with_for_update=True
        )
        if device is None:
            raise NotFoundError(_("No device {id}.", id=device_id))
        device.revoked_utc = None
        device.token_hash = None
        device.code_hash = sync.hash_secret(sync.normalise_code(code))
        device.code_expires_utc = now + timedelta(hours=hours)
        return NewDevice(
            device.id, code, device.code_expires_utc, device.receipt_prefix, device.location.code
        )


# -- admin tokens -------------------------------------------------------------------------------


def new_admin_token(db: Database, name: str = "") -> tuple[int, str]:
    """A head-office token for catalog edits through the API; shown once."""
    token = sync.new_token(sync.ADMIN_TOKEN_PREFIX)
    with db.write() as s:
        row = AdminToken(
            name=name.strip()[:100], token_hash=sync.hash_secret(token), created_utc=db.now()
        )
        s.add(row)
        s.flush()
        return row.id, token


def list_admin_tokens(db: Database) -> list[AdminToken]:
    with db.read() as s:
        return list(s.execute(select(AdminToken).order_by(AdminToken.id)).scalars())


def revoke_admin_token(db: Database, token_id: int) -> None:
    with db.write() as s:
        row = s.get(AdminToken, token_id)
        if row is None:
            raise NotFoundError(_("No admin token {id}.", id=token_id))
        row.revoked_utc = row.revoked_utc or db.now()


# -- catalog import -------------------------------------------------------------------------------


def _barcode_errors(s: Session, rows: list[CatalogRow]) -> list[RowError]:
    """Barcodes that belong to a product this file does not re-import."""
    owner = {b: r for r in rows for b in r.barcodes}
    skus = {r.sku for r in rows}
    errors = []
    if owner:
        existing = s.execute(
            select(ProductBarcode.barcode, Product.sku)
            .join(Product)
            .where(ProductBarcode.barcode.in_(owner))
        )
        for barcode, sku in existing:
            row = owner[barcode]
            if sku != row.sku and sku not in skus:
                errors.append(
                    RowError(
                        row.line,
                        _("barcode {barcode} already belongs to {sku}", barcode=barcode, sku=sku),
                    )
                )
    return errors


def import_catalog(
    db: Database, path: str | Path, location: str = DEFAULT_LOCATION, dry_run: bool = False
) -> ImportSummary:
    """Import a catalog file in the till's format (CSV or XLSX).  All or nothing; a
    ``stock`` column is received at ``location`` as head-office stock movements."""
    path = Path(path)
    rows, errors, _lines, _owners = check_rows(read_table(path))
    with db.read() as s:
        errors += _barcode_errors(s, rows)
        if any(r.stock for r in rows):
            _location(s, location)
    if errors:
        raise CatalogImportError(sorted(errors, key=lambda e: e.line))

    def work(log: sync.ChangeLog) -> ImportSummary:
        summary = ImportSummary(rows=len(rows), dry_run=dry_run)
        _apply_rows(log, rows, summary, path.name, location.strip().upper())
        return summary

    return sync.catalog_write(db, work, dry_run=dry_run)


def _apply_rows(
    log: sync.ChangeLog, rows: list[CatalogRow], summary: ImportSummary, filename: str, loc: str
) -> None:
    s, now = log.session, log.now
    coops = {c.code.upper(): c for c in s.execute(select(Cooperative)).scalars()}
    coop_by_name = {n.strip().lower(): c for c in coops.values() for n in c.names.values() if n}
    categories = {c.code.lower(): c for c in s.execute(select(Category)).scalars()}
    category_by_name = {
        n.strip().lower(): c for c in categories.values() for n in c.names.values() if n
    }
    products = {
        p.sku: p
        for p in s.execute(
            select(Product).options(
                selectinload(Product.barcodes),
                selectinload(Product.cooperative),
                selectinload(Product.category),
            )
        ).scalars()
    }
    taken = set(coops)
    received: list[tuple[str, Decimal]] = []
    had = {sku: sorted(b.barcode for b in p.barcodes) for sku, p in products.items()}
    _free_barcodes(s, rows, products)
    for row in rows:
        coop = coops.get(row.cooperative.upper()) or coop_by_name.get(row.cooperative.lower())
        if coop is None:
            coop = Cooperative(
                code=guess_cooperative_code(row.cooperative, taken), name_fr=row.cooperative
            )
            s.add(coop)
            log.touch(coop)
            coops[coop.code] = coop
            coop_by_name[row.cooperative.lower()] = coop
            summary.new_cooperatives.append(f"{coop.code} ({row.cooperative})")
        category = None
        if row.category:
            key = row.category.lower()
            category = categories.get(key) or category_by_name.get(key)
            if category is None:
                slug = "-".join(normalise(row.category).split())[:32] or row.category[:32]
                category = Category(code=slug, name_fr=row.category)
                s.add(category)
                log.touch(category)
                categories[slug.lower()] = category
                category_by_name[key] = category
                summary.new_categories.append(row.category)
        values = {
            "name_ar": row.names.get("ar"),
            "name_fr": row.names.get("fr"),
            "name_en": row.names.get("en"),
            "name_zgh": row.names.get("zgh"),
            "unit": row.unit.value,
            "sold_by_weight": row.unit.weighed,
            "price_cents": row.price,
            "vat_rate": row.vat_rate,
        }
        product = products.get(row.sku)
        if product is None:
            product = Product(sku=row.sku, cooperative=coop, category=category, **values)
            product.barcodes = [ProductBarcode(barcode=b) for b in row.barcodes]
            product.updated_utc = now
            s.add(product)
            products[row.sku] = product
            summary.created += 1
            log.touch(product)
        else:
            new_barcodes = sorted(row.barcodes) != had[row.sku]
            changed = product.cooperative is not coop or product.category is not category
            changed |= any(getattr(product, k) != v for k, v in values.items())
            changed |= new_barcodes or not product.active
            if changed:
                for key, value in values.items():
                    setattr(product, key, value)
                product.cooperative, product.category, product.active = coop, category, True
                product.updated_utc = now  # the row is updated, so its version moves
                if new_barcodes:
                    kept = {b.barcode: b for b in product.barcodes}
                    product.barcodes = [
                        kept.get(b) or ProductBarcode(barcode=b) for b in row.barcodes
                    ]
                summary.updated += 1
                log.touch(product)
            else:
                summary.unchanged += 1
        if row.stock:
            received.append((row.sku, row.stock))
    if received:
        summary.stock_lines = len(received)
        local = _local_now()
        s.execute(
            StockMovement.__table__.insert(),
            [
                {
                    "uuid": new_uuid(),
                    "device_id": None,  # head office
                    "event_id": None,
                    "sale_uuid": None,
                    "sku": sku,
                    "location_code": loc,
                    "quantity_milli": to_milli(qty),
                    "reason": "received",
                    "reference": f"import:{filename}"[:100],
                    "note": "",
                    "created_utc": now,
                    "created_local": local,
                }
                for sku, qty in received
            ],
        )


def _free_barcodes(s: Session, rows: list[CatalogRow], products: dict[str, Product]) -> None:
    """Take from each product of the file the barcodes it loses, before any is given."""
    held = {sku: [b.barcode for b in p.barcodes] for sku, p in products.items()}
    lost = released_barcodes({row.sku: row.barcodes for row in rows}, held)
    for sku, codes in lost.items():
        products[sku].barcodes = [b for b in products[sku].barcodes if b.barcode not in codes]
    if lost:
        s.flush()


# -- product edits (API) -------------------------------------------------------------------------


def get_product(db: Database, sku: str) -> dict[str, Any]:
    with db.read() as s:
        return sync.product_data(_product(s, sku))


def _product(s: Session, sku: str) -> Product:
    product = s.execute(
        select(Product)
        .where(Product.sku == sku)
        .options(
            selectinload(Product.barcodes),
            selectinload(Product.cooperative),
            selectinload(Product.category),
        )
    ).scalar_one_or_none()
    if product is None:
        raise NotFoundError(_("Unknown product {sku}.", sku=sku))
    return product


def update_product(db: Database, sku: str, version: int, changes: dict[str, Any]) -> dict:
    """Edit a product as of ``version``; a stale version raises ``StaleVersion``."""
    try:
        sync.check_text(changes)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    for key in ("name_ar", "name_fr", "name_en", "name_zgh"):
        if isinstance(changes.get(key), str):
            text_rules.check_name(changes[key], _("The name"))
    for key, label in (("cooperative", _("The cooperative")), ("category", _("The category"))):
        if isinstance(changes.get(key), str):
            text_rules.check_code(changes[key], label)

    def work(log: sync.ChangeLog) -> dict[str, Any]:
        with log.session.no_autoflush:  # one UPDATE at the end: the version moves by one
            return _edit_product(log, sku, version, changes)

    return sync.catalog_write(db, work)


def _edit_product(
    log: sync.ChangeLog, sku: str, version: int, changes: dict[str, Any]
) -> dict[str, Any]:
    s = log.session
    product = _product(s, sku)
    if product.version != version:
        raise StaleVersion(product.version)
    changed = False
    for key in ("name_ar", "name_fr", "name_en", "name_zgh", "price_cents", "vat_rate"):
        if key in changes and getattr(product, key) != changes[key]:
            setattr(product, key, changes[key])
            changed = True
    if changes.get("unit") is not None and changes["unit"] != product.unit:
        product.unit = changes["unit"]
        product.sold_by_weight = Unit(changes["unit"]).weighed
        changed = True
    if changes.get("active") is not None and changes["active"] != product.active:
        product.active = changes["active"]
        changed = True
    if changes.get("cooperative") is not None:
        coop = s.execute(
            select(Cooperative).where(Cooperative.code == changes["cooperative"].upper())
        ).scalar_one_or_none()
        if coop is None:
            raise ValidationError(_("Unknown cooperative {code}.", code=changes["cooperative"]))
        if coop is not product.cooperative:
            product.cooperative, changed = coop, True
    if changes.get("category") is not None:
        category = None
        if changes["category"]:
            category = s.execute(
                select(Category).where(Category.code == changes["category"])
            ).scalar_one_or_none()
            if category is None:
                raise ValidationError(_("Unknown category {code}.", code=changes["category"]))
        if category is not product.category:
            product.category, changed = category, True
    if changes.get("barcodes") is not None:
        wanted = sorted(set(changes["barcodes"]))
        if wanted != sorted(b.barcode for b in product.barcodes):
            owner = s.execute(
                select(ProductBarcode.barcode, Product.sku)
                .join(Product)
                .where(ProductBarcode.barcode.in_(wanted), Product.id != product.id)
            ).first()
            if owner is not None:
                raise ValidationError(
                    _(
                        "barcode {barcode} already belongs to {sku}",
                        barcode=owner[0],
                        sku=owner[1],
                    )
                )
            kept = {b.barcode: b for b in product.barcodes}
            product.barcodes = [kept.get(b) or ProductBarcode(barcode=b) for b in wanted]
            changed = True
    if changed:
        product.updated_utc = log.now  # bumps the version, even for barcodes alone
        log.touch(product)
        try:
            s.flush()
        except StaleDataError:
            # committed by another editor between our read and our write
            raise StaleVersion(version + 1) from None
    return sync.product_data(product)


# -- queries over what tills pushed ---------------------------------------------------------------


@dataclass(frozen=True)
class SalesFilter:
    location: str | None = None
    fair: str | None = None
    cooperative: str | None = None
    day: str | None = None  # the till's local day, YYYY-MM-DD
    from_day: str | None = None
    to_day: str | None = None
    kind: str | None = None  # sale | refund

    def where(self, by_line: bool = False) -> list[Any]:
        """The WHERE clauses on ``Sale``; ``by_line`` when the query already joins the
        lines (the cooperative then filters them, not the sales)."""
        clauses: list[Any] = []
        if self.location:
            clauses.append(Sale.location_code == self.location.upper())
        if self.fair:
            clauses.append(Sale.fair_code == self.fair.upper())
        if self.day:
            clauses.append(Sale.local_day == self.day)
        if self.from_day:
            clauses.append(Sale.local_day >= self.from_day)
        if self.to_day:
            clauses.append(Sale.local_day <= self.to_day)
        if self.kind:
            clauses.append(Sale.kind == self.kind)
        if self.cooperative and by_line:
            clauses.append(SaleLine.cooperative_code == self.cooperative.upper())
        elif self.cooperative:
            clauses.append(
                exists().where(
                    and_(
                        SaleLine.sale_id == Sale.id,
                        SaleLine.cooperative_code == self.cooperative.upper(),
                    )
                )
            )
        return clauses


def stock(
    db: Database, location: str | None = None, sku: str | None = None, negative: bool = False
) -> list[dict[str, Any]]:
    """On-hand per location and SKU: the sum of every till's and head office's movements."""
    with db.read() as s:
        levels = sync.on_hand(s, {location.upper()} if location else None, {sku} if sku else None)
    rows = [
        {
            "location": loc,
            "sku": code,
            "quantity": str(from_milli(milli)),
            "quantity_milli": milli,
            "negative": milli < 0,
        }
        for (loc, code), milli in sorted(levels.items())
        if not negative or milli < 0
    ]
    return rows


def sales(
    db: Database, filters: SalesFilter, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], bool]:
    limit = max(1, min(limit, 1000))
    with db.read() as s:
        found = (
            s.execute(
                select(Sale)
                .where(*filters.where())
                .order_by(Sale.created_utc, Sale.id)
                .offset(max(offset, 0))
                .limit(limit + 1)
            )
            .scalars()
            .all()
        )
        more = len(found) > limit
        found = found[:limit]
        ids = [sale.id for sale in found]
        lines: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        payments: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        if ids:
            for ln in s.execute(
                select(SaleLine).where(SaleLine.sale_id.in_(ids)).order_by(SaleLine.line_no)
            ).scalars():
                lines[ln.sale_id].append(
                    {
                        "line_no": ln.line_no,
                        "sku": ln.sku,
                        "name": ln.name,
                        "quantity": str(from_milli(ln.quantity_milli)),
                        "unit_price_cents": ln.unit_price_cents,
                        "vat_rate": ln.vat_rate,
                        "cooperative": ln.cooperative_code,
                        "net_cents": ln.net_cents,
                        "commission_cents": ln.commission_cents,
                        "refund_of_line_no": ln.refund_of_line_no,
                    }
                )
            for p in s.execute(
                select(SalePayment).where(SalePayment.sale_id.in_(ids)).order_by(SalePayment.id)
            ).scalars():
                payments[p.sale_id].append(
                    {
                        "method": p.method,
                        "amount_cents": p.amount_cents,
                        "tendered_cents": p.tendered_cents,
                    }
                )
    result = [
        {
            "uuid": sale.uuid,
            "receipt_no": sale.receipt_no,
            "kind": sale.kind,
            "refund_of": sale.refund_of_uuid,
            "refund_linked": sale.refund_of_id is not None,
            "device_id": sale.device_id,
            "location": sale.location_code,
            "fair": sale.fair_code,
            "day": sale.local_day,
            "created_utc": sync.iso_utc(sale.created_utc),
            "created_local": sale.created_local,
            "total_cents": sale.total_cents,
            "lines": lines[sale.id],
            "payments": payments[sale.id],
        }
        for sale in found
    ]
    return result, more


def sales_summary(db: Database, filters: SalesFilter) -> list[dict[str, Any]]:
    """Net sales and commission per local day, location, fair and cooperative."""
    clauses = filters.where(by_line=True)
    stmt = (
        select(
            Sale.local_day,
            Sale.location_code,
            Sale.fair_code,
            SaleLine.cooperative_code,
            func.count(func.distinct(Sale.id)),
            func.sum(SaleLine.quantity_milli),
            func.sum(SaleLine.net_cents),
            func.sum(SaleLine.commission_cents),
        )
        .join(SaleLine, SaleLine.sale_id == Sale.id)
        .where(*clauses)
        .group_by(Sale.local_day, Sale.location_code, Sale.fair_code, SaleLine.cooperative_code)
        .order_by(Sale.local_day, Sale.location_code, SaleLine.cooperative_code)
    )
    with db.read() as s:
        return [
            {
                "day": day,
                "location": loc,
                "fair": fair,
                "cooperative": coop,
                "documents": int(docs),
                "quantity_milli": int(qty or 0),
                "net_cents": int(net or 0),
                "commission_cents": int(commission or 0),
            }
            for day, loc, fair, coop, docs, qty, net, commission in s.execute(stmt)
        ]


def shifts(
    db: Database, location: str | None = None, day: str | None = None
) -> list[dict[str, Any]]:
    stmt = select(Shift).order_by(Shift.id)
    if location:
        stmt = stmt.where(Shift.location_code == location.upper())
    if day:
        stmt = stmt.where(func.substr(Shift.opened_local, 1, 10) == day)
    with db.read() as s:
        found = s.execute(stmt).scalars().all()
        cash: dict[str, int] = {}
        if found:
            cash = {
                shift: int(total or 0)
                for shift, total in s.execute(
                    select(CashMovement.shift_uuid, func.sum(CashMovement.amount_cents))
                    .where(CashMovement.shift_uuid.in_([sh.uuid for sh in found]))
                    .group_by(CashMovement.shift_uuid)
                )
            }
    return [
        {
            "uuid": sh.uuid,
            "device_id": sh.device_id,
            "location": sh.location_code,
            "status": sh.status,
            "opened_local": sh.opened_local,
            "closed_local": sh.closed_local,
            "float_cents": sh.float_cents,
            "z_number": sh.z_number,
            "counts": json.loads(sh.counts or "{}"),
            "expected": json.loads(sh.expected or "{}"),
            "net_total_cents": sh.net_total_cents,
            "cash_movements_cents": cash.get(sh.uuid, 0),
        }
        for sh in found
    ]


def flags(
    db: Database, code: str | None = None, device_id: int | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Flagged events, newest first: what head office should look at."""
    stmt = (
        select(EventFlag, Event.device_id, Event.seq, Event.uuid, Event.kind, Event.received_utc)
        .join(Event, Event.id == EventFlag.event_id)
        .order_by(EventFlag.id.desc())
        .limit(max(1, min(limit, 1000)))
    )
    if code:
        stmt = stmt.where(EventFlag.code == code)
    if device_id is not None:
        stmt = stmt.where(Event.device_id == device_id)
    with db.read() as s:
        return [
            {
                "device_id": device,
                "seq": seq,
                "uuid": uuid,
                "kind": kind,
                "code": flag.code,
                "detail": json.loads(flag.detail),
                "received_utc": sync.iso_utc(received),
            }
            for flag, device, seq, uuid, kind, received in s.execute(stmt)
        ]
