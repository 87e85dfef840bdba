"""What the admin's use cases share: their constants, the error of an edit based on an
old version, the local time, a location by code."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coopos.domain.errors import NotFoundError, StateError
from coopos.i18n import _
from coopos.server.models import (
    Location,
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
