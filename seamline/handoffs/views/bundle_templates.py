"""The bundle templates: every transition's template with its fields and versions, a past
version as it was, and the quality lead's form for a new version (who, when, why)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse

from seamline.access import ReadOnly
from seamline.cases.views.common import done
from seamline.errors import Conflict, RuleViolation
from seamline.network.access import refuse
from seamline.network.views.common import actor_of, add_violation, page, require_writer

from .. import access, actions
from ..bundles import CATALOGUE
from ..choices import FieldType, Transition
from ..forms import TemplateForm
from ..models import BundleTemplate, TemplateVersion


def _may_read(request: HttpRequest) -> None:
    actor = actor_of(request)
    if not actor.roles or actor.aggregates_only:
        raise refuse(actor, "handoffs.bundletemplate_list", "templates")


@page
def template_list(request: HttpRequest) -> HttpResponse:
    _may_read(request)
    actor = actor_of(request)
    templates = list(BundleTemplate.objects.select_related("current"))
    missing = len(Transition.values) - len(templates)
    return render(
        request,
        "handoffs/templates.html",
        {
            "templates": templates,
            "missing": missing,
            "can_edit": access.can_edit_templates(actor),
        },
    )


@page
def templates_load(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    if not access.can_edit_templates(actor):
        raise ReadOnly("Only the network's quality lead or the network admin loads templates.")
    if request.method == "POST":
        added = actions.load_default_templates(actor)
        messages.success(
            request, f"{len(added)} default template{'s' if len(added) != 1 else ''} loaded."
        )
    return redirect("handoffs:templates")


@page
def template_detail(request: HttpRequest, transition: str) -> HttpResponse:
    actor = actor_of(request)
    template = access.get_template_for_user(actor, transition)
    versions = list(template.versions.select_related("created_by").order_by("-number"))
    wanted = request.GET.get("v")
    shown: TemplateVersion | None = template.current
    if wanted and wanted.isdigit():
        shown = next((v for v in versions if v.number == int(wanted)), None)
        if shown is None:
            raise refuse(actor, "handoffs.templateversion", f"{transition}/v{wanted}")
    assert shown is not None
    return render(
        request,
        "handoffs/template.html",
        {
            "template": template,
            "shown": shown,
            "fields": [(spec, FieldType(spec.type).label) for spec in shown.specs],
            "versions": versions,
            "can_edit": access.can_edit_templates(actor),
        },
    )


@page
def template_edit(request: HttpRequest, transition: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    template = access.get_template_for_user(actor, transition, write=True)
    current = template.current
    assert current is not None
    levels = {spec.key: spec.level for spec in current.specs}
    initial = {
        "name": current.name,
        "description": current.description,
        "response_hours": current.response_hours,
        "same_organisation": current.same_organisation,
        "version": template.version,
        **{f"level_{key}": level for key, level in levels.items()},
    }
    catalogue = list(CATALOGUE.values())
    form = TemplateForm(request.POST or None, initial=initial, catalogue=catalogue)
    back = reverse("handoffs:template", args=[template.transition])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = actions.revise_template(
                actor,
                template,
                levels=form.levels(),
                reason=data["reason"],
                name=data["name"],
                description=data["description"],
                response_hours=data["response_hours"],
                same_organisation=data["same_organisation"],
                version=data["version"],
            )
        except Conflict as exc:
            template.refresh_from_db()
            posted = request.POST.copy()
            posted["version"] = str(template.version)
            form = TemplateForm(posted, catalogue=catalogue)
            form.is_valid()
            add_violation(form, exc)
        except RuleViolation as exc:
            for reason in exc.reasons:
                name = f"level_{reason.field}" if reason.field in CATALOGUE else reason.field
                form.add_error(name if name in form.fields else None, reason.message)
        else:
            return done(request, back, f"Version {new.number} of {new.name} is in force.")
    return render(
        request,
        "handoffs/template_edit.html",
        {"template": template, "current": current, "form": form, "back": back},
    )


urlpatterns: list[URLPattern] = [
    path("templates/", template_list, name="templates"),
    path("templates/load/", templates_load, name="templates_load"),
    path("templates/<str:transition>/", template_detail, name="template"),
    path("templates/<str:transition>/edit/", template_edit, name="template_edit"),
]
