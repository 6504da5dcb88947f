"""Every change to the rota goes through one of these functions.

Each runs in one transaction: it checks the actor's right to act, validates (reasons name the
field), writes and appends an audit entry. The gate's decision is `rota.gate`; these
functions load it where a write depends on it (an assignment, an override).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from seamline.access import Actor
from seamline.audit.actions import record
from seamline.audit.models import EntryKind
from seamline.cases.actions import join_care_team
from seamline.cases.choices import CareReason
from seamline.cases.codes import reserve
from seamline.cases.models import CareTeamMember, Participant
from seamline.cases.rules import CLOSED_CASE_VISIBILITY
from seamline.errors import Reason, RuleViolation
from seamline.network.models import Organisation
from seamline.workforce.choices import RoleGroup
from seamline.workforce.models import Worker

from . import access, gate, loading, rules
from .choices import NOT_OVERRIDABLE, RULES, AssignmentStatus, PreferenceKind, VisitStatus
from .imports import SHIFT, VISIT, Parsed, Plan, Row
from .models import Assignment, Override, Preference, RotaImport, Shift, Visit


def _deny(message: str) -> RuleViolation:
    return RuleViolation.one("not_permitted", message)


def _raise_if(reasons: Sequence[Reason]) -> None:
    if reasons:
        raise RuleViolation(*reasons)


# --- loading a rota file ---------------------------------------------------------------------


def visits_counter(week: str) -> str:
    return f"visit-{week}"


@transaction.atomic
def store_rota(actor: Actor, parsed: Parsed, changes: Plan, digest: str) -> list[str]:
    """Write what a rota file changes (`changes`, from `imports.plan`) in one transaction, in
    bulk: new visits with their codes, task types and assignments; changed visits and shifts;
    cancellations; the care-team parts the visits give. One audit entry names every visit it
    created, changed or cancelled. Answers those visit codes."""
    for org in {r.organisation for r in parsed.rows}:
        if not access.can_import_rota(actor, org):
            raise _deny(f"You do not load the rota of {org.code}.")
    now = timezone.now()
    source = RotaImport.objects.create(
        imported_at=now,
        imported_by=actor.user,
        sha256=digest,
        covers=sorted(f"{org} {week}" for org, week in parsed.covers),
        rows=parsed.count,
        created=len(changes.create),
        updated=len(changes.update),
        unchanged=len(changes.unchanged),
        cancelled=len(changes.cancel_visits) + len(changes.cancel_shifts),
    )
    created = _create_visits(actor, [r for r in changes.create if r.kind == VISIT], source, now)
    Shift.objects.bulk_create(
        [
            Shift(
                organisation=r.organisation,
                ref=r.ref,
                worker=r.workers[0] if r.workers else None,
                starts_at=r.start,
                ends_at=r.end,
                pathway=r.pathway,
                duty=r.duty,
                source=source,
            )
            for r in changes.create
            if r.kind == SHIFT
        ]
    )
    updated: list[str] = []
    for row, stored in changes.update:
        if row.kind == SHIFT:
            stored.worker = row.workers[0] if row.workers else None
            stored.starts_at, stored.ends_at = row.start, row.end
            stored.status, stored.source = VisitStatus.PLANNED, source
            stored.pathway, stored.duty = row.pathway, row.duty
            stored.save(
                update_fields=[
                    "worker",
                    "starts_at",
                    "ends_at",
                    "pathway",
                    "duty",
                    "status",
                    "source",
                ]
            )
        else:
            _update_visit(actor, row, stored, source, now)
            updated.append(stored.code)
    cancelled = [v.code for v in changes.cancel_visits]
    Visit.objects.filter(pk__in=[v.pk for v in changes.cancel_visits]).update(
        status=VisitStatus.CANCELLED, updated_at=now
    )
    Shift.objects.filter(pk__in=[s.pk for s in changes.cancel_shifts]).update(
        status=VisitStatus.CANCELLED
    )
    _give_care_parts(actor, [*changes.create, *(r for r, _ in changes.update)])
    record(
        actor,
        "rota.import",
        source,
        changes={
            "sha256": digest,
            "covers": source.covers,
            "visits_created": created,
            "visits_updated": updated,
            "visits_cancelled": cancelled,
            "shifts_created": sum(1 for r in changes.create if r.kind == SHIFT),
            "shifts_updated": sum(1 for r, _ in changes.update if r.kind == SHIFT),
            "shifts_cancelled": len(changes.cancel_shifts),
        },
    )
    return [*created, *updated, *cancelled]


def _create_visits(actor: Actor, rows: list[Row], source: RotaImport, now: datetime) -> list[str]:
    by_week: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_week[row.week].append(row)
    visits: list[Visit] = []
    for week, found in sorted(by_week.items()):
        first = reserve(visits_counter(week), len(found))
        for number, row in enumerate(found, start=first):
            assert row.participant is not None and row.pathway is not None
            visits.append(
                Visit(
                    code=rules.visit_code(week, number),
                    organisation=row.organisation,
                    ref=row.ref,
                    participant=row.participant,
                    pathway=row.pathway,
                    starts_at=row.start,
                    ends_at=row.end,
                    lone=row.lone,
                    paired_with=row.paired_with,
                    source=source,
                    created_at=now,
                    updated_at=now,
                )
            )
    Visit.objects.bulk_create(visits)
    by_ref = {(v.organisation.code, v.ref): v for v in visits}
    through = Visit.task_types.through
    links = []
    assignments = []
    for row in rows:
        visit = by_ref[(row.organisation.code, row.ref)]
        links += [through(visit_id=visit.pk, tasktype_id=t.pk) for t in row.task_types]
        assignments += [
            Assignment(visit=visit, worker=w, assigned_at=now, assigned_by=actor.user)
            for w in row.workers
        ]
    through.objects.bulk_create(links)
    Assignment.objects.bulk_create(assignments)
    return [v.code for v in visits]


def _update_visit(actor: Actor, row: Row, visit: Visit, source: RotaImport, now: datetime) -> None:
    assert row.participant is not None and row.pathway is not None
    visit.participant = row.participant
    visit.pathway = row.pathway
    visit.starts_at, visit.ends_at = row.start, row.end
    visit.lone = row.lone
    visit.paired_with = row.paired_with
    visit.status = VisitStatus.PLANNED
    visit.source = source
    visit.updated_at = now
    visit.save(
        update_fields=[
            "participant",
            "pathway",
            "starts_at",
            "ends_at",
            "lone",
            "paired_with",
            "status",
            "source",
            "updated_at",
        ]
    )
    visit.task_types.set(row.task_types)
    wanted = {w.pk for w in row.workers}
    held = set(visit.live_workers)  # type: ignore[attr-defined]
    Assignment.objects.filter(
        visit=visit, status=AssignmentStatus.ASSIGNED, worker_id__in=held - wanted
    ).update(status=AssignmentStatus.WITHDRAWN, withdrawn_at=now, withdrawn_by=actor.user)
    Assignment.objects.bulk_create(
        [
            Assignment(visit=visit, worker=w, assigned_at=now, assigned_by=actor.user)
            for w in row.workers
            if w.pk not in held
        ]
    )


def _give_care_parts(actor: Actor, rows: list[Row]) -> None:
    """SPEC C1: an organisation with visits assigned has a part in the participant's care.
    The visit's organisation and each assigned worker's organisation join the care team
    (until 90 days after the last visit) where they have no part yet."""
    wanted: dict[tuple[int, int], tuple[Participant, Organisation, datetime]] = {}
    for row in rows:
        if row.kind != VISIT or row.participant is None:
            continue
        for org in {row.organisation, *(w.organisation for w in row.workers)}:
            key = (row.participant.pk, org.pk)
            last = wanted.get(key)
            if last is None or last[2] < row.end:
                wanted[key] = (row.participant, org, row.end)
    if not wanted:
        return
    now = timezone.now()
    have = set(
        CareTeamMember.objects.active(now)
        .filter(
            participant_id__in={p for p, _ in wanted}, organisation_id__in={o for _, o in wanted}
        )
        .values_list("participant_id", "organisation_id")
    )
    for key, (participant, org, last_end) in sorted(wanted.items()):
        if key not in have:
            join_care_team(
                actor,
                participant,
                org,
                CareReason.VISIT,
                ended_at=max(last_end, now) + CLOSED_CASE_VISIBILITY,
                source="rota",
            )


# --- assignments -----------------------------------------------------------------------------


@transaction.atomic
def assign(actor: Actor, visit: Visit, worker: Worker) -> Assignment:
    """Put `worker` on `visit`, if the gate allows it (each failed rule is a reason; a rule an
    override lifts does not count)."""
    if not access.can_import_rota(actor, visit.organisation):
        raise _deny(
            f"Only the schedulers and partner admin of {visit.organisation.code}, or the network "
            "admin, assign its visits."
        )
    if visit.status != VisitStatus.PLANNED:
        raise RuleViolation.one("visit_cancelled", f"{visit.code} is cancelled.", "visit")
    if Assignment.objects.live().filter(visit=visit, worker=worker).exists():
        raise RuleViolation.one(
            "already_assigned", f"{worker.name} is already on {visit.code}.", "worker"
        )
    answer = gate_answer(visit, worker)
    _raise_if([Reason(v.rule, v.message, "worker") for v in answer.violations])
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                visit=visit, worker=worker, assigned_by=actor.user
            )
    except IntegrityError:
        raise RuleViolation.one(
            "already_assigned", f"{worker.name} is already on {visit.code}.", "worker"
        ) from None
    record(
        actor,
        "rota.assign",
        visit,
        changes={
            "worker": f"{worker.organisation.code}/{worker.staff_id}",
            "overridden": [{"rule": v.rule, "override": uid} for v, uid in answer.overridden],
        },
    )
    return assignment


def gate_answer(visit: Visit, worker: Worker) -> gate.Answer:
    """The gate's answer for one worker on one stored visit (loaded for just the two)."""
    return gate_answer_for(visit.pk, worker.pk)


