"""The portal's HTML: one page layout, its style sheet, and small builders (tables, figure
cards, amounts).  Every value that comes from data goes through :func:`esc`; the pages
never inline a script or a style attribute (the Content-Security-Policy forbids both).

Layout uses logical CSS properties only (``margin-inline-start``, ``text-align: start``),
so ``dir="rtl"`` flips the whole page for Arabic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from urllib.parse import quote

from coopos.i18n import N_, _
from coopos.i18n.formats import format_money, format_qty

# Texts translated inside f-strings: the extractor does not look into f-strings on
# Python 3.11, so they are marked here too (tests/unit/test_translations.py checks).
_IN_F_STRINGS = (
    N_("Amounts in MAD, VAT included."),
    N_("Cooperative portal"),
    N_("Menu"),
    N_("Sign out"),
)

LANGUAGES = ("fr", "ar")  # the portal's languages, each named in itself
LANGUAGE_NAMES = {"fr": "Français", "ar": "العربية"}
RTL = frozenset({"ar"})


def esc(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def direction(language: str) -> str:
    return "rtl" if language in RTL else "ltr"


def money(cents: int, language: str, negative_red: bool = False) -> str:
    """An amount, isolated from the text direction around it."""
    css = ' class="neg"' if negative_red and cents < 0 else ""
    return f"<bdi{css}>{esc(format_money(int(cents), language))}</bdi>"


def qty(value: Decimal, language: str, negative_red: bool = False) -> str:
    css = ' class="neg"' if negative_red and value != 0 else ""
    return f"<bdi{css}>{esc(format_qty(Decimal(value), language))}</bdi>"


@dataclass(frozen=True)
class Col:
    label: str  # already translated
    numeric: bool = False


def table(
    cols: Sequence[Col],
    rows: Iterable[Sequence[str]],
    total: Sequence[str] | None = None,
    empty: str | None = None,
    caption: str | None = None,
) -> str:
    """A table of already-escaped cells (use :func:`esc`, :func:`money`, :func:`qty`)."""
    rows = list(rows)
    if not rows and empty is not None:
        return f'<p class="muted">{esc(empty)}</p>'

    def cells(values: Sequence[str]) -> str:
        # data-label: on a phone each row becomes a small card, every value labelled
        # one element per cell, so that a stacked cell keeps its value in one piece
        numeric = ' class="num"'
        return "".join(
            f'<td data-label="{esc(c.label)}"{numeric if c.numeric else ""}>'
            f"{f'<span>{v}</span>' if v else ''}</td>"
            for c, v in zip(cols, values, strict=True)
        )

    head = "".join(
        f'<th scope="col" class="num">{esc(c.label)}</th>'
        if c.numeric
        else f'<th scope="col">{esc(c.label)}</th>'
        for c in cols
    )
    body = "".join(f"<tr>{cells(r)}</tr>" for r in rows)
    foot = f'<tfoot><tr class="total">{cells(total)}</tr></tfoot>' if total else ""
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (
        f'<div class="scroll"><table class="stack">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody>{foot}</table></div>"
    )


def cards(items: Iterable[tuple[str, str]]) -> str:
    """Figures in cards: (label, already-escaped value)."""
    inner = "".join(
        f'<div class="card"><div class="label">{esc(label)}</div>'
        f'<div class="value">{value}</div></div>'
        for label, value in items
    )
    return f'<div class="cards">{inner}</div>'


def pairs(items: Iterable[tuple[str, str]], strong: Iterable[str] = ()) -> str:
    strong = set(strong)

    def attr(label: str) -> str:
        return ' class="strong"' if label in strong else ""

    inner = "".join(
        f"<dt{attr(label)}>{esc(label)}</dt><dd{attr(label)}>{value}</dd>" for label, value in items
    )
    return f'<dl class="pairs">{inner}</dl>'


def link(href: str, text: str, current: bool = False, cls: str = "") -> str:
    attrs = ' aria-current="page"' if current else ""
    attrs += f' class="{esc(cls)}"' if cls else ""
    return f'<a href="{esc(href)}"{attrs}>{esc(text)}</a>'


@dataclass(frozen=True)
class Nav:
    """The signed-in cooperative's menu."""

    coop: str
    name: str
    current: str  # home | stock | sales | statements


