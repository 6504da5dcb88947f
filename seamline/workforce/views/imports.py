"""The import page: upload a CSV file of workers, module completions, sign-offs or supervision
sessions, try it as a dry run, and read the report (per-row errors, unmapped modules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse

from seamline.access import Actor, ReadOnly
from seamline.network.choices import Role
from seamline.network.views.common import actor_of, page, require_writer
from seamline.workforce import imports

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def can_import(actor: Actor) -> bool:
    """Network admins import for every organisation, partner admins for their own."""
    if actor.read_only or actor.user is None:
        return False
    return actor.is_network_admin or (
        actor.organisation is not None and actor.has(Role.PARTNER_ADMIN)
    )


def require_importer(actor: Actor) -> None:
    require_writer(actor)
    if not can_import(actor):
        raise ReadOnly("Only a partner admin or the network admin imports workforce records.")


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label="What the file holds", choices=[(k.name, k.label) for k in imports.KINDS.values()]
    )
    file = forms.FileField(label="CSV file", help_text="UTF-8, with a header row.")
    dry_run = forms.BooleanField(
        label="Dry run: check the file and show what would change, without writing",
        required=False,
        initial=True,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB: split it into parts.")
        return upload


def catalogue_url(organisation: str) -> str:
    """The partner's catalogue page, where an unmapped module is mapped (when the framework
    pages offer one)."""
    try:
        return reverse("competency:catalogue", args=[organisation])
    except NoReverseMatch:
        return ""


@page
def upload(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_importer(actor)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    unmapped: list[tuple[imports.UnmappedModule, str]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        report = imports.run(
            form.cleaned_data["kind"], actor, data, dry_run=form.cleaned_data["dry_run"]
        )
        unmapped = [(u, catalogue_url(u.organisation)) for u in report.unmapped]
    context = {
        "form": form,
        "report": report,
        "unmapped": unmapped,
        "kinds": list(imports.KINDS.values()),
    }
    return render(request, "workforce/imports/upload.html", context)


@page
def template(request: HttpRequest, kind: str) -> HttpResponse:
    """A CSV file with the header row and one example row of `kind`."""
    actor = actor_of(request)
    require_importer(actor)
    if kind not in imports.KINDS:
        return render(request, "404.html", status=404)
    response = HttpResponse(imports.template_csv(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return response


urlpatterns = [
    path("imports/", upload, name="import_upload"),
    path("imports/<slug:kind>/template.csv", template, name="import_template"),
]
