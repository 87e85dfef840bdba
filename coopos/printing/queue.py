"""The print queue: receipts, X and Z reports and drawer kicks wait in the database until
the printer takes them.

A sale never waits for paper.  The till adds a job in its own small transaction after the
sale is saved; :func:`run_waiting` (a worker thread in the desktop app, or
``coopos print queue --run``) sends the jobs in order.  A job the printer refuses stays as
``failed`` with the reason in words, to be retried or discarded; jobs behind it wait, so
receipts never come out of order.  Nothing here is synced: the sale is already in the
outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from coopos.db.models import PrintJob
from coopos.domain.errors import CooposError, StateError
from coopos.i18n import _
from coopos.printing import escpos, render, shift_report
from coopos.printing.document import Receipt, build_receipt
from coopos.printing.printers import PrinterError, open_printer
from coopos.printing.receipts import PrinterConfig, build_test_page
from coopos.services import journal
from coopos.services.checkout import load_sale
from coopos.services.context import Context

log = logging.getLogger(__name__)

RECEIPT, DRAWER, TEST, SHIFT = "receipt", "drawer", "test", "shift"
DUPLICATE = "duplicate"  # a receipt printed again, marked "DUPLICATE n"
WAITING, FAILED, DONE = "waiting", "failed", "done"
KEEP_DONE = 200  # finished jobs kept for "what was printed"; older ones are removed


@dataclass(frozen=True)
class JobView:
    id: int
    kind: str
    receipt_no: str | None
    status: str
    attempts: int
    error: str
    created_utc: datetime
    shift_id: int | None = None

    @property
    def label(self) -> str:
        if self.kind == RECEIPT:
            return _("Receipt {receipt}", receipt=self.receipt_no)
        if self.kind == DUPLICATE:
            return _("Duplicate of receipt {receipt}", receipt=self.receipt_no)
        if self.kind == SHIFT:
            return _("Report of shift {id}", id=self.shift_id)
        if self.kind == DRAWER:
            return _("Open the cash drawer")
        return _("Printer test page")


@dataclass(frozen=True)
class RunOutcome:
    printed: int
    failed: JobView | None  # the job that stopped the queue
    waiting: int  # still queued (the failed one included)
    last: JobView | None = None  # the last job printed

    @property
    def message(self) -> str:
        if self.failed is not None:
            return _(
                "{job} was not printed: {reason}",
                job=self.failed.label,
                reason=self.failed.error,
            )
        if self.last is not None and self.last.kind == RECEIPT:
            return _("Receipt {receipt} printed.", receipt=self.last.receipt_no)
        if self.last is not None and self.last.kind == DRAWER:
            return _("Drawer opened.")
        if self.printed:
            return _("Printed.")
        return _("Nothing to print.")


def _view(job: PrintJob) -> JobView:
    return JobView(
        job.id,
        job.kind,
        job.receipt_no,
        job.status,
        job.attempts,
        job.error,
        job.created_utc,
        job.shift_id,
    )


def add(ctx: Context, kind: str, receipt_no: str | None = None, shift_id: int | None = None) -> int:
    """Queue a job; returns its id.  A shift report (X or Z) names its shift: it prints
    the shift's figures when the printer takes it (the Z once closed)."""
    if kind not in (RECEIPT, DRAWER, TEST, SHIFT):  # a duplicate: add_duplicate
        raise ValueError(f"unknown print job kind {kind!r}")
    if kind == RECEIPT and not receipt_no:
        raise ValueError("a receipt job names its receipt")
    if kind == SHIFT and shift_id is None:
        raise ValueError("a shift report job names its shift")
    with ctx.write() as uow:
        return _insert(uow, kind, receipt_no, shift_id)


def _insert(uow, kind: str, receipt_no: str | None, shift_id: int | None = None) -> int:
    now = uow.stamp.utc
    job = PrintJob(
        kind=kind,
        receipt_no=receipt_no,
        shift_id=shift_id,
        status=WAITING,
        attempts=0,
        error="",
        created_utc=now,
        updated_utc=now,
    )
    uow.session.add(job)
    uow.session.flush()
    return job.id


def add_duplicate(ctx: Context, receipt_no: str, user_id: int | None) -> tuple[int, int]:
    """Queue a duplicate of a receipt (never a second original); returns its copy number
    and the job's id.  The audit entry that counts it (``journal.DUPLICATE``) and the job
    are written in one transaction, so a duplicate is counted exactly when it is queued."""
    with ctx.write() as uow:
        receipt = load_sale(uow.session, receipt_no).receipt_no
        copy = journal.duplicates(uow.session, receipt) + 1
        job_id = _insert(uow, DUPLICATE, receipt)
        uow.audit(journal.DUPLICATE, user_id, receipt=receipt, copy=copy, job=job_id)
        return copy, job_id


