"""A stored pack as a reader sees it: the partners they may see and, for readers of aggregates
only (commissioners), small counts suppressed. Pure functions over the stored content."""

from __future__ import annotations

import copy
from typing import Any

from seamline.access import Actor

SUPPRESSED = "suppressed"


def is_small(count: Any, threshold: int) -> bool:
    """A count of people or records from 1 to threshold - 1 could identify someone."""
    return isinstance(count, int | float) and 0 < count < threshold


def suppress_figure(fig: dict[str, Any], unit: str, threshold: int) -> dict[str, Any]:
    """Hide a figure built on a small count: its parts and the value they would reveal."""
    small = is_small(fig.get("numerator"), threshold) if unit == "count" else False
    small = small or is_small(fig.get("denominator"), threshold)
    if not small:
        return fig
    return {**fig, "numerator": None, "denominator": None, "value": None, "suppressed": True}


def _suppress_metric(metric: dict[str, Any], threshold: int) -> None:
    unit = metric["unit"]
    metric["network"] = suppress_figure(metric["network"], unit, threshold)
    metric["partners"] = {
        c: suppress_figure(f, unit, threshold) for c, f in metric["partners"].items()
    }
    for point in metric.get("trend", []):
        point["network"] = suppress_figure(point["network"], unit, threshold)
        point["partners"] = {
            c: suppress_figure(f, unit, threshold) for c, f in point["partners"].items()
        }
    for category, cells in metric.get("breakdown", {}).items():
        metric["breakdown"][category] = {
            k: (None if is_small(v, threshold) else v) for k, v in cells.items()
        }


def visible_partner_codes(actor: Actor, content: dict[str, Any]) -> list[str]:
    """Every partner for the prime, commissioners, inspectors and the system; a partner's own
    staff see their own column beside the network's."""
    codes = [p["code"] for p in content["partners"]]
    if actor.is_system or actor.in_prime or actor.aggregates_only or actor.read_only:
        return codes
    own = actor.org_code
    return [c for c in codes if c == own]


def content_for(actor: Actor, content: dict[str, Any], threshold: int) -> dict[str, Any]:
    """The pack's content as `actor` may read it."""
    out = copy.deepcopy(content)
    codes = set(visible_partner_codes(actor, content))
    out["partners"] = [p for p in out["partners"] if p["code"] in codes]
    for metric in out["metrics"]:
        metric["partners"] = {c: f for c, f in metric["partners"].items() if c in codes}
        for point in metric.get("trend", []):
            point["partners"] = {c: f for c, f in point["partners"].items() if c in codes}
        for category, cells in metric.get("breakdown", {}).items():
            metric["breakdown"][category] = {
                k: v for k, v in cells.items() if k == "network" or k in codes
            }
        if actor.aggregates_only:
            _suppress_metric(metric, threshold)
    out["suppression"] = {"applied": actor.aggregates_only, "below": threshold}
    return out