def page(
    language: str,
    title: str,
    body: str,
    path: str = "/portal/",
    nav: Nav | None = None,
) -> str:
    """A whole page: language switch, the cooperative's menu when signed in, ``body``."""
    switch = "".join(
        f'<a href="/portal/lang/{code}?next={esc(quote(path, safe="/"))}" lang="{code}" '
        f'hreflang="{code}"{" aria-current=true" if code == language else ""}>'
        f"{esc(LANGUAGE_NAMES[code])}</a>"
        for code in LANGUAGES
    )
    menu = signout = ""
    if nav is not None:
        base = f"/portal/coop/{quote(nav.coop)}"
        entries = [
            ("home", base, _("Overview")),
            ("stock", f"{base}/stock", _("Stock")),
            ("sales", f"{base}/sales", _("Sales")),
            ("statements", f"{base}/statements", _("Statements")),
        ]
        links = "".join(link(href, text, key == nav.current) for key, href, text in entries)
        menu = f'<nav class="menu" aria-label="{esc(_("Menu"))}">{links}</nav>'
        signout = (
            '<form class="signout" method="post" action="/portal/logout">'
            f'<button type="submit">{esc(_("Sign out"))}</button></form>'
        )
    who = f'<span class="who">{esc(nav.name)}</span>' if nav else ""
    return (
        "<!doctype html>"
        f'<html lang="{esc(language)}" dir="{direction(language)}">'
        '<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · coopos</title>"
        '<link rel="stylesheet" href="/portal/static/portal.css">'
        "</head><body>"
        f'<header class="top"><div class="brand">coopos '
        f"<span>{esc(_('Cooperative portal'))}</span>{who}</div>"
        f'<div class="tools"><nav class="lang" aria-label="{esc(_("Language"))}">{switch}</nav>'
        f"{signout}</div></header>"
        f'{menu}<main id="main">{body}</main>'
        f"<footer><p>{esc(_('Amounts in MAD, VAT included.'))}</p></footer>"
        "</body></html>"
    )


