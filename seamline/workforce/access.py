"""Who may see and change a worker's record (evidence, sign-offs, supervision, pauses).

A worker's record is visible to the worker's own organisation (partner admin, supervisor,
coordinator, scheduler, quality lead), to the worker themselves (through `Worker.user`), to
the prime provider's network admin, quality lead and supervisors, and to inspectors. Nobody
else sees it: the loaders answer `NotFound` (404) for "missing or not yours" and `ReadOnly`
(403) for "visible but not yours to change". Every refusal is written to the audit log.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Q, QuerySet

from seamline.access import Actor, ReadOnly
from seamline.audit.actions import record
from seamline.audit.models import EntryKind
from seamline.network.access import refuse
from seamline.network.choices import Role
from seamline.network.models import Organisation

from .models import DelegationPause, SignOff, SupervisionSession, Worker

if TYPE_CHECKING:
    from .models import WorkerQuerySet

# Roles that see the workers of their own organisation.
ORG_WORKFORCE_ROLES = frozenset(
    {Role.PARTNER_ADMIN, Role.SUPERVISOR, Role.COORDINATOR, Role.SCHEDULER, Role.QUALITY_LEAD}
)
# Roles of the prime provider that see every partner's workers.
PRIME_WORKFORCE_ROLES = frozenset({Role.NETWORK_ADMIN, Role.QUALITY_LEAD, Role.SUPERVISOR})
# Roles that change the records of their own organisation's workers.
ORG_WRITE_ROLES = frozenset({Role.PARTNER_ADMIN, Role.SUPERVISOR})
# Roles of the prime provider that change any worker's record.
PRIME_WRITE_ROLES = frozenset({Role.NETWORK_ADMIN, Role.QUALITY_LEAD})


def _read_only(actor: Actor, message: str, what: str, ident: str) -> ReadOnly:
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


def sees_all_workers(actor: Actor) -> bool:
    if actor.user is None or not actor.roles:
        return False
    return actor.has(Role.INSPECTOR) or (actor.in_prime and actor.has(*PRIME_WORKFORCE_ROLES))


def can_see_workers_of(actor: Actor, org: Organisation) -> bool:
    """May `actor` see the workers of `org` (the list, every record)?"""
    if sees_all_workers(actor):
        return True
    return actor.member_of(org) and actor.has(*ORG_WORKFORCE_ROLES)


def can_see_worker_lists(actor: Actor) -> bool:
    """Does `actor` see any organisation's workers (the menu entry and the list page)?"""
    return sees_all_workers(actor) or (
        actor.organisation is not None and actor.has(*ORG_WORKFORCE_ROLES)
    )


def can_manage_workers(actor: Actor, org: Organisation) -> bool:
    """May `actor` add workers to `org` and change their records?"""
    if actor.read_only or actor.user is None:
        return False
    if actor.in_prime and actor.has(*PRIME_WRITE_ROLES):
        return True
    return actor.member_of(org) and actor.has(*ORG_WRITE_ROLES)


def can_edit_worker(actor: Actor, worker: Worker) -> bool:
    return can_manage_workers(actor, worker.organisation)


def can_sign_off(actor: Actor, worker: Worker) -> bool:
    """May `actor` record a stage sign-off for `worker`? (Whether the named signer is entitled
    is a rule of its own: `rules.signer_reasons`.)"""
    if can_manage_workers(actor, worker.organisation):
        return True
    return not actor.read_only and actor.in_prime and actor.has(Role.SUPERVISOR)


def organisations_with_workers_for(actor: Actor) -> QuerySet[Organisation]:
    """The organisations whose workers `actor` sees (for filters)."""
    if sees_all_workers(actor):
        return Organisation.objects.all()
    if actor.organisation is not None and actor.has(*ORG_WORKFORCE_ROLES):
        return Organisation.objects.filter(pk=actor.organisation.pk)
    return Organisation.objects.none()


# How far an actor sees workers: no one, everyone, their organisation's workers (and their own
# record), or their own record only.
NONE, ALL, ORGANISATION, OWN = "none", "all", "organisation", "own"


