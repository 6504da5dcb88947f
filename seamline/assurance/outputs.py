"""A pack written out: JSON, CSV, HTML (the page's body, standalone) and PDF. Every format is
rendered from the stored content as the reader may see it (`present.content_for`), so the
figures are the ones issued, whatever has changed in the records since."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.template.loader import render_to_string

from .chart import metric_chart

CSV_COLUMNS = (
    "period",
    "issue",
    "built_at",
    "audit_chain_head",
    "metric",
    "title",
    "unit",
    "additive",
    "segment",
    "numerator",
    "denominator",
    "value",
    "red",
)


def as_json(content: dict[str, Any]) -> str:
    return json.dumps(content, indent=2, sort_keys=False, default=str) + "\n"


def as_csv(content: dict[str, Any]) -> str:
    """One row per metric and segment (the network, then each partner)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    common = [
        content["period"],
        content.get("issue", 1),
        content["built_at"],
        content["audit_chain_head"],
    ]
    for m in content["metrics"]:
        segments = [("network", m["network"]), *sorted(m["partners"].items())]
        for segment, fig in segments:
            writer.writerow(
                [
                    *common,
                    m["code"],
                    m["title"],
                    m["unit"],
                    "yes" if m["additive"] else "no",
                    segment,
                    _cell(fig.get("numerator")),
                    _cell(fig.get("denominator")),
                    _cell(fig.get("value")),
                    "yes" if fig.get("red") else "no",
                ]
            )
    return out.getvalue()


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def sections(content: dict[str, Any], partner: str | None = None) -> list[dict[str, Any]]:
    """The metrics grouped under their sections, each with its chart, for the templates."""
    frames = {f["code"]: f for f in content.get("frames", [])}
    grouped: list[dict[str, Any]] = []
    for section in content["sections"]:
        metrics = [m for m in content["metrics"] if m["section"] == section["code"]]
        if not metrics:
            continue
        shown = []
        for m in metrics:
            shown.append(
                {
                    **m,
                    "chart": metric_chart(m, partner),
                    "frame_list": [frames[c] for c in m["frames"] if c in frames],
                }
            )
        section_frames: dict[str, dict[str, str]] = {}
        for m in shown:
            for f in m["frame_list"]:
                section_frames[f["code"]] = f
        grouped.append({**section, "metrics": shown, "frames": list(section_frames.values())})
    return grouped


def html_document(content: dict[str, Any], partner: str | None = None) -> str:
    """The pack as one standalone HTML document (the PDF's source; no outside resources)."""
    return render_to_string(
        "assurance/pack_document.html",
        {"content": content, "sections": sections(content, partner), "partner": partner},
    )


class NothingFetched(ValueError):
    pass


def _fetch_nothing(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The PDF renderer's fetcher: a pack loads nothing, from the network or anywhere else."""
    raise NothingFetched(f"a pack loads no outside resource (asked for {url[:80]})")


def as_pdf(content: dict[str, Any], partner: str | None = None) -> bytes:
    try:
        from weasyprint import HTML
    except OSError as exc:  # the Pango libraries are missing
        raise RuntimeError(
            "PDF output needs the Pango text libraries: install Debian's libpango-1.0-0 and "
            f"libpangoft2-1.0-0 ({exc})."
        ) from exc
    document = HTML(string=html_document(content, partner), url_fetcher=_fetch_nothing)
    return bytes(document.write_pdf())
