"""The till's side of the sync protocol (docs/sync.md): enrollment, push, pull and the
device's state, over HTTP.

``Transport`` is anything with httpx's ``request`` method: a plain ``httpx.Client`` in
production, FastAPI's ``TestClient`` (an httpx client bound to the app) in tests.  Every
failure becomes a :class:`SyncFailure` *subclass* with a sentence for the seller: callers
decide on its type (offline, re-enroll, conflict...), never on its words.  The class is
chosen here from the HTTP status and the protocol's machine ``code``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from coopos.domain.errors import CooposError, StateError
from coopos.i18n import _

if TYPE_CHECKING:  # httpx is imported when a round starts, not with the window
    import httpx

CONNECT_SECONDS, READ_SECONDS = 5.0, 20.0


class Transport(Protocol):
    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response: ...


class SyncFailure(CooposError):
    """Sync could not go on; ``retry`` says whether waiting may fix it."""

    retry = True

    def __init__(self, message: str, status: int = 0, detail=None):
        super().__init__(message)
        self.status = status
        self.detail = detail or {}


class ServerUnreachable(SyncFailure):
    """No network, a timeout: the till keeps everything and tries again later."""


class ServerBusy(SyncFailure):
    """5xx, 429, a proxy's page: try again later."""


class DeviceNotAccepted(SyncFailure):
    """Revoked, or its token unknown (re-enrollment pending): head office must give a new
    code, and the till enrolls again; its unsent events are kept."""

    retry = False


class EnrollmentRefused(SyncFailure):
    """The code is unknown, used or expired."""

    retry = False


class PrefixMismatch(EnrollmentRefused, StateError):
    """The code is for a device with another receipt prefix than the one this till already
    numbers its receipts with (the code stays usable for the right till)."""


class SequenceConflict(SyncFailure):
    """The server holds other events under this till's sequence numbers (a restored till):
    recovery asks the server where it stands, then pushes again."""

    retry = False


class ServerRefused(SyncFailure):
    """A request the server will never accept as it is: stop and report."""

    retry = False


@dataclass(frozen=True)
class Enrollment:
    device_id: int
    token: str
    receipt_prefix: str
    location: dict[str, str]
    server_time: str
    acked_through: int = 0  # a re-enrolled device's last sequence number on the server
    numbers: dict[str, int] = field(default_factory=dict)


class SyncClient:
    def __init__(
        self,
        base_url: str,
        token: str = "",
        transport: Transport | None = None,
        prefix: str = "",
    ):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.prefix = prefix  # the receipt prefix this till already uses, if any
        if transport is None:
            import httpx

            timeout = httpx.Timeout(READ_SECONDS, connect=CONNECT_SECONDS)
            transport = httpx.Client(timeout=timeout, follow_redirects=True)
        self.http = transport

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        headers = kwargs.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self.http.request(
                method, f"{self.base_url}{path}", headers=headers, **kwargs
            )
        except httpx.HTTPError as exc:
            raise ServerUnreachable(
                _(
                    "The server cannot be reached ({error}): sales are kept and sent later.",
                    error=type(exc).__name__,
                )
            ) from exc
        if response.status_code == 200:
            try:
                return response.json()
            except ValueError as exc:
                raise ServerBusy(_("The server answered something that is not coopos.")) from exc
        raise self._failure(response)

    def _failure(self, response: httpx.Response) -> SyncFailure:
        try:
            detail = response.json().get("detail") or {}
        except (ValueError, AttributeError):
            detail = {}
        if not isinstance(detail, dict):
            detail = {"message": str(detail)}
        status, code = response.status_code, detail.get("code", "")
        reason = detail.get("message") or response.reason_phrase
        if status in (401, 403) and code in (
            "device_revoked",
            "invalid_token",
            "missing_token",
        ):
            return DeviceNotAccepted(
                _(
                    "This till must be re-enrolled: ask head office for a new code, then "
                    "enroll it again (Settings, Sync). Its unsent sales are kept. ({reason})",
                    reason=reason,
                ),
                status,
                detail,
            )
        if code == "prefix_mismatch":
            return PrefixMismatch(
                _(
                    "This code is for device {device}, whose receipts are numbered {theirs}-…; "
                    "this till numbers its receipts {ours}-…: ask head office for a code for "
                    "this till (coopos server device reenroll).",
                    device=detail.get("device_id", "?"),
                    theirs=detail.get("receipt_prefix", "?"),
                    ours=self.prefix or "?",
                ),
                status,
                detail,
            )
        if status == 401 and code in ("invalid_code", "code_expired"):
            return EnrollmentRefused(
                _("The server refused: {reason}.", reason=reason), status, detail
            )
        if status == 409 and code in ("sequence_conflict", "uuid_conflict"):
            return SequenceConflict(
                _(
                    "The server holds other events under this till's numbers ({reason}): "
                    "sync stopped so that nothing is counted twice. Tell head office.",
                    reason=reason,
                ),
                status,
                detail,
            )
        if status in (400, 401, 403, 404, 413, 422):
            return ServerRefused(_("The server refused: {reason}.", reason=reason), status, detail)
        # 409 (resend from), 429, 5xx, proxies: try again later
        return ServerBusy(
            _(
                "The server is not ready ({status}: {reason}); sync will try again.",
                status=status,
                reason=reason,
            ),
            status,
            detail,
        )

    # -- the protocol ------------------------------------------------------------------------
    def enroll(self, code: str, device_name: str, device_time: str) -> Enrollment:
        body: dict[str, Any] = {"code": code, "device_name": device_name}
        body["device_time"] = device_time
        if self.prefix:
            body["receipt_prefix"] = self.prefix
        data = self._call("POST", "/v1/enroll", json=body)
        return Enrollment(
            int(data["device_id"]),
            str(data["token"]),
            str(data["receipt_prefix"]),
            dict(data["location"]),
            str(data["server_time"]),
            int(data.get("acked_through") or 0),
            {str(k): int(v) for k, v in (data.get("numbers") or {}).items()},
        )

    def state(self, uuids: list[str]) -> dict[str, Any]:
        """Where this device stands on the server, and which of ``uuids`` it holds."""
        return self._call("POST", "/v1/sync/state", json={"uuids": uuids})

    def push(
        self, events: list[dict[str, Any]], device_time: str, read_seconds: float | None = None
    ) -> dict[str, Any]:
        """``read_seconds``: how long to wait for the answer, if longer than usual (the
        server projects a large multi-part event before it answers)."""
        import httpx

        extra = {}
        if read_seconds is not None:
            extra["timeout"] = httpx.Timeout(read_seconds, connect=CONNECT_SECONDS)
        # Encoded here, as limits.py measures it (UTF-8, compact), whatever httpx does.
        body = json.dumps(
            {"device_time": device_time, "events": events},
            ensure_ascii=False,
            separators=(",", ":"),
            allow_nan=False,
        ).encode("utf-8")
        return self._call(
            "POST",
            "/v1/sync/push",
            content=body,
            headers={"Content-Type": "application/json"},
            **extra,
        )

    def high_water(self, device_time: str) -> int:
        """The last ``seq`` the server holds for this till (an empty push answers it)."""
        return int(self.push([], device_time)["acked_through"])

    def pull(self, cursor: int, limit: int = 500) -> dict[str, Any]:
        return self._call("GET", "/v1/sync/pull", params={"cursor": cursor, "limit": limit})
