"""The quality charts, drawn on the server: kappa per question as a small bar chart, and the
audit score trend by partner and period. Kappa as a bar chart: SVG presentation attributes
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


TREND_W, TREND_PLOT_H, T_LEFT, T_RIGHT, T_TOP = 640, 170, 48, 16, 16
# Colours that stay apart for the common kinds of colour blindness (Okabe-Ito).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def score_trend_svg(
    periods: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    title: str = "Audit score by partner and period",
) -> SafeString:
    """One line per partner across the periods (0-100%); a period without a score breaks the
    line. The legend sits below, two to a row."""
    rows = (len(series) + 1) // 2
    height = T_TOP + TREND_PLOT_H + 30 + 18 * rows
    plot_w = TREND_W - T_LEFT - T_RIGHT
    parts = [
        f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {TREND_W} {height}" '
        f'width="100%" role="img" aria-labelledby="score-trend-title">',
        f'<title id="score-trend-title">{escape(title)}</title>',
    ]

    def y(value: float) -> float:
        return T_TOP + TREND_PLOT_H * (1 - max(0.0, min(100.0, value)) / 100)

    def x(i: int) -> float:
        if len(periods) == 1:
            return T_LEFT + plot_w / 2
        return T_LEFT + plot_w * i / (len(periods) - 1)

    for level in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{T_LEFT}" x2="{TREND_W - T_RIGHT}" y1="{y(level):.1f}" y2="{y(level):.1f}" '
            'stroke="#d0d4d9" stroke-width="1"/>'
            f'<text x="{T_LEFT - 6}" y="{y(level) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#4a5560">{level}%</text>'
        )
    if not periods:
        parts.append(
            f'<text x="{T_LEFT + plot_w / 2:.0f}" y="{T_TOP + TREND_PLOT_H / 2:.0f}" '
            'text-anchor="middle" font-size="13" fill="#4a5560">No scores yet</text></svg>'
        )
        return mark_safe("".join(parts))  # noqa: S308 (numbers and escaped text only)
    for i, period in enumerate(periods):
        parts.append(
            f'<text x="{x(i):.1f}" y="{T_TOP + TREND_PLOT_H + 16}" text-anchor="middle" '
            f'font-size="11" fill="#4a5560">{escape(period)}</text>'
        )
    for n, (name, values) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        run: list[str] = []
        for i, value in enumerate([*values, None]):
            if value is not None:
                run.append(f"{x(i):.1f},{y(value):.1f}")
                continue
            if len(run) > 1:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                    'stroke-width="2"/>'
                )
            run = []
        for i, value in enumerate(values):
            if value is None:
                continue
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="4" fill="{colour}">'
                f"<title>{escape(name)}, {escape(periods[i])}: {value:g}%</title></circle>"
            )
        legend_y = T_TOP + TREND_PLOT_H + 40 + 18 * (n // 2)
        legend_x = T_LEFT + (n % 2) * (plot_w // 2)
        parts.append(
            f'<rect x="{legend_x}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="{legend_y}" font-size="11" fill="#1f2a33">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (numbers and escaped text only)
