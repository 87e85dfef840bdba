"""What every part of the sync protocol shares: its error, its constants, secrets,
times and the canonical JSON of a payload.  Messages here are for machines and logs,
so they are not translated."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from coopos.domain import consignment as consignment_rules

DEVICE_TOKEN_PREFIX = "cpd_"
ADMIN_TOKEN_PREFIX = "cpa_"
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U
CODE_LENGTH = 12  # 60 bits
ENROLL_WINDOW = timedelta(minutes=1)
ENROLL_MAX_FAILURES = 5  # per client address and window
DRIFT_LIMIT = timedelta(minutes=5)
PULL_MAX = 1000
PAYOUT_METHODS = consignment_rules.PAYOUT_METHODS

T = TypeVar("T")
log = logging.getLogger(__name__)


class SyncError(Exception):
    """A refusal the till can act on: HTTP ``status``, stable ``code``, extra fields."""

    def __init__(self, status: int, code: str, message: str, **extra: Any):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    @property
    def detail(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


# -- secrets and times ------------------------------------------------------------------------


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def new_enrollment_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str:
    """What a person may type for a code: any case, dashes and spaces, O for 0, I/L for 1."""
    cleaned = "".join(code.split()).replace("-", "").upper()
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def parse_utc(value: str) -> datetime:
    """An ISO 8601 time to naive UTC.  Both ``2026-11-22T19:15:23.7`` and
    ``2026-11-22 19:15:23.7`` are accepted; without an offset the time is UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise ValueError(f"{str(value)[:40]!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def iso_utc(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds") + "Z"


def canonical(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def check_text(value: Any, path: str = "payload") -> None:
    """Refuse text no database column can hold: NUL characters and lone surrogates."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise ValueError(f"{where} holds a NUL character")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(f"{where} is not valid Unicode text") from None
        elif isinstance(item, dict):
            for key, sub in item.items():
                stack.append((key, f"{where} key"))
                stack.append((sub, f"{where}.{key}"))
        elif isinstance(item, list):
            stack.extend((sub, f"{where}[{i}]") for i, sub in enumerate(item))
