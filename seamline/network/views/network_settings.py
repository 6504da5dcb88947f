"""The network's shared settings (SPEC section 3) and their history."""

from __future__ import annotations

from datetime import time

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from seamline.errors import Conflict, RuleViolation
from seamline.network import access, actions
from seamline.network.forms import NetworkSettingsForm
from seamline.network.models import Network

from .common import actor_of, add_violation, page, rebind_with_version, require_writer

# What each setting means, in the words of SPEC section 3.
SETTING_LABELS = [
    ("late_threshold", "Late visit", "A visit that ends after this local time."),
    ("expiring_days", "Expiring", "An attainment whose review date is within this many days."),
    (
        "enhanced_supervision_days",
        "Enhanced supervision",
        "Days from a temporary worker's placement start (or any worker's start) as a new starter.",
    ),
    ("cap_induction", "High-risk cap: induction", "High-risk visits per worker per rota week."),
    ("cap_supervised", "High-risk cap: supervised", "High-risk visits per worker per rota week."),
    (
        "cap_independent",
        "High-risk cap: independent",
        "High-risk visits per worker per rota week.",
    ),
    ("cap_enhanced", "High-risk cap: enhanced", "High-risk visits per worker per rota week."),
    (
        "temporary_review_months",
        "Temporary-worker review",
        "At most this many months between reviews of a temporary worker.",
    ),
    (
        "remedial_supervision_days",
        "Remedial supervision",
        "Days within which a worker is supervised after a failed spot check.",
    ),
    (
        "small_number_threshold",
        "Small-number threshold",
        "Counts from 1 up to one below this are shown to commissioners as 'fewer than'.",
    ),
]

UNITS = {
    "expiring_days": "days",
    "enhanced_supervision_days": "days",
    "remedial_supervision_days": "days",
    "temporary_review_months": "months",
}


def _shown(value: object) -> object:
    return value.strftime("%H:%M") if isinstance(value, time) else value


def _initial(network: Network) -> dict[str, object]:
    return {**{f: getattr(network, f) for f in Network.SETTING_FIELDS}, "version": network.version}


def _history(network: Network, show_names: bool) -> list[dict[str, object]]:
    records = list(
        network.history.select_related("history_user").order_by("history_date", "history_id")
    )
    labels = {name: label for name, label, _ in SETTING_LABELS}
    labels.update({"name": "Network name", "time_zone": "Time zone"})
    events = []
    previous = None
    for rec in records:
        changes: list[tuple[str, object, object]] = []
        if previous is not None:
            for name in Network.SETTING_FIELDS:
                old, new = getattr(previous, name), getattr(rec, name)
                if old != new:
                    changes.append((labels.get(name, name), _shown(old), _shown(new)))
        user = rec.history_user
        events.append(
            {
                "when": rec.history_date,
                "who": (user.display_name if show_names else "The network admin")
                if user
                else "System",
                "why": rec.history_change_reason or "",
                "changes": changes,
                "created": previous is None,
            }
        )
        previous = rec
    events.reverse()
    return events


@page
def network_settings(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    network = access.get_network_for_user(actor)
    can_edit = access.can_manage_network(actor) and not actor.read_only
    form = None
    saved_now: list[tuple[str, object]] = []
    if request.method == "POST":
        require_writer(actor)
        network = access.get_network_for_user(actor, write=True)
        form = NetworkSettingsForm(request.POST)
        if form.is_valid():
            try:
                actions.update_network_settings(
                    actor,
                    form.changes(),
                    version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                )
            except Conflict as exc:
                network = Network.current()
                form = rebind_with_version(NetworkSettingsForm, request, network.version)
                add_violation(form, exc)
                saved_now = [(label, getattr(network, name)) for name, label, _ in SETTING_LABELS]
            except RuleViolation as exc:
                network = Network.current()
                add_violation(form, exc)
            else:
                messages.success(request, "The network's settings are saved.")
                return redirect("network:settings")
    elif can_edit:
        form = NetworkSettingsForm(initial=_initial(network))
    settings_rows = [
        (label, _shown(getattr(network, name)), UNITS.get(name, ""), meaning)
        for name, label, meaning in SETTING_LABELS
    ]
    context = {
        "network": network,
        "settings_rows": settings_rows,
        "form": form,
        "saved_now": saved_now,
        "history": _history(network, show_names=not actor.aggregates_only),
    }
    return render(request, "network/settings.html", context)
