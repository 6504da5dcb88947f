"""Work lists: the pages a supervisor or partner admin works from each week.

Every list shows only the workers the actor may see (`Worker.objects.visible_to`), filters by
organisation (and what else suits the list), downloads as CSV with the same filters, and runs
a fixed number of queries however long it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from seamline.access import Actor, ReadOnly
from seamline.competency.models import Competency
from seamline.network.choices import Role
from seamline.network.models import Network, Organisation, Pathway
from seamline.network.views.common import (
    HtmxHttpRequest,
    actor_of,
    csv_response,
    page,
    query_without,
    wants_csv,
)
from seamline.workforce import access, worklists
from seamline.workforce.models import Worker

ANY = [("", "Any")]


class ListFilterForm(forms.Form):
    organisation = forms.ChoiceField(label="Organisation", required=False)

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(o.code, o.name) for o in organisations.order_by("name")]
        field = self.fields["organisation"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = ANY + choices

    def value(self, name: str, default: Any = "") -> Any:
        """A filter's value: the default when not given or not valid (the other filters
        still apply; the form shows the error)."""
        if not self.is_bound:
            return default
        self.is_valid()
        found = self.cleaned_data.get(name)
        return default if found in (None, "", False) else found


class ExpiringFilterForm(ListFilterForm):
    days = forms.IntegerField(label="Within (days)", required=False, min_value=1, max_value=366)
    competency = forms.ChoiceField(label="Competency", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["competency"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = ANY + [
            (c.code, c.title) for c in Competency.objects.filter(retired=False).order_by("title")
        ]


class PauseFilterForm(ListFilterForm):
    overdue = forms.BooleanField(label="Overdue only", required=False)


class RevalidationFilterForm(ListFilterForm):
    pathway = forms.ChoiceField(label="Pathway", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["pathway"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = ANY + [(p.code, p.name) for p in Pathway.objects.order_by("name")]


def scope(actor: Actor, form: ListFilterForm) -> QuerySet[Worker]:
    """The workers a list covers: those the actor sees, in the chosen organisation."""
    workers = Worker.objects.visible_to(actor)
    org = form.value("organisation")
    if org:
        workers = workers.filter(organisation__code=org)
    return workers


def require_lists(actor: Actor) -> None:
    if not access.can_see_worker_lists(actor):
        raise ReadOnly("Work lists are for those who look after a team of workers.")


@dataclass(frozen=True)
class WorkList:
    key: str
    title: str
    lede: str
    form: type[ListFilterForm]
    header: tuple[str, ...]
    rows: Callable[[Actor, QuerySet[Worker], ListFilterForm, date], Sequence[Any]]
    cells: Callable[[Any], Sequence[object]]

    @property
    def url_name(self) -> str:
        return f"workforce:worklist_{self.key}"

    @property
    def table(self) -> str:
        return f"workforce/worklists/{self.key}_table.html"


def expiring_days(form: ListFilterForm) -> int:
    return int(form.value("days", Network.current().expiring_days))


def _expiring(
    actor: Actor, workers: QuerySet[Worker], form: ListFilterForm, today: date
) -> list[worklists.ExpiringRow]:
    return worklists.expiring_sign_offs(
        workers, today, expiring_days(form), competency=form.value("competency")
    )


def _supervision(
    actor: Actor, workers: QuerySet[Worker], form: ListFilterForm, today: date
) -> list[worklists.SupervisionRow]:
    return worklists.overdue_supervision(workers, today)


def _pauses(
    actor: Actor, workers: QuerySet[Worker], form: ListFilterForm, today: date
) -> list[worklists.PauseRow]:
    return worklists.pauses_due(workers, today, overdue_only=bool(form.value("overdue", False)))


def _bundles(
    actor: Actor, workers: QuerySet[Worker], form: ListFilterForm, today: date
) -> list[worklists.BundleRow]:
    return worklists.incomplete_bundles(workers, today)


def _revalidation(
    actor: Actor, workers: QuerySet[Worker], form: ListFilterForm, today: date
) -> list[worklists.RevalidationRow]:
    return worklists.awaiting_revalidation(workers, today, pathway=form.value("pathway"))


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


LISTS: dict[str, WorkList] = {
    w.key: w
    for w in (
        WorkList(
            "expiring",
            "Sign-offs expiring",
            "Sign-offs whose review date falls within the next days: plan the re-assessment "
            "before they lapse.",
            ExpiringFilterForm,
            (
                "organisation",
                "staff_id",
                "worker",
                "competency",
                "stage",
                "pathway",
                "review_due",
                "days_left",
            ),
            _expiring,
            lambda r: (
                r.worker.organisation.code,
                r.worker.staff_id,
                r.worker.name,
                r.sign_off.competency.code,
                r.sign_off.stage,
                r.sign_off.pathway.code if r.sign_off.pathway else "",
                _iso(r.sign_off.review_due),
                r.days_left,
            ),
        ),
        WorkList(
            "supervision",
            "Supervision overdue",
            "Workers whose last supervision is older than the shortest supervision frequency "
            "of the competencies they hold, or who missed a planned session.",
            ListFilterForm,
            (
                "organisation",
                "staff_id",
                "worker",
                "last_held",
                "frequency_days",
                "due_on",
                "missed_sessions",
                "days_overdue",
            ),
            _supervision,
            lambda r: (
                r.worker.organisation.code,
                r.worker.staff_id,
                r.worker.name,
                _iso(r.last_held),
                r.frequency_days or "",
                _iso(r.due_on),
                r.missed,
                r.days_overdue,
            ),
        ),
        WorkList(
            "pauses",
            "Paused delegations",
            "Delegated tasks paused after a spot-check whose remedial supervision is not yet "
            "held. The pause lifts once it is held and a new observed practice is recorded.",
            PauseFilterForm,
            (
                "organisation",
                "staff_id",
                "worker",
                "task_type",
                "paused_on",
                "remedial_due",
                "days_left",
                "planned",
            ),
            _pauses,
            lambda r: (
                r.worker.organisation.code,
                r.worker.staff_id,
                r.worker.name,
                r.pause.task_type.code,
                _iso(r.pause.started_at.date()),
                _iso(r.pause.remedial_due),
                r.days_left,
                _iso(r.pause.remedial_session.planned_for) if r.pause.remedial_session else "",
            ),
        ),
        WorkList(
            "bundles",
            "Temporary workers' bundles",
            "Bank, agency and contractor workers whose evidence bundle for the current "
            "placement is incomplete: tier 1 tasks only until it is complete.",
            ListFilterForm,
            (
                "organisation",
                "staff_id",
                "worker",
                "employment_type",
                "placement_start",
                "days_on_placement",
                "missing",
            ),
            _bundles,
            lambda r: (
                r.worker.organisation.code,
                r.worker.staff_id,
                r.worker.name,
                r.worker.employment_type,
                _iso(r.worker.placement_start or r.worker.start_date),
                r.days_on_placement,
                "; ".join(r.missing),
            ),
        ),
        WorkList(
            "revalidation",
            "Awaiting pathway re-validation",
            "Workers on a pathway where a pathway-specific competency they hold on another "
            "pathway is not yet signed off: competence is not assumed to transfer.",
            RevalidationFilterForm,
            ("organisation", "staff_id", "worker", "pathway", "on_pathway_since", "competencies"),
            _revalidation,
            lambda r: (
                r.worker.organisation.code,
                r.worker.staff_id,
                r.worker.name,
                r.placement.pathway.code,
                _iso(r.placement.started_on),
                "; ".join(c.code for c in r.competencies),
            ),
        ),
    )
}


@page
def show(request: HtmxHttpRequest, key: str) -> HttpResponse:
    """One work list (`key` in `LISTS`, given by its route), filtered, or as CSV."""
    actor = actor_of(request)
    require_lists(actor)
    worklist = LISTS[key]
    orgs = access.organisations_with_workers_for(actor)
    form = worklist.form(request.GET or None, organisations=orgs)
    today = timezone.localdate()
    rows = worklist.rows(actor, scope(actor, form), form, today)
    if wants_csv(request):
        return csv_response(
            f"{key}-{today.isoformat()}.csv", worklist.header, (worklist.cells(r) for r in rows)
        )
    context = {
        "list": worklist,
        "form": form,
        "rows": rows,
        "today": today,
        "query": query_without(request, "format"),
        "days": expiring_days(form) if key == "expiring" else None,
    }
    if request.htmx:
        return render(request, "workforce/worklists/list.html#results", context)
    return render(request, "workforce/worklists/list.html", context)


@page
def index(request: HtmxHttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_lists(actor)
    today = timezone.localdate()
    days = Network.current().expiring_days
    counted = worklists.counts(Worker.objects.visible_to(actor), today, days)
    entries = [(worklist, getattr(counted, key)) for key, worklist in LISTS.items()]
    return render(request, "workforce/worklists/index.html", {"entries": entries, "days": days})


# --- home card ------------------------------------------------------------------------------


def shows_worklist_card(actor: Actor) -> bool:
    """Supervisors and partner admins (and the network admin) see the counts on their home."""
    return access.can_see_worker_lists(actor) and (
        actor.is_network_admin or actor.has(Role.SUPERVISOR, Role.PARTNER_ADMIN)
    )


def worklist_card(actor: Actor) -> dict[str, Any]:
    days = Network.current().expiring_days
    workers = Worker.objects.visible_to(actor)
    return {"counts": worklists.counts(workers, timezone.localdate(), days), "days": days}


def register_cards() -> None:
    """Called from the workforce app's `ready()`."""
    from seamline.network.cards import Card, register

    register(
        Card(
            "workforce_worklists",
            "workforce/cards/worklists.html",
            shows_worklist_card,
            worklist_card,
            25,
        )
    )


urlpatterns = [
    path("worklists/", index, name="worklists"),
    *(path(f"worklists/{key}/", show, {"key": key}, name=f"worklist_{key}") for key in LISTS),
]
