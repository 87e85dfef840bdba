"""Shop and device settings, stored as JSON values in the ``settings`` table."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coopos.db.models import Setting

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
    "device.prefix": "T01",
    "device.location": "SHOP",
    # Sellers may give up to this discount without a manager (basis points of the line).
    "discount.seller_limit_bp": 500,
    "idle_lock_minutes": 5,
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
