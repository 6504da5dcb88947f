"""Kappa per question as a small bar chart drawn on the server: SVG presentation attributes
only (the Content Security Policy forbids scripts and style attributes)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, BAR_H, GAP, LEFT, RIGHT, TOP = 560, 22, 10, 150, 60, 24
BAR = "#0072B2"
NEGATIVE = "#D55E00"


def kappa_svg(rows: Sequence[tuple[str, float | None]], title: str = "Fleiss' kappa") -> SafeString:
    """One bar per (label, kappa); the axis runs from -1 to 1 with 0 marked. An undefined
    kappa (every rating the same) is written "n/a" and drawn as no bar."""
    height = TOP + len(rows) * (BAR_H + GAP) + 20
    plot = WIDTH - LEFT - RIGHT
    zero = LEFT + plot / 2

    def x(k: float) -> float:
        return LEFT + plot * (max(-1.0, min(1.0, k)) + 1) / 2

    parts = [
        f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="kappa-title">',
        f'<title id="kappa-title">{escape(title)}</title>',
    ]
    for k, label in ((-1.0, "-1"), (0.0, "0"), (1.0, "1")):
        parts.append(
            f'<text x="{x(k):.1f}" y="{TOP - 8}" font-size="11" text-anchor="middle">{label}</text>'
        )
    for i, (name, kappa) in enumerate(rows):
        y = TOP + i * (BAR_H + GAP)
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + BAR_H * 0.7:.1f}" font-size="13" '
            f'text-anchor="end">{escape(name)}</text>'
        )
        if kappa is None:
            parts.append(
                f'<text x="{zero + 6:.1f}" y="{y + BAR_H * 0.7:.1f}" font-size="12">n/a</text>'
            )
            continue
        left, right = sorted((zero, x(kappa)))
        colour = BAR if kappa >= 0 else NEGATIVE
        parts.append(
            f'<rect x="{left:.1f}" y="{y}" width="{max(right - left, 1):.1f}" height="{BAR_H}" '
            f'fill="{colour}"><title>{escape(name)}: {kappa:.2f}</title></rect>'
        )
        parts.append(
            f'<text x="{max(right, zero) + 6:.1f}" y="{y + BAR_H * 0.7:.1f}" '
            f'font-size="12">{kappa:.2f}</text>'
        )
    bottom = TOP + len(rows) * (BAR_H + GAP)
    parts.append(
        f'<line x1="{zero:.1f}" y1="{TOP - 4}" x2="{zero:.1f}" y2="{bottom}" stroke="#333" '
        'stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text is escaped above)