def gate_answer_for(visit: int, worker: int) -> gate.Answer:
    """`gate_answer` for the visit and the worker with these primary keys."""
    facts = loading.stored_visits([visit])
    return loading.load(facts, [worker]).check(worker, facts[0])


# --- overrides -------------------------------------------------------------------------------


@transaction.atomic
def grant_override(
    actor: Actor,
    visit: Visit,
    worker: Worker,
    *,
    rule: str,
    reason: str,
    expires_at: datetime | None,
    now: datetime | None = None,
) -> Override:
    """Let exactly one block through: rule `rule` for `worker` on `visit`, until `expires_at`
    (docs/adr/0008-gate-overrides.md). The block must be there now; the override records what
    the gate said, who granted it, why and until when."""
    if not access.can_override(actor, worker):
        raise _deny(
            "Only the network admin, or a supervisor or partner admin of the worker's "
            "organisation, overrides a block."
        )
    if actor.user is None:
        raise _deny("An override names its approver: a person grants it, not the system.")
    now = now or timezone.now()
    rule = (rule or "").strip().upper()
    _raise_if(
        rules.override_reasons(
            rule=rule,
            reason=reason,
            expires_at=expires_at,
            visit_start=visit.starts_at,
            now=now,
            known=RULES,
            not_overridable=NOT_OVERRIDABLE,
        )
    )
    assert expires_at is not None
    answer = gate_answer(visit, worker)
    if any(v.rule == rule for v, _ in answer.overridden):
        raise RuleViolation.one(
            "already_overridden",
            f"{rule} is already overridden for {worker.name} on {visit.code}.",
            "rule",
        )
    blocked = [v for v in answer.violations if v.rule == rule]
    if not blocked:
        raise RuleViolation.one(
            "not_blocked",
            f"{rule} does not block {worker.name} on {visit.code}: there is nothing to override.",
            "rule",
        )
    try:
        with transaction.atomic():
            override = Override.objects.create(
                visit=visit,
                worker=worker,
                rule=rule,
                blocked_because=" ".join(v.message for v in blocked),
                reason=reason.strip(),
                expires_at=expires_at,
                granted_at=now,
                granted_by=actor.user,
            )
    except IntegrityError:
        raise RuleViolation.one(
            "already_overridden",
            f"{rule} is already overridden for {worker.name} on {visit.code}.",
            "rule",
        ) from None
    record(
        actor,
        "rota.override.grant",
        override,
        reason=override.reason,
        changes={
            "visit": visit.code,
            "worker": f"{worker.organisation.code}/{worker.staff_id}",
            "rule": rule,
            "expires_at": expires_at,
            "blocked_because": override.blocked_because,
        },
    )
    return override


