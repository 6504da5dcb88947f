"""Rota files on the web: load one (dry run first), validate one or the rota stored for a week
(violations grouped by rule and by partner, or as CSV), and the template to start from."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from seamline.access import Actor, ReadOnly
from seamline.network.access import refuse
from seamline.network.views.common import actor_of, page, require_writer

from .. import access, export, imports, parallel, validation
from ..choices import Rule
from ..forms import RotaFileForm, ValidateForm, ValidateWeekForm, this_week


def require_loader(actor: Actor) -> None:
    require_writer(actor)
    if not access.can_import_rota(actor):
        raise ReadOnly(
            "Only an organisation's schedulers and partner admin, or the network admin, load "
            "a rota."
        )


@page
def load_rota(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_loader(actor)
    form = RotaFileForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = imports.run(
            actor, form.cleaned_data["file"].read(), dry_run=form.cleaned_data["dry_run"]
        )
    context = {"form": form, "report": report, "columns": imports.ROTA.columns}
    return render(request, "rota/load.html", context)


@page
def template(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_loader(actor)
    response = HttpResponse(export.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="rota-template.csv"'
    return response


@page
def validate(request: HttpRequest) -> HttpResponse:
    """Validate an uploaded rota file (POST), or the rota stored for a week (GET ?week=)."""
    actor = actor_of(request)
    if not access.can_schedule(actor):
        raise refuse(actor, "rota.validate", "validate")
    form = ValidateForm(request.POST or None, request.FILES or None)
    asked = request.method == "GET" and "week" in request.GET
    week_form = ValidateWeekForm(
        request.GET if asked else None,
        initial={"week": this_week(), "output": "page"},
        auto_id="week_%s",  # beside the file's form, whose fields share names
    )
    result = None
    output = "page"
    if request.method == "POST" and form.is_valid():
        result = validation.validate_file(actor, form.cleaned_data["file"].read())
        output = form.cleaned_data["output"]
    elif asked and week_form.is_valid():
        result = parallel.validate_week(actor, week_form.cleaned_data["week"], parallel=False)
        output = week_form.cleaned_data["output"]
    if result is not None and output == "csv" and not result.errors:
        response = HttpResponse(result.csv(), content_type="text/csv; charset=utf-8")
        name = f"rota-violations-{week_form.cleaned_data['week']}" if asked else "rota-violations"
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    labels = dict(Rule.choices)
    context = {
        "form": form,
        "week_form": week_form,
        "week": week_form.cleaned_data["week"] if asked and result is not None else None,
        "result": result,
        "by_rule": [(r, labels[r], f) for r, f in result.by_rule()] if result else [],
        "by_partner": result.by_partner() if result else [],
        "rules": list(labels),
    }
    return render(request, "rota/validate.html", context)


urlpatterns = [
    path("load/", load_rota, name="import"),
    path("load/template.csv", template, name="import_template"),
    path("validate/", validate, name="validate"),
]
