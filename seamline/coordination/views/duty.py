"""The coordinator of the day: open participants nobody coordinates on a day, by partner (page
and CSV), one participant's rota with the answer for a day, and recording absences."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from seamline.access import Actor
from seamline.cases.access import get_participant_for_user
from seamline.cases.views.common import attempt, done, form_page
from seamline.network.access import refuse
from seamline.network.models import User
from seamline.network.views.common import (
    actor_of,
    csv_response,
    page,
    query_without,
    require_writer,
    wants_csv,
)

from .. import access, actions, duty
from ..forms import AbsenceForm, DayForm, EndEntryForm, RotaEntryForm
from ..models import Absence, RotaEntry
from ..rules import COORDINATING_ROLES


def _day(request: HttpRequest) -> tuple[DayForm, date]:
    """The day asked about (today when none is given), and the filter form showing it."""
    form = DayForm(request.GET or None)
    chosen = form.cleaned_data.get("day") if form.is_valid() else None
    if chosen is None:
        chosen = timezone.localdate()
        if not form.is_bound:
            form = DayForm(initial={"day": chosen})
    return form, chosen


@page
def gaps(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_see_duty(actor):
        raise refuse(actor, "coordination.gaps", "gaps")
    form, day = _day(request)
    rows = duty.gaps(actor, day)
    if wants_csv(request):
        return csv_response(
            f"coordinator-gaps-{day:%Y-%m-%d}.csv",
            ("day", "partner", "partner_name", "participant", "reason"),
            ((day, g.partner_code, g.partner_name, g.participant_code, g.reason) for g in rows),
        )
    context = {
        "form": form,
        "day": day,
        "rows": rows,
        "by_partner": duty.gaps_by_partner(rows),
        "participants": len({g.participant_code for g in rows}),
        "export_query": query_without(request, "format"),
        "may_keep_rota": access.can_keep_rota(actor),
    }
    return render(request, "coordination/gaps.html", context)


def _colleagues(actor: Actor) -> list[tuple[str, str]]:
    """People of the actor's organisation who hold a coordinating role now."""
    assert actor.organisation is not None
    people = duty.people_holding([actor.organisation], COORDINATING_ROLES)
    return [(str(u.uuid), u.display_name) for u in people]


@page
def rota(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    participant = get_participant_for_user(actor, code)
    form_day, day = _day(request)
    answer = duty.coordinator_of(participant, day)
    entries = RotaEntry.objects.filter(participant=participant).select_related(
        "coordinator", "organisation"
    )
    form = None
    if access.can_keep_rota(actor):
        form = RotaEntryForm(request.POST or None, initial={"starts_on": timezone.localdate()})
        form.fields["coordinator"].choices = _colleagues(actor)  # type: ignore[attr-defined]
        if request.method == "POST":
            require_writer(actor)
            if form.is_valid():
                person = User.objects.get(uuid=form.cleaned_data["coordinator"])
                made = attempt(
                    form,
                    lambda: actions.put_on_rota(
                        actor,
                        participant,
                        person,
                        starts_on=form.cleaned_data["starts_on"],
                        ends_on=form.cleaned_data["ends_on"],
                        weekdays=form.mask(),
                    ),
                )
                if made is not None:
                    return done(
                        request,
                        reverse("coordination:rota", args=[participant.code]),
                        f"{person.display_name} is on the rota for {participant.code}.",
                    )
    context = {
        "participant": participant,
        "day": day,
        "day_form": form_day,
        "answer": answer,
        "entries": entries,
        "form": form,
        "user_org_id": actor.organisation.pk if actor.organisation else None,
    }
    return render(request, "coordination/rota.html", context)


@page
def absence_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_keep_rota(actor):
        raise refuse(actor, "coordination.absence", "new")
    require_writer(actor)
    back = reverse("coordination:gaps")
    form = AbsenceForm(request.POST or None)
    people = _colleagues(actor)
    form.fields["person"].choices = people  # type: ignore[attr-defined]
    form.fields["cover"].choices = [("", "Nobody"), *people]  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = User.objects.get(uuid=data["person"])
        cover = User.objects.get(uuid=data["cover"]) if data["cover"] else None
        made = attempt(
            form,
            lambda: actions.record_absence(
                actor,
                person,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                cover=cover,
                reason=data["reason"],
            ),
        )
        if made is not None:
            return done(request, back, f"{person.display_name}'s absence is recorded.")
    recent = Absence.objects.filter(
        organisation=actor.organisation, ends_on__gte=timezone.localdate()
    ).select_related("person", "cover")
    return form_page(
        request,
        form,
        title="Record an absence",
        submit="Record the absence",
        back=back,
        back_label="Coordinator gaps",
        caption="Coordinator rota",
        intro="While someone is away, the person covering is the coordinator of their "
        "participants. Absences now or ahead: "
        + (
            "; ".join(
                f"{a.person.display_name} {a.starts_on:%d %b} to {a.ends_on:%d %b}"
                + (f" (cover {a.cover.display_name})" if a.cover else " (no cover)")
                for a in recent
            )
            or "none"
        )
        + ".",
    )


@page
def rota_end(request: HttpRequest, uuid: str) -> HttpResponse:
    actor = actor_of(request)
    entry = access.get_rota_entry_for_user(actor, uuid, write=True)
    require_writer(actor)
    back = reverse("coordination:rota", args=[entry.participant.code])
    form = EndEntryForm(request.POST or None, initial={"ends_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        last_day = form.cleaned_data["ends_on"]
        if attempt(form, lambda: actions.end_rota_entry(actor, entry, last_day=last_day)):
            return done(request, back, f"{entry.coordinator.display_name} leaves the rota.")
    return form_page(
        request,
        form,
        title="Take someone off the rota",
        submit="End the entry",
        back=back,
        back_label=entry.participant.code,
        caption=f"Coordinator rota · {entry.participant.code}",
        intro=f"{entry.coordinator.display_name}, from {entry.starts_on:%d %b %Y}.",
    )
