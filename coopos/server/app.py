"""The HTTP API (FastAPI): ``create_app(database_url)`` opens, migrates and initialises the
database and returns the application.  Endpoints are plain ``def``s over synchronous
SQLAlchemy sessions (FastAPI runs them in its thread pool).

The protocol is in docs/sync.md.  Every error answer has the same shape::

    {"detail": {"code": "sequence_gap", "message": "...", "expected": 42}}
"""

from __future__ import annotations

import json
import os
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coopos import __version__
from coopos.domain.errors import (
    CooposError,
    NotFoundError,
    PermissionDenied,
    StateError,
    ValidationError,
)
from coopos.protocol.limits import MAX_BODY_BYTES
from coopos.server import admin, portal, quarantine, schemas, sync
from coopos.server.clientip import client_ip, parse_proxies
from coopos.server.db import Database

MAX_BODY = MAX_BODY_BYTES  # see docs/sync.md, "Limits"
_DAY = r"^\d{4}-\d{2}-\d{2}$"
_CODE = r"^[A-Za-z0-9_\-]{1,32}$"
_SKU = r"^[^\x00-\x1f]{1,64}$"

_bearer = HTTPBearer(auto_error=False, description="a device token (cpd_…) or admin token (cpa_…)")
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
DeviceTime = Annotated[
    str | None,
    Header(
        alias="X-Device-Time",
        max_length=40,
        description="the device's clock (ISO 8601, UTC); recorded to watch its drift",
    ),
]
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": schemas.ErrorResponse} for status in (401, 403, 404, 409, 413, 422, 429)
}


def error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return JSONResponse(
        {"detail": {"code": code, "message": message, **extra}}, status, headers=headers
    )


