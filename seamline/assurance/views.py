"""The assurance pages: the packs (with the latest pack's red partners and trends: the
commissioner's view), one pack with charts and its downloads (PDF, CSV, JSON), building a pack
or a corrected issue, and the drill-down from a figure to the records behind it."""

from __future__ import annotations

from datetime import date
from itertools import chain
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from seamline.access import Actor, NotFound, ReadOnly
from seamline.audit.actions import record
from seamline.audit.models import EntryKind
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.models import Network
from seamline.network.views.common import actor_of, csv_response, page, require_writer

from . import access, outputs
from .build import build_pack
from .catalogue import Metric, Unit, add_months, get_metric, parse_period
from .chart import metric_chart
from .compute import Calculator
from .models import Pack
from .present import content_for, visible_partner_codes

DRILL_ROWS = 200
HEADLINE_METRICS = 6


def _threshold() -> int:
    return int(Network.current().small_number_threshold)


def _issue(request: HttpRequest) -> int | None:
    raw = request.GET.get("issue", "")
    return int(raw) if raw.isdigit() else None


def red_partners(content: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Partners with at least one figure worse than its target, with those metrics' titles."""
    red: dict[str, list[str]] = {}
    for m in content["metrics"]:
        for code, f in m["partners"].items():
            if f.get("red"):
                red.setdefault(code, []).append(m["title"])
    return sorted(red.items())


@page
def pack_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_list_packs(actor):
        raise refuse(actor, "assurance packs", "list")
    errors: list[str] = []
    if request.method == "POST":
        require_writer(actor)
        if not access.can_build_packs(actor):
            raise ReadOnly("Only the network's quality lead or admin builds assurance packs.")
        try:
            period = parse_period(request.POST.get("period", ""))
            pack = build_pack(actor, period, reason=request.POST.get("reason", ""))
            return redirect(reverse("assurance:pack", args=[pack.label]) + f"?issue={pack.issue}")
        except ValueError as exc:
            errors = [str(exc)]
        except RuleViolation as exc:
            errors = [r.message for r in exc.reasons]
    packs = list(Pack.objects.order_by("-period", "-issue")[:120])
    latest_pack = Pack.objects.latest_issues().order_by("-period").first()
    context: dict[str, Any] = {
        "packs": packs,
        "errors": errors,
        "can_build": access.can_build_packs(actor),
        "default_period": add_months(timezone.localdate().replace(day=1), -1).strftime("%Y-%m"),
    }
    if latest_pack is not None:
        content = content_for(actor, latest_pack.content, _threshold())
        context["latest"] = {"period": latest_pack.label}
        context["red"] = red_partners(content)
        context["headline"] = [
            {"title": m["title"], "chart": metric_chart(m)}
            for m in content["metrics"]
            if m["target"] is not None
        ][:HEADLINE_METRICS]
    return render(request, "assurance/packs.html", context)


def _pack(request: HttpRequest, period: str) -> tuple[Actor, Pack, dict[str, Any]]:
    actor = actor_of(request)
    try:
        pack = access.get_pack_for_user(actor, period, _issue(request))
    except NotFound:
        raise refuse(actor, "assurance pack", period) from None
    return actor, pack, content_for(actor, pack.content, _threshold())


@page
def pack_detail(request: HttpRequest, period: str) -> HttpResponse:
    actor, pack, content = _pack(request, period)
    choices = visible_partner_codes(actor, pack.content)
    partner = request.GET.get("partner", "")
    if partner not in choices:
        partner = actor.org_code if actor.org_code in choices and len(choices) == 1 else ""
    drill = access.can_drill(actor)
    context = {
        "content": content,
        "sections": outputs.sections(content, partner or None),
        "partner": partner,
        "partner_choices": choices if len(choices) > 1 else [],
        "issues": list(Pack.objects.filter(period=pack.period).order_by("issue")),
        "intact": pack.intact(),
        "drill": drill,
        "drill_all": drill and access.drill_organisation_id(actor) is None,
        "own_code": actor.org_code,
        "can_build": access.can_build_packs(actor),
    }
    return render(request, "assurance/pack.html", context)


def _download(pack: Pack, suffix: str, body: bytes | str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    name = f"seamline-pack-{pack.label}-issue{pack.issue}.{suffix}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@page
def pack_pdf(request: HttpRequest, period: str) -> HttpResponse:
    actor, pack, content = _pack(request, period)
    partner = actor.org_code if len(visible_partner_codes(actor, pack.content)) == 1 else None
    return _download(pack, "pdf", outputs.as_pdf(content, partner), "application/pdf")


@page
def pack_csv(request: HttpRequest, period: str) -> HttpResponse:
    _, pack, content = _pack(request, period)
    return _download(pack, "csv", outputs.as_csv(content), "text/csv; charset=utf-8")


@page
def pack_json(request: HttpRequest, period: str) -> HttpResponse:
    _, pack, content = _pack(request, period)
    return _download(pack, "json", outputs.as_json(content), "application/json")


def drill_rows(actor: Actor, period: date, code: str, partner: str) -> tuple[Any, list[Any], Any]:
    """The metric, its columns and the records behind one partner's (or the network's) figure
    as the actor may see them."""
    metric = get_metric(code)
    if metric is None or not access.can_drill(actor):
        raise NotFound()
    calc = Calculator()
    parts = calc.records(metric, period)
    own = access.drill_organisation_id(actor)
    if own is not None:
        parts = [qs.filter(_org=own) for qs in parts]
    if partner:
        org_id = next((pk for pk, c in calc.codes.items() if c == partner), None)
        if org_id is None:
            raise NotFound()
        parts = [qs.filter(_org=org_id) for qs in parts]
    columns = list(metric.columns)
    paths = [c.path for c in columns]
    return metric, columns, [qs.order_by("pk").values_list(*paths, "_num") for qs in parts]


@page
def drill(request: HttpRequest, period: str, code: str) -> HttpResponse:
    actor = actor_of(request)
    partner = request.GET.get("partner", "")
    try:
        month = parse_period(period)
        metric, columns, rows = drill_rows(actor, month, code, partner)
    except (ValueError, NotFound):
        raise refuse(actor, "assurance drill-down", f"{period}/{code}") from None
    record(
        actor,
        "assurance.drill.read",
        None,
        kind=EntryKind.READ,
        target={
            "object_type": "assurance.metric",
            "object_id": f"{period}/{code}",
            "object_label": metric.title,
            "object_organisation_code": partner,
        },
        changes={"partner": partner or "all"},
    )
    if request.GET.get("format") == "csv":
        header = [c.label for c in columns] + ["numerator"]
        return csv_response(f"seamline-{period}-{code}.csv", header, chain.from_iterable(rows))
    first: list[Any] = []
    for part in rows:
        first.extend(part[: DRILL_ROWS - len(first)])
    shown = [{"cells": _linked(columns, row[:-1]), "num": _num(metric, row[-1])} for row in first]
    context = {
        "metric": metric,
        "period": period,
        "partner": partner,
        "columns": columns,
        "shown": shown,
        "count": sum(part.count() for part in rows),
    }
    return render(request, "assurance/drill.html", context)


def _linked(columns: list[Any], cells: tuple[Any, ...]) -> list[tuple[Any, str]]:
    """Each cell with the address of the record it names, where there is one."""
    out = []
    for column, value in zip(columns, cells, strict=True):
        url = reverse(column.url, args=[value]) if column.url and value else ""
        out.append((value, url))
    return out


def _num(metric: Metric, value: Any) -> Any:
    """What the record adds to the numerator, as a reader takes it in (hours as hours)."""
    if metric.unit == Unit.HOURS and value is not None:
        return f"{float(value):.1f} h"
    return value
