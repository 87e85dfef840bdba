"""A bar chart drawn on the server as SVG: no script, readable on a phone, the same in
every browser.  Colours come from the page's style sheet (classes, no style attributes)."""

from __future__ import annotations

from collections.abc import Sequence

from coopos.i18n.formats import format_money
from coopos.server.portal.html import esc

WIDTH, HEIGHT = 400, 220
LEFT, RIGHT, TOP, BOTTOM = 6, 6, 24, 28


def _nice(top: int) -> int:
    """A round upper bound for the axis (1, 2 or 5 times a power of ten)."""
    if top <= 0:
        return 100
    power = 1
    while power * 10 <= top:
        power *= 10
    for step in (1, 2, 5, 10):
        if step * power >= top:
            return step * power
    return 10 * power


def bar_chart(
    points: Sequence[tuple[str, str, int]],
    title: str,
    language: str,
    chart_id: str = "chart",
) -> str:
    """``points``: (axis label, full label, cents) in order.  Negative days (refunds over
    sales) are drawn downwards in red."""
    if not points:
        return ""
    high = max(0, *(v for _a, _f, v in points))
    low = min(0, *(v for _a, _f, v in points))
    top = _nice(high)
    bottom = -_nice(-low) if low < 0 else 0
    span = top - bottom
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(points)
    bar_w = max(2.0, min(28.0, slot * 0.7))

    def y(value: int) -> float:
        return TOP + (top - value) * plot_h / span

    parts = [
        f'<svg class="chart" id="{esc(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{esc(chart_id)}-title" direction="ltr" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{esc(chart_id)}-title">{esc(title)}</title>',
    ]
    for value in sorted({bottom, 0, top, top // 2}):
        parts.append(
            f'<line class="{"axis" if value == 0 else "grid"}" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{y(value):.1f}" y2="{y(value):.1f}"/>'
        )
        if value:
            parts.append(
                f'<text x="{LEFT + 2}" y="{y(value) - 4:.1f}">'
                f"{esc(format_money(value, language))}</text>"
            )
    every = max(1, round(len(points) / 7))  # about seven dates on the axis at most
    peak = max(range(len(points)), key=lambda i: points[i][2])
    for i, (axis, full, value) in enumerate(points):
        x = LEFT + slot * i + (slot - bar_w) / 2
        y0, y1 = sorted((y(0), y(value)))
        css = "bar refund" if value < 0 else "bar"
        parts.append(
            f'<rect class="{css}" x="{x:.1f}" y="{y0:.1f}" width="{bar_w:.1f}" '
            f'height="{max(y1 - y0, 1):.1f}" rx="2">'
            f"<title>{esc(full)}: {esc(format_money(value, language))}</title></rect>"
        )
        if i % every == 0 or i == len(points) - 1:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle">{esc(axis)}</text>'
            )
        if i == peak and value > 0:
            parts.append(
                f'<text class="peak" x="{x + bar_w / 2:.1f}" y="{y(value) - 6:.1f}" '
                f'text-anchor="middle">{esc(format_money(value, language))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
