"""The portal's routes (server-rendered HTML, no script).

Isolation: every page under ``/portal/coop/{coop}/`` first reads the signed session; the
code in the URL must be the signed-in cooperative's (else 404, whatever exists), and
every query then uses the *session's* cooperative, never the URL's.  A fair in a URL must
be one the cooperative sold at, was paid for, or had goods on a note at (else 404).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from coopos.domain import consignment as rules
from coopos.domain.catalog import pick_name
from coopos.domain.errors import NotFoundError
from coopos.i18n import N_, _, thread_language
from coopos.server import consignment, documents
from coopos.server.clientip import client_ip
from coopos.server.db import Database
from coopos.server.models import Cooperative
from coopos.server.portal import auth, store
from coopos.server.portal.chart import bar_chart
from coopos.server.portal.html import (
    CSS,
    LANGUAGES,
    Col,
    Nav,
    cards,
    esc,
    link,
    money,
    page,
    pairs,
    qty,
    table,
)

# Texts translated inside f-strings: the extractor does not look into f-strings on
# Python 3.11, so they are marked here too (tests/unit/test_translations.py checks).
_IN_F_STRINGS = (
    N_("Access code"),
    N_("Anyone can check a statement with the code under its QR code:"),
    N_("Back"),
    N_("By fair"),
    N_("Check"),
    N_("Check code"),
    N_("Delivery and return notes"),
    N_("Goods at the fair"),
    N_("Per fair"),
    N_("Per month"),
    N_("Stock per location"),
    N_("Summary"),
    N_("The code head office gave your cooperative."),
    N_("The code printed under the QR code"),
    N_("The same code is under the QR code of the PDF."),
    N_("There is nothing here for your cooperative."),
    N_("books"),
    N_("check a statement"),
)

_COOP = re.compile(r"^[A-Za-z0-9_\-]{1,16}$")
_FAIR = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
_MONTH = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
FONT_FILES = {
    "NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf",
    "NotoSansArabic-Regular.ttf",
    "NotoSansArabic-Bold.ttf",
}


def _headers(private: bool = True) -> dict[str, str]:
    return {**SECURITY_HEADERS, "Cache-Control": "no-store" if private else "public, max-age=3600"}


def html(content: str, status: int = 200, **extra: str) -> HTMLResponse:
    return HTMLResponse(content, status, headers={**_headers(), **extra})


def redirect(target: str) -> RedirectResponse:
    return RedirectResponse(target, 303, headers=_headers())


def _payout_method(method: str) -> str:
    return {"cash": _("cash"), "transfer": _("bank transfer"), "cheque": _("cheque")}.get(
        method, method
    )


def _coop_url(code: str, *parts: str) -> str:
    return "/".join(["/portal/coop", quote(code), *(quote(p) for p in parts)])


def install(app: FastAPI, db: Database) -> None:
    """Add the portal's routes to the server's application (not in its OpenAPI schema:
    pages for people, not an API)."""
    sessions = auth.Sessions(db)
    get = app.get
    options = {"include_in_schema": False}

    # -- helpers bound to this database ------------------------------------------------------

    def not_found(lang: str, user: consignment.PortalUser | None = None) -> HTMLResponse:
        body = (
            f"<h1>{esc(_('Page not found'))}</h1>"
            f"<p>{esc(_('There is nothing here for your cooperative.'))}</p>"
            f"<p>{link(_coop_url(user.code) if user else '/portal/', _('Back'))}</p>"
        )
        return html(page(lang, _("Page not found"), body), 404)

    def guard(
        request: Request, coop: str, lang: str
    ) -> tuple[consignment.PortalUser | None, Response | None]:
        """The signed-in cooperative if the URL names it; else the answer to give."""
        user = sessions.read(request)
        if user is None:
            target = auth.safe_next(request.url.path)
            return None, redirect(f"/portal/login?next={quote(target, safe='/')}")
        if not _COOP.match(coop) or coop.upper() != user.code.upper():
            return None, not_found(lang, user)
        return user, None

    def coop_name(user: consignment.PortalUser, lang: str) -> str:
        with db.read() as s:
            coop = s.get(Cooperative, user.cooperative_id)
            return f"{pick_name(coop.names, lang) or coop.code} ({coop.code})"

    def coop_page(
        request: Request, coop: str, current: str, render: Callable[..., tuple[str, str]]
    ) -> Response:
        lang = auth.language(request)
        with thread_language(lang):
            user, answer = guard(request, coop, lang)
            if answer is not None:
                return answer
            assert user is not None
            try:
                result = render(user, lang)
            except NotFoundError:
                return not_found(lang, user)
            if isinstance(result, Response):
                return result
            title, body = result
            nav = Nav(user.code, coop_name(user, lang), current)
            return html(page(lang, title, body, request.url.path, nav))

    # -- signing in and out, language, static files -------------------------------------------

    @get("/portal", **options)
    def portal_root() -> Response:
        return redirect("/portal/")

    @get("/portal/", **options)
    def portal_index(request: Request) -> Response:
        user = sessions.read(request)
        return redirect(_coop_url(user.code) if user else "/portal/login")

    def login_page(lang: str, next_: str, error: str = "") -> str:
        problem = f'<p class="error" role="alert">{esc(error)}</p>' if error else ""
        body = (
            f"<h1>{esc(_('Sign in'))}</h1>"
            f'<form class="panel" method="post" action="/portal/login">{problem}'
            f'<label for="code">{esc(_("Access code"))}</label>'
            f'<p class="muted">{esc(_("The code head office gave your cooperative."))}</p>'
            '<input type="text" id="code" name="code" autocomplete="off" '
            'autocapitalize="characters" spellcheck="false" required maxlength="64">'
            f'<input type="hidden" name="next" value="{esc(next_)}">'
            f'<div class="row"><button type="submit">{esc(_("Sign in"))}</button></div></form>'
            f"<h2>{esc(_('Check a statement'))}</h2>"
            f"<p>{esc(_('Anyone can check a statement with the code under its QR code:'))} "
            f"{link('/portal/verify', _('check a statement'))}</p>"
        )
        return page(lang, _("Sign in"), body, "/portal/login")

    @get("/portal/login", **options)
    def login_form(request: Request) -> Response:
        lang = auth.language(request)
        user = sessions.read(request)
        if user is not None:
            return redirect(_coop_url(user.code))
        with thread_language(lang):
            target = auth.safe_next(request.query_params.get("next"), "")
            return html(login_page(lang, target))

    @app.post("/portal/login", **options)
    async def login(request: Request) -> Response:
        lang = auth.language(request)
        if not auth.same_origin(request):
            return Response("forbidden", 403, headers=_headers())
        raw = await request.body()
        try:
            fields = parse_qs(raw[:4096].decode("utf-8", "replace"), max_num_fields=10)
        except ValueError:  # more fields than a sign-in form has
            fields = {}
        code = (fields.get("code") or [""])[0]
        target = auth.safe_next((fields.get("next") or [""])[0], "")
        ip = client_ip(request)

        def attempt() -> Response:
            with thread_language(lang):
                try:
                    user = consignment.sign_in(db, code, ip)
                except consignment.TooManyAttempts as exc:
                    message = _("Too many wrong codes: wait a minute and try again.")
                    return html(
                        login_page(lang, target, message),
                        429,
                        **{"Retry-After": str(exc.retry_after)},
                    )
                if user is None:
                    message = _("This access code is not valid.")
                    return html(login_page(lang, target, message), 401)
                home = _coop_url(user.code)
                answer = redirect(target if target.startswith(home) else home)
                sessions.open(answer, request, user)
                return answer

        return await run_in_threadpool(attempt)

    @app.post("/portal/logout", **options)
    def logout(request: Request) -> Response:
        if not auth.same_origin(request):
            return Response("forbidden", 403, headers=_headers())
        answer = redirect("/portal/login")
        sessions.close(answer, request)
        return answer

    @get("/portal/lang/{lang}", **options)
    def switch_language(request: Request, lang: str) -> Response:
        target = auth.safe_next(request.query_params.get("next"))
        answer = redirect(target)
        if lang in LANGUAGES:
            auth.remember_language(answer, request, lang)
        return answer

    @get("/portal/static/portal.css", **options)
    def style() -> Response:
        return Response(CSS, media_type="text/css; charset=utf-8", headers=_headers(False))

    @get("/portal/static/fonts/{name}", **options)
    def fonts(name: str) -> Response:
        from coopos.resources import resource_path

        path = resource_path("fonts", name)
        if name not in FONT_FILES or not path.is_file():
            return Response("not found", 404, headers=_headers(False))
        return Response(path.read_bytes(), media_type="font/ttf", headers=_headers(False))

    # -- checking a statement (no sign-in) ----------------------------------------------------

    @get("/portal/verify", **options)
    def verify(request: Request) -> Response:
        lang = auth.language(request)
        code = (request.query_params.get("code") or "").strip()[:300]
        user = sessions.read(request)
        with thread_language(lang):
            body = (
                f"<h1>{esc(_('Check a statement'))}</h1>"
                f'<form class="panel" method="get" action="/portal/verify">'
                f'<label for="code">{esc(_("The code printed under the QR code"))}</label>'
                f'<input type="text" id="code" name="code" value="{esc(code)}" class="code" '
                'required maxlength="300" autocomplete="off" spellcheck="false">'
                f'<div class="row"><button type="submit">{esc(_("Check"))}</button></div></form>'
            )
        status = 200
        if code:
            wait = store.allow(
                db, "verify", client_ip(request), store.VERIFY_MAX, store.VERIFY_WINDOW
            )
            if wait:
                status = 429
                with thread_language(lang):
                    message = _("Too many checks from your address: wait a few minutes.")
                body += f'<p class="error" role="alert">{esc(message)}</p>'
            else:
                # Both languages on one page: whoever scanned it reads one of them.
                for shown in ("ar", "fr"):
                    with thread_language(shown):
                        result = consignment.verify(db, code, shown)
                        body += _verdict(result, shown, user)
        with thread_language(lang):
            title = _("Check a statement")
            return html(page(lang, title, body, "/portal/verify"), status)

    # -- the signed-in cooperative's pages ----------------------------------------------------

    @get("/portal/coop/{coop}", **options)
    def home(request: Request, coop: str) -> Response:
        def render(user: consignment.PortalUser, lang: str) -> tuple[str, str]:
            with db.read() as s:
                total = consignment.balance(s, user.code)
                days = consignment.sales_by_day(s, user.code, limit=31)
                fairs = consignment.fairs_of(s, user.code)
            body = f"<h1>{esc(coop_name(user, lang))}</h1>"
            body += cards(
                [
                    (_("Sales net of refunds"), money(total["net_cents"], lang)),
                    (_("Shop's commission"), money(total["commission_cents"], lang)),
                    (_("Net payable to the cooperative"), money(total["payable_cents"], lang)),
                    (_("Paid"), money(total["paid_cents"], lang)),
                    (_("Balance still to pay"), money(total["balance_cents"], lang, True)),
                ]
            )
            body += f"<h2>{esc(_('Sales by day'))}</h2>" + _day_chart(days, lang)
            body += f"<h2>{esc(_('Fairs'))}</h2>"
            if fairs:
                items = "".join(
                    "<li>"
                    + link(_coop_url(user.code, "statements", "fair", f.code), _fair_label(f))
                    + "</li>"
                    for f in fairs
                )
                body += f'<ul class="plain">{items}</ul>'
            else:
                body += f'<p class="muted">{esc(_("No fair yet."))}</p>'
            return _("Overview"), body

        return coop_page(request, coop, "home", render)

    @get("/portal/coop/{coop}/stock", **options)
    def stock(request: Request, coop: str) -> Response:
        def render(user: consignment.PortalUser, lang: str) -> tuple[str, str]:
            with db.read() as s:
                rows = consignment.stock(s, user.code, lang)
            cols = [
                Col(_("Location")),
                Col(_("Product")),
                Col(_("Quantity"), True),
                Col(_("Value"), True),
            ]
            cells = [
                [
                    esc(r["location"]),
                    f"{esc(r['name'])} <span class=muted>{esc(r['sku'])}</span>",
                    qty(r["quantity"], lang, r["quantity"] < 0),
                    money(r["value_cents"], lang),
                ]
                for r in rows
            ]
            total = ["", esc(_("Total")), "", money(sum(r["value_cents"] for r in rows), lang)]
            intro = _(
                "Your goods in the shop, the warehouse and at fairs, valued at today's prices."
            )
            body = (
                f"<h1>{esc(_('Stock per location'))}</h1>"
                f'<p class="muted">{esc(intro)}</p>'
                + table(cols, cells, total if rows else None, _("No stock."))
            )
            return _("Stock"), body

        return coop_page(request, coop, "stock", render)

    @get("/portal/coop/{coop}/sales", **options)
    def sales(request: Request, coop: str) -> Response:
        def render(user: consignment.PortalUser, lang: str) -> tuple[str, str]:
            with db.read() as s:
                by_fair = consignment.sales_by_fair(s, user.code)
                by_day = consignment.sales_by_day(s, user.code)
                fairs = {f.code: f for f in consignment.fairs_of(s, user.code)}
            cols = [
                Col(_("Fair")),
                Col(_("Net sales"), True),
                Col(_("Commission"), True),
                Col(_("Due to cooperative"), True),
            ]

            def fair_cell(code: str | None) -> str:
                if code is None:
                    return esc(_("Shop (no fair)"))
                info = fairs.get(code)
                target = _coop_url(user.code, "statements", "fair", code)
                return link(target, _fair_label(info)) if info else esc(code)

            fair_rows = [
                [
                    fair_cell(r["fair"]),
                    money(r["net_cents"], lang),
                    money(r["commission_cents"], lang),
                    money(r["payable_cents"], lang),
                ]
                for r in by_fair
            ]
            day_cols = [Col(_("Day")), *cols[1:]]
            day_rows = [
                [
                    esc(r["day"]),
                    money(r["net_cents"], lang),
                    money(r["commission_cents"], lang),
                    money(r["payable_cents"], lang),
                ]
                for r in reversed(by_day)
            ]
            body = (
                f"<h1>{esc(_('Sales'))}</h1>"
                + _day_chart(by_day[-31:], lang)
                + f"<h2>{esc(_('By fair'))}</h2>"
                + table(cols, fair_rows, empty=_("Nothing sold yet."))
                + f"<h2>{esc(_('By day'))}</h2>"
                + table(day_cols, day_rows, empty=_("Nothing sold yet."))
            )
            return _("Sales"), body

        return coop_page(request, coop, "sales", render)

    @get("/portal/coop/{coop}/statements", **options)
    def statements(request: Request, coop: str) -> Response:
        def render(user: consignment.PortalUser, lang: str) -> tuple[str, str]:
            with db.read() as s:
                fairs = consignment.fairs_of(s, user.code)
                months = consignment.months_of(s, user.code)
                by_fair = [
                    (f, consignment.settlement(s, user.code, consignment.Scope.of(f.code), lang))
                    for f in fairs
                ]
                by_month = [
                    (m, consignment.settlement(s, user.code, consignment.Scope.month(m), lang))
                    for m in months
                ]
                paid = consignment.payouts(s, user.code)
            cols = [
                Col(_("Statement")),
                Col(_("Net payable to the cooperative"), True),
                Col(_("Paid"), True),
                Col(_("Balance still to pay"), True),
                Col(_("PDF")),
            ]

            def row(label: str, kind: str, key: str, st: rules.Statement) -> list[str]:
                target = _coop_url(user.code, "statements", kind, key)
                pdfs = " ".join(
                    link(f"{target}/pdf?lang={code}", name)
                    for code, name in (("fr", "FR"), ("ar", "AR"))
                )
                return [
                    link(target, label),
                    money(st.payable_cents, lang),
                    money(st.paid_cents, lang),
                    money(st.balance_cents, lang, True),
                    pdfs,
                ]

            fair_rows = [row(_fair_label(f), "fair", f.code, st) for f, st in by_fair]
            month_rows = [row(m, "month", m, st) for m, st in by_month]
            pay_cols = [
                Col(_("Day")),
                Col(_("Method")),
                Col(_("Reference")),
                Col(_("Fair")),
                Col(_("Amount"), True),
            ]
            pay_rows = [
                [
                    esc(p.day),
                    esc(_payout_method(p.method)),
                    esc(p.reference),
                    esc(p.fair or ""),
                    money(p.amount_cents, lang),
                ]
                for p in sorted(paid, key=lambda p: (p.day, p.uuid), reverse=True)
            ]
            body = (
                f"<h1>{esc(_('Statements'))}</h1>"
                f"<h2>{esc(_('Per fair'))}</h2>"
                + table(cols, fair_rows, empty=_("No fair yet."))
                + f"<h2>{esc(_('Per month'))}</h2>"
                + table(cols, month_rows, empty=_("Nothing sold yet."))
                + f"<h2>{esc(_('Payouts'))}</h2>"
                + table(pay_cols, pay_rows, empty=_("No payout yet."))
            )
            return _("Statements"), body

        return coop_page(request, coop, "statements", render)

    def statement_page(request: Request, coop: str, kind: str, key: str, pdf: bool) -> Response:
        def render(user: consignment.PortalUser, lang: str):
            with db.read() as s:
                if kind == "fair":
                    info = consignment.fair_of(s, user.code, key) if _FAIR.match(key) else None
                    if info is None:
                        raise NotFoundError(key)
                    scope = consignment.Scope.of(info.code)
                else:
                    if not _MONTH.match(key):
                        raise NotFoundError(key)
                    scope = consignment.Scope.month(key)
            if pdf:
                doc_lang = request.query_params.get("lang")
                doc_lang = doc_lang if doc_lang in LANGUAGES else lang
                doc = documents.statement(db, user.code, scope, doc_lang)
                content = documents.statement_pdf_bytes(db, doc, doc_lang)
                name = f"statement-{user.code}-{scope.fair or key}-{doc_lang}.pdf"
                return Response(
                    content,
                    media_type="application/pdf",
                    headers={
                        **_headers(),
                        "Content-Disposition": f'attachment; filename="{name}"',
                    },
                )
            return _statement_body(db, user, scope, lang)

        return coop_page(request, coop, "statements", render)

    @get("/portal/coop/{coop}/statements/fair/{fair}", **options)
    def fair_statement(request: Request, coop: str, fair: str) -> Response:
        return statement_page(request, coop, "fair", fair, False)

    @get("/portal/coop/{coop}/statements/fair/{fair}/pdf", **options)
    def fair_statement_pdf(request: Request, coop: str, fair: str) -> Response:
        return statement_page(request, coop, "fair", fair, True)

    @get("/portal/coop/{coop}/statements/month/{month}", **options)
    def month_statement(request: Request, coop: str, month: str) -> Response:
        return statement_page(request, coop, "month", month, False)

    @get("/portal/coop/{coop}/statements/month/{month}/pdf", **options)
    def month_statement_pdf(request: Request, coop: str, month: str) -> Response:
        return statement_page(request, coop, "month", month, True)


# -- page parts ------------------------------------------------------------------------------


def _fair_label(info: consignment.FairInfo | None) -> str:
    if info is None:
        return ""
    where = f", {info.city}" if info.city else ""
    return f"{info.name} ({info.code}){where}"


def _day_chart(days: list[dict], lang: str) -> str:
    if not days:
        return f'<p class="muted">{esc(_("Nothing sold yet."))}</p>'
    points = [(d["day"][8:10] + "/" + d["day"][5:7], d["day"], d["net_cents"]) for d in days]
    first, last = days[0]["day"], days[-1]["day"]
    title = _("Net sales by day, {first} to {last}", first=first, last=last)
    return bar_chart(points, title, lang, "sales-chart")


def _statement_rows(rows: list[rules.StatementRow], lang: str, title: str) -> str:
    cols = [
        Col(_("Product")),
        Col(_("VAT rate"), True),
        Col(_("Quantity"), True),
        Col(_("Amount incl. VAT"), True),
        Col(_("VAT"), True),
        Col(_("Commission"), True),
    ]
    cells = [
        [
            f"{esc(r.name)} <span class=muted>{esc(r.sku)}</span>",
            f"<bdi>{esc(f'{r.vat_rate} %')}</bdi>",
            qty(r.quantity, lang),
            money(r.gross_cents, lang),
            money(r.vat_cents, lang),
            money(r.commission_cents, lang),
        ]
        for r in rows
    ]
    total = [
        esc(_("Total")),
        "",
        "",
        money(sum(r.gross_cents for r in rows), lang),
        money(sum(r.vat_cents for r in rows), lang),
        money(sum(r.commission_cents for r in rows), lang),
    ]
    return f"<h2>{esc(title)}</h2>" + table(cols, cells, total)


def _statement_body(
    db: Database, user: consignment.PortalUser, scope: consignment.Scope, lang: str
) -> tuple[str, str]:
    with db.read() as s:
        st = consignment.settlement(s, user.code, scope, lang)
        recon = consignment.reconciliation(s, scope.fair, user.code, lang) if scope.fair else None
        notes = consignment.notes_of(s, user.code, scope.fair) if scope.fair else []
        days = consignment.sales_by_day(s, user.code, scope.fair) if scope.fair else []
    code = consignment.statement_code(st, scope)
    base = (
        _coop_url(user.code, "statements", "fair", scope.fair)
        if scope.fair
        else _coop_url(
            user.code, "statements", "month", scope.start.isoformat()[:7] if scope.start else ""
        )
    )
    body = (
        f"<h1>{esc(_('Settlement statement'))}</h1><p><strong>{esc(st.title)}</strong></p>"
        '<div class="actions">'
        + link(f"{base}/pdf?lang=fr", _("PDF in French"), cls="button")
        + link(f"{base}/pdf?lang=ar", _("PDF in Arabic"), cls="button")
        + link("/portal/verify?code=" + quote(code), _("Check with head office"), cls="button soft")
        + "</div>"
    )
    body += cards(
        [
            (_("Sales net of refunds"), money(st.net_sales_cents, lang)),
            (_("Shop's commission"), money(st.commission_cents, lang)),
            (_("Net payable to the cooperative"), money(st.payable_cents, lang)),
            (_("Paid"), money(st.paid_cents, lang)),
            (_("Balance still to pay"), money(st.balance_cents, lang, True)),
        ]
    )
    if days:
        body += f"<h2>{esc(_('Sales by day'))}</h2>" + _day_chart(days, lang)
    if st.sold:
        body += _statement_rows(st.sold, lang, _("Sales"))
    if st.refunded:
        body += _statement_rows(st.refunded, lang, _("Refunds"))
    if not st.sold and not st.refunded:
        body += f'<p class="muted">{esc(_("Nothing was sold in this period."))}</p>'
    summary = [
        (_("Sales"), money(st.sales_cents, lang)),
        (_("Refunds"), money(st.refunds_cents, lang)),
        (_("Sales net of refunds"), money(st.net_sales_cents, lang)),
        (_("Of which VAT"), money(st.vat_cents, lang)),
        (_("Shop's commission"), money(-st.commission_cents, lang)),
        (_("Net payable to the cooperative"), money(st.payable_cents, lang)),
    ]
    for p in st.payouts:
        label = _("Paid on {day} ({method})", day=p.day, method=_payout_method(p.method))
        summary.append((f"{label} {p.reference}".strip(), money(-p.amount_cents, lang)))
    summary.append((_("Balance still to pay"), money(st.balance_cents, lang, True)))
    body += f"<h2>{esc(_('Summary'))}</h2>" + pairs(
        summary, strong={_("Net payable to the cooperative"), _("Balance still to pay")}
    )
    if recon is not None:
        cols = [
            Col(_("Product")),
            Col(_("Sent"), True),
            Col(_("Sold"), True),
            Col(_("Refunded"), True),
            Col(_("Returned"), True),
            Col(_("Counted"), True),
            Col(_("Variance"), True),
            Col(_("Variance value"), True),
        ]
        cells = [
            [
                f"{esc(r.name)} <span class=muted>{esc(r.sku)}</span>",
                qty(r.opening + r.sent, lang),
                qty(r.sold, lang),
                qty(r.refunded, lang),
                qty(r.returned, lang),
                qty(r.counted, lang)
                + (
                    "" if r.counted_for_real else f' <span class="muted">({esc(_("books"))})</span>'
                ),
                qty(r.variance, lang, True),
                f'<span class="neg">{money(r.variance_cents, lang)}</span>'
                if r.variance_cents
                else money(0, lang),
            ]
            for r in recon.rows
        ]
        body += f"<h2>{esc(_('Goods at the fair'))}</h2>"
        formula = _(
            "Variance: sent - sold + refunded - returned - counted. "
            "Missing goods count as positive."
        )
        body += f'<p class="muted">{esc(formula)}</p>'
        body += table(cols, cells, empty=_("No goods of yours at this fair."))
    if notes:
        cols = [
            Col(_("Note")),
            Col(_("From")),
            Col(_("To")),
            Col(_("Date")),
            Col(_("Quantity"), True),
        ]
        cells = [
            [
                esc(
                    f"{_('Delivery note') if n['kind'] == 'dispatch' else _('Return note')} "
                    f"{n['number']}"
                ),
                esc(n["from"]),
                esc(n["to"]),
                esc(n["day"]),
                qty(n["quantity"], lang),
            ]
            for n in notes
        ]
        body += f"<h2>{esc(_('Delivery and return notes'))}</h2>" + table(cols, cells)
    body += (
        f"<h2>{esc(_('Check code'))}</h2>"
        f'<p class="muted">{esc(_("The same code is under the QR code of the PDF."))}</p>'
        f'<p class="code">{esc(code)}</p>'
    )
    return _("Settlement statement"), body


def _verdict(
    result: consignment.Verification, lang: str, viewer: consignment.PortalUser | None
) -> str:
    """The answer for one language, in a block marked with that language."""
    dir_ = "rtl" if lang == "ar" else "ltr"
    head = {"ok": "✓", "warn": "!", "bad": "✗"}
    st = result.statement
    details: list[tuple[str, str]] = []
    if result.status in ("match", "later_payouts") and st is not None:
        css = "ok" if result.status == "match" else "warn"
        if result.status == "match":
            title = _("This statement matches head office's records.")
            text = _("The amounts and the details are those head office holds.")
        else:
            title = _("This statement was right when it was printed.")
            text = _(
                "Payouts of {amount} have been recorded since: the balance is now {balance}.",
                amount=_plain_money(result.later_payouts_cents, lang),
                balance=_plain_money(st.balance_cents, lang),
            )
        details = [
            (_("Cooperative"), esc(result.cooperative_name)),
            (_("For"), esc(result.scope_title)),
            (_("Net payable to the cooperative"), money(st.payable_cents, lang)),
            (_("Paid"), money(result.paid_then_cents, lang)),
            (
                _("Balance still to pay"),
                money(st.payable_cents - result.paid_then_cents, lang),
            ),
        ]
    elif result.status == "differs":
        css = "bad"
        title = _("This statement does not match head office's records.")
        own = viewer is not None and viewer.code == result.cooperative
        if not own:
            # To anyone else, one answer whatever differs: saying that the amount payable
            # matches would let a guess of it be checked for any cooperative and period.
            text = _(
                "Head office's records for {coop}, {scope}, do not confirm this statement "
                "(amount payable printed on it: {amount}).",
                amount=_plain_money(result.claimed_payable_cents, lang),
                coop=result.cooperative,
                scope=result.scope_title,
            )
        elif result.payable_matches:
            text = _(
                "The amount payable ({amount}) is the same, but the details (products, "
                "quantities, commission or payouts) differ.",
                amount=_plain_money(result.claimed_payable_cents, lang),
            )
        else:
            text = _(
                "The amount payable on this statement ({amount}) is not what head office "
                "holds for {coop}, {scope}.",
                amount=_plain_money(result.claimed_payable_cents, lang),
                coop=result.cooperative,
                scope=result.scope_title,
            )
        text += " " + _(
            "Sales made on another till, or synced after the statement was printed, change "
            "the amounts: ask head office for a new statement."
        )
        if st is not None and viewer is not None and viewer.code == result.cooperative:
            details = [
                (_("Net payable to the cooperative"), money(st.payable_cents, lang)),
                (_("Paid"), money(st.paid_cents, lang)),
                (_("Balance still to pay"), money(st.balance_cents, lang)),
            ]
    elif result.status == "unknown":
        css = "bad"
        title = _("Head office does not know this cooperative or this fair.")
        text = _("Check the code, or ask head office.")
    else:
        css = "bad"
        title = _("This is not a statement code.")
        text = _("A statement code starts with COOPOS:S: and is printed under the QR code.")
    return (
        f'<section class="verdict {css}" lang="{lang}" dir="{dir_}">'
        f'<h2><span aria-hidden="true">{head[css]}</span> {esc(title)}</h2>'
        f"<p>{esc(text)}</p>{pairs(details) if details else ''}</section>"
    )


def _plain_money(cents: int, lang: str) -> str:
    from coopos.i18n.formats import format_money

    return format_money(cents, lang)


__all__ = ["install"]
