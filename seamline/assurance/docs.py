"""docs/metrics.md, written from the catalogue itself (`seamline pack metrics`), so the
published definitions are the ones the code computes (a test keeps the file in step)."""

from __future__ import annotations

from .catalogue import SECTION_TITLES, Unit, catalogue
from .frames import FRAMES

UNIT_WORDS = {
    Unit.PERCENT: "share, in percent",
    Unit.SCORE: "mean score, 0-100",
    Unit.HOURS: "mean time, in hours",
    Unit.COUNT: "count",
}

INTRO = """# Assurance metrics

Every figure of the monthly assurance pack, as the code defines it
(`seamline/assurance/definitions.py`). This page is written by `seamline pack metrics`; do not
edit it by hand. A metric whose app is not installed is absent from the pack, never shown as
zero.

Each figure is computed for the network and for each partner. A record counts for the partner
it is attributed to (named under "Denominator"). **Additive** metrics' partner numerators and
denominators add up to the network's. A metric read "at the end of the month" is a stock; the
others count events whose time falls in the month (in the network's time zone). Figures worse
than the target are shown red. Commissioners see aggregates only: counts from 1 to 4 (below
the network's small-number threshold) are suppressed.
"""


def catalogue_markdown() -> str:
    lines = [INTRO]
    metrics = catalogue()
    for section, title in SECTION_TITLES.items():
        chosen = [m for m in metrics if m.section == section]
        if not chosen:
            continue
        lines.append(f"\n## {title}\n")
        for m in chosen:
            target = ""
            if m.target is not None:
                sign = ">=" if m.higher_is_better else "<="
                target = f"; target {sign} {m.target:g}"
            frames = "; ".join(f"{FRAMES[c].regulator}: {FRAMES[c].title}" for c in m.frames)
            timing = f"events by `{m.when}`" if m.when else "read at the end of the month"
            lines.append(
                f"\n### {m.title} (`{m.code}`)\n\n"
                f"- Unit: {UNIT_WORDS[m.unit]}; {'additive' if m.additive else 'not additive'}"
                f"; {timing}{target}.\n"
                f"- Numerator: {m.numerator}\n"
                f"- Denominator: {m.denominator}\n"
                f"- Exclusions: {m.exclusions}\n"
                f"- Data definition: {m.definition}\n"
                f"- Evidences: {frames}.\n"
            )
            if m.breakdown:
                lines.append(f"- Broken down by `{m.breakdown}`.\n")
    return "".join(lines)
