"""Auditing handoffs with the common scoring tool: seeded samples an auditor draws for a period
(and partner), and the scoring form for each handoff in a sample (SPEC C6, C9)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse

from seamline.access import ReadOnly
from seamline.cases.views.common import done
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.views.common import actor_of, add_violation, page, require_writer

from .. import access, actions
from ..forms import SampleForm, ScoreForm
from ..models import AuditSample, HandoffAudit
from ..scoring import CRITERIA
from .handoff import shown_bundle


@page
def audit_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_read_audits(actor):
        raise refuse(actor, "handoffs.auditsample_list", "audits")
    samples = AuditSample.objects.filter(organisation=actor.organisation).select_related(
        "partner", "drawn_by"
    )
    return render(
        request,
        "handoffs/audits.html",
        {"samples": samples, "can_audit": access.can_audit(actor), "criteria": CRITERIA},
    )


@page
def sample_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    if not access.can_audit(actor):
        raise ReadOnly("Only quality leads and clinical leads audit handoffs.")
    form = SampleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sample = actions.draw_audit_sample(
                actor,
                period_start=data["period_start"],
                period_end=data["period_end"],
                size=data["size"],
                partner=data["partner"],
                seed=data["seed"],
            )
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            return done(
                request,
                reverse("handoffs:sample", args=[sample.uuid]),
                f"{sample.items.count()} handoffs drawn with seed {sample.seed}.",
            )
    return render(
        request,
        "handoffs/form.html",
        {
            "form": form,
            "title": "Draw an audit sample",
            "submit": "Draw the sample",
            "back": reverse("handoffs:audits"),
            "back_label": "Handoff audits",
            "intro": "A random sample of the handoffs first sent in the period that you can see. "
            "The seed is kept, so the same sample can be drawn again from the same records.",
        },
    )


@page
def sample_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    actor = actor_of(request)
    sample = access.get_sample_for_user(actor, uuid)
    items = list(
        sample.items.select_related(
            "handoff__sender_organisation",
            "handoff__receiving_organisation",
            "handoff__template_version",
        )
    )
    scores = {a.handoff_id: a for a in HandoffAudit.objects.filter(sample=sample)}
    rows = [(item, scores.get(item.handoff_id)) for item in items]
    done_scores = [a.score for a in scores.values() if a.score is not None]
    return render(
        request,
        "handoffs/sample.html",
        {
            "sample": sample,
            "rows": rows,
            "can_audit": access.can_audit(actor),
            "mean": round(sum(done_scores) / len(done_scores)) if done_scores else None,
        },
    )


@page
def score(request: HttpRequest, uuid: str, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    sample = access.get_sample_for_user(actor, uuid)
    handoff = access.get_handoff_for_user(actor, code)
    if not access.can_audit(actor):
        raise ReadOnly("Only quality leads and clinical leads audit handoffs.")
    form = ScoreForm(request.POST or None)
    back = reverse("handoffs:sample", args=[sample.uuid])
    if request.method == "POST" and form.is_valid():
        try:
            audit = actions.score_handoff(
                actor,
                handoff,
                ratings=form.ratings(),
                notes=form.cleaned_data["notes"],
                sample=sample,
            )
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            shown = f"{audit.score}%" if audit.score is not None else "not applicable"
            return done(request, back, f"{handoff.code} is scored: {shown}.")
    context: dict[str, Any] = {
        "form": form,
        "title": f"Score {handoff.code}",
        "submit": "Save the score",
        "back": back,
        "back_label": "The sample",
        "intro": "Rate each element of the handoff as the bundle and the repeat-back show it.",
        "handoff": handoff,
        "bundle": shown_bundle(handoff),
        "repeat_back": handoff.repeat_back_or_none,
    }
    return render(request, "handoffs/form.html", context)


urlpatterns: list[URLPattern] = [
    path("audits/", audit_list, name="audits"),
    path("audits/new/", sample_new, name="sample_new"),
    path("audits/<str:uuid>/", sample_detail, name="sample"),
    path("audits/<str:uuid>/<str:code>/", score, name="score"),
]
