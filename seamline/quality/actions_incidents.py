"""Every write about incidents, each in one transaction with its audit entry: reporting one
(with the records involved, all or nothing), linking another record later, raising a learning
action (a corrective action citing the incident), and the reads of personal data.

A linked record must exist and be seen by whoever links it, through its own app's access
layer (`Handoff.objects.visible_to`, ...); "missing" and "not yours" get the same answer. The
rules are pure functions in `quality.rules_incidents`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from seamline.access import Actor
from seamline.audit.actions import record
from seamline.audit.models import EntryKind
from seamline.cases.codes import reserve
from seamline.cases.models import Participant
from seamline.errors import Reason, RuleViolation
from seamline.network.choices import OrgKind
from seamline.network.models import Organisation, User

from . import access, rules_incidents
from .actions import raise_corrective_action
from .choices import LinkKind, SourceKind
from .models import CorrectiveAction, Incident, IncidentLink

CODES = "incident"
PROVIDER_EXCLUDED_KINDS = (OrgKind.COMMISSIONER, OrgKind.HEALTH_PLAN)


def incident_code(number: int) -> str:
    return f"INC-{number:05d}"


def _by(actor: Actor) -> Any:
    return actor.user if actor.user is not None and actor.user.pk else None


@dataclass(frozen=True)
class Resolved:
    target: Model | None
    same_participant: bool


def _plan_version(actor: Actor, participant: Participant, ref: str) -> Resolved:
    """`plan:P-000123:v3`, or `v3` / `3` for the incident's participant's plan."""
    from seamline.plans.models import Plan, PlanVersion

    text = ref.strip()
    code, number = participant.code, text
    if text.lower().startswith("plan:"):
        parts = text.split(":")
        if len(parts) != 3:
            return Resolved(None, False)
        code, number = parts[1].strip().upper(), parts[2]
    number = number.strip().lower().removeprefix("v")
    if not number.isdigit():
        return Resolved(None, False)
    found = (
        PlanVersion.objects.filter(plan__in=Plan.objects.visible_to(actor).values("pk"))
        .filter(plan__participant__code=code, number=int(number))
        .select_related("plan__participant")
        .first()
    )
    return Resolved(found, found is not None and found.plan.participant_id == participant.pk)


def _worker(actor: Actor, ref: str) -> Resolved:
    """A worker by its public id (UUID) or as `<organisation code>/<staff id>`."""
    from seamline.workforce.models import Worker

    visible = Worker.objects.visible_to(actor).select_related("organisation")
    text = ref.strip()
    try:
        found = visible.filter(uuid=uuid.UUID(text)).first()
    except ValueError:
        org, _, staff = text.partition("/")
        found = (
            visible.filter(organisation__code=org.strip().lower(), staff_id=staff.strip()).first()
            if staff
            else None
        )
    return Resolved(found, True)


def resolve(actor: Actor, participant: Participant, kind: str, ref: str) -> Resolved:
    """The record `ref` of `kind`, if `actor` sees it, and whether it is the participant's."""
    from seamline.escalation.models import Escalation
    from seamline.handoffs.models import Handoff

    if not ref.strip() or kind not in LinkKind.values:
        return Resolved(None, False)
    if kind == LinkKind.HANDOFF:
        handoff = (
            Handoff.objects.visible_to(actor)
            .select_related("referral")
            .filter(code=ref.strip().upper())
            .first()
        )
        same = handoff is not None and handoff.referral.participant_id == participant.pk
        return Resolved(handoff, same)
    if kind == LinkKind.ESCALATION:
        escalation = Escalation.objects.visible_to(actor).filter(code=ref.strip().upper()).first()
        same = escalation is not None and escalation.participant_id == participant.pk
        return Resolved(escalation, same)
    if kind == LinkKind.WORKER:
        return _worker(actor, ref)
    return _plan_version(actor, participant, ref)


def _already(incident: Incident | None, kind: str, target: Model | None) -> bool:
    if incident is None or target is None or kind not in LinkKind.values:
        return False
    return IncidentLink.objects.filter(incident=incident, **{kind: target}).exists()


def _link_reasons(
    actor: Actor,
    participant: Participant,
    links: Sequence[tuple[str, str]],
    incident: Incident | None = None,
) -> tuple[list[Reason], list[tuple[str, Model]]]:
    reasons: list[Reason] = []
    found: list[tuple[str, Model]] = []
    seen: set[tuple[str, int]] = set()
    for kind, ref in links:
        got = resolve(actor, participant, kind, ref)
        twice = got.target is not None and (kind, got.target.pk) in seen
        problems = rules_incidents.link_reasons(
            kind,
            ref,
            found=got.target is not None,
            same_participant=got.same_participant,
            already=twice or _already(incident, kind, got.target),
        )
        reasons += problems
        if not problems and got.target is not None:
            seen.add((kind, got.target.pk))
            found.append((kind, got.target))
    return reasons, found


def _write_link(
    actor: Actor, incident: Incident, kind: str, target: Model, note: str, when: datetime
) -> IncidentLink:
    link = IncidentLink.objects.create(
        incident=incident,
        kind=kind,
        note=note.strip()[:300],
        added_at=when,
        added_by=_by(actor),
        **{kind: target},
    )
    return link


