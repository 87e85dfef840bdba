"""An X or Z report as a document: sections of rows whose texts are translated and
formatted in one language (amounts as the rest of the app writes them, times in the
shop's time zone), with the raw figures beside them.

One document, three renderers: Qt tables on screen (``ui/widgets/report_tables.py``), an
image for the receipt printer and a PDF (``coopos/printing/shift_report.py``), text for
the command line (``coopos/cli/render.py``).  Sections follow what tills such as Odoo,
Loyverse or Square print: the shift, sales, payment methods, sellers, cooperatives, VAT
rates, discounts, refunds, cash movements, the cash drawer (expected, counted,
difference) and, on a Z, the count."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from coopos.domain.catalog import pick_name
from coopos.domain.sale import PAYMENT_LABELS, PaymentMethod
from coopos.i18n import _, current_language, thread_language
from coopos.i18n.formats import format_money, format_percent_rate, format_qty, format_utc_time
from coopos.services.shift_report import MethodLine, ShiftReport

RTL_LANGUAGES = frozenset({"ar"})
HIDDEN = "—"  # a figure the blind count hides


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    values: tuple[Any, ...] = ()  # the raw figures (centimes, counts), for tests and exports
    key: str = ""  # a stable name: "expected_cash", "difference", "total"...
    total: bool = False  # a total: bold
    alert: bool = False  # a difference someone must look at


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    headers: tuple[str, ...]  # none: label / value pairs
    numeric: tuple[bool, ...]  # per column: aligned to the end (amounts, counts)
    rows: tuple[Row, ...]
    note: str = ""  # a sentence under the table

    @property
    def pairs(self) -> bool:
        return not self.headers

    def row(self, key: str) -> Row | None:
        return next((r for r in self.rows if r.key == key), None)


@dataclass(frozen=True)
class ShiftDocument:
    language: str
    kind: str  # "X" or "Z"
    title: str  # "X report", "Z report no. 12"
    shop: str
    banner: str  # what must not be missed: the X closes nothing, the Z is final
    sections: tuple[Section, ...]
    shift_id: int
    z_number: int | None
    expected_hidden: bool = False
    footer: str = ""

    @property
    def rtl(self) -> bool:
        return self.language in RTL_LANGUAGES

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def texts(self) -> Iterable[str]:
        """Every text of the document (titles, headers, cells, notes)."""
        yield from (self.title, self.shop, self.banner, self.footer)
        for section in self.sections:
            yield section.title
            yield from section.headers
            for row in section.rows:
                yield from row.cells
            yield section.note


def method_label(method: str) -> str:
    try:
        return _(PAYMENT_LABELS[PaymentMethod(method)])
    except ValueError:
        return method


def build_document(
    report: ShiftReport, language: str | None = None, hide_expected: bool = False
) -> ShiftDocument:
    """The report in ``language`` (default: the current one).  ``hide_expected``: a blind
    count not entered yet; the expected cash (and what gives it away) is left out."""
    with thread_language(language or current_language()) as lang:
        return _Builder(report, lang, hide_expected and not report.is_closed).document()


class _Builder:
    def __init__(self, report: ShiftReport, language: str, hide: bool):
        self.r, self.lang, self.hide = report, language, hide

    # -- formatting -----------------------------------------------------------------------
    def money(self, cents: int | None) -> str:
        return "" if cents is None else format_money(cents, self.lang)

    def count(self, n: int) -> str:
        return format_qty(Decimal(n), self.lang)

    def time(self, moment) -> str:
        return format_utc_time(moment, self.lang, self.r.time_zone) if moment else ""

    def pair(self, label: str, text: str, value: Any = None, key: str = "", **flags) -> Row:
        return Row((label, text), (label, value), key, **flags)

    def amount(self, label: str, cents: int, key: str = "", **flags) -> Row:
        return self.pair(label, self.money(cents), cents, key, **flags)

    @staticmethod
    def pairs(key: str, title: str, rows: list[Row], note: str = "") -> Section:
        return Section(key, title, (), (False, True), tuple(rows), note)

    @staticmethod
    def table(key: str, title: str, headers: list[str], rows: list[Row], note="") -> Section:
        numeric = tuple(i > 0 for i in range(len(headers)))
        return Section(key, title, tuple(headers), numeric, tuple(rows), note)

    # -- the document -----------------------------------------------------------------------
    def document(self) -> ShiftDocument:
        r = self.r
        if r.is_closed:
            title = _("Z report no. {number}", number=r.z_number)
            banner = _("Shift closed: this report is final.")
        else:
            title = _("X report")
            banner = _("The shift stays open: an X report closes nothing.")
        sections = [
            self.shift(),
            self.sales(),
            self.methods(),
            self.sellers(),
            self.cooperatives(),
            self.vat(),
            self.discounts(),
            self.refunds(),
            self.cash_moves(),
            self.drawer(),
            self.counts(),
            self.denominations(),
        ]
        return ShiftDocument(
            language=self.lang,
            kind=r.kind,
            title=title,
            shop=r.shop_name,
            banner=banner,
            sections=tuple(s for s in sections if s is not None),
            shift_id=r.shift_id,
            z_number=r.z_number,
            expected_hidden=self.hide,
            footer=_("Times in {zone}", zone=r.time_zone),
        )

    def shift(self) -> Section:
        r = self.r
        place = r.location
        if r.location_name and r.location_name != r.location:
            place = f"{r.location_name} ({r.location})"
        rows = [
            self.pair(_("Shift no."), self.count(r.shift_id), r.shift_id, "shift"),
            self.pair(_("Till"), r.till, r.till, "till"),
            self.pair(_("Location"), place, r.location, "location"),
            self.pair(_("Opened"), self.time(r.opened_utc), r.opened_utc, "opened"),
            self.pair(_("Opened by"), r.opened_by, r.opened_by, "opened_by"),
        ]
        if r.is_closed:
            rows += [
                self.pair(_("Closed"), self.time(r.closed_utc), r.closed_utc, "closed"),
                self.pair(_("Closed by"), r.closed_by or "", r.closed_by, "closed_by"),
            ]
        else:
            rows.append(self.pair(_("Report time"), self.time(r.as_of_utc), r.as_of_utc, "as_of"))
        return self.pairs("shift", _("Shift"), rows)

    def sales(self) -> Section:
        r = self.r
        rows = [
            self.pair(_("Sales"), self.count(r.sales_count), r.sales_count, "sales_count"),
            self.amount(_("Gross sales"), r.gross, "gross"),
            self.amount(_("Discounts"), -r.discounts, "discounts"),
            self.amount(_("Sales after discounts"), r.sales_total, "sales_total"),
            self.amount(
                _("Refunds ({n})", n=self.count(r.refunds_count)), r.refunds_total, "refunds"
            ),
            self.amount(_("Net total"), r.net_total, "net_total", total=True),
            self.amount(_("Average sale"), r.average_sale, "average_sale"),
        ]
        return self.pairs("sales", _("Sales"), rows)

    def methods(self) -> Section:
        rows = []
        for m in self.r.by_method:
            if self.hide and m.method == PaymentMethod.CASH:
                cells = (method_label(m.method), HIDDEN, HIDDEN, HIDDEN)
                rows.append(Row(cells, (m.method, None, None, None), m.method))
                continue
            cells = (method_label(m.method), self.money(m.sales), self.money(m.refunds))
            rows.append(
                Row((*cells, self.money(m.net)), (m.method, m.sales, m.refunds, m.net), m.method)
            )
        if not self.hide:
            sales = sum(m.sales for m in self.r.by_method)
            refunds = sum(m.refunds for m in self.r.by_method)
            cells = (
                _("Total"),
                self.money(sales),
                self.money(refunds),
                self.money(sales + refunds),
            )
            rows.append(Row(cells, ("", sales, refunds, sales + refunds), "total", total=True))
        headers = [_("Method"), _("Sales"), _("Refunds"), _("Net")]
        return self.table("methods", _("By payment method"), headers, rows)

    def sellers(self) -> Section | None:
        if not self.r.by_seller:
            return None
        rows = [
            Row(
                (s.name, self.count(s.sales_count), self.count(s.refunds_count), self.money(s.net)),
                (s.name, s.sales_count, s.refunds_count, s.net),
                s.name,
            )
            for s in self.r.by_seller
        ]
        headers = [_("Seller"), _("Sales"), _("Refunds"), _("Net")]
        return self.table("sellers", _("By seller"), headers, rows)

    def cooperatives(self) -> Section | None:
        coops = self.r.by_cooperative
        if not coops:
            return None
        rows = []
        for c in coops:
            name = pick_name(c.get("names") or {}, self.lang) or c["name"]
            label = f"{name} ({c['code']})" if name != c["code"] else name
            cells = (label, *(self.money(c[k]) for k in ("net", "commission", "payable")))
            rows.append(Row(cells, (c["code"], c["net"], c["commission"], c["payable"]), c["code"]))
        sums = [sum(c[k] for c in coops) for k in ("net", "commission", "payable")]
        cells = (_("Total"), *(self.money(v) for v in sums))
        rows.append(Row(cells, ("", *sums), "total", total=True))
        headers = [_("Cooperative"), _("Net sales"), _("Commission"), _("Due to cooperative")]
        return self.table("cooperatives", _("By cooperative"), headers, rows)

    def vat(self) -> Section | None:
        rates = self.r.by_vat
        if not rates:
            return None
        rows = []
        for v in rates:
            cells = (
                format_percent_rate(v["rate"], self.lang),
                *(self.money(v[k]) for k in ("net", "vat", "gross")),
            )
            rows.append(Row(cells, (v["rate"], v["net"], v["vat"], v["gross"]), str(v["rate"])))
        sums = [sum(v[k] for v in rates) for k in ("net", "vat", "gross")]
        rows.append(
            Row((_("Total"), *(self.money(x) for x in sums)), ("", *sums), "total", total=True)
        )
        headers = [_("VAT %"), _("Excl. VAT"), _("VAT"), _("Incl. VAT")]
        return self.table("vat", _("By VAT rate"), headers, rows)

    def discounts(self) -> Section:
        r = self.r
        rows = [
            self.amount(_("Line discounts"), -r.line_discounts, "line_discounts"),
            self.amount(_("Discounts on the whole sale"), -r.order_discounts, "order_discounts"),
            self.amount(_("Total discounts"), -r.discounts, "discounts", total=True),
            self.pair(
                _("Sales with a discount"),
                self.count(r.discounted_sales),
                r.discounted_sales,
                "discounted_sales",
            ),
        ]
        return self.pairs("discounts", _("Discounts"), rows)

    def refunds(self) -> Section | None:
        if not self.r.refunds:
            return None
        rows = [
            Row(
                (
                    f.receipt_no,
                    self.time(f.created_utc),
                    f.refund_of or "",
                    f.seller,
                    self.money(f.total),
                ),
                (f.receipt_no, f.created_utc, f.refund_of, f.seller, f.total),
                f.receipt_no,
            )
            for f in self.r.refunds
        ]
        total = self.r.refunds_total
        rows.append(
            Row(
                (_("Total"), "", "", "", self.money(total)),
                ("", None, None, None, total),
                "total",
                total=True,
            )
        )
        headers = [_("Receipt"), _("Time"), _("Refund of"), _("Seller"), _("Amount")]
        section = self.table("refunds", _("Refunds"), headers, rows)
        # only the amount is a figure: times and receipt numbers read from the start
        return Section(
            section.key,
            section.title,
            section.headers,
            (False, False, False, False, True),
            section.rows,
        )

    def cash_moves(self) -> Section | None:
        moves = self.r.cash_moves
        if not moves:
            return None
        rows = [
            Row(
                (self.time(m.created_utc), m.reason, m.user, self.money(m.amount)),
                (m.created_utc, m.reason, m.user, m.amount),
                f"move{i}",
            )
            for i, m in enumerate(moves, 1)
        ]
        net = self.r.cash_in + self.r.cash_out
        rows.append(
            Row((_("Total"), "", "", self.money(net)), (None, "", "", net), "total", total=True)
        )
        headers = [_("Time"), _("Reason"), _("By"), _("Amount")]
        return Section(
            "cash_moves",
            _("Cash movements"),
            tuple(headers),
            (False, False, False, True),
            tuple(rows),
        )

    def drawer(self) -> Section:
        r, cash = self.r, self.r.cash
        rows = [self.amount(_("Cash float"), r.float_cents, "float")]
        if not self.hide:
            rows += [
                self.amount(_("Cash sales"), cash.sales, "cash_sales"),
                self.amount(_("Cash refunds"), cash.refunds, "cash_refunds"),
            ]
        rows += [
            self.amount(_("Cash in"), r.cash_in, "cash_in"),
            self.amount(_("Cash out"), r.cash_out, "cash_out"),
        ]
        note = ""
        if self.hide:
            hidden = _("Shown once the count is entered (blind count)")
            rows.append(self.pair(_("Expected cash"), hidden, None, "expected_cash"))
        else:
            rows.append(self.amount(_("Expected cash"), cash.expected, "expected_cash", total=True))
        if cash.counted is not None:
            diff = cash.difference or 0
            rows += [
                self.amount(_("Counted cash"), cash.counted, "counted_cash"),
                self.amount(_("Cash difference"), diff, "difference", total=True, alert=diff != 0),
            ]
            note = (
                _("The cash count differs from what was expected.")
                if diff
                else _("The drawer matches.")
            )
        return self.pairs("drawer", _("Cash drawer"), rows, note)

    def counts(self) -> Section | None:
        others: list[MethodLine] = [
            m for m in self.r.by_method if m.method != PaymentMethod.CASH and m.counted is not None
        ]
        if not self.r.is_closed or not others:
            return None
        rows = []
        for m in others:
            diff = m.difference or 0
            cells = (
                method_label(m.method),
                self.money(m.expected),
                self.money(m.counted),
                self.money(diff),
            )
            rows.append(
                Row(cells, (m.method, m.expected, m.counted, diff), m.method, alert=diff != 0)
            )
        headers = [_("Method"), _("Expected"), _("Counted"), _("Difference")]
        return self.table("counts", _("Other payments at close"), headers, rows)

    def denominations(self) -> Section | None:
        detail = self.r.cash_detail
        if not detail:
            return None
        rows = [
            Row(
                (self.money(d), self.count(n), self.money(d * n)),
                (d, n, d * n),
                str(d),
            )
            for d, n in sorted(detail.items(), reverse=True)
        ]
        total = sum(d * n for d, n in detail.items())
        rows.append(
            Row((_("Counted cash"), "", self.money(total)), ("", None, total), "total", total=True)
        )
        headers = [_("Note or coin"), _("Count"), _("Amount")]
        return self.table("denominations", _("Cash counted by note and coin"), headers, rows)


__all__ = ["HIDDEN", "Row", "Section", "ShiftDocument", "build_document", "method_label"]
