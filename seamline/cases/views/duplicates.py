"""The duplicates page: candidate pairs among the records the reviewer sees, merged into one or
marked "not the same person" (never proposed again); recent merges, each of which can be
undone. For quality leads and the network admin (SPEC C5)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from seamline.access import Actor
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.views.common import actor_of, add_violation, page, require_writer

from .. import access, actions
from ..duplicates import candidates
from ..forms import PairForm, UnmergeForm
from ..models import Merge, Participant
from .common import done, form_page
from .participants import participant_url


def _reviewer(actor: Actor) -> None:
    if not access.can_review_duplicates(actor):
        raise refuse(actor, "cases.duplicates", "duplicates")


@page
def duplicates(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    _reviewer(actor)
    pairs = candidates(actor)
    merges = list(
        Merge.objects.filter(
            unmerged_at__isnull=True,
            survivor__in=Participant.objects.visible_to(actor).values("pk"),
        )
        .select_related("survivor", "absorbed", "merged_by")
        .order_by("-merged_at")[:20]
    )
    shown = [p.code for c in pairs for p in (c.first, c.second)]
    shown += [p.code for m in merges for p in (m.survivor, m.absorbed)]
    actions.record_listed(actor, "participant", list(dict.fromkeys(shown)), via="duplicates")
    return render(request, "cases/duplicates.html", {"pairs": pairs, "merges": merges})


def _pair(actor: Actor, form: PairForm) -> tuple[Participant, Participant] | None:
    if not form.is_valid():
        return None
    first = access.get_participant_for_user(actor, form.cleaned_data["first"])
    second = access.get_participant_for_user(actor, form.cleaned_data["second"])
    return first, second


@page
@require_POST
def merge(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    _reviewer(actor)
    form = PairForm(request.POST)
    pair = _pair(actor, form)
    if pair is None:
        messages.error(request, "Choose the two records to merge.")
        return redirect("cases:duplicates")
    survivor, absorbed = pair
    try:
        actions.merge(
            actor,
            survivor,
            absorbed,
            reason=form.cleaned_data["reason"],
            basis=form.cleaned_data["basis"],
        )
    except RuleViolation as exc:
        messages.error(request, str(exc))
        return redirect("cases:duplicates")
    return done(
        request,
        participant_url(survivor),
        f"{absorbed.code} is merged into {survivor.code}; the merge can be undone from the "
        "duplicates page.",
    )


@page
@require_POST
def not_same(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    _reviewer(actor)
    form = PairForm(request.POST)
    pair = _pair(actor, form)
    if pair is None:
        messages.error(request, "Choose the two records.")
        return redirect("cases:duplicates")
    try:
        actions.not_the_same(actor, *pair, reason=form.cleaned_data["reason"])
    except RuleViolation as exc:
        messages.error(request, str(exc))
        return redirect("cases:duplicates")
    return done(
        request,
        reverse("cases:duplicates"),
        f"{pair[0].code} and {pair[1].code} are kept apart and will not be proposed again.",
    )


@page
def unmerge(request: HttpRequest, merge: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    found = access.get_merge_for_user(actor, merge)
    form = UnmergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.unmerge(actor, found, reason=form.cleaned_data["reason"])
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            return done(
                request,
                participant_url(found.absorbed),
                f"{found.absorbed.code} is a record of its own again.",
            )
    return form_page(
        request,
        form,
        title=f"Undo the merge of {found.absorbed.code} into {found.survivor.code}",
        submit="Undo the merge",
        back=reverse("cases:duplicates"),
        back_label="Duplicates",
        intro="What the merge moved goes back to the absorbed record: referrals, local ids, risk "
        "flags, care-team parts and declined workers; identifiers it copied are cleared.",
    )


urlpatterns: list[URLPattern] = [
    path("duplicates/", duplicates, name="duplicates"),
    path("duplicates/merge/", merge, name="merge"),
    path("duplicates/not-same/", not_same, name="not_same"),
    path("merges/<str:merge>/unmerge/", unmerge, name="unmerge"),
]