class BodyLimit:
    """Refuse request bodies above ``limit`` bytes with 413, before anything parses them
    (a declared Content-Length is checked first; a chunked body as it arrives)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        too_large = error(
            413, "too_large", f"the request body is over {self.limit} bytes", limit=self.limit
        )
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await error(400, "bad_request", "invalid Content-Length")(scope, receive, send)
                return
            if size > self.limit:
                await too_large(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def database(request: Request) -> Database:
    return request.app.state.db


def principal(
    request: Request, credentials: Bearer, device_time: DeviceTime = None
) -> sync.Principal:
    """Who calls: every endpoint but enrollment needs a device or admin token."""
    token = credentials.credentials if credentials else None
    return sync.authenticate(database(request), token, device_time, client_ip(request))


Caller = Annotated[sync.Principal, Depends(principal)]


def device_only(caller: Caller) -> sync.Principal:
    if caller.is_admin:
        raise sync.SyncError(403, "device_only", "only an enrolled device pushes events")
    return caller


def admin_only(caller: Caller) -> sync.Principal:
    if not caller.is_admin:
        raise sync.SyncError(403, "admin_only", "this needs a head-office admin token")
    return caller


def sales_filter(
    location: Annotated[str | None, Query(pattern=_CODE)] = None,
    fair: Annotated[str | None, Query(pattern=_CODE)] = None,
    cooperative: Annotated[str | None, Query(pattern=_CODE, max_length=16)] = None,
    day: Annotated[str | None, Query(pattern=_DAY)] = None,
    from_day: Annotated[str | None, Query(pattern=_DAY)] = None,
    to_day: Annotated[str | None, Query(pattern=_DAY)] = None,
    kind: Annotated[str | None, Query(pattern=r"^(sale|refund)$")] = None,
) -> admin.SalesFilter:
    return admin.SalesFilter(location, fair, cooperative, day, from_day, to_day, kind)


EntryId = Annotated[int, Path(ge=1, le=2**31 - 1)]
DeviceCaller = Annotated[sync.Principal, Depends(device_only)]
AdminCaller = Annotated[sync.Principal, Depends(admin_only)]
Filter = Annotated[admin.SalesFilter, Depends(sales_filter)]


def create_app(
    database_url: str | None = None,
    *,
    database: Database | None = None,
    trusted_proxies: list[str] | str | None = None,
) -> FastAPI:
    """The API on ``database_url`` (migrated to head and initialised), or on an already
    open ``database`` (tests).  ``trusted_proxies``: whose ``X-Forwarded-For`` to believe
    (default: ``$COOPOS_SERVER_TRUSTED_PROXIES``; see ``coopos.server.clientip``)."""
    proxies = parse_proxies(trusted_proxies)
    db = database or Database.open(database_url)
    admin.init_server(db)
    app = FastAPI(
        title="coopos server",
        version=__version__,
        description="Head office of coopos tills: enrollment, sync of sales, catalog. "
        "See docs/sync.md.",
    )
    app.state.db = db
    app.state.trusted_proxies = proxies
    app.add_middleware(BodyLimit, limit=MAX_BODY)
    _handlers(app)
    portal.install(app, db)

    @app.get("/health", tags=["server"])
    def health() -> dict[str, str]:
        """For load balancers: the process answers and reaches its database."""
        with db.read() as s:
            s.execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.post("/v1/enroll", response_model=schemas.EnrollResponse, responses=_ERRORS, tags=["sync"])
    def enroll(body: schemas.EnrollRequest, request: Request) -> schemas.EnrollResponse:
        """Swap a one-time enrollment code for a device token (the only call without one)."""
        result = sync.enroll(
            db,
            body.code,
            body.device_name,
            body.device_time,
            client_ip(request),
            body.receipt_prefix,
        )
        return schemas.EnrollResponse(
            device_id=result.device_id,
            token=result.token,
            receipt_prefix=result.receipt_prefix,
            location=schemas.LocationOut(**result.location),
            server_time=result.server_time,
            acked_through=result.acked_through,
            numbers=result.numbers,
        )

    @app.post(
        "/v1/sync/state", response_model=schemas.StateResponse, responses=_ERRORS, tags=["sync"]
    )
    def state(body: schemas.StateRequest, caller: DeviceCaller) -> schemas.StateResponse:
        """Where this device stands on the server (its last sequence number, the highest
        number of each document series) and which of the given events it already sent:
        a restored or re-enrolled till asks before pushing (see docs/sync.md)."""
        result = sync.device_state(db, caller.id, body.uuids)
        return schemas.StateResponse(
            device_id=result.device_id,
            receipt_prefix=result.receipt_prefix,
            location=schemas.LocationOut(**result.location),
            acked_through=result.acked_through,
            numbers=result.numbers,
            held=result.held,
        )

    @app.post(
        "/v1/sync/push", response_model=schemas.PushResponse, responses=_ERRORS, tags=["sync"]
    )
    def push(
        body: schemas.PushRequest,
        caller: DeviceCaller,
    ) -> schemas.PushResponse:
        """Store a batch of outbox events exactly once (see docs/sync.md)."""
        result = sync.push(db, caller.id, body.events, body.device_time)
        return schemas.PushResponse(
            acked_through=result.acked_through,
            duplicates=result.duplicates,
            stored=result.stored,
            flagged=[schemas.FlagOut(**vars(f)) for f in result.flagged],
            quarantined=[
                schemas.QuarantinedOut(
                    seq=h.seq, uuid=h.uuid, code=h.code, message=h.message, detail=h.detail
                )
                for h in result.quarantined
            ],
        )

    @app.get("/v1/sync/pull", response_model=schemas.PullResponse, responses=_ERRORS, tags=["sync"])
    def pull(
        caller: Caller,
        cursor: Annotated[int, Query(ge=0, le=schemas.MAX_SEQ)] = 0,
        limit: Annotated[int, Query(ge=1, le=sync.PULL_MAX)] = 500,
    ) -> schemas.PullResponse:
        """Catalog changes after ``cursor``, in commit order.  A device receives only
        the users of its own location (the others withdrawn)."""
        location = None if caller.is_admin else caller.location_code
        result = sync.pull(db, cursor, limit, location)
        return schemas.PullResponse(
            changes=[schemas.ChangeOut(**c) for c in result.changes],
            cursor=result.cursor,
            more=result.more,
        )

    @app.get(
        "/v1/catalog/products/{sku}",
        response_model=schemas.ProductOut,
        responses=_ERRORS,
        tags=["catalog"],
    )
    def get_product(sku: Annotated[str, Path(pattern=_SKU)], caller: Caller) -> schemas.ProductOut:
        return schemas.ProductOut(**admin.get_product(db, sku))

    @app.put(
        "/v1/catalog/products/{sku}",
        response_model=schemas.ProductOut,
        responses=_ERRORS,
        tags=["catalog"],
    )
    def put_product(
        sku: Annotated[str, Path(pattern=_SKU)],
        body: schemas.ProductUpdate,
        caller: AdminCaller,
    ) -> schemas.ProductOut:
        """Edit a product as of ``version``; a stale version is refused with 409."""
        changes = body.model_dump(exclude_unset=True, exclude={"version"})
        return schemas.ProductOut(**admin.update_product(db, sku, body.version, changes))

    @app.get("/v1/stock", response_model=schemas.StockResponse, responses=_ERRORS, tags=["reports"])
    def stock(
        caller: Caller,
        location: Annotated[str | None, Query(pattern=_CODE)] = None,
        sku: Annotated[str | None, Query(pattern=_SKU)] = None,
        negative: bool = False,
    ) -> schemas.StockResponse:
        """Stock per location and SKU: the sum of every till's and head office's movements."""
        rows = admin.stock(db, location, sku, negative)
        return schemas.StockResponse(rows=[schemas.StockRow(**r) for r in rows])

    @app.get("/v1/sales", response_model=schemas.SalesResponse, responses=_ERRORS, tags=["reports"])
    def sales(
        caller: Caller,
        filters: Filter,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    ) -> schemas.SalesResponse:
        """Sales and refunds from every till, by location, fair, cooperative and local day."""
        found, more = admin.sales(db, filters, limit, offset)
        return schemas.SalesResponse(sales=[schemas.SaleOut(**s) for s in found], more=more)

    @app.get(
        "/v1/sales/summary",
        response_model=schemas.SummaryResponse,
        responses=_ERRORS,
        tags=["reports"],
    )
    def sales_summary(caller: Caller, filters: Filter) -> schemas.SummaryResponse:
        """Net sales and commission per local day, location, fair and cooperative."""
        rows = admin.sales_summary(db, filters)
        return schemas.SummaryResponse(rows=[schemas.SummaryRow(**r) for r in rows])

    @app.get(
        "/v1/shifts", response_model=schemas.ShiftsResponse, responses=_ERRORS, tags=["reports"]
    )
    def shifts(
        caller: Caller,
        location: Annotated[str | None, Query(pattern=_CODE)] = None,
        day: Annotated[str | None, Query(pattern=_DAY)] = None,
    ) -> schemas.ShiftsResponse:
        rows = admin.shifts(db, location, day)
        return schemas.ShiftsResponse(shifts=[schemas.ShiftOut(**r) for r in rows])

    @app.get("/v1/flags", response_model=schemas.FlagsResponse, responses=_ERRORS, tags=["reports"])
    def flags(
        caller: Caller,
        code: Annotated[str | None, Query(pattern=r"^[a-z_]{1,32}$")] = None,
        device_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> schemas.FlagsResponse:
        """Events stored but flagged for head office (negative stock, price differs...)."""
        rows = admin.flags(db, code, device_id, limit)
        return schemas.FlagsResponse(flags=[schemas.FlagRow(**r) for r in rows])

    _quarantine_routes(app, db)
    return app


def _entry_out(entry: quarantine.Entry) -> dict[str, Any]:
    data = dict(vars(entry))
    data.pop("document_uuid")
    for key in ("received_utc", "updated_utc", "resolved_utc"):
        data[key] = sync.iso_utc(data[key]) if data[key] is not None else None
    return data


def _replayed_out(result: quarantine.Replayed) -> schemas.ReplayOut:
    return schemas.ReplayOut(
        **_entry_out(result.entry),
        flagged=[schemas.FlagOut(**vars(f)) for f in result.flagged],
        dependents=[_replayed_out(d) for d in result.dependents],
    )


def _by(caller: sync.Principal) -> str:
    return f"admin token {caller.id}"


def _quarantine_routes(app: FastAPI, db: Database) -> None:
    """Head office's review: quarantined events (admin token) and flags per device."""

    @app.get(
        "/v1/quarantine",
        response_model=schemas.QuarantineResponse,
        responses=_ERRORS,
        tags=["quarantine"],
    )
    def quarantined(
        caller: AdminCaller,
        status: Annotated[str, Query(pattern=r"^(open|replayed|discarded|all)$")] = "open",
        device_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
        code: Annotated[str | None, Query(pattern=r"^[a-z_]{1,32}$")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> schemas.QuarantineResponse:
        """Events stored but not projected, oldest first, with their reason."""
        found = quarantine.entries(db, None if status == "all" else status, device_id, code, limit)
        return schemas.QuarantineResponse(
            entries=[schemas.QuarantineEntryOut(**_entry_out(e)) for e in found]
        )

    @app.get(
        "/v1/quarantine/{entry_id}",
        response_model=schemas.QuarantineDetailOut,
        responses=_ERRORS,
        tags=["quarantine"],
    )
    def quarantined_event(entry_id: EntryId, caller: AdminCaller) -> schemas.QuarantineDetailOut:
        """One entry with its event exactly as received and what waits for it."""
        found = quarantine.details(db, entry_id)
        return schemas.QuarantineDetailOut(
            **_entry_out(found.entry),
            payload=found.payload,
            envelope=found.envelope,
            created_utc=sync.iso_utc(found.created_utc),
            flags=found.flags,
            waiting=[schemas.QuarantineEntryOut(**_entry_out(e)) for e in found.waiting],
        )

    @app.post(
        "/v1/quarantine/{entry_id}/replay",
        response_model=schemas.ReplayOut,
        responses=_ERRORS,
        tags=["quarantine"],
    )
    def replay(
        entry_id: EntryId, caller: AdminCaller, body: schemas.ReplayRequest | None = None
    ) -> schemas.ReplayOut:
        """Project the event again (after a fix); ``status`` says if it is still held."""
        clean = body.clean if body is not None else False
        return _replayed_out(quarantine.replay(db, entry_id, clean, _by(caller)))

    @app.post(
        "/v1/quarantine/{entry_id}/discard",
        response_model=schemas.QuarantineEntryOut,
        responses=_ERRORS,
        tags=["quarantine"],
    )
    def discard(
        entry_id: EntryId, body: schemas.DiscardRequest, caller: AdminCaller
    ) -> schemas.QuarantineEntryOut:
        """Set the event aside for good, with a reason (it stays stored)."""
        entry = quarantine.discard(db, entry_id, body.reason, _by(caller))
        return schemas.QuarantineEntryOut(**_entry_out(entry))

    @app.get(
        "/v1/flags/summary",
        response_model=schemas.FlagSummaryResponse,
        responses=_ERRORS,
        tags=["reports"],
    )
    def flag_summary(
        caller: Caller,
        device_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
        prefix: Annotated[str | None, Query(pattern=r"^[a-z_]{1,32}$")] = None,
    ) -> schemas.FlagSummaryResponse:
        """Flagged events per device and code (``prefix=clock_``: its clock's flags)."""
        rows = quarantine.flag_summary(db, device_id, prefix)
        return schemas.FlagSummaryResponse(
            rows=[
                schemas.FlagCountRow(
                    device_id=r.device_id,
                    receipt_prefix=r.receipt_prefix,
                    code=r.code,
                    events=r.events,
                    last_received_utc=sync.iso_utc(r.last_received_utc),
                )
                for r in rows
            ]
        )


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(sync.SyncError)
    def sync_error(request: Request, exc: sync.SyncError) -> JSONResponse:
        return error(exc.status, exc.code, exc.message, **exc.extra)

    @app.exception_handler(CooposError)
    def coopos_error(request: Request, exc: CooposError) -> JSONResponse:
        if isinstance(exc, admin.StaleVersion):
            return error(409, "stale_version", exc.message, current_version=exc.current)
        if isinstance(exc, NotFoundError):
            return error(404, "not_found", exc.message)
        if isinstance(exc, PermissionDenied):
            return error(403, "forbidden", exc.message)
        if isinstance(exc, StateError):
            return error(409, "conflict", exc.message)
        if isinstance(exc, ValidationError):
            return error(422, "invalid", exc.message)
        return error(400, "bad_request", exc.message)

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": ".".join(str(part) for part in err.get("loc", ())),
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
            for err in exc.errors()[:20]
        ]
        return error(422, "invalid_request", "the request does not match its schema", errors=errors)

    @app.exception_handler(RecursionError)
    def too_deep(request: Request, exc: RecursionError) -> JSONResponse:
        return error(400, "bad_request", "the JSON is too deeply nested")

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}
        message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        response = error(exc.status_code, codes.get(exc.status_code, "error"), message)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response


def from_environment() -> FastAPI:
    """App factory for process managers (``uvicorn --factory``, several workers): the
    database URL comes from ``$COOPOS_SERVER_DATABASE_URL`` (default: server.db)."""
    from coopos.server.documents import prepare_drawing

    prepare_drawing()  # in the worker process's main thread
    return create_app(os.environ.get("COOPOS_SERVER_DATABASE_URL") or None)
