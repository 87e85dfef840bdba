"""The till's side of the sync protocol (docs/sync.md): enrollment, push, pull, over HTTP.

``Transport`` is anything with httpx's ``request`` method: a plain ``httpx.Client`` in
production, FastAPI's ``TestClient`` (an httpx client bound to the app) in tests.  Every
failure becomes a :class:`SyncFailure` with a sentence for the seller and whether it is
worth retrying later (offline, server busy) or needs a person (revoked device).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from coopos.domain.errors import CooposError
from coopos.i18n import _

if TYPE_CHECKING:  # httpx is imported when a round starts, not with the window
    import httpx

CONNECT_SECONDS, READ_SECONDS = 5.0, 20.0


class Transport(Protocol):
    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response: ...


class SyncFailure(CooposError):
    """Sync could not go on; ``retry`` says whether waiting may fix it."""

    def __init__(self, message: str, retry: bool = True, status: int = 0, detail=None):
        super().__init__(message)
        self.retry = retry
        self.status = status
        self.detail = detail or {}


@dataclass(frozen=True)
class Enrollment:
    device_id: int
    token: str
    receipt_prefix: str
    location: dict[str, str]
    server_time: str


class SyncClient:
    def __init__(self, base_url: str, token: str = "", transport: Transport | None = None):
        self.base_url = base_url.rstrip("/")
        self.token = token
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
            raise SyncFailure(
                _(
                    "The server cannot be reached ({error}): sales are kept and sent later.",
                    error=type(exc).__name__,
                )
            ) from exc
        if response.status_code == 200:
            try:
                return response.json()
            except ValueError as exc:
                raise SyncFailure(_("The server answered something that is not coopos.")) from exc
        raise self._failure(response)

    @staticmethod
    def _failure(response: httpx.Response) -> SyncFailure:
        try:
            detail = response.json().get("detail") or {}
        except (ValueError, AttributeError):
            detail = {}
        if not isinstance(detail, dict):
            detail = {"message": str(detail)}
        status, code = response.status_code, detail.get("code", "")
        reason = detail.get("message") or response.reason_phrase
        if status in (401, 403) and code in ("device_revoked", "invalid_token", "missing_token"):
            return SyncFailure(
                _(
                    "The server no longer accepts this till ({reason}): enroll it again "
                    "(Settings, Sync).",
                    reason=reason,
                ),
                retry=False,
                status=status,
                detail=detail,
            )
        if status in (401, 403, 404, 413, 422):
            return SyncFailure(
                _("The server refused: {reason}.", reason=reason),
                retry=False,
                status=status,
                detail=detail,
            )
        # 409 (resend from), 429, 5xx, proxies: try again later
        return SyncFailure(
            _(
                "The server is not ready ({status}: {reason}); sync will try again.",
                status=status,
                reason=reason,
            ),
            status=status,
            detail=detail,
        )

    # -- the protocol ------------------------------------------------------------------------
    def enroll(self, code: str, device_name: str, device_time: str) -> Enrollment:
        data = self._call(
            "POST",
            "/v1/enroll",
            json={"code": code, "device_name": device_name, "device_time": device_time},
        )
        return Enrollment(
            int(data["device_id"]),
            str(data["token"]),
            str(data["receipt_prefix"]),
            dict(data["location"]),
            str(data["server_time"]),
        )

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
