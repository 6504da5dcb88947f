"""The same-day notification rate by week as a small SVG drawn on the server: one line per
partner, weeks along the bottom, 0-100% up the side. SVG presentation attributes only (the
pages' Content Security Policy forbids scripts and style attributes)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .dashboard import WeekRate

WIDTH, PLOT_HEIGHT = 640, 160
LEFT, RIGHT, TOP = 44, 16, 14
LEGEND_COLUMNS, LEGEND_ROW = 3, 18
# Okabe-Ito colours, told apart with the common kinds of colour blindness.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def rate_svg(
    trend: Mapping[str, Sequence[WeekRate]], title: str = "Same-day notification rate by week"
) -> SafeString:
    weeks = sorted({w.week for line in trend.values() for w in line})
    legend_rows = max(1, math.ceil(len(trend) / LEGEND_COLUMNS))
    height = TOP + PLOT_HEIGHT + 30 + LEGEND_ROW * legend_rows
    plot_w = WIDTH - LEFT - RIGHT
    parts = [
        f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="sg-trend-title">',
        f'<title id="sg-trend-title">{escape(title)}</title>',
    ]

    def y(rate: float) -> float:
        return TOP + PLOT_HEIGHT * (1 - max(0.0, min(1.0, rate)))

    for step in range(5):
        level = y(step / 4)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{level:.1f}" y2="{level:.1f}" '
            'stroke="#d0d4d9" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{level + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#4a5560">{step * 25}%</text>'
        )
    if not weeks:
        parts.append(
            f'<text x="{LEFT + plot_w / 2:.0f}" y="{TOP + PLOT_HEIGHT / 2:.0f}" '
            'text-anchor="middle" font-size="13" fill="#4a5560">No concern with a known result'
            "</text></svg>"
        )
        return mark_safe("".join(parts))  # noqa: S308 (every value is escaped or a number)
    index = {w: i for i, w in enumerate(weeks)}

    def x(i: int) -> float:
        return LEFT + (plot_w / 2 if len(weeks) == 1 else plot_w * i / (len(weeks) - 1))

    for i, anchor in ((0, "start"), (len(weeks) - 1, "end")):
        parts.append(
            f'<text x="{x(i):.1f}" y="{TOP + PLOT_HEIGHT + 16}" text-anchor="{anchor}" '
            f'font-size="11" fill="#4a5560">week of {weeks[i]:%d %b %Y}</text>'
        )
    for n, (partner, line) in enumerate(trend.items()):
        colour = PALETTE[n % len(PALETTE)]
        points = [(x(index[w.week]), y(w.rate), w) for w in line]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for px, py, w in points:
            label = f"{partner}, week of {w.week:%d %b}: {w.same_day} of {w.known} the same day"
            parts.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{colour}">'
                f"<title>{escape(label)}</title></circle>"
            )
        ly = TOP + PLOT_HEIGHT + 40 + LEGEND_ROW * (n // LEGEND_COLUMNS)
        lx = LEFT + (n % LEGEND_COLUMNS) * (plot_w // LEGEND_COLUMNS)
        parts.append(
            f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{lx + 14}" y="{ly}" font-size="11" fill="#1f2a33">{escape(partner)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every value is escaped or a number)
