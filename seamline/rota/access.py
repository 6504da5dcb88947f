"""Who may see visits, ask the gate, load rotas and override blocks.

* A visit is seen by whoever sees its participant (`cases.access`, ADR 0007) and schedules:
  schedulers, coordinators, supervisors, partner admins, quality leads, the network admin, and
  inspectors (read-only). Anything else is "not found", and the refusal is logged.
* Workers are seen as the workforce access layer says. A worker the asker may not see appears
  only as cleared or not cleared for a visit they share (SPEC C1): no reasons, no records.
* A rota is loaded for an organisation by its schedulers and partner admins, or by the network
  admin for any organisation.
* A block is overridden by the network admin, or by a supervisor or partner admin of the
  worker's organisation (docs/adr/0008-gate-overrides.md).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db.models import CharField

from seamline.access import Actor, ReadOnly
from seamline.audit.actions import record
from seamline.audit.models import EntryKind
from seamline.cases.access import organisation_sees, sees_participants
from seamline.cases.models import Participant
from seamline.network.access import refuse
from seamline.network.choices import Role
from seamline.network.models import Organisation
from seamline.rawrows import Param, Prepared
from seamline.workforce.models import Worker

from .choices import IMPORT_ROLES, OVERRIDE_ROLES, PREFERENCE_ROLES, SCHEDULE_ROLES
from .models import Override, Visit

if TYPE_CHECKING:
    from .models import OverrideQuerySet, VisitQuerySet


def refuse_change(actor: Actor, message: str, what: str, ident: str) -> ReadOnly:
    record(
        actor,
        "access.refused",
        kind=EntryKind.REFUSED,
        reason=message,
        target={
            "object_type": what,
            "object_id": str(ident)[:100],
            "object_label": "",
            "object_organisation_code": "",
        },
    )
    return ReadOnly(message)


# --- predicates -------------------------------------------------------------------------------


def can_see_visits(actor: Actor) -> bool:
    """Does `actor` read visits at all (the menu entry, the visit list)?"""
    return sees_participants(actor) and actor.has(*SCHEDULE_ROLES, Role.INSPECTOR)


def can_schedule(actor: Actor) -> bool:
    """May `actor` ask the gate about visits and validate a rota file?"""
    return sees_participants(actor) and actor.has(*SCHEDULE_ROLES)


def can_import_rota(actor: Actor, organisation: Organisation | None = None) -> bool:
    """May `actor` load a rota for `organisation` (for any organisation, when None)?"""
    if actor.read_only or not sees_participants(actor):
        return False
    if actor.is_network_admin:
        return True
    if not actor.has(*IMPORT_ROLES):
        return False
    return organisation is None or actor.member_of(organisation)


def can_override_workers_of(actor: Actor, organisation_code: str) -> bool:
    """May `actor` override blocks of the workers of the organisation with this code?
    (ADR 0008: the network admin for everyone, a supervisor or partner admin for their own
    organisation's workers.)"""
    if actor.read_only or not sees_participants(actor):
        return False
    if actor.is_network_admin:
        return True
    return actor.org_code == organisation_code and actor.has(*OVERRIDE_ROLES)


def can_override(actor: Actor, worker: Worker) -> bool:
    """May `actor` override a block of `worker`?"""
    return can_override_workers_of(actor, worker.organisation.code)


def can_record_preferences(actor: Actor) -> bool:
    return not actor.read_only and sees_participants(actor) and actor.has(*PREFERENCE_ROLES)


# --- querysets --------------------------------------------------------------------------------


def visits_visible_to(qs: VisitQuerySet, actor: Actor) -> VisitQuerySet:
    if not can_see_visits(actor):
        return qs.none()
    return qs.filter(participant__in=Participant.objects.visible_to(actor).values("pk"))


def overrides_visible_to(qs: OverrideQuerySet, actor: Actor) -> OverrideQuerySet:
    """Overrides on visits `actor` sees, of workers whose records `actor` sees."""
    if not can_see_visits(actor):
        return qs.none()
    return qs.filter(
        visit__in=Visit.objects.visible_to(actor).values("pk"),
        worker__in=Worker.objects.visible_to(actor).values("pk"),
    )


def parse_uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# --- loaders ----------------------------------------------------------------------------------


def get_visit_for_user(actor: Actor, code: str) -> Visit:
    """The visit with this code if `actor` sees its participant (404 otherwise)."""
    found = (
        Visit.objects.select_related("organisation", "participant", "pathway", "paired_with")
        .filter(code=_visit_code(code))
        .first()
    )
    if found is None or not _sees_visit(actor, found.participant_id):
        raise refuse(actor, "rota.visit", str(code))
    return found


def _visit_code(code: str) -> str:
    return str(code).strip().upper()


def _sees_visit(actor: Actor, participant_id: int) -> bool:
    # The platform operator (commands run without --as) sees every visit. Anyone else sees it
    # when its participant is among those they may see (`visits_visible_to`), asked of that one
    # participant: the whole list of participants someone sees is not worth reading for one.
    return actor.is_system or _sees_participant(actor, participant_id)


def _sees_participant(actor: Actor, participant_id: int) -> bool:
    if not can_see_visits(actor):
        return False
    assert actor.organisation is not None  # (`can_see_visits` asks `sees_participants`)
    return organisation_sees(actor.organisation, participant_id)


def get_visit_to_schedule(actor: Actor, code: str) -> Visit:
    """A visit `actor` asks the gate about: seen, and `actor` schedules (403 otherwise)."""
    visit = get_visit_for_user(actor, code)
    _refuse_unless_scheduler(actor, visit.code)
    return visit


# A visit's primary key and participant by code (every single check through the API asks).
_VISIT_BY_CODE = Prepared(
    lambda: Visit.objects.filter(code=Param("code", CharField())).values_list(
        "id", "participant_id"
    ),
    planned_once=True,
)


def visit_pk_to_schedule(actor: Actor, code: str) -> int:
    """`get_visit_to_schedule` answering only the visit's primary key, in one query compiled
    once (what a single check through the API needs)."""
    wanted = _visit_code(code)
    found = next(iter(_VISIT_BY_CODE.fetch(code=wanted)), None)
    if found is None or not _sees_visit(actor, found[1]):
        raise refuse(actor, "rota.visit", str(code))
    _refuse_unless_scheduler(actor, wanted)
    return int(found[0])


def _refuse_unless_scheduler(actor: Actor, code: str) -> None:
    if not can_schedule(actor):
        raise refuse_change(
            actor,
            "Only schedulers, coordinators, supervisors, partner admins, quality leads and the "
            "network admin ask the gate.",
            "rota.visit",
            code,
        )


def get_override_for_user(actor: Actor, override_uuid: str, write: bool = False) -> Override:
    wanted = parse_uuid(override_uuid)
    found = (
        Override.objects.visible_to(actor)
        .select_related("visit", "worker__organisation", "granted_by")
        .filter(uuid=wanted)
        .first()
        if wanted is not None
        else None
    )
    if found is None:
        raise refuse(actor, "rota.override", str(override_uuid))
    if write and not can_override(actor, found.worker):
        raise refuse_change(
            actor,
            "Only the network admin, or a supervisor or partner admin of the worker's "
            "organisation, revokes an override.",
            "rota.override",
            str(found.uuid),
        )
    return found


def get_worker_to_override(actor: Actor, worker_uuid: str) -> Worker:
    """A worker whose block `actor` means to override: seen (404 otherwise) and `actor` may
    override their blocks (403 otherwise)."""
    wanted = parse_uuid(worker_uuid)
    found = (
        Worker.objects.visible_to(actor).select_related("organisation").filter(uuid=wanted).first()
        if wanted is not None
        else None
    )
    if found is None:
        raise refuse(actor, "workforce.worker", str(worker_uuid))
    if not can_override(actor, found):
        raise refuse_change(
            actor,
            "Only the network admin, or a supervisor or partner admin of the worker's "
            "organisation, overrides a block.",
            "workforce.worker",
            str(found.uuid),
        )
    return found
