"""Create a till database: default shop location, admin user, device settings, and
optionally the demo catalog (12 cooperatives, 80 products, a warehouse and a fair)."""

from __future__ import annotations

import csv
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from coopos.db.models import Category, Cooperative, Fair, Location, User
from coopos.domain.catalog import Role, parse_rate_bp
from coopos.domain.errors import StateError
from coopos.domain.pin_policy import check_pin, is_weak
from coopos.i18n import _
from coopos.resources import resource_path
from coopos.services import catalog, settings, users
from coopos.services.context import Context

# Managers and admins need 6 digits that are no run or repeat (domain.pin_policy).
DEMO_ADMIN_PIN = "468203"
DEMO_SELLER_PIN = "1111"
DEMO_MANAGER_PIN = "250917"


@dataclass
class InitResult:
    admin_pin: str
    created_users: list[tuple[str, str, str]] = field(default_factory=list)  # name, role, pin
    products: int = 0
    cooperatives: int = 0


def is_initialised(ctx: Context) -> bool:
    with ctx.read() as s:
        return s.execute(select(User.id).limit(1)).first() is not None


def init_database(
    ctx: Context,
    admin_pin: str | None = None,
    demo: bool = False,
    shop_name: str | None = None,
    language: str = "fr",
    shop: dict[str, str] | None = None,
) -> InitResult:
    if is_initialised(ctx):
        raise StateError(_("This database is already set up."))
    pin = admin_pin or (DEMO_ADMIN_PIN if demo else random_pin())
    # Everything typed is checked before the first write: nothing is half-set-up.
    pin = check_pin(pin, Role.ADMIN)
    shop = settings.validate(shop or {})
    with ctx.write() as uow:
        s = uow.session
        s.add(Location(code="SHOP", kind="shop", name=_("Shop")))
        for key, value in shop.items():
            settings.put(s, key, value)
        settings.put(s, "device.prefix", "T01")
        settings.put(s, "device.location", "SHOP")
        settings.put(s, "device.uuid", secrets.token_hex(16))
        settings.put(s, "receipt.secret", secrets.token_hex(32))
        settings.put(s, "language", language)
        if shop_name:
            settings.put(s, "shop.name", shop_name)
        uow.audit("database_created", None, demo=demo)
    admin = users.create_user(ctx, "Admin", Role.ADMIN, pin)
    result = InitResult(admin_pin=pin, created_users=[(admin.name, Role.ADMIN.value, pin)])
    if demo:
        load_demo(ctx, admin.id, result)
    return result


def random_pin() -> str:
    """Six random digits that the admin rules accept."""
    while True:
        pin = f"{secrets.randbelow(10**6):06d}"
        if not is_weak(pin):
            return pin


def load_demo(ctx: Context, admin_id: int, result: InitResult) -> None:
    demo = resource_path("demo")
    today = date.today()
    with ctx.write() as uow:
        s = uow.session
        for key, value in {
            "shop.name": "Boutique solidaire Tamount",
            "shop.address": "12, avenue Hassan II, Agadir",
            "shop.phone": "+212 5 28 84 12 34",
            "shop.ice": "002345678000019",
            "shop.if": "45123456",
            "shop.tp": "48765432",
            "shop.odco": "2019/AGA/1187",
            "receipt.footer": "Merci ! شكرا ! ⵜⴰⵏⵎⵎⵉⵔⵜ !",
        }.items():
            settings.put(s, key, value)
        s.add(Location(code="WH", kind="warehouse", name="Entrepôt central"))
        fair = Fair(
            code="SIAM",
            name="Salon International de l'Agriculture au Maroc",
            city="Meknès",
            starts_on=today + timedelta(days=30),
            ends_on=today + timedelta(days=37),
        )
        s.add(fair)
        s.flush()
        s.add(Location(code="SIAM-STAND", kind="stand", name="Stand SIAM", fair_id=fair.id))
        for row in _csv(demo / "cooperatives.csv"):
            s.add(
                Cooperative(
                    code=row["code"],
                    name_ar=row["name_ar"],
                    name_fr=row["name_fr"],
                    name_en=row["name_en"] or None,
                    name_zgh=row["name_zgh"] or None,
                    odco_number=row["odco_number"],
                    ice=row["ice"],
                    phone=row["phone"],
                    city=row["city"],
                    commission_bp=parse_rate_bp(row["commission_rate"]),
                )
            )
            result.cooperatives += 1
        for row in _csv(demo / "categories.csv"):
            s.add(
                Category(
                    **{
                        k: row[k] or None
                        for k in ("code", "name_ar", "name_fr", "name_en", "name_zgh")
                    }
                )
            )
    summary = catalog.import_catalog(ctx, demo / "catalog.csv", user_id=admin_id)
    result.products = summary.created
    for name, role, pin in (
        ("Fatima", Role.SELLER, DEMO_SELLER_PIN),
        ("Youssef", Role.MANAGER, DEMO_MANAGER_PIN),
    ):
        users.create_user(ctx, name, role, pin, actor_id=admin_id)
        result.created_users.append((name, role.value, pin))


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))