@transaction.atomic
def revoke_override(actor: Actor, override: Override, *, reason: str) -> Override:
    """End an override before its expiry: the block it lifted is a block again."""
    if not access.can_override(actor, override.worker):
        raise _deny(
            "Only the network admin, or a supervisor or partner admin of the worker's "
            "organisation, revokes an override."
        )
    if not (reason or "").strip():
        raise RuleViolation.one("reason_required", "Say why the override ends.", "reason")
    now = timezone.now()
    ended = Override.objects.filter(pk=override.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor.user, revoke_reason=reason.strip()
    )
    if not ended:
        raise RuleViolation.one("already_revoked", "This override was already revoked.")
    override.refresh_from_db()
    record(
        actor,
        "rota.override.revoke",
        override,
        reason=reason.strip(),
        changes={"revoked_at": [None, now]},
    )
    return override


# --- preferences -----------------------------------------------------------------------------


def preference_reasons(kind: str, value: str) -> list[Reason]:
    if kind not in PreferenceKind.values:
        return [Reason("invalid_value", f"'{kind}' is not a kind of preference.", "kind")]
    if kind == PreferenceKind.NO_TEMPORARY:
        return (
            [Reason("invalid_value", "This preference takes no value.", "value")] if value else []
        )
    if kind == PreferenceKind.ORGANISATION and not Organisation.objects.filter(code=value).exists():
        return [Reason("invalid_value", f"No organisation has the code '{value}'.", "value")]
    if kind == PreferenceKind.ROLE_GROUP and value not in RoleGroup.values:
        return [Reason("invalid_value", f"'{value}' is not a role group.", "value")]
    return []


