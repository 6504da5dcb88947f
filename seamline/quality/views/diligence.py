"""The partner due-diligence pages: the partners with their review's state (the quality lead's
list), and one partner's review: evidence samples and a finding per area, and the decision
that lets it go active."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from seamline.access import ReadOnly
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.models import Organisation
from seamline.network.views.common import actor_of, csv_response, page, require_writer, wants_csv

from .. import access, actions_diligence
from ..choices import Decision, DiligenceArea, Finding
from .corrective import _messages

CSV_HEADER = ["organisation", "name", "status", "evidence", "areas_with_findings", "decision"]


@page
def partner_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_list_diligence(actor):
        raise refuse(actor, "quality.due_diligence", "")
    rows = actions_diligence.partner_rows()
    wanted = request.GET.get("state", "")
    if wanted == "awaiting":
        rows = [r for r in rows if r.awaiting]
    elif wanted in Decision.values:
        rows = [r for r in rows if r.decision == wanted]
    if wants_csv(request):
        return csv_response(
            "due-diligence.csv",
            CSV_HEADER,
            ([r.code, r.name, r.status, r.evidence, r.findings, r.decision or ""] for r in rows),
        )
    return render(
        request,
        "quality/partners.html",
        {"rows": rows, "state": wanted, "decisions": Decision.choices},
    )


def _review_page(request: HttpRequest, organisation: Organisation, **extra: Any) -> HttpResponse:
    actor = actor_of(request)
    view = actions_diligence.review_view(organisation)
    errors = any(k.endswith("_errors") and v for k, v in extra.items())
    return render(
        request,
        "quality/partner.html",
        {
            "organisation": organisation,
            "view": view,
            "areas": DiligenceArea.choices,
            "findings": Finding.choices,
            "decisions": Decision.choices,
            "can_add": access.can_add_diligence_evidence(actor, organisation),
            "can_decide": access.can_decide_diligence(actor),
            **extra,
        },
        status=422 if errors else 200,
    )


@page
def our_review(request: HttpRequest) -> HttpResponse:
    """A partner's admin or quality lead: straight to their own organisation's review."""
    actor = actor_of(request)
    own = access.own_diligence_organisation(actor)
    if own is None:
        raise refuse(actor, "quality.due_diligence", "ours")
    return redirect("quality:partner", code=own.code)


@page
def partner_review(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    return _review_page(request, access.get_diligence_organisation(actor, code))


@page
@require_POST
def add_evidence(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    organisation = access.get_diligence_organisation(actor, code)
    if not access.can_add_diligence_evidence(actor, organisation):
        raise ReadOnly("Only the network's quality lead or the partner's managers add evidence.")
    try:
        actions_diligence.add_evidence(
            actor,
            organisation,
            area=request.POST.get("area", ""),
            title=request.POST.get("title", ""),
            reference=request.POST.get("reference", ""),
        )
    except RuleViolation as exc:
        return _review_page(request, organisation, evidence_errors=_messages(exc))
    messages.success(request, "Evidence added.")
    return redirect("quality:partner", organisation.code)


@page
@require_POST
def record_finding(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    organisation = access.get_diligence_organisation(actor, code)
    if not access.can_decide_diligence(actor):
        raise ReadOnly("Only the network's quality lead or admin records findings.")
    try:
        actions_diligence.record_finding(
            actor,
            organisation,
            area=request.POST.get("area", ""),
            finding=request.POST.get("finding", ""),
            note=request.POST.get("note", ""),
        )
    except RuleViolation as exc:
        return _review_page(request, organisation, finding_errors=_messages(exc))
    messages.success(request, "Finding recorded.")
    return redirect("quality:partner", organisation.code)


@page
@require_POST
def decide(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    organisation = access.get_diligence_organisation(actor, code)
    if not access.can_decide_diligence(actor):
        raise ReadOnly("Only the network's quality lead or admin decides on due diligence.")
    try:
        made = actions_diligence.decide(
            actor,
            organisation,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
            conditions=request.POST.get("conditions", ""),
        )
    except RuleViolation as exc:
        return _review_page(request, organisation, decision_errors=_messages(exc))
    messages.success(request, f"Decision recorded: {made.get_decision_display().lower()}.")
    return redirect("quality:partner", organisation.code)
