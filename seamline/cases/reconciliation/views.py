"""The reconciliation pages: the runs with their trend, the upload, a partner's column mapping,
a run's report (every category with the records behind it, CSV per category) and the clerical
review queue. Every object comes through `access`; every figure is counted over what the
reader may see (`report`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from seamline.access import ReadOnly
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.views.common import (
    actor_of,
    add_violation,
    csv_response,
    page,
    require_writer,
    wants_csv,
)

from . import access, actions, report
from .caseload import FIELDS
from .chart import trend_svg
from .choices import Category, Decision
from .forms import DecideForm, MappingForm, UploadForm
from .models import ColumnMapping, Run

PER_CATEGORY = 100
FIELD_NAMES = {f.name for f in FIELDS}
RUNS_PER_PAGE = 25


@page
def runs(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_see_any_runs(actor):
        raise refuse(actor, "reconciliation.runs", "runs")
    visible = access.runs_visible_to(actor)
    partner = request.GET.get("partner", "").strip().lower()
    if partner:
        visible = visible.filter(organisation__code=partner)
    latest = list(visible.order_by("-uploaded_at", "-id")[:200])
    by_run = report.run_figures(actor, latest)
    chart = trend_svg(report.trend(reversed(latest), by_run))
    pages = Paginator(latest, RUNS_PER_PAGE)
    page_obj = pages.get_page(request.GET.get("page"))
    partners = sorted({r.organisation for r in access.runs_visible_to(actor)}, key=lambda o: o.name)
    context = {
        "rows": [(r, by_run[r.pk]) for r in page_obj.object_list],
        "page_obj": page_obj,
        "chart": chart,
        "partners": partners,
        "partner": partner,
        "can_upload": access.partners_for(actor).exists(),
    }
    return render(request, "reconciliation/runs.html", context)


@page
def upload(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_see_any_runs(actor):
        raise refuse(actor, "reconciliation.upload", "upload")
    partners = access.partners_for(actor)
    if not partners.exists():
        raise ReadOnly("Your roles do not upload caseload lists.")
    form = UploadForm(request.POST or None, request.FILES or None, partners=partners)
    outcome = None
    if request.method == "POST" and form.is_valid():
        require_writer(actor)
        partner = form.cleaned_data["partner"]
        upload_file = form.cleaned_data["file"]
        try:
            outcome = actions.reconcile(
                actor,
                partner,
                upload_file.read(),
                file_name=upload_file.name,
                dry_run=form.cleaned_data["dry_run"],
                records=False,
            )
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            if outcome.ok and not outcome.dry_run and outcome.run is not None:
                messages.success(
                    request,
                    f"Reconciled {partner.name}'s list: {round(100 * outcome.rate, 1)}% of "
                    f"its {outcome.rows} rows matched.",
                )
                return redirect("reconciliation:run", run=outcome.run.uuid)
    mappings = {
        m.organisation_id: m for m in ColumnMapping.objects.filter(organisation__in=partners)
    }
    context = {
        "form": form,
        "outcome": outcome,
        "partners": [(p, mappings.get(p.pk)) for p in partners],
        "outcome_counts": [
            (Category(name).label, n) for name, n in (outcome.counts if outcome else {}).items()
        ],
        "outcome_rate": round(100 * outcome.rate, 1) if outcome else 0,
    }
    return render(request, "reconciliation/upload.html", context)


@page
def mapping(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    partner = access.get_partner_for_user(actor, code)
    found = actions.mapping_for(partner)
    form = MappingForm(request.POST or None, mapping=found)
    if request.method == "POST" and form.is_valid():
        require_writer(actor)
        try:
            actions.save_mapping(
                actor,
                partner,
                columns=form.columns(),
                date_format=form.cleaned_data["date_format"],
                open_values=form.cleaned_data["open_values"],
                pathway_values=form.cleaned_data["pathway_values"],
                version=form.cleaned_data["version"],
            )
        except RuleViolation as exc:
            for reason in exc.reasons:
                if reason.field in FIELD_NAMES:
                    reason = reason._replace(field=f"col_{reason.field}")
                add_violation(form, RuleViolation(reason))
        else:
            messages.success(request, f"{partner.name}'s caseload columns are saved.")
            return redirect("reconciliation:upload")
    return render(
        request,
        "reconciliation/mapping.html",
        {"form": form, "partner": partner, "mapping": found, "fields": FIELDS},
    )


def _category_csv(run: Run, category: str, actor: Any) -> HttpResponse:
    name = f"reconciliation-{run.organisation.code}-{run.uploaded_at:%Y%m%d-%H%M}-{category}.csv"
    if category in (Category.MATCHED, Category.UNKNOWN, Category.REVIEW):
        rows = list(report.rows_in(actor, run, category))
        report.log_shown(actor, [r.participant.code for r in rows if r.participant])
        return csv_response(
            name,
            [
                "row",
                "local_id",
                "given_name",
                "family_name",
                "date_of_birth",
                "participant",
                "method",
                "probability",
            ],
            (
                [
                    r.row,
                    r.local_id,
                    r.given_name,
                    r.family_name,
                    r.date_of_birth,
                    r.participant.code if r.participant else "",
                    r.method,
                    r.probability if r.probability is not None else "",
                ]
                for r in rows
            ),
        )
    found = list(report.findings_in(actor, run, category))
    report.log_shown(actor, [f.participant.code for f in found if f.participant])
    return csv_response(
        name,
        ["row", "local_id", "name", "participant", "referral", "detail"],
        (
            [
                f.list_row.row if f.list_row else "",
                f.list_row.local_id if f.list_row else "",
                f.list_row.name if f.list_row else "",
                f.participant.code if f.participant else "",
                f.referral.code if f.referral else "",
                f.detail,
            ]
            for f in found
        ),
    )


@page
def run(request: HttpRequest, run: str) -> HttpResponse:
    actor = actor_of(request)
    found = access.get_run_for_user(actor, run)
    wanted = request.GET.get("category", "")
    if wants_csv(request) and wanted in Category.values:
        return _category_csv(found, wanted, actor)
    figures = report.figures(actor, found)
    sections = []
    shown: list[str] = []
    for category in report.ORDER:
        if category in (Category.MATCHED, Category.UNKNOWN, Category.REVIEW):
            records: list[Any] = list(report.rows_in(actor, found, category)[:PER_CATEGORY])
            shown += [r.participant.code for r in records if r.participant]
        else:
            records = list(report.findings_in(actor, found, category)[:PER_CATEGORY])
            shown += [f.participant.code for f in records if f.participant]
        sections.append(
            {
                "category": category,
                "label": category.label,
                "count": figures.counts.get(category, 0),
                "records": records,
                "rows": category in (Category.MATCHED, Category.UNKNOWN, Category.REVIEW),
                "more": figures.counts.get(category, 0) > len(records),
            }
        )
    report.log_shown(actor, shown)
    context = {
        "run": found,
        "figures": figures,
        "sections": sections,
        "can_decide": access.can_reconcile(actor, found.organisation),
        "per_category": PER_CATEGORY,
    }
    return render(request, "reconciliation/run.html", context)


@page
def review(request: HttpRequest, run: str) -> HttpResponse:
    actor = actor_of(request)
    found = access.get_run_for_user(actor, run)
    rows = list(report.rows_in(actor, found, Category.REVIEW))
    report.log_shown(actor, [r.participant.code for r in rows if r.participant])
    context = {
        "run": found,
        "rows": rows,
        "can_decide": access.can_reconcile(actor, found.organisation),
        "decisions": Decision.choices,
    }
    return render(request, "reconciliation/review.html", context)


@page
@require_POST
def decide(request: HttpRequest, run: str, row: int) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    found = access.get_run_for_user(actor, run, write=True)
    list_row = access.get_row_for_user(actor, found, row, write=True)
    form = DecideForm(request.POST)
    back = reverse("reconciliation:review", kwargs={"run": found.uuid})
    if not form.is_valid():
        messages.error(request, "Choose: the same person, or not the same person.")
        return redirect(back)
    try:
        actions.decide(
            actor, list_row, form.cleaned_data["decision"], reason=form.cleaned_data["reason"]
        )
    except RuleViolation as exc:
        messages.error(request, str(exc))
        return redirect(back)
    participant = list_row.participant
    said = "is" if form.cleaned_data["decision"] == Decision.SAME else "is not"
    messages.success(
        request,
        f"Row {list_row.row} {said} {participant.code if participant else 'that participant'}; "
        "the run's figures are updated.",
    )
    return redirect(back)


urlpatterns = [
    path("", runs, name="runs"),
    path("upload/", upload, name="upload"),
    path("mapping/<slug:code>/", mapping, name="mapping"),
    path("runs/<str:run>/", run, name="run"),
    path("runs/<str:run>/review/", review, name="review"),
    path("runs/<str:run>/rows/<int:row>/decide/", decide, name="decide"),
]
