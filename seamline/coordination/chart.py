"""The weekly share of records written on time, as a small bar chart drawn on the server:
SVG presentation attributes only (the pages' Content Security Policy forbids scripts and style
attributes)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .documentation import WeekRow

WIDTH, PLOT_H, LEFT, RIGHT, TOP, BOTTOM = 640, 160, 44, 12, 14, 34
ON_TIME = "#0072B2"
TARGET = "#D55E00"


def weekly_svg(
    weeks: Sequence[WeekRow], title: str = "Share of records written within 24 hours, by week"
) -> SafeString:
    """One bar per week (the Monday it starts), its height the share on time; a dashed line
    at 100%. A week with no records has no bar."""
    height = TOP + PLOT_H + BOTTOM
    plot_w = WIDTH - LEFT - RIGHT
    parts = [
        f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        'width="100%" role="img" aria-labelledby="documentation-title">',
        f'<title id="documentation-title">{escape(title)}</title>',
    ]

    def y(share: float) -> float:
        return TOP + PLOT_H * (1 - max(0.0, min(1.0, share)))

    for share in (0.0, 0.5, 1.0):
        stroke = f'stroke="{TARGET}" stroke-dasharray="4 3"' if share == 1.0 else 'stroke="#d0d4d9"'
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(share):.1f}" y2="{y(share):.1f}" '
            f'{stroke} stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(share) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#4a5560">{round(share * 100):d}%</text>'
        )
    if not weeks:
        parts.append(
            f'<text x="{LEFT + plot_w / 2:.0f}" y="{TOP + PLOT_H / 2:.0f}" text-anchor="middle" '
            'font-size="13" fill="#4a5560">No records in this period</text></svg>'
        )
        return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped or a number)
    slot = plot_w / len(weeks)
    bar = max(4.0, min(48.0, slot * 0.7))
    for i, row in enumerate(weeks):
        c = row.compliance
        centre = LEFT + slot * (i + 0.5)
        label = f"Week of {row.week:%d %b %Y}: {c.on_time} of {c.records} on time"
        if c.share is not None:
            top = y(c.share)
            parts.append(
                f'<rect x="{centre - bar / 2:.1f}" y="{top:.1f}" width="{bar:.1f}" '
                f'height="{TOP + PLOT_H - top:.1f}" fill="{ON_TIME}">'
                f"<title>{escape(label)}</title></rect>"
            )
            parts.append(
                f'<text x="{centre:.1f}" y="{max(top - 4, TOP + 10):.1f}" text-anchor="middle" '
                f'font-size="10" fill="#1f2a33">{round(c.share * 100):d}%</text>'
            )
        if len(weeks) <= 12 or i % max(1, len(weeks) // 12) == 0:
            parts.append(
                f'<text x="{centre:.1f}" y="{TOP + PLOT_H + 16}" text-anchor="middle" '
                f'font-size="11" fill="#4a5560">{row.week:%d %b}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped or a number)