def worker_reach(actor: Actor) -> str:
    """How far `actor` sees workers (`NONE`, `ALL`, `ORGANISATION` or `OWN`)."""
    if actor.user is None or not actor.roles:
        return NONE
    if sees_all_workers(actor):
        return ALL
    if actor.organisation is not None and actor.has(*ORG_WORKFORCE_ROLES):
        return ORGANISATION
    return OWN


def reach_condition(reach: str, user: Any, organisation: Any) -> Q:
    """The workers seen with reach `ORGANISATION` or `OWN` by `user` of `organisation` (each an
    instance, an id, or a `rawrows.Param` for a compiled query)."""
    own = Q(user=user)
    return own | Q(organisation=organisation) if reach == ORGANISATION else own


def workers_visible_to(qs: WorkerQuerySet, actor: Actor) -> WorkerQuerySet:
    reach = worker_reach(actor)
    if reach == NONE:
        return qs.none()
    if reach == ALL:
        return qs
    return qs.filter(reach_condition(reach, actor.user, actor.organisation))


# --- loaders --------------------------------------------------------------------------------


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def get_worker_for_user(actor: Actor, worker_uuid: object, write: bool = False) -> Worker:
    wanted = _uuid(worker_uuid)
    worker = (
        Worker.objects.visible_to(actor)
        .select_related("organisation", "user")
        .filter(uuid=wanted)
        .first()
        if wanted is not None
        else None
    )
    if worker is None:
        raise refuse(actor, "workforce.worker", str(worker_uuid))
    if write and not can_edit_worker(actor, worker):
        raise _read_only(
            actor,
            "Only the worker's partner admin or supervisor, or the prime's network admin or "
            "quality lead, changes this record.",
            "workforce.worker",
            str(worker.uuid),
        )
    return worker


def get_worker_for_sign_off(actor: Actor, worker_uuid: object) -> Worker:
    """The worker whose stage `actor` means to sign off (404 unseen, 403 not theirs to sign)."""
    worker = get_worker_for_user(actor, worker_uuid)
    if not can_sign_off(actor, worker):
        raise _read_only(
            actor,
            "Only the worker's partner admin or supervisor, or the prime, records sign-offs.",
            "workforce.worker",
            str(worker.uuid),
        )
    return worker


_Record = TypeVar("_Record", SignOff, SupervisionSession, DelegationPause)


def _get_record_for_user(
    actor: Actor,
    model: type[_Record],
    ident: object,
    *,
    related: tuple[str, ...],
    write: bool,
    may_write: Callable[[Actor, Worker], bool],
    read_only_message: str,
) -> _Record:
    """One record about a worker, seen through that worker's visibility: 404 when the worker is
    not visible to `actor` (or there is no such record), 403 when `write` and not theirs."""
    label = model._meta.label_lower
    wanted = _uuid(ident)
    found = (
        model._default_manager.select_related("worker__organisation", *related)
        .filter(uuid=wanted, worker__in=Worker.objects.visible_to(actor))
        .first()
        if wanted is not None
        else None
    )
    if found is None:
        raise refuse(actor, label, str(ident))
    if write and not may_write(actor, found.worker):
        raise _read_only(actor, read_only_message, label, str(found.uuid))
    return found


def get_sign_off_for_user(actor: Actor, sign_off_uuid: object, write: bool = False) -> SignOff:
    return _get_record_for_user(
        actor,
        SignOff,
        sign_off_uuid,
        related=("competency", "pathway", "signer"),
        write=write,
        may_write=can_sign_off,
        read_only_message=(
            "Only the worker's partner admin or supervisor, or the prime, revokes a sign-off."
        ),
    )


def get_session_for_user(
    actor: Actor, session_uuid: object, write: bool = False
) -> SupervisionSession:
    return _get_record_for_user(
        actor,
        SupervisionSession,
        session_uuid,
        related=("supervisor",),
        write=write,
        may_write=can_edit_worker,
        read_only_message=(
            "Only the worker's partner admin or supervisor, or the prime, records supervision."
        ),
    )


def get_pause_for_user(actor: Actor, pause_uuid: object, write: bool = False) -> DelegationPause:
    return _get_record_for_user(
        actor,
        DelegationPause,
        pause_uuid,
        related=("task_type",),
        write=write,
        may_write=can_edit_worker,
        read_only_message=(
            "Only the worker's partner admin or supervisor, or the prime, lifts a pause."
        ),
    )
