"""Shop and device settings, stored as JSON values in the ``settings`` table."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coopos.db.models import Setting
from coopos.domain import events
from coopos.domain.errors import ValidationError
from coopos.i18n import _

DEFAULTS: dict[str, Any] = {
    "shop.name": "",
    "shop.address": "",
    "shop.phone": "",
    "shop.ice": "",
    "shop.if": "",
    "shop.tp": "",
    "shop.odco": "",
    "receipt.header": "",
    "receipt.footer": "",
    "language": "fr",
    "arabic_digits": False,  # ١٢٣ instead of 123 in Arabic amounts, dates and receipts
    "device.prefix": "T01",
    "device.location": "SHOP",
    # Sellers may give up to this discount without a manager (basis points of the line).
    "discount.seller_limit_bp": 500,
    "idle_lock_minutes": 5,
    # Times are stored in UTC and shown in the shop's zone (an IANA name).
    "shop.time_zone": "Africa/Casablanca",
    # Shift close: a blind count hides the expected cash until the count is entered;
    # without sellers_may_close a manager approves every close by a seller.
    "shift.blind_count": False,
    "shift.sellers_may_close": True,
    # Typed quantities above these (per line; 0: never) are confirmed first.
    "quantity.max_pieces": 200,
    "quantity.max_kg": 50,  # kg or litres (x 1000 for g and ml)
    "backup.folder": "",  # e.g. a USB key: backups are copied there too
    # Automatic backups are deleted past this age or this total size (the newest few stay).
    "backup.keep_days": 60,
    "backup.max_mb": 2048,
    # Events the server acknowledged are deleted from the outbox after this many days.
    "outbox.retention_days": 30,
    "printer.uri": "",  # e.g. tcp://192.168.1.50 or file:/tmp/receipts.bin; empty: none
    "printer.width": 576,  # printable dots: 576 for 80 mm, 384 for 58 mm paper
    "printer.profile": "",  # a python-escpos profile name; its paper width wins if known
    "printer.band_rows": 255,  # rows per raster band (cheap printers choke on taller)
    "printer.cut": True,
    "printer.drawer_pin": 2,  # the drawer's cable: pin 2 or pin 5
    "printer.drawer_on_cash": True,  # open the drawer when a sale takes cash
    "receipt.language": "",  # empty: the shop's language
    # Set by enrollment (coopos enroll), never typed: a till without them is standalone.
    "sync.url": "",
    "sync.token": "",
    "sync.device_id": None,
    "sync.cursor": 0,
    "sync.last_ok_utc": "",
    "sync.last_error": "",
    "sync.refused": None,  # the event the server refused for good (sync_push), if any
}


def get(session: Session, key: str) -> Any:
    raw = session.execute(select(Setting.value).where(Setting.key == key)).scalar()
    return json.loads(raw) if raw is not None else DEFAULTS.get(key)


def get_all(session: Session) -> dict[str, Any]:
    values = dict(DEFAULTS)
    for key, raw in session.execute(select(Setting.key, Setting.value)):
        values[key] = json.loads(raw)
    return values


def put(session: Session, key: str, value: Any) -> None:
    session.merge(Setting(key=key, value=json.dumps(value, ensure_ascii=False)))


EDITABLE = {k for k in DEFAULTS if not k.startswith(("device.", "sync."))} | {"backup.folder"}


def validate(values: dict[str, Any]) -> dict[str, Any]:
    """Check settings typed by a user; returns them cleaned (numbers as ints)."""
    values = dict(values)
    unknown = set(values) - EDITABLE
    if unknown:
        raise ValidationError(_("Unknown setting: {name}.", name=", ".join(sorted(unknown))))
    if "shop.ice" in values:
        ice = str(values["shop.ice"]).strip()
        if ice and not (ice.isdigit() and len(ice) == 15):
            raise ValidationError(_("An ICE is 15 digits."))
    for key in (
        "idle_lock_minutes",
        "discount.seller_limit_bp",
        "quantity.max_pieces",
        "quantity.max_kg",
        "printer.width",
        "printer.band_rows",
        "printer.drawer_pin",
        "backup.keep_days",
        "backup.max_mb",
        "outbox.retention_days",
    ):
        if key in values:
            try:
                number = int(values[key])
            except (TypeError, ValueError):
                message = _("“{text}” is not a whole number.", text=values[key])
                raise ValidationError(message) from None
            if number < 0:
                raise ValidationError(_("“{text}” cannot be negative.", text=values[key]))
            values[key] = number
    if "printer.band_rows" in values and not 1 <= values["printer.band_rows"] <= 2303:
        raise ValidationError(_("A raster band is 1 to 2303 rows."))
    if "printer.drawer_pin" in values and values["printer.drawer_pin"] not in (2, 5):
        raise ValidationError(_("A cash drawer is on pin 2 or pin 5."))
    if "printer.width" in values and not 256 <= values["printer.width"] <= 4096:
        raise ValidationError(_("The paper width is 256 to 4096 dots (576 for 80 mm)."))
    for key in (
        "printer.cut",
        "printer.drawer_on_cash",
        "arabic_digits",
        "shift.blind_count",
        "shift.sellers_may_close",
    ):
        if key in values:
            values[key] = bool(values[key])
    if "shop.time_zone" in values:
        values["shop.time_zone"] = _time_zone_name(values["shop.time_zone"])
    return values


def _time_zone_name(value: Any) -> str:
    from coopos.i18n.formats import DEFAULT_TIME_ZONE, time_zone

    name = str(value or "").strip() or DEFAULT_TIME_ZONE
    try:
        time_zone(name)
    except ValueError:
        raise ValidationError(
            _("Unknown time zone “{name}” (e.g. Africa/Casablanca).", name=name)
        ) from None
    return name


def update(ctx, values: dict[str, Any], user_id: int | None = None) -> None:
    """Save settings from the back office (audited; listeners told after commit)."""
    values = validate(values)
    with ctx.write() as uow:
        changed = {}
        for key, value in values.items():
            if get(uow.session, key) != value:
                put(uow.session, key, value)
                changed[key] = value
        if changed:
            uow.audit("settings_changed", user_id, keys=sorted(changed))
            uow.publish(events.SETTINGS_CHANGED, keys=sorted(changed))
