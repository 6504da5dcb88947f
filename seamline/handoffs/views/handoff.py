"""One handoff: drafting it, its page (bundle, repeat-back, timeline), editing the bundle and a
form for each move (send, accept, reject, ask for information, withdraw, flag a mismatch,
resolve a rejection). Every handoff is loaded through `handoffs.access`; every move goes
through `handoffs.actions`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from seamline.access import Actor, ReadOnly
from seamline.audit.actions import record
from seamline.audit.models import EntryKind
from seamline.cases.models import Participant, Referral
from seamline.cases.views.common import done
from seamline.cases.views.referrals import possible_owners
from seamline.coordination.choices import ActionSource
from seamline.coordination.models import Action
from seamline.errors import Conflict, RuleViolation
from seamline.network.choices import OrgKind, OrgStatus, Role
from seamline.network.models import Organisation, User
from seamline.network.views.common import actor_of, add_violation, page, require_writer

from .. import access, actions, rules
from ..bundles import FieldSpec
from ..choices import FieldType, HandoffState, RejectionReason
from ..forms import (
    AcceptForm,
    BundleForm,
    HandoffNewForm,
    ReferralPickForm,
    RejectForm,
    SendForm,
    TextForm,
)
from ..models import BundleTemplate, Handoff
from .common import handoff_url, hours, run_move

# --- how a bundle is shown ---------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    spec: FieldSpec
    value: Any  # text, a list of text, or a list of dicts of text
    structured: bool
    missing: bool


def _owner_label(item: dict[str, str], orgs: dict[str, str], people: dict[str, str]) -> str:
    who = people.get(item.get("owner_person") or "") or (
        Role(item["owner_role"]).label if item.get("owner_role") in Role.values else ""
    )
    org = orgs.get(item.get("owner_organisation", ""), item.get("owner_organisation", ""))
    return f"{who}, {org}" if who else org


def shown_bundle(handoff: Handoff) -> list[Shown]:
    """The bundle's fields as the page reads them: choices by label, due times local, owners by
    name."""
    content = handoff.content
    directory = actions.directory_for(content)
    people = {
        str(u.uuid): u.display_name for u in User.objects.filter(uuid__in=list(directory.people))
    }
    out = []
    for spec in handoff.specs:
        value = content.get(spec.key)
        structured = spec.type in rules.PARTS
        if value is None or rules.is_empty(value):
            out.append(Shown(spec, None, structured, True))
            continue
        if spec.type == FieldType.CHOICE:
            value = rules.display_value(spec, value)
        elif spec.type == FieldType.ACTION_ITEM:
            value = [
                {
                    **item,
                    "owner": _owner_label(item, dict(directory.organisations), people),
                    "due": rules.parse_instant(item.get("due_at")),
                }
                for item in value
            ]
        elif spec.type == FieldType.MEDICATION_CHANGE:
            value = [
                {**item, "change": dict(spec.choices).get(item["change"], "")} for item in value
            ]
        out.append(Shown(spec, value, structured, False))
    return out


# --- drafting ----------------------------------------------------------------------------------


def _receivers() -> QuerySet[Organisation]:
    return Organisation.objects.filter(status=OrgStatus.ACTIVE).exclude(kind=OrgKind.COMMISSIONER)


def _owned_open_cases(actor: Actor) -> list[str]:
    return list(
        Referral.objects.visible_to(actor)
        .open()
        .filter(owner_organisation=actor.organisation)
        .order_by("-received_at")
        .values_list("code", flat=True)[:300]
    )


@page
def handoff_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    if not access.is_staff(actor):
        raise ReadOnly("Only staff who may own a case hand one over.")
    back = reverse("handoffs:outbox")
    code = (request.GET.get("referral") or "").strip().upper()
    pick = ReferralPickForm(request.GET if code else None, initial={"referral": code})
    referral = None
    if code:
        referral = (
            Referral.objects.visible_to(actor)
            .select_related("participant", "pathway", "owner_organisation")
            .filter(code=code)
            .first()
        )
        if referral is None:
            pick.add_error("referral", "No case you can see has this id.")
        elif not access.can_hand_over(actor, referral):
            pick.add_error("referral", "Your organisation does not own this case.")
            referral = None
        elif not referral.is_open:
            pick.add_error("referral", "This case is discharged.")
            referral = None
    context: dict[str, Any] = {"back": back, "pick": pick, "cases": _owned_open_cases(actor)}
    if referral is None:
        return render(request, "handoffs/new.html", context)
    form = HandoffNewForm(
        request.POST or None, receivers=_receivers(), steps=referral.pathway.steps.all()
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        template = BundleTemplate.objects.filter(transition=data["template"]).first()
        if template is None or template.current is None:
            form.add_error("template", "This template is not loaded yet.")
        else:
            try:
                created = actions.create_handoff(
                    actor,
                    referral,
                    template=template,
                    receiving_organisation=data["receiving_organisation"],
                    step=data["step"],
                )
            except RuleViolation as exc:
                add_violation(form, exc)
            else:
                return done(
                    request,
                    reverse("handoffs:edit", args=[created.code]),
                    f"{created.code} is drafted. Fill in the bundle, then send it.",
                )
    context.update({"referral": referral, "form": form})
    return render(request, "handoffs/new.html", context)


# --- the page --------------------------------------------------------------------------------


def _available_moves(actor: Actor, handoff: Handoff) -> set[str]:
    sides = access.sides(actor, handoff)
    return {m for m in rules.MOVES if not rules.move_reasons(m, handoff.state, sides)}


@page
def handoff_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    handoff = access.get_handoff_for_user(actor, code)
    record(actor, "handoff.read", handoff, kind=EntryKind.READ)
    now = timezone.now()
    participant = handoff.referral.participant
    sees_record = Participant.objects.visible_to(actor).filter(pk=participant.pk).exists()
    moves = _available_moves(actor, handoff)
    if handoff.repeat_back_or_none is not None and handoff.repeat_back_or_none.mismatch_flagged_at:
        moves.discard("flag_mismatch")
    if handoff.resolved_at is not None:
        moves.discard("resolve_rejection")
    measure = rules.completeness(handoff.specs, handoff.content)
    labels = {s.key: s.label for s in handoff.specs}
    made = (
        Action.objects.visible_to(actor)
        .filter(source=ActionSource.HANDOFF, source_ref=handoff.source_ref)
        .select_related("owner_organisation", "owner_person")
        if handoff.state == HandoffState.ACCEPTED
        else Action.objects.none()
    )
    context = {
        "handoff": handoff,
        "participant": participant,
        "sees_record": sees_record,
        "moves": moves,
        "bundle": shown_bundle(handoff),
        "measure": measure,
        "missing_mandatory": [labels[k] for k in measure.missing_mandatory],
        "missing_required": [labels[k] for k in measure.missing_required],
        "overdue": handoff.is_overdue(now),
        "waited_hours": hours(handoff.waited(now)),
        "time_to_acceptance": hours(handoff.time_to_acceptance),
        "repeat_back": handoff.repeat_back_or_none,
        "sent_risk": rules.display_value(
            next((s for s in handoff.specs if s.key == "risk_status"), _NO_SPEC),
            handoff.content.get("risk_status"),
        ),
        "sent_escalation": handoff.content.get("escalation_instructions", ""),
        "actions": list(made),
        "audits": list(handoff.audits.select_related("auditor", "organisation"))
        if access.can_read_audits(actor)
        else [],
        "events": list(handoff.events.select_related("by", "organisation")),
        "rejection_label": RejectionReason(handoff.rejection_reason).label
        if handoff.rejection_reason
        else "",
    }
    return render(request, "handoffs/handoff.html", context)


_NO_SPEC = FieldSpec("", "", FieldType.TEXT, "one")


# --- editing the bundle ------------------------------------------------------------------------


def _bundle_form(handoff: Handoff, data: Any = None, content: Any = None) -> BundleForm:
    return BundleForm(
        data,
        initial={"version": handoff.version},
        specs=handoff.specs,
        content=handoff.content if content is None else content,
        owners=possible_owners(_receivers()),
        organisations=_receivers().order_by("name"),
    )


@page
def handoff_edit(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    handoff = access.get_handoff_for_user(actor, code, move="edit")
    form = _bundle_form(handoff, request.POST or None)
    refused = rules.move_reasons("edit", handoff.state, access.sides(actor, handoff))
    if refused and request.method != "POST":
        form.add_violation(RuleViolation(*refused))
    if request.method == "POST" and form.is_valid():
        content = form.content()
        try:
            actions.update_bundle(actor, handoff, content, version=form.cleaned_data["version"])
        except Conflict as exc:
            handoff.refresh_from_db()
            data = request.POST.copy()
            data["version"] = str(handoff.version)
            form = _bundle_form(handoff, data)
            form.is_valid()
            form.add_violation(exc)
        except RuleViolation as exc:
            form.add_violation(exc)
        else:
            measure = rules.completeness(handoff.specs, handoff.content)
            left = len(measure.missing_mandatory)
            note = (
                f" {left} mandatory field{'s' if left != 1 else ''} still missing." if left else ""
            )
            return done(
                request,
                handoff_url(handoff),
                f"The bundle is saved ({measure.score}% complete).{note}",
            )
    return render(
        request,
        "handoffs/edit.html",
        {"handoff": handoff, "form": form, "participant": handoff.referral.participant},
    )


# --- moves -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MovePage:
    move: str
    title: str
    submit: str
    intro: str
    success: str
    make_form: Callable[[Any, Handoff], forms.Form]
    run: Callable[[Actor, Handoff, dict[str, Any]], Any]
    danger: bool = False


def _text(label: str, help_text: str = "") -> Callable[[Any, Handoff], forms.Form]:
    def make(data: Any, handoff: Handoff) -> forms.Form:
        return TextForm(
            data, initial={"version": handoff.version}, label=label, help_text=help_text
        )

    return make


def _plain(form_class: type[forms.Form]) -> Callable[[Any, Handoff], forms.Form]:
    def make(data: Any, handoff: Handoff) -> forms.Form:
        return form_class(data, initial={"version": handoff.version})

    return make


MOVE_PAGES: dict[str, MovePage] = {
    "send": MovePage(
        "send",
        "Send {code}",
        "Send to {receiver}",
        "The receiver sees the bundle and nothing more of the person's record until they "
        "accept. Their time to answer runs from the first sending.",
        "{code} is sent to {receiver}.",
        _plain(SendForm),
        lambda actor, h, d: actions.send_handoff(actor, h, version=d["version"], note=d["note"]),
    ),
    "accept": MovePage(
        "accept",
        "Accept {code}",
        "Accept the handoff",
        "Restate the risk status and the escalation instructions in your own words: the sender "
        "reads what you write. On acceptance the case becomes yours, your organisation joins "
        "the care team and each action item becomes an owned action.",
        "{code} is accepted: the case is now yours.",
        _plain(AcceptForm),
        lambda actor, h, d: actions.accept_handoff(
            actor,
            h,
            risk_status=d["repeat_back_risk"],
            escalation=d["repeat_back_escalation"],
            version=d["version"],
        ),
    ),
    "reject": MovePage(
        "reject",
        "Reject {code}",
        "Reject the handoff",
        "The sender keeps the case. Say why, so they can put it right or find another service.",
        "{code} is rejected; the sender keeps the case.",
        _plain(RejectForm),
        lambda actor, h, d: actions.reject_handoff(
            actor, h, reason=d["reason"], text=d["text"], version=d["version"]
        ),
        danger=True,
    ),
    "request_info": MovePage(
        "request_info",
        "Ask about {code}",
        "Ask the sender",
        "The handoff goes back to the sender to complete; their answer comes as the same "
        "handoff, sent again.",
        "Your question about {code} is sent.",
        _text("What you need to know"),
        lambda actor, h, d: actions.request_information(
            actor, h, text=d["text"], version=d["version"]
        ),
    ),
    "withdraw": MovePage(
        "withdraw",
        "Withdraw {code}",
        "Withdraw the handoff",
        "The case stays with your organisation.",
        "{code} is withdrawn.",
        _text("Why it is withdrawn"),
        lambda actor, h, d: actions.withdraw_handoff(
            actor, h, reason=d["text"], version=d["version"]
        ),
        danger=True,
    ),
    "resolve_rejection": MovePage(
        "resolve_rejection",
        "Resolve the rejection of {code}",
        "Record the resolution",
        "Say what your organisation did about the rejection: kept the case, found another "
        "service, sent a new handoff.",
        "The rejection of {code} is resolved.",
        _text("How it was resolved"),
        lambda actor, h, d: actions.resolve_rejection(
            actor, h, note=d["text"], version=d["version"]
        ),
    ),
    "flag_mismatch": MovePage(
        "flag_mismatch",
        "Flag the repeat-back of {code}",
        "Flag the mismatch",
        "If the receiver's restatement does not match what you meant, say what differs: the flag "
        "shows on the handoff for both of you. Call them too if the risk is high.",
        "The mismatch is flagged on {code}.",
        _text("What does not match"),
        lambda actor, h, d: actions.flag_mismatch(actor, h, note=d["text"]),
        danger=True,
    ),
}


def _move_view(move: str) -> Callable[..., HttpResponse]:
    spec = MOVE_PAGES[move]

    @page
    def view(request: HttpRequest, code: str) -> HttpResponse:
        actor = actor_of(request)
        require_writer(actor)
        handoff = access.get_handoff_for_user(actor, code, move=move)
        words = {"code": handoff.code, "receiver": handoff.receiving_organisation.name}
        form = spec.make_form(request.POST or None, handoff)
        form, saved = run_move(
            request,
            handoff,
            form,
            lambda data: spec.run(actor, handoff, data),
            lambda data: spec.make_form(data, handoff),
        )
        if saved is not None:
            return done(request, handoff_url(handoff), spec.success.format(**words))
        if request.method != "POST":
            refused = rules.move_reasons(move, handoff.state, access.sides(actor, handoff))
            if refused:
                add_violation(form, RuleViolation(*refused))
        context: dict[str, Any] = {
            "handoff": handoff,
            "participant": handoff.referral.participant,
            "form": form,
            "page": spec,
            "title": spec.title.format(**words),
            "submit": spec.submit.format(**words),
        }
        if move == "send":
            measure = rules.completeness(handoff.specs, handoff.content)
            labels = {s.key: s.label for s in handoff.specs}
            context["measure"] = measure
            context["missing_mandatory"] = [labels[k] for k in measure.missing_mandatory]
        if move == "accept":
            context["bundle"] = shown_bundle(handoff)
            cleared, why = actions.clearance(actor, timezone.now(), handoff.referral.pathway.code)
            context["cleared"] = cleared
            context["clearance_reasons"] = why
        if move == "flag_mismatch":
            context["repeat_back"] = handoff.repeat_back_or_none
            context["sent_escalation"] = handoff.content.get("escalation_instructions", "")
        return render(request, "handoffs/move.html", context)

    view.__name__ = f"handoff_{move}"
    return view


urlpatterns: list[URLPattern] = [
    path("new/", handoff_new, name="new"),
    path("<str:code>/", handoff_detail, name="handoff"),
    path("<str:code>/edit/", handoff_edit, name="edit"),
    path("<str:code>/send/", _move_view("send"), name="send"),
    path("<str:code>/accept/", _move_view("accept"), name="accept"),
    path("<str:code>/reject/", _move_view("reject"), name="reject"),
    path("<str:code>/ask/", _move_view("request_info"), name="request_info"),
    path("<str:code>/withdraw/", _move_view("withdraw"), name="withdraw"),
    path("<str:code>/resolve/", _move_view("resolve_rejection"), name="resolve"),
    path("<str:code>/mismatch/", _move_view("flag_mismatch"), name="mismatch"),
]