@transaction.atomic
def report_incident(
    actor: Actor,
    *,
    participant: Participant | None,
    organisation: Organisation | None,
    theme: str,
    severity: str,
    occurred_at: datetime | None,
    description: str,
    reported_at: datetime | None = None,
    links: Sequence[tuple[str, str]] = (),
    at: datetime | None = None,
) -> Incident:
    """Record an incident about `participant` at the partner `organisation`, with the records
    involved (`links`: (kind, reference) pairs). Nothing is written unless all of it holds."""
    if not (actor.is_system or access.can_report_incident(actor)):
        raise RuleViolation.one(
            "not_permitted", "Your access does not report incidents.", "participant"
        )
    now = at or timezone.now()
    seen = participant is not None and (
        actor.is_system or Participant.objects.visible_to(actor).filter(pk=participant.pk).exists()
    )
    partner_ok = organisation is not None and organisation.kind not in PROVIDER_EXCLUDED_KINDS
    reported = reported_at or now
    reasons = rules_incidents.incident_reasons(
        theme=theme,
        severity=severity,
        occurred_at=occurred_at,
        reported_at=reported,
        description=description,
        now=now,
        participant_found=seen,
        partner_found=partner_ok,
    )
    found: list[tuple[str, Model]] = []
    if seen:
        assert participant is not None
        link_problems, found = _link_reasons(actor, participant, links)
        reasons += link_problems
    if reasons:
        raise RuleViolation(*reasons)
    assert participant is not None and organisation is not None and occurred_at is not None
    incident = Incident.objects.create(
        code=incident_code(reserve(CODES)),
        participant=participant,
        organisation=organisation,
        theme=theme,
        severity=severity,
        occurred_at=occurred_at,
        reported_at=reported,
        description=description.strip(),
        reported_by=_by(actor),
        reporter_organisation=actor.organisation,
        created_at=now,
    )
    for kind, target in found:
        _write_link(actor, incident, kind, target, "", now)
    record(
        actor,
        "quality.incident.report",
        incident,
        changes={
            "participant": participant.code,
            "organisation": organisation.code,
            "theme": theme,
            "severity": severity,
            "occurred_at": occurred_at,
            "reported_at": reported,
            "links": [f"{kind}:{_ref(kind, target)}" for kind, target in found],
        },
    )
    return incident


def _ref(kind: str, target: Model) -> str:
    link = IncidentLink(kind=kind, **{kind: target})
    return link.reference


@transaction.atomic
def link_record(
    actor: Actor, incident: Incident, *, kind: str, ref: str, note: str = ""
) -> IncidentLink:
    """Name one more record involved in `incident` (it must be one `actor` sees)."""
    if not (actor.is_system or access.can_report_incident(actor)):
        raise RuleViolation.one("not_permitted", "Your access does not change incidents.", kind)
    reasons, found = _link_reasons(actor, incident.participant, [(kind, ref)], incident)
    if reasons:
        raise RuleViolation(*reasons)
    kind, target = found[0]
    link = _write_link(actor, incident, kind, target, note, timezone.now())
    record(
        actor,
        "quality.incident.link",
        incident,
        changes={"link": f"{kind}:{link.reference}", "note": link.note},
    )
    return link


def raise_learning_action(
    actor: Actor,
    incident: Incident,
    *,
    title: str,
    owner_person: User | None,
    due_on: date | None,
    description: str = "",
    organisation: Organisation | None = None,
    at: datetime | None = None,
) -> CorrectiveAction:
    """A learning action from the incident: a corrective action citing it (`incident` and
    its code), owned by the incident's partner unless another organisation is named."""
    return raise_corrective_action(
        actor,
        title=title,
        description=description,
        source_kind=SourceKind.INCIDENT,
        source_ref=incident.code,
        organisation=organisation or incident.organisation,
        owner_person=owner_person,
        due_on=due_on,
        at=at,
    )


def learning_actions(actor: Actor, incident: Incident) -> list[CorrectiveAction]:
    return list(
        CorrectiveAction.objects.visible_to(actor)
        .filter(source_kind=SourceKind.INCIDENT, source_ref=incident.code)
        .select_related("organisation", "owner_person")
        .order_by("due_on", "created_at", "id")
    )


def record_read(actor: Actor, incident: Incident, via: str = "page") -> None:
    """Opening an incident (its page, its timeline, the API) reads personal data."""
    record(actor, "quality.incident.read", incident, kind=EntryKind.READ, changes={"via": via})


def record_listed(actor: Actor, codes: Sequence[str], via: str = "page") -> None:
    """A list of incidents (a page, an export) is one read entry naming every incident shown."""
    if not codes:
        return
    record(
        actor,
        "quality.incident.list",
        kind=EntryKind.READ,
        target={
            "object_type": "quality.incident",
            "object_id": f"{len(codes)} shown",
            "object_label": "",
            "object_organisation_code": actor.org_code,
        },
        changes={"via": via, "shown": list(codes)},
    )
