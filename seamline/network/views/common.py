"""What every page of the network and audit apps shares: refusals, form errors, CSV, counts."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails

from seamline.access import Actor, ReadOnly
from seamline.errors import RuleViolation

View = Callable[..., HttpResponse]


class HtmxHttpRequest(HttpRequest):
    """The request a page gets after django-htmx's middleware has added `request.htmx`
    (how django-htmx asks type checkers to be told of it)."""

    htmx: HtmxDetails


def actor_of(request: HttpRequest) -> Actor:
    # ActorMiddleware sets `request.actor` on every request; HttpRequest does not declare it,
    # and this is the one place pages read it.
    actor: Actor = request.actor  # type: ignore[attr-defined]
    return actor


def forbidden_response(request: HttpRequest, message: str = "") -> HttpResponse:
    return render(request, "403.html", {"message": message}, status=403)


def page(view: View) -> View:
    """Turns `ReadOnly` from the access layer into the 403 page (`NotFound` is already a 404)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ReadOnly as exc:
            return forbidden_response(request, str(exc))

    return wrapped


def require_writer(actor: Actor) -> None:
    """Read-only actors may look, never change (the middleware refuses their POSTs too)."""
    if actor.read_only:
        raise ReadOnly("Your access is read-only: nothing can be changed from it.")


def add_violation(form: forms.Form, exc: RuleViolation) -> None:
    """Put each reason on the field it names, or above the form when it names none we show."""
    for reason in exc.reasons:
        field = reason.field
        if field and field in form.fields and not form.fields[field].widget.is_hidden:
            if field in form.errors and reason.message in form.errors[field]:
                continue
            form.add_error(field, reason.message)
        else:
            form.add_error(None, reason.message)


def wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format") == "csv"


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A spreadsheet must never run a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return response


def suppress(count: int, threshold: int) -> str:
    """Small numbers (1 to threshold - 1) are not shown to those who see aggregates only."""
    if 0 < count < threshold:
        return f"fewer than {threshold}"
    return str(count)


def query_without(request: HttpRequest, *names: str) -> str:
    """The current query string less `names` (for pagination and export links)."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_not_required
def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


@login_not_required
def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception else ""
    return forbidden_response(request, message)


F = TypeVar("F", bound=forms.Form)


def rebind_with_version(
    form_class: type[F], request: HttpRequest, version: int, **kwargs: Any
) -> F:
    """After a conflict: the user's input kept as typed, now against the version saved since.

    Nothing is overwritten silently: the page shows what is saved now, and submitting again is
    a deliberate choice made after seeing it."""
    data = request.POST.copy()
    data["version"] = str(version)
    form = form_class(data, **kwargs)
    form.is_valid()
    return form


def parse_uuid(value: str) -> str | None:
    """A public id as the database stores it, or None when it is not one (so: not found)."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None