CSS = """
:root{--ink:#1f2a24;--muted:#5d6b63;--bg:#f5f3ee;--card:#fff;--accent:#2d7354;
--accent-soft:#e3efe8;--bad:#b3261e;--bad-soft:#fbe9e7;--warn:#8a5a00;--warn-soft:#fff4dc;
--line:#e1dcd1}
@font-face{font-family:"Noto Sans";src:url(/portal/static/fonts/NotoSans-Regular.ttf)
format("truetype");font-weight:400;font-display:swap}
@font-face{font-family:"Noto Sans";src:url(/portal/static/fonts/NotoSans-Bold.ttf)
format("truetype");font-weight:700;font-display:swap}
@font-face{font-family:"Noto Sans Arabic";src:url(/portal/static/fonts/NotoSansArabic-Regular.ttf)
format("truetype");font-weight:400;font-display:swap}
@font-face{font-family:"Noto Sans Arabic";src:url(/portal/static/fonts/NotoSansArabic-Bold.ttf)
format("truetype");font-weight:700;font-display:swap}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);line-height:1.5;font-size:16px;
font-family:"Noto Sans","Noto Sans Arabic",system-ui,-apple-system,"Segoe UI",sans-serif}
html[lang=ar] body,[lang=ar]{font-family:"Noto Sans Arabic","Noto Sans",system-ui,sans-serif}
a{color:var(--accent)}
header.top{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;
gap:.4rem 1rem;padding:.7rem 1rem;background:var(--accent);color:#fff}
.brand{font-weight:700;font-size:1.05rem}
.brand span{font-weight:400;opacity:.9;margin-inline-start:.4rem}
.brand .who{display:block;margin:0;font-weight:700;opacity:1}
nav.lang{display:flex;gap:.3rem}
nav.lang a{color:#fff;text-decoration:none;padding:.35rem .6rem;border-radius:.5rem;
border:1px solid rgba(255,255,255,.45);min-height:44px;display:inline-flex;align-items:center}
nav.lang a[aria-current]{background:#fff;color:var(--accent);font-weight:700}
nav.menu{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem;padding:.4rem .6rem;
background:var(--card);border-bottom:1px solid var(--line)}
nav.menu a{white-space:nowrap;padding:.55rem .75rem;border-radius:.5rem;color:var(--ink);
text-decoration:none}
nav.menu a[aria-current]{background:var(--accent);color:#fff}
.tools{display:flex;flex-wrap:wrap;align-items:center;gap:.4rem}
form.signout{margin:0}
form.signout button{background:none;border:1px solid rgba(255,255,255,.45);padding:.35rem .6rem}
main{max-width:62rem;margin:0 auto;padding:1rem}
footer{max-width:62rem;margin:0 auto;padding:0 1rem 2rem;color:var(--muted);font-size:.85rem}
h1{font-size:1.35rem;margin:.4rem 0 1rem}
h2{font-size:1.1rem;margin:1.6rem 0 .6rem}
.muted{color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(9.5rem,1fr));gap:.6rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:.75rem;padding:.7rem .8rem}
.card .label{color:var(--muted);font-size:.85rem}
.card .value{font-size:1.2rem;font-weight:700}
.scroll{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:.75rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}
caption{text-align:start;padding:.5rem .6rem;font-weight:700}
th,td{padding:.5rem .6rem;text-align:start;border-bottom:1px solid var(--line);
white-space:nowrap}
th{color:var(--muted);font-weight:400;font-size:.85rem}
.num{text-align:end;font-variant-numeric:tabular-nums}
tr.total td{font-weight:700;border-top:2px solid var(--ink);border-bottom:0}
.neg{color:var(--bad);font-weight:700}
.chart{display:block;width:100%;max-width:40rem;height:auto;background:var(--card);
border:1px solid var(--line);border-radius:.75rem}
.chart .bar{fill:var(--accent)}
.chart .bar.refund{fill:var(--bad)}
.chart .grid{stroke:var(--line);stroke-width:1}
.chart .axis{stroke:var(--muted);stroke-width:1}
.chart text{fill:var(--muted);font-size:12px;font-family:"Noto Sans",sans-serif}
.chart text.peak{fill:var(--ink);font-weight:700}
.panel{background:var(--card);border:1px solid var(--line);border-radius:.75rem;padding:1rem}
label{display:block;font-weight:700;margin-bottom:.4rem}
input[type=text]{font:inherit;font-size:1.25rem;padding:.6rem .7rem;width:100%;max-width:22rem;
border:1px solid var(--muted);border-radius:.5rem;letter-spacing:.08em;direction:ltr;
text-transform:uppercase}
button,a.button{font:inherit;display:inline-flex;align-items:center;justify-content:center;
background:var(--accent);color:#fff;border:0;border-radius:.5rem;padding:.55rem 1rem;
min-height:44px;text-decoration:none;cursor:pointer}
button.link{background:none;color:var(--accent);padding:.45rem .6rem;min-height:40px}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.8rem 0}
a.button.soft{background:var(--accent-soft);color:var(--accent)}
.row{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;margin-top:.8rem}
.error{background:var(--bad-soft);color:var(--bad);padding:.6rem .8rem;border-radius:.5rem}
.verdict{background:var(--card);border:1px solid var(--line);border-inline-start-width:6px;
border-radius:.75rem;padding:.8rem 1rem;margin:.8rem 0}
.verdict h2{margin-top:0}
.verdict.ok{border-inline-start-color:var(--accent)}
.verdict.warn{border-inline-start-color:var(--warn);background:var(--warn-soft)}
.verdict.bad{border-inline-start-color:var(--bad);background:var(--bad-soft)}
dl.pairs{display:grid;grid-template-columns:1fr auto;gap:.25rem 1rem;margin:.6rem 0}
dl.pairs dt{color:var(--muted)}
dl.pairs dd{margin:0;text-align:end}
dl.pairs .strong{font-weight:700;color:var(--ink)}
.code{font-family:ui-monospace,monospace;direction:ltr;unicode-bidi:isolate;word-break:break-all;
font-size:.85rem}
ul.plain{list-style:none;padding:0;margin:0}
ul.plain li{padding:.5rem 0;border-bottom:1px solid var(--line)}
@media (min-width:42rem){main{padding:1.5rem}h1{font-size:1.6rem}
.brand .who{display:inline;margin-inline-start:.8rem}}
@media (max-width:41.99rem){
.scroll{overflow:visible}
table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table.stack,table.stack tbody,table.stack tfoot,table.stack tr,table.stack td{display:block;
width:100%}
table.stack tr{padding:.45rem 0;border-bottom:1px solid var(--line)}
table.stack tr:last-child{border-bottom:0}
table.stack td{display:flex;justify-content:space-between;align-items:baseline;gap:1rem;
border:0;padding:.1rem .75rem;white-space:normal;text-align:end}
table.stack td::before{content:attr(data-label);color:var(--muted);font-size:.85rem;
text-align:start}
table.stack td:first-child{display:block;font-weight:700;text-align:start}
table.stack td:first-child::before{content:none}
table.stack td:empty{display:none}
table.stack tr.total td{border-top:0}
table.stack tfoot tr{border-top:2px solid var(--ink)}}
"""
