"""The reconciliation-rate trend as a small SVG drawn on the server: no script, no style
attribute (the pages' Content Security Policy forbids both), only SVG presentation attributes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, PLOT_HEIGHT = 640, 170
LEFT, RIGHT, TOP = 48, 16, 16
LEGEND_COLUMNS, LEGEND_ROW = 2, 18
# Colours that stay apart for the common kinds of colour blindness (Okabe-Ito).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


@dataclass(frozen=True)
class Point:
    at: datetime
    rate: float  # 0..1
    label: str  # shown on hover: the run's partner, date and figures


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[Point]


def _floor(points: Sequence[Point]) -> float:
    """The bottom of the rate axis: a tenth below the lowest rate shown, never below 0, so
    that a few points of difference between runs can be seen."""
    if not points:
        return 0.0
    lowest = min(p.rate for p in points)
    return max(0.0, math.floor(lowest * 10 - 0.5) / 10)


def trend_svg(series: Sequence[Series], title: str = "Reconciliation rate over time") -> SafeString:
    """One line per partner, rate against upload time; the legend below, two to a row."""
    points = [p for s in series for p in s.points]
    legend_rows = math.ceil(len(series) / LEGEND_COLUMNS)
    height = TOP + PLOT_HEIGHT + 30 + LEGEND_ROW * legend_rows
    plot_w, plot_h = WIDTH - LEFT - RIGHT, PLOT_HEIGHT
    low = _floor(points)
    parts = [
        f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="trend-title">',
        f'<title id="trend-title">{escape(title)}</title>',
    ]

    def y(rate: float) -> float:
        share = (max(low, min(1.0, rate)) - low) / (1 - low) if low < 1 else 1.0
        return TOP + plot_h * (1 - share)

    for step in range(5):
        rate = low + (1 - low) * step / 4
        level = y(rate)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{level:.1f}" y2="{level:.1f}" '
            'stroke="#d0d4d9" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{level + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#4a5560">{round(rate * 100):d}%</text>'
        )
    if not points:
        parts.append(
            f'<text x="{LEFT + plot_w / 2:.0f}" y="{TOP + plot_h / 2:.0f}" text-anchor="middle" '
            'font-size="13" fill="#4a5560">No reconciliation yet</text></svg>'
        )
        return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped or a number)
    start = min(p.at for p in points)
    end = max(p.at for p in points)
    span = max((end - start).total_seconds(), 1.0)

    def x(at: datetime) -> float:
        if end == start:
            return LEFT + plot_w / 2
        return LEFT + plot_w * (at - start).total_seconds() / span

    for when, anchor in ((start, "start"), (end, "end")):
        parts.append(
            f'<text x="{x(when):.1f}" y="{TOP + plot_h + 16}" text-anchor="{anchor}" '
            f'font-size="11" fill="#4a5560">{timezone.localtime(when):%d %b %Y}</text>'
        )
    for i, line in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        ordered = sorted(line.points, key=lambda p: p.at)
        if len(ordered) > 1:
            path = " ".join(f"{x(p.at):.1f},{y(p.rate):.1f}" for p in ordered)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for p in ordered:
            parts.append(
                f'<circle cx="{x(p.at):.1f}" cy="{y(p.rate):.1f}" r="4" fill="{colour}">'
                f"<title>{escape(p.label)}</title></circle>"
            )
        legend_y = TOP + plot_h + 40 + LEGEND_ROW * (i // LEGEND_COLUMNS)
        legend_x = LEFT + (i % LEGEND_COLUMNS) * (plot_w // LEGEND_COLUMNS)
        parts.append(
            f'<rect x="{legend_x}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="{legend_y}" font-size="11" fill="#1f2a33">'
            f"{escape(line.name)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped or a number)
