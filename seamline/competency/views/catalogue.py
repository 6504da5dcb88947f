"""Partner catalogues: each partner's own modules, how they map onto the framework, coverage."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from seamline.access import Actor
from seamline.errors import RuleViolation
from seamline.network.models import Organisation
from seamline.network.views.common import actor_of, add_violation, page, require_writer

from .. import access, actions
from ..choices import EVIDENCE_MAPPINGS
from ..coverage import coverage as partner_coverage
from ..forms import MappingForm, ModuleForm
from ..models import Competency, ModuleMapping, PartnerModule


@page
def catalogues(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_read_framework(actor):
        raise access.refuse(actor, "competency.catalogue", "catalogues")
    orgs = access.catalogue_organisations(actor)
    counts = {
        row["organisation_id"]: row
        for row in PartnerModule.objects.filter(organisation__in=orgs)
        .values("organisation_id")
        .annotate(
            modules=Count("id", distinct=True),
            unmapped=Count("id", filter=Q(mappings__isnull=True), distinct=True),
        )
    }
    rows = [
        (org, counts.get(org.pk, {}).get("modules", 0), counts.get(org.pk, {}).get("unmapped", 0))
        for org in orgs
    ]
    return render(request, "competency/catalogues.html", {"rows": rows})


def _catalogue_context(
    actor: Actor, org: Organisation, module_form: ModuleForm | None = None
) -> dict[str, object]:
    modules = list(
        PartnerModule.objects.filter(organisation=org)
        .prefetch_related(
            Prefetch(
                "mappings",
                queryset=ModuleMapping.objects.select_related("competency").order_by(
                    "competency__code"
                ),
            )
        )
        .order_by("code")
    )
    competencies = list(Competency.objects.filter(retired=False).order_by("title"))
    return {
        "organisation": org,
        "modules": [
            (m, MappingForm(competencies=competencies, prefix=f"map-{m.pk}")) for m in modules
        ],
        "module_form": module_form or ModuleForm(),
        "can_manage": access.can_manage_catalogue(actor, org),
        "evidence_kinds": sorted(EVIDENCE_MAPPINGS),
    }


@page
def catalogue(request: HttpRequest, org: str) -> HttpResponse:
    actor = actor_of(request)
    found = access.get_catalogue_for_user(actor, org)
    return render(request, "competency/catalogue.html", _catalogue_context(actor, found))


@require_POST
@page
def module_add(request: HttpRequest, org: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    found = access.get_catalogue_for_user(actor, org, write=True)
    form = ModuleForm(request.POST)
    if form.is_valid():
        try:
            module = actions.add_partner_module(
                actor,
                found,
                code=form.cleaned_data["code"],
                title=form.cleaned_data["title"],
                refresher_months=form.cleaned_data["refresher_months"],
            )
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            messages.success(request, f"Module '{module.code}' is added. Map it below.")
            return redirect("competency:catalogue", org=found.code)
    context = _catalogue_context(actor, found, module_form=form)
    return render(request, "competency/catalogue.html", context, status=422)


@require_POST
@page
def mapping_add(request: HttpRequest, org: str, module: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    found = access.get_module_for_user(actor, org, module, write=True)
    competencies = list(Competency.objects.filter(retired=False).order_by("title"))
    form = MappingForm(request.POST, competencies=competencies, prefix=f"map-{found.pk}")
    if not form.is_valid():
        messages.error(request, "Choose a competency and a kind of mapping.")
        return redirect("competency:catalogue", org=found.organisation.code)
    competency = next(c for c in competencies if c.code == form.cleaned_data["competency"])
    try:
        actions.add_module_mapping(actor, found, competency, form.cleaned_data["kind"])
    except RuleViolation as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Module '{found.code}' now maps to '{competency.code}'.")
    return redirect("competency:catalogue", org=found.organisation.code)


@require_POST
@page
def mapping_remove(request: HttpRequest, org: str, module: str, competency: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    mapping = access.get_mapping_for_user(actor, org, module, competency, write=True)
    actions.remove_module_mapping(actor, mapping)
    messages.success(request, f"Module '{module}' no longer maps to '{competency}'.")
    return redirect("competency:catalogue", org=org)


@page
def coverage(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_read_framework(actor):
        raise access.refuse(actor, "competency.coverage", "coverage")
    rows = partner_coverage(access.catalogue_organisations(actor))
    context = {"rows": rows}
    return render(request, "competency/coverage.html", context)