def after_sale(
    ctx: Context,
    receipt_no: str,
    print_receipt: bool,
    took_cash: bool,
    config: PrinterConfig | None = None,
) -> list[int]:
    """The jobs a finished sale needs: the drawer first (the seller gives change while the
    receipt prints), then the receipt if the customer wants one.  ``config``: the printer
    settings already loaded (the desktop keeps them), else they are read."""
    config = config or PrinterConfig.load(ctx)
    jobs = []
    if took_cash and config.drawer_on_cash and config.uri:
        jobs.append(add(ctx, DRAWER, receipt_no))
    if print_receipt:
        jobs.append(add(ctx, RECEIPT, receipt_no))
    return jobs


def pending(ctx: Context) -> list[JobView]:
    """Jobs not printed yet, oldest first."""
    with ctx.read() as s:
        rows = s.scalars(
            select(PrintJob).where(PrintJob.status != DONE).order_by(PrintJob.id)
        ).all()
        return [_view(j) for j in rows]


def discard(ctx: Context, job_id: int) -> None:
    """Drop a job nobody wants any more (the receipt can still be reprinted)."""
    with ctx.write() as uow:
        job = uow.session.get(PrintJob, job_id)
        if job is None or job.status == DONE:
            raise StateError(_("This print job is already finished."))
        uow.session.delete(job)


def job_bytes(ctx: Context, job: JobView, config: PrinterConfig) -> bytes:
    """The ESC/POS bytes of a job, built in the receipts' language in this thread."""
    if job.kind == DRAWER:
        return escpos.INIT + escpos.drawer_kick(config.drawer_pin)
    if job.kind == TEST:
        page = build_test_page(ctx, config.uri, config.language or None)
        image = render.render_test_page(page, config.width)
    elif job.kind == SHIFT:
        doc = shift_report.load_document(ctx, job.shift_id or 0, config.language or None)
        image = shift_report.render_shift_report(doc, config.width)
    else:
        receipt = job_receipt(ctx, job, config.language or None)
        image = render.render_receipt(receipt, config.width)
    return escpos.encode_job(image, band_rows=config.band_rows, cut=config.cut)


def job_receipt(ctx: Context, job: JobView, language: str | None = None) -> Receipt:
    """The receipt document a receipt or duplicate job prints."""
    with ctx.read() as s:
        copy = journal.copy_of_job(s, job.id, job.receipt_no or "") if job.kind == DUPLICATE else 0
        return build_receipt(s, job.receipt_no or "", language, duplicate=copy)


def run_waiting(
    ctx: Context,
    config: PrinterConfig | None = None,
    on_job: Callable[[JobView], None] | None = None,
) -> RunOutcome:
    """Send waiting and failed jobs in order until the queue is empty or the printer
    refuses one.  Safe to call from a worker thread; never raises for printer trouble."""
    config = config or PrinterConfig.load(ctx)
    printed, last = 0, None
    jobs = pending(ctx)
    if jobs and not config.uri:
        # No printer: drawer kicks have nowhere to go, receipts wait for one to be set.
        for job in jobs:
            if job.kind == DRAWER:
                _finish(ctx, job.id, DONE, "")
        jobs = [j for j in jobs if j.kind != DRAWER]
        if not jobs:
            return RunOutcome(0, None, 0)
        reason = _("No receipt printer is set up: choose one in Settings.")
        failed = _finish(ctx, jobs[0].id, FAILED, reason)
        return RunOutcome(0, failed, len(jobs))
    for index, job in enumerate(jobs):
        try:
            printer = open_printer(config.uri)
            data = job_bytes(ctx, job, config)
            printer.send(data)
        except (PrinterError, CooposError) as exc:
            failed = _finish(ctx, job.id, FAILED, exc.message)
            return RunOutcome(printed, failed, len(jobs) - index, last)
        except Exception as exc:  # a bug must not lose the job: keep it, say so
            log.exception("print job %s failed", job.id)
            failed = _finish(ctx, job.id, FAILED, type(exc).__name__)
            return RunOutcome(printed, failed, len(jobs) - index, last)
        _finish(ctx, job.id, DONE, "")
        printed, last = printed + 1, job
        if on_job is not None:
            on_job(job)
    _prune(ctx)
    return RunOutcome(printed, None, 0, last)


def _finish(ctx: Context, job_id: int, status: str, error: str) -> JobView | None:
    with ctx.write() as uow:
        job = uow.session.get(PrintJob, job_id)
        if job is None:  # discarded meanwhile
            return None
        job.status = status
        job.attempts += 1
        job.error = error
        job.updated_utc = uow.stamp.utc
        uow.session.flush()
        return _view(job)


def _prune(ctx: Context) -> None:
    with ctx.write() as uow:
        s = uow.session
        keep = select(PrintJob.id).where(PrintJob.status == DONE)
        ids = s.scalars(keep.order_by(PrintJob.id.desc()).offset(KEEP_DONE)).all()
        for job_id in ids:
            s.delete(s.get(PrintJob, job_id))
