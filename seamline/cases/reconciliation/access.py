"""Who may upload, read and decide caseload reconciliations.

* A partner's runs are seen by that partner's partner admins, coordinators, supervisors and
  quality leads; the prime's quality leads, the network admin and the prime's inspectors see
  every partner's runs (the inspectors read-only). Anyone else: "not found".
* Uploading a list, saving the column mapping and deciding uncertain rows: the partner's
  partner admins, coordinators and quality leads for their own organisation; the prime's
  quality leads and the network admin for any partner.
* Participants inside a run are personal data and follow the cases app's rule
  (`cases.access`): a row or finding that names a participant is shown only to someone who
  may see that participant now, and every figure a person sees is counted over what they may
  see, so a hidden participant changes no number (`visible_rows`, `visible_findings`).
"""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet

from seamline.access import Actor, ReadOnly
from seamline.cases.access import sees_participants
from seamline.cases.models import Participant
from seamline.network.access import refuse
from seamline.network.choices import Role
from seamline.network.models import Organisation

from .choices import PARTNER_ROLES, READER_ROLES
from .models import Finding, ListRow, Run


def oversees(actor: Actor) -> bool:
    """The prime's quality leads and network admin (and its inspectors, reading) see every
    partner's reconciliations."""
    return actor.in_prime and actor.has(Role.QUALITY_LEAD, Role.NETWORK_ADMIN, Role.INSPECTOR)


def can_see_runs_of(actor: Actor, organisation: Organisation) -> bool:
    if not sees_participants(actor):
        return False
    return oversees(actor) or (actor.member_of(organisation) and actor.has(*READER_ROLES))


def can_see_any_runs(actor: Actor) -> bool:
    return sees_participants(actor) and (oversees(actor) or actor.has(*READER_ROLES))


def can_reconcile(actor: Actor, organisation: Organisation) -> bool:
    """May `actor` upload `organisation`'s list, save its mapping and decide its rows?"""
    if actor.read_only or not sees_participants(actor):
        return False
    if actor.in_prime and actor.has(Role.QUALITY_LEAD, Role.NETWORK_ADMIN):
        return True
    return actor.member_of(organisation) and actor.has(*PARTNER_ROLES)


def partners_for(actor: Actor) -> QuerySet[Organisation]:
    """The organisations whose lists `actor` may upload."""
    orgs = Organisation.objects.order_by("name")
    if actor.read_only or not sees_participants(actor):
        return orgs.none()
    if actor.in_prime and actor.has(Role.QUALITY_LEAD, Role.NETWORK_ADMIN):
        return orgs
    if actor.organisation is not None and actor.has(*PARTNER_ROLES):
        return orgs.filter(pk=actor.organisation.pk)
    return orgs.none()


def runs_visible_to(actor: Actor) -> QuerySet[Run]:
    runs = Run.objects.select_related("organisation", "uploaded_by")
    if not can_see_any_runs(actor):
        return runs.none()
    if oversees(actor):
        return runs
    assert actor.organisation is not None
    return runs.filter(organisation=actor.organisation)


def get_partner_for_user(actor: Actor, code: str) -> Organisation:
    """The partner whose list `actor` is about to reconcile (404 when they may not)."""
    found = Organisation.objects.filter(code=str(code).strip().lower()).first()
    if found is None or not can_see_runs_of(actor, found):
        raise refuse(actor, "reconciliation.partner", str(code))
    if not can_reconcile(actor, found):
        raise ReadOnly("Your roles do not reconcile this organisation's caseload list.")
    return found


def get_run_for_user(actor: Actor, run_uuid: str, write: bool = False) -> Run:
    """The run, if `actor` may see it (404 otherwise); `write`: deciding its rows (403)."""
    try:
        wanted = uuid.UUID(str(run_uuid))
    except ValueError:
        raise refuse(actor, "reconciliation.run", str(run_uuid)) from None
    found = runs_visible_to(actor).filter(uuid=wanted).first()
    if found is None:
        raise refuse(actor, "reconciliation.run", str(run_uuid))
    if write and not can_reconcile(actor, found.organisation):
        raise ReadOnly("Your roles do not decide rows of this organisation's list.")
    return found


def visible_participants(actor: Actor) -> QuerySet[Participant]:
    """The command line runs as the system, on the server itself: it reads every record."""
    if actor.is_system:
        return Participant.objects.all()
    return Participant.objects.visible_to(actor)


def visible_rows(actor: Actor, run: Run) -> QuerySet[ListRow]:
    """The run's rows `actor` may see: those naming no participant, and those whose
    participant the actor may see now."""
    seen = visible_participants(actor).values("pk")
    return run.list_rows.filter(Q(participant__isnull=True) | Q(participant__in=seen))


def visible_findings(actor: Actor, run: Run) -> QuerySet[Finding]:
    seen = visible_participants(actor).values("pk")
    return run.findings.filter(Q(participant__isnull=True) | Q(participant__in=seen))


def get_row_for_user(actor: Actor, run: Run, row: int, write: bool = False) -> ListRow:
    """A row of a run `actor` may see (its participant visible to them), else 404."""
    found = visible_rows(actor, run).filter(row=row).select_related("participant").first()
    if found is None:
        raise refuse(actor, "reconciliation.row", f"{run.uuid}:{row}")
    if write and not can_reconcile(actor, run.organisation):
        raise ReadOnly("Your roles do not decide rows of this organisation's list.")
    return found
