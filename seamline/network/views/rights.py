"""The decision-rights map: who may start what without waiting for a meeting."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seamline.access import Actor, ReadOnly
from seamline.errors import RuleViolation
from seamline.network import access, actions
from seamline.network.choices import ActionKind, Role
from seamline.network.forms import DecisionRightForm, ReasonForm, RightCheckForm, RightsFilterForm
from seamline.network.models import DecisionRight, Organisation, Pathway
from seamline.network.rules import Right, may_initiate

from .common import (
    HtmxHttpRequest,
    actor_of,
    add_violation,
    csv_response,
    page,
    parse_uuid,
    require_writer,
    wants_csv,
)


def all_rights() -> QuerySet[DecisionRight]:
    return DecisionRight.objects.select_related("organisation", "pathway").order_by(
        "action_kind", "organisation__name", "role", "id"
    )


def as_rules(rights: Any) -> list[Right]:
    return [
        Right(
            action_kind=r.action_kind,
            pathway=r.pathway.code if r.pathway is not None else None,
            organisation=r.organisation.code if r.organisation is not None else None,
            role=r.role or None,
        )
        for r in rights
    ]


def _party_key(right: DecisionRight) -> tuple[str, str]:
    return (right.organisation.name if right.organisation is not None else "", right.role)


def _party_label(key: tuple[str, str]) -> str:
    org, role = key
    role_label = Role(role).label if role else ""
    if org and role_label:
        return f"{org} · {role_label}"
    return org or f"{role_label} (any organisation)"


def rights_matrix(
    rights: list[DecisionRight],
) -> tuple[list[str], list[tuple[str, list[list[DecisionRight]]]]]:
    """Rows of action kinds, columns of parties, each cell the rights that party holds."""
    parties = sorted({_party_key(r) for r in rights}, key=lambda k: (k[0] == "", k))
    rows = []
    for kind in ActionKind:
        held = [r for r in rights if r.action_kind == kind.value]
        cells = [[r for r in held if _party_key(r) == party] for party in parties]
        rows.append((kind.label, cells))
    return [_party_label(p) for p in parties], rows


def _pathways(actor: Actor) -> QuerySet[Pathway]:
    return Pathway.objects.visible_to(actor)


def _rights_context(request: HttpRequest, actor: Actor) -> dict[str, Any]:
    filter_form = RightsFilterForm(request.GET or None, pathways=_pathways(actor))
    rights = all_rights()
    chosen = None
    if filter_form.is_valid() and filter_form.cleaned_data["pathway"]:
        chosen = filter_form.cleaned_data["pathway"]
        rights = rights.filter(Q(pathway=chosen) | Q(pathway__isnull=True))
    listed = list(rights)
    parties, rows = rights_matrix(listed)
    return {
        "filter_form": filter_form,
        "chosen": chosen,
        "rights": listed,
        "parties": parties,
        "rows": rows,
        "can_edit": access.can_edit_decision_rights(actor),
        "check_form": RightCheckForm(
            pathways=_pathways(actor),
            organisations=Organisation.objects.in_network(),
            auto_id="check_%s",
        ),
    }


@page
def decision_rights(request: HtmxHttpRequest) -> HttpResponse:
    actor = actor_of(request)
    context = _rights_context(request, actor)
    if wants_csv(request):
        return csv_response(
            "decision-rights.csv",
            ["action", "pathway", "organisation", "role", "conditions", "since"],
            (
                [
                    r.get_action_kind_display(),
                    r.pathway.name if r.pathway_id else "every pathway",
                    r.organisation.name if r.organisation_id else "any organisation",
                    r.get_role_display() if r.role else "any role",
                    r.conditions,
                    r.created_at.date().isoformat(),
                ]
                for r in context["rights"]
            ),
        )
    if request.htmx:
        return render(request, "network/decision_rights.html#matrix", context)
    return render(request, "network/decision_rights.html", context)


@page
def decision_right_check(request: HtmxHttpRequest) -> HttpResponse:
    """'May they start it without a meeting?' answered from the map by `rules.may_initiate`."""
    actor = actor_of(request)
    form = RightCheckForm(
        request.GET or None,
        pathways=_pathways(actor),
        organisations=Organisation.objects.in_network(),
        auto_id="check_%s",
    )
    answer = None
    if form.is_valid():
        data = form.cleaned_data
        kind = ActionKind(data["action_kind"])
        pathway = data["pathway"]
        org = data["organisation"]
        rights = list(all_rights().filter(action_kind=kind))
        allowed, reasons = may_initiate(
            as_rules(rights),
            action_kind=kind.value,
            pathway=pathway.code if pathway else None,
            organisation=org.code,
            roles=[data["role"]],
            action_label=kind.label,
        )
        matching = [
            r
            for r in rights
            if (r.pathway_id is None or (pathway is not None and r.pathway_id == pathway.pk))
            and (r.organisation_id is None or r.organisation_id == org.pk)
            and (not r.role or r.role == data["role"])
        ]
        answer = {
            "allowed": allowed,
            "reasons": reasons,
            "matching": matching,
            "kind": kind.label,
            "pathway": pathway,
            "organisation": org,
            "role": Role(data["role"]).label,
        }
    if request.htmx:
        return render(
            request, "network/decision_rights.html#answer", {"answer": answer, "check_form": form}
        )
    context = {**_rights_context(request, actor), "check_form": form, "answer": answer}
    return render(request, "network/decision_rights.html", context)


def _require_editor(actor: Actor) -> None:
    require_writer(actor)
    if not access.can_edit_decision_rights(actor):
        raise ReadOnly("Only the network admin changes the decision-rights map.")


@page
def decision_right_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    _require_editor(actor)
    form = DecisionRightForm(
        request.POST or None,
        pathways=_pathways(actor),
        organisations=Organisation.objects.in_network(),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            right = actions.add_decision_right(
                actor,
                action_kind=data["action_kind"],
                pathway=data["pathway"],
                organisation=data["organisation"],
                role=data["role"],
                conditions=data["conditions"],
                reason=data["reason"],
            )
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            messages.success(request, f"Added to the map: {right}.")
            return redirect("network:decision_rights")
    return render(request, "network/decision_right_new.html", {"form": form})


@page
@require_http_methods(["GET", "POST"])
def decision_right_remove(request: HttpRequest, right: str) -> HttpResponse:
    actor = actor_of(request)
    _require_editor(actor)
    wanted = parse_uuid(right)
    found = all_rights().filter(uuid=wanted).first() if wanted else None
    if found is None:
        raise access.refuse(actor, "network.decisionright", right)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.remove_decision_right(actor, found, reason=form.cleaned_data["reason"])
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            messages.success(request, f"Removed from the map: {found}.")
            return redirect("network:decision_rights")
    return render(request, "network/decision_right_remove.html", {"right": found, "form": form})
