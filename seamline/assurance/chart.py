"""Twelve-month trend charts drawn on the server as SVG, the same markup on the page and in the
PDF. No script and no style attributes (the pages' Content Security Policy forbids both): only
SVG presentation attributes. Months with no figure (nothing to count, or suppressed) leave a
gap in the line rather than a false zero."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 320, 120
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 10, 22
NETWORK_COLOUR, PARTNER_COLOUR, TARGET_COLOUR = "#0072B2", "#D55E00", "#999999"


@dataclass(frozen=True)
class Line:
    name: str
    values: Sequence[float | None]
    colour: str


def _ceiling(values: Sequence[float], unit: str, target: float | None) -> float:
    if unit in ("percent", "score"):
        return 100.0
    top = max([*values, target or 0, 1.0])
    magnitude = 10 ** math.floor(math.log10(top))
    return math.ceil(top / magnitude) * magnitude


def _segments(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    runs: list[list[tuple[float, float]]] = [[]]
    for p in points:
        if p is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(p)
    return [r for r in runs if r]


def trend_svg(
    title: str,
    months: Sequence[str],
    lines: Sequence[Line],
    unit: str,
    target: float | None = None,
) -> SafeString:
    """One small chart: a line per series over the months, the target as a dashed line."""
    known = [v for line in lines for v in line.values if v is not None]
    top = _ceiling(known, unit, target)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(months) - 1)

    def x(i: int) -> float:
        return LEFT + i * step

    def y(v: float) -> float:
        return TOP + plot_h * (1 - min(v, top) / top)

    parts = [
        f'<svg class="pack-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
        f'{HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        'stroke="#bbbbbb" stroke-width="1"/>',
    ]
    for frac in (0.0, 0.5, 1.0):
        value = top * frac
        label = f"{value:.0f}" if value >= 10 or value == 0 else f"{value:.1f}"
        parts.append(
            f'<text x="{LEFT - 4}" y="{y(value) + 3:.1f}" font-size="9" text-anchor="end" '
            f'fill="#555555">{label}</text>'
        )
    if target is not None:
        parts.append(
            f'<line x1="{LEFT}" y1="{y(target):.1f}" x2="{WIDTH - RIGHT}" y2="{y(target):.1f}" '
            f'stroke="{TARGET_COLOUR}" stroke-dasharray="4 3" stroke-width="1"/>'
        )
    for i, month in enumerate(months):
        if i % 3 == 0 or i == len(months) - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - 6}" font-size="9" text-anchor="middle" '
                f'fill="#555555">{escape(month[2:])}</text>'
            )
    for line in lines:
        points = [None if v is None else (x(i), y(v)) for i, v in enumerate(line.values)]
        for run in _segments(points):
            if len(run) == 1:
                px, py = run[0]
                parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{line.colour}"/>')
            else:
                path = " ".join(f"{px:.1f},{py:.1f}" for px, py in run)
                parts.append(
                    f'<polyline points="{path}" fill="none" stroke="{line.colour}" '
                    'stroke-width="2"/>'
                )
        last = next(
            ((i, v) for i, v in reversed(list(enumerate(line.values))) if v is not None), None
        )
        if last is not None:
            parts.append(
                f'<circle cx="{x(last[0]):.1f}" cy="{y(last[1]):.1f}" r="3" fill="{line.colour}">'
                f"<title>{escape(line.name)} {escape(months[last[0]])}: {last[1]}</title></circle>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every interpolated text is escaped)


def metric_chart(metric: dict[str, object], partner: str | None = None) -> SafeString:
    """The trend chart of one metric of a (presented) pack: the network line, and the partner's
    when one is chosen."""
    trend = metric.get("trend") or []
    assert isinstance(trend, list)
    months = [str(p["period"]) for p in trend]
    lines = [Line("Network", [p["network"].get("value") for p in trend], NETWORK_COLOUR)]
    if partner:
        lines.append(
            Line(
                partner,
                [(p["partners"].get(partner) or {}).get("value") for p in trend],
                PARTNER_COLOUR,
            )
        )
    target = metric.get("target")
    return trend_svg(
        str(metric["title"]),
        months,
        lines,
        str(metric["unit"]),
        float(target) if isinstance(target, int | float) else None,
    )
