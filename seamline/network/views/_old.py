"""Pages of the network app. Thin: load through `access`, change through `actions`."""

from __future__ import annotations

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.contrib.auth.decorators import login_not_required


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "network/home.html", {})


def account(request: HttpRequest) -> HttpResponse:
    return render(request, "network/home.html", {})


@login_not_required
def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


@login_not_required
def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception else ""
    return render(request, "403.html", {"message": message}, status=403)


def account_token_issue(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def account_token_revoke(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def organisations(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def organisation_new(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def organisation(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def organisation_edit(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def organisation_status(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def people(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def person_new(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def person(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def person_edit(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def person_role_grant(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def person_role_revoke(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def person_leave(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def pathways(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def pathway_new(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def pathway(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def pathway_edit(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def pathway_history(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def step_new(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def step_edit(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def step_move(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def step_raci_add(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def raci_remove(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def decision_rights(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def decision_right_check(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def decision_right_new(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def decision_right_remove(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def network_settings(request: HttpRequest, **kwargs: str) -> HttpResponse:  # replaced by the pages work
    raise Http404
