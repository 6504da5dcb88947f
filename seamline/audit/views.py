"""Pages of the audit log: the entries, one entry, and the state of the chain.

Everything is read through `AuditEntry.objects.visible_to(actor)`; an actor who cannot read the
log gets 404 on every page of it.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from seamline.access import Actor, ReadOnly
from seamline.network.access import refuse
from seamline.network.views.common import (
    HtmxHttpRequest,
    actor_of,
    csv_response,
    page,
    parse_uuid,
    query_without,
    wants_csv,
)

from . import verify
from .access import can_read_log
from .models import AuditEntry, AuditEntryQuerySet, ChainHead, EntryKind

PAGE_SIZE = 50
CSV_LIMIT = 50_000


class EntryFilterForm(forms.Form):
    action = forms.CharField(required=False, max_length=80, help_text="For example person.read")
    kind = forms.ChoiceField(required=False, choices=[("", "Any"), *EntryKind.choices])
    actor = forms.CharField(label="By", required=False, max_length=150)
    organisation = forms.CharField(required=False, max_length=40)
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _log_for(actor: Actor) -> AuditEntryQuerySet:
    if not can_read_log(actor):
        raise refuse(actor, "audit.log", "entries")
    return AuditEntry.objects.visible_to(actor)


def _day_start(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered_entries(entries: AuditEntryQuerySet, form: EntryFilterForm) -> AuditEntryQuerySet:
    if not form.is_valid():
        return entries
    data = form.cleaned_data
    if data["action"]:
        entries = entries.filter(action__startswith=data["action"].strip())
    if data["kind"]:
        entries = entries.filter(kind=data["kind"])
    if data["actor"]:
        entries = entries.filter(actor_label__icontains=data["actor"].strip())
    if data["organisation"]:
        code = data["organisation"].strip()
        entries = entries.filter(Q(organisation_code=code) | Q(object_organisation_code=code))
    if data["since"]:
        entries = entries.filter(at__gte=_day_start(data["since"]))
    if data["until"]:
        entries = entries.filter(at__lt=_day_start(data["until"] + timedelta(days=1)))
    return entries


@page
def entries(request: HtmxHttpRequest) -> HttpResponse:
    actor = actor_of(request)
    log = _log_for(actor)
    form = EntryFilterForm(request.GET or None)
    found = filtered_entries(log, form)
    if wants_csv(request):
        return csv_response(
            "audit-log.csv",
            [
                "seq",
                "uuid",
                "at",
                "kind",
                "action",
                "actor",
                "actor_organisation",
                "object_type",
                "object_id",
                "object_label",
                "object_organisation",
                "changes",
                "reason",
                "hash",
            ],
            (
                [
                    e.seq,
                    e.uuid,
                    e.at.isoformat(),
                    e.kind,
                    e.action,
                    e.actor_label,
                    e.organisation_code,
                    e.object_type,
                    e.object_id,
                    e.object_label,
                    e.object_organisation_code,
                    json.dumps(e.changes, sort_keys=True, ensure_ascii=False),
                    e.reason,
                    e.hash,
                ]
                for e in found[:CSV_LIMIT].iterator(chunk_size=2000)
            ),
        )
    paginator = Paginator(found, PAGE_SIZE)
    listing = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": listing,
        "entries": listing.object_list,
        "query": query_without(request, "format", "page"),
        "filtered": form.is_valid() and any(form.cleaned_data.values()),
    }
    if request.htmx:
        return render(request, "audit/entries.html#results", context)
    return render(request, "audit/entries.html", context)


@page
def entry(request: HttpRequest, entry: str) -> HttpResponse:
    actor = actor_of(request)
    log = _log_for(actor)
    wanted = parse_uuid(entry)
    found = log.filter(uuid=wanted).first() if wanted else None
    if found is None:
        raise refuse(actor, "audit.entry", entry)
    changes = []
    if isinstance(found.changes, dict):
        for name, value in found.changes.items():
            if isinstance(value, list) and len(value) == 2:
                changes.append((name, value[0], value[1]))
            else:
                changes.append((name, None, value))
    return render(request, "audit/entry.html", {"entry": found, "changes": changes})


def _last_anchor() -> dict[str, object] | None:
    try:
        anchors = verify.read_anchors(settings.AUDIT_ANCHOR_FILE)
    except (OSError, ValueError):
        return None
    return anchors[-1] if anchors else None


@page
@require_http_methods(["GET", "POST"])
def chain_status(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    _log_for(actor)
    can_verify = actor.is_network_admin and not actor.read_only
    result = None
    if request.method == "POST":
        if not can_verify:
            raise ReadOnly("Only the network admin runs a check of the whole chain.")
        result = verify.verify_chain()
        if result.ok:
            messages.success(request, f"The chain is intact: {result.checked} entries checked.")
        else:
            messages.error(request, "The chain is broken: see the problems below.")
    context = {
        "head": ChainHead.objects.filter(singleton=True).first(),
        "anchor": _last_anchor(),
        "anchor_file": settings.AUDIT_ANCHOR_FILE,
        "can_verify": can_verify,
        "result": result,
    }
    return render(request, "audit/chain.html", context)
