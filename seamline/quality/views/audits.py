"""The audit pages: the scoring templates, the audits (filterable, CSV, a form to draw a
sample), one audit's sample (with a re-draw from its seed), scoring one sampled record (HTMX),
and the partners' scores with their trend."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from seamline.audit.actions import record
from seamline.audit.models import EntryKind
from seamline.competency.models import TaskType
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.choices import OrgKind, OrgStatus
from seamline.network.models import Organisation
from seamline.network.views.common import (
    actor_of,
    csv_response,
    page,
    query_without,
    require_writer,
    wants_csv,
)
from seamline.workforce.models import Worker

from .. import access, actions, rules, sampling
from ..chart import score_trend_svg
from ..choices import Answer
from ..models import Audit, AuditItem, ScoringTemplate, TemplateVersion
from ..scores import audit_figures, partner_scores, trend

AUDIT_CSV = [
    "audit",
    "template",
    "version",
    "partner",
    "period_start",
    "period_end",
    "seed",
    "size",
    "candidates",
    "scored",
    "mean_score",
]
SCORES_CSV = ["partner", "period", "template", "mean_score", "scored", "items", "audits"]


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


def _int(raw: str, default: int | None = None) -> int | None:
    try:
        return int(raw.strip())
    except (ValueError, AttributeError):
        return default


@page
def template_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_see_scores(actor):
        raise refuse(actor, "quality.templates", "")
    versions = TemplateVersion.objects.select_related("template", "created_by").order_by(
        "template__code", "-number"
    )
    by_template: dict[str, list[TemplateVersion]] = {}
    for v in versions:
        by_template.setdefault(v.template.code, []).append(v)
    templates = [
        {
            "template": vs[0].template,
            "current": vs[0],
            "older": vs[1:],
            "criteria": rules.criteria_of(vs[0].criteria),
        }
        for vs in by_template.values()
    ]
    return render(request, "quality/templates.html", {"templates": templates})


def _draw(request: HttpRequest) -> tuple[Audit | None, list[str]]:
    actor = actor_of(request)
    post = request.POST
    template = ScoringTemplate.objects.filter(code=post.get("template", "")).first()
    partner = Organisation.objects.filter(code=post.get("partner", "")).first()
    errors = []
    if template is None:
        errors.append("Template: choose a scoring template.")
    if partner is None:
        errors.append("Partner: choose the partner to audit.")
    worker = None
    if post.get("worker", "").strip() and partner is not None:
        worker = Worker.objects.filter(
            organisation=partner, staff_id=post["worker"].strip()
        ).first()
        if worker is None:
            errors.append(f"Worker: {partner.name} has no worker with staff id {post['worker']}.")
    task_type = None
    if post.get("task_type", "").strip():
        task_type = TaskType.objects.filter(code=post["task_type"].strip()).first()
        if task_type is None:
            errors.append(f"Task type: there is no task type {post['task_type']}.")
    size = _int(post.get("size", ""), 0) or 0
    seed = _int(post.get("seed", "")) if post.get("seed", "").strip() else None
    if post.get("seed", "").strip() and seed is None:
        errors.append("Seed: a whole number, or leave it blank for a random one.")
    if errors:
        return None, errors
    assert template is not None and partner is not None
    try:
        made = actions.draw_audit(
            actor,
            template=template,
            partner=partner,
            period_start=_date(post.get("period_start", "")),
            period_end=_date(post.get("period_end", "")),
            size=size,
            seed=seed,
            worker=worker,
            task_type=task_type,
        )
    except RuleViolation as exc:
        return None, [
            f"{(r.field or '').replace('_', ' ').capitalize()}: {r.message}"
            if r.field
            else r.message
            for r in exc.reasons
        ]
    return made, []


@page
def audit_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_list_audits(actor):
        raise refuse(actor, "quality.audits", "")
    errors: list[str] = []
    if request.method == "POST":
        require_writer(actor)
        if not access.can_run_audits(actor):
            raise refuse(actor, "quality.audits.draw", "")
        made, errors = _draw(request)
        if made is not None:
            messages.success(
                request,
                f"Sample {made.code} drawn: {made.items.count()} records, seed {made.seed}.",
            )
            return redirect("quality:audit", made.code)
    audits = Audit.objects.visible_to(actor).select_related(
        "template_version__template", "partner", "worker"
    )
    partner = request.GET.get("partner", "").strip()
    template = request.GET.get("template", "").strip()
    period = request.GET.get("period", "").strip()
    if partner:
        audits = audits.filter(partner__code=partner)
    if template:
        audits = audits.filter(template_version__template__code=template)
    if period and len(period) == 7:
        year, _, month = period.partition("-")
        if year.isdigit() and month.isdigit():
            audits = audits.filter(period_start__year=int(year), period_start__month=int(month))
    audits = audits.order_by("-period_start", "partner__code", "code")
    listed = list(audits[:500])
    figures = audit_figures([a.pk for a in listed])
    rows = [(a, figures[a.pk]) for a in listed]
    if wants_csv(request):
        return csv_response(
            "audits.csv",
            AUDIT_CSV,
            (
                (
                    a.code,
                    a.template_version.template.code,
                    a.template_version.number,
                    a.partner.code,
                    a.period_start,
                    a.period_end,
                    a.seed,
                    a.size,
                    a.candidates,
                    f[1],
                    "" if f[0] is None else f[0],
                )
                for a, f in rows
            ),
        )
    runner = access.can_run_audits(actor)
    return render(
        request,
        "quality/audits.html",
        {
            "rows": rows,
            "count": len(rows),
            "errors": errors,
            "form": request.POST,
            "can_run": runner,
            "filters": {"partner": partner, "template": template, "period": period},
            "templates": ScoringTemplate.objects.all(),
            "partners": Organisation.objects.exclude(status=OrgStatus.EXITED)
            .exclude(kind=OrgKind.COMMISSIONER)
            .order_by("code"),
            "export_query": query_without(request, "format"),
        },
        status=422 if errors else 200,
    )


@page
def audit_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    audit = access.get_audit_for_user(actor, code)
    if request.htmx and "redraw" in request.GET:  # type: ignore[attr-defined]
        again = sampling.redraw(audit)
        return render(request, "quality/audit.html#redraw", {"audit": audit, "redraw": again})
    items = list(audit.items.select_related("scored_by", "task_type", "worker", "pause"))
    mean, scored, _ = audit_figures([audit.pk])[audit.pk]
    return render(
        request,
        "quality/audit.html",
        {
            "audit": audit,
            "items": items,
            "mean": mean,
            "scored": scored,
            "can_score": access.can_score(actor, audit),
            "pass_mark": audit.template_version.pass_mark,
            "redraw": sampling.redraw(audit) if "redraw" in request.GET else None,
        },
    )


def _read_record(actor: Any, item: AuditItem) -> None:
    """Opening a sampled record shows personal data: the read goes in the audit log."""
    record(
        actor,
        "quality.audit.read",
        item,
        kind=EntryKind.READ,
        changes={"record": item.record_ref, "kind": item.audit.record_kind},
    )


def _item_context(actor: Any, audit: Audit, item: AuditItem, **extra: Any) -> dict[str, Any]:
    criteria = rules.criteria_of(audit.template_version.criteria)
    answers = extra.pop("answers", None) or item.answers
    errors = extra.pop("errors", {})
    labels = dict(Answer.choices)
    next_item = (
        audit.items.filter(position__gt=item.position, scored_at__isnull=True)
        .order_by("position")
        .values_list("position", flat=True)
        .first()
    )
    return {
        "audit": audit,
        "item": item,
        "criteria": [
            {
                "criterion": c,
                "answer": answers.get(c.code, ""),
                "label": labels.get(answers.get(c.code, ""), ""),
                "errors": errors.get(c.code, []),
            }
            for c in criteria
        ],
        "choices": [(a.value, a.label) for a in Answer],
        "can_score": not item.is_scored and access.can_score_item(actor, item),
        "general_errors": errors.get("", []),
        "next_item": next_item,
        "pass_mark": audit.template_version.pass_mark,
        "below": rules.below_pass_mark(item.score, audit.template_version.pass_mark),
        **extra,
    }


@page
def item(request: HttpRequest, code: str, position: int) -> HttpResponse:
    actor = actor_of(request)
    audit = access.get_audit_for_user(actor, code)
    found = access.get_item_for_user(actor, audit, position, write=request.method == "POST")
    if request.method == "POST":
        require_writer(actor)
        criteria = rules.criteria_of(audit.template_version.criteria)
        answers = {c.code: request.POST.get(c.code, "") for c in criteria}
        try:
            found = actions.score_item(
                actor, found, answers=answers, notes=request.POST.get("notes", "")
            )
        except RuleViolation as exc:
            errors: dict[str, list[str]] = {}
            for r in exc.reasons:
                errors.setdefault(r.field or "", []).append(r.message)
            context = _item_context(actor, audit, found, answers=answers, errors=errors)
            template = "quality/item.html#scoring" if request.htmx else "quality/item.html"  # type: ignore[attr-defined]
            return render(request, template, context, status=422)
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "quality/item.html#scoring", _item_context(actor, audit, found))
        messages.success(request, f"Item {found.position} scored.")
        return redirect("quality:item", audit.code, found.position)
    _read_record(actor, found)
    return render(request, "quality/item.html", _item_context(actor, audit, found))


@page
def scores(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_see_scores(actor):
        raise refuse(actor, "quality.scores", "")
    audits = Audit.objects.all()
    only = access.scores_limited_to(actor)
    if only is not None:
        audits = audits.filter(partner=only)
    template = request.GET.get("template", "").strip()
    rows = partner_scores(audits, template)
    if wants_csv(request):
        return csv_response(
            "audit-scores.csv",
            SCORES_CSV,
            (
                (
                    r.partner,
                    r.period,
                    r.template,
                    "" if r.mean is None else r.mean,
                    r.scored,
                    r.items,
                    r.audits,
                )
                for r in rows
            ),
        )
    periods, series = trend(rows)
    title = "Audit score by partner and period" + (f" ({template})" if template else "")
    return render(
        request,
        "quality/scores.html",
        {
            "rows": rows,
            "chart": score_trend_svg(periods, series, title=title),
            "template": template,
            "templates": ScoringTemplate.objects.all(),
            "export_query": query_without(request, "format"),
            "audits_url": reverse("quality:audits"),
        },
    )
