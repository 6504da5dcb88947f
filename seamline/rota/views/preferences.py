"""A participant's preferences about who visits them (the gate's G9): the list, recording
one, withdrawing one. Workers the participant declined are recorded on the participant's page
(`cases`); they are listed here too, since the gate reads both."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from seamline.cases.access import get_participant_for_user
from seamline.cases.models import DeclinedWorker, Participant
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.views.common import actor_of, add_violation, page, require_writer

from .. import access, actions
from ..forms import PreferenceForm
from ..models import Preference


@page
def preferences(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    participant = get_participant_for_user(actor, code)
    if not access.can_see_visits(actor):
        raise refuse(actor, "rota.preferences", participant.code)
    form = PreferenceForm(request.POST or None)
    may_record = access.can_record_preferences(actor)
    if request.method == "POST":
        require_writer(actor)
        if not may_record:
            raise access.refuse_change(
                actor,
                "Coordinators, supervisors, partner admins, quality leads and the network admin "
                "record preferences.",
                "rota.preference",
                participant.code,
            )
        if form.is_valid():
            try:
                actions.record_preference(actor, participant, **form.cleaned_data)
            except RuleViolation as exc:
                add_violation(form, exc)
            else:
                messages.success(request, "The preference is recorded.")
                return redirect(reverse("rota:preferences", args=[participant.code]))
    context = {
        "participant": participant,
        "preferences": Preference.objects.filter(participant=participant).select_related(
            "recorded_by", "withdrawn_by"
        ),
        "declined": DeclinedWorker.objects.filter(
            participant=participant, withdrawn_at__isnull=True
        ).select_related("worker__organisation"),
        "form": form,
        "may_record": may_record,
    }
    return render(request, "rota/preferences.html", context)


@page
def preference_withdraw(request: HttpRequest, preference: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    wanted = access.parse_uuid(preference)
    found = (
        Preference.objects.filter(
            uuid=wanted,
            participant__in=Participant.objects.visible_to(actor).values("pk"),
        )
        .select_related("participant")
        .first()
        if wanted is not None and access.can_see_visits(actor)
        else None
    )
    if found is None:
        raise refuse(actor, "rota.preference", preference)
    back = reverse("rota:preferences", args=[found.participant.code])
    if not access.can_record_preferences(actor):
        raise access.refuse_change(
            actor,
            "Coordinators, supervisors, partner admins, quality leads and the network admin "
            "change preferences.",
            "rota.preference",
            str(found.uuid),
        )
    if request.method == "POST":
        try:
            actions.withdraw_preference(actor, found)
        except RuleViolation as exc:
            for reason in exc.reasons:
                messages.error(request, reason.message)
        else:
            messages.success(request, "The preference is withdrawn.")
    return redirect(back)


urlpatterns = [
    path("participants/<str:code>/preferences/", preferences, name="preferences"),
    path("preferences/<str:preference>/withdraw/", preference_withdraw, name="preference_withdraw"),
]
