"""What the handoff pages share: how a handoff is shown in a list, and running a move from a
form (a stale version shows the form again on the version saved since)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from seamline.errors import Conflict, RuleViolation
from seamline.network.views.common import add_violation

from .. import rules
from ..models import Handoff


def handoff_url(handoff: Handoff) -> str:
    return reverse("handoffs:handoff", args=[handoff.code])


def hours(span: timedelta | None) -> float | None:
    return None if span is None else round(span.total_seconds() / 3600, 1)


@dataclass(frozen=True)
class Row:
    handoff: Handoff
    overdue: bool
    waited: timedelta | None
    missing_mandatory: int

    @property
    def waited_hours(self) -> float | None:
        return hours(self.waited)


def rows_for(handoffs: list[Handoff], now: datetime) -> list[Row]:
    return [
        Row(
            handoff=h,
            overdue=h.is_overdue(now),
            waited=h.waited(now),
            missing_mandatory=len(rules.completeness(h.specs, h.content).missing_mandatory),
        )
        for h in handoffs
    ]


def iso(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else ""


def run_move(
    request: HttpRequest,
    handoff: Handoff,
    form: forms.Form,
    call: Callable[[dict[str, Any]], Any],
    rebind: Callable[[dict[str, Any]], forms.Form],
) -> tuple[forms.Form, Any]:
    """Run `call(cleaned_data)` when the form is posted and valid. On a conflict, answer a form
    bound to what the person typed and the version saved since, with the reason on it."""
    if request.method != "POST" or not form.is_valid():
        return form, None
    try:
        return form, call(form.cleaned_data)
    except Conflict as exc:
        handoff.refresh_from_db()
        data = request.POST.copy()
        data["version"] = str(handoff.version)
        form = rebind(data)
        form.is_valid()
        add_violation(form, exc)
    except RuleViolation as exc:
        add_violation(form, exc)
    return form, None