@transaction.atomic
def record_preference(
    actor: Actor, participant: Participant, *, kind: str, value: str = "", note: str = ""
) -> Preference:
    """Record a participant's preference about who visits them (the gate's G9)."""
    if not access.can_record_preferences(actor):
        raise _deny("Your roles do not record participants' preferences.")
    value = (value or "").strip()
    if kind == PreferenceKind.ORGANISATION:
        value = value.lower()
    _raise_if(preference_reasons(kind, value))
    try:
        with transaction.atomic():
            preference = Preference.objects.create(
                participant=participant,
                kind=kind,
                value=value,
                note=note.strip(),
                recorded_by=actor.user,
            )
    except IntegrityError:
        raise RuleViolation.one(
            "already_recorded", "This preference is already recorded.", "value"
        ) from None
    record(
        actor,
        "rota.preference.record",
        preference,
        changes={"participant": participant.code, "kind": kind, "value": value},
    )
    return preference


@transaction.atomic
def withdraw_preference(actor: Actor, preference: Preference) -> Preference:
    if not access.can_record_preferences(actor):
        raise _deny("Your roles do not change participants' preferences.")
    now = timezone.now()
    if not Preference.objects.filter(pk=preference.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=now, withdrawn_by=actor.user
    ):
        raise RuleViolation.one("already_withdrawn", "This preference was already withdrawn.")
    preference.refresh_from_db()
    record(actor, "rota.preference.withdraw", preference, changes={"withdrawn_at": [None, now]})
    return preference


# --- reads of personal data --------------------------------------------------------------------


def record_visits_listed(actor: Actor, codes: Sequence[str], via: str = "page") -> None:
    """A page of visits (or an export) names participants: one read entry naming every visit
    shown."""
    if not codes:
        return
    record(
        actor,
        "visit.list",
        kind=EntryKind.READ,
        target={
            "object_type": "rota.visit",
            "object_id": f"{len(codes)} shown",
            "object_label": "",
            "object_organisation_code": actor.org_code,
        },
        changes={"via": via, "shown": list(codes)},
    )
