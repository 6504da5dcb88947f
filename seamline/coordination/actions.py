"""Every change of care coordination, each in one transaction with its audit entry: owned
actions (create, complete), the coordinator rota and absences, huddle cohorts and their
members, huddles, attendance and decisions, post-discharge sprints, contact and daily
records. The rules are pure functions in `coordination.rules`."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from seamline.access import Actor, actor_for
from seamline.audit.actions import record
from seamline.audit.models import EntryKind
from seamline.cases.models import CareTeamMember, Participant, Referral
from seamline.errors import Reason, RuleViolation
from seamline.network.models import Organisation, RaciAssignment, User
from seamline.versioning import claim_version
from seamline.workforce.models import Worker

from . import access, rules
from .choices import ActionSource, RecordKind, RefusalHandling, StepStatus
from .models import (
    Absence,
    Action,
    Attendance,
    Cohort,
    CohortMember,
    Decision,
    Huddle,
    Record,
    RotaEntry,
    Sprint,
    SprintStep,
)


def care_organisations(participant: Participant, at: datetime | None = None) -> frozenset[str]:
    """Codes of the organisations with an active part in the participant's care at `at`."""
    return frozenset(
        CareTeamMember.objects.active(at or timezone.now())
        .filter(participant=participant)
        .values_list("organisation__code", flat=True)
    )


def person_organisation(person: User | None) -> str | None:
    if person is None:
        return None
    membership = person.current_membership()
    return membership.organisation.code if membership is not None else None


def _may_create(actor: Actor, participant: Participant) -> bool:
    return (
        access.can_create_actions(actor)
        and Participant.objects.visible_to(actor).filter(pk=participant.pk).exists()
    )


def _raise_if(reasons: list[Reason]) -> None:
    if reasons:
        raise RuleViolation(*reasons)


@transaction.atomic
def create_action(
    actor: Actor,
    participant: Participant,
    *,
    description: str,
    owner_organisation: Organisation,
    due_at: datetime | None,
    source: str,
    owner_person: User | None = None,
    owner_role: str = "",
    source_ref: str = "",
    at: datetime | None = None,
) -> Action:
    """Give someone the next action for a participant. The actor must be able to see the
    participant; the owner must belong to an organisation with a part in their care (SPEC C7).

    Callers that create actions as part of their own work (a handoff's acceptance) call this
    inside their transaction, after giving the owner's organisation its part."""
    if not actor.is_system and not _may_create(actor, participant):
        raise RuleViolation.one("not_permitted", "You may not set actions for this person.")
    if source not in ActionSource.values:
        raise RuleViolation.one("invalid_value", f"'{source}' is not an action source.", "source")
    when = at or timezone.now()
    reasons = rules.action_reasons(description=description, due_at=due_at)
    reasons += rules.owner_reasons(
        organisation=owner_organisation.code,
        organisation_name=owner_organisation.name,
        care_organisations=care_organisations(participant, when),
        person_organisation=person_organisation(owner_person),
        person_named=owner_person is not None,
        role=owner_role,
    )
    _raise_if(reasons)
    assert due_at is not None
    action = Action.objects.create(
        participant=participant,
        description=description.strip(),
        owner_organisation=owner_organisation,
        owner_person=owner_person,
        owner_role=owner_role,
        due_at=due_at,
        source=source,
        source_ref=source_ref,
        created_at=when,
        created_by=actor.user,
    )
    record(
        actor,
        "action.create",
        action,
        changes={
            "participant": participant.code,
            "owner": f"{owner_organisation.code}/"
            + (owner_person.username if owner_person else owner_role),
            "due_at": due_at,
            "source": f"{source}:{source_ref}" if source_ref else source,
        },
    )
    return action


@transaction.atomic
def complete_action(
    actor: Actor,
    action: Action,
    *,
    note: str = "",
    at: datetime | None = None,
    version: int | None = None,
) -> Action:
    """Mark the action done. Send the version read: two people closing it at once cannot both
    succeed."""
    if not access.can_complete(actor, action):
        raise RuleViolation.one("not_permitted", "Only the action's owners complete it.")
    now = timezone.now()
    when = at or now
    _raise_if(
        rules.completion_reasons(
            completed_at=action.completed_at, created_at=action.created_at, at=when, now=now
        )
    )
    claim_version(action, version, "This action")
    action.completed_at = when
    action.completed_by = actor.user
    action.completion_note = note.strip()
    action.save(update_fields=["completed_at", "completed_by", "completion_note"])
    record(actor, "action.complete", action, changes={"completed_at": [None, when]}, reason=note)
    return action


# --- the coordinator rota ----------------------------------------------------------------------


def _refuse_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise RuleViolation.one("not_permitted", message)


def _roles_of(person: User) -> frozenset[str]:
    person.__dict__.pop("_seamline_actor", None)
    return actor_for(person).roles


@transaction.atomic
def put_on_rota(
    actor: Actor,
    participant: Participant,
    coordinator: User,
    *,
    starts_on: date | None,
    ends_on: date | None = None,
    weekdays: int = 0b0011111,
) -> RotaEntry:
    """Name `coordinator` as the participant's coordinator on `weekdays` (bit 0 Monday) from
    `starts_on` to `ends_on`. Kept by an organisation's coordinators, supervisors and partner
    admins for their own people."""
    organisation_code = person_organisation(coordinator)
    if not actor.is_system:
        _refuse_unless(
            access.can_keep_rota(actor)
            and actor.organisation is not None
            and organisation_code == actor.organisation.code
            and _may_see(actor, participant),
            "You keep the coordinator rota for people of your own organisation only.",
        )
    membership = coordinator.current_membership()
    organisation = membership.organisation if membership is not None else None
    _raise_if(
        rules.rota_entry_reasons(
            weekdays=weekdays,
            starts_on=starts_on,
            ends_on=ends_on,
            organisation_name=organisation.name if organisation else "Their organisation",
            in_care=organisation_code is not None
            and organisation_code in care_organisations(participant),
            person_roles=_roles_of(coordinator),
        )
    )
    assert starts_on is not None and organisation is not None
    entry = RotaEntry.objects.create(
        participant=participant,
        coordinator=coordinator,
        organisation=organisation,
        weekdays=weekdays,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor.user,
    )
    record(
        actor,
        "coordinator_rota.add",
        entry,
        changes={
            "participant": participant.code,
            "coordinator": coordinator.username,
            "weekdays": entry.weekday_numbers,
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
    )
    return entry


@transaction.atomic
def end_rota_entry(actor: Actor, entry: RotaEntry, *, last_day: date | None) -> RotaEntry:
    """Take someone off a participant's rota after `last_day`. Kept by the rota keepers of the
    entry's organisation."""
    if not actor.is_system:
        _refuse_unless(
            access.can_keep_rota(actor) and actor.member_of(entry.organisation),
            "You keep the coordinator rota for people of your own organisation only.",
        )
    _raise_if(
        rules.rota_end_reasons(starts_on=entry.starts_on, ends_on=entry.ends_on, last_day=last_day)
    )
    before = entry.ends_on
    entry.ends_on = last_day
    entry.save(update_fields=["ends_on"])
    record(actor, "coordinator_rota.end", entry, changes={"ends_on": [before, last_day]})
    return entry


def _may_see(actor: Actor, participant: Participant) -> bool:
    return Participant.objects.visible_to(actor).filter(pk=participant.pk).exists()


@transaction.atomic
def record_absence(
    actor: Actor,
    person: User,
    *,
    starts_on: date | None,
    ends_on: date | None,
    cover: User | None = None,
    reason: str = "",
) -> Absence:
    """A coordinator is away; `cover` (a colleague with a coordinating role) stands in for them
    on the rota. Recorded by the person themselves or their organisation's rota keepers."""
    organisation_code = person_organisation(person)
    if not actor.is_system:
        own = actor.user is not None and actor.user.pk == person.pk
        _refuse_unless(
            (own and not actor.read_only)
            or (
                access.can_keep_rota(actor)
                and actor.organisation is not None
                and organisation_code == actor.organisation.code
            ),
            "You record absences for people of your own organisation only.",
        )
    _raise_if(
        rules.absence_reasons(
            starts_on=starts_on,
            ends_on=ends_on,
            person_organisation=organisation_code,
            cover_named=cover is not None,
            cover_is_person=cover is not None and cover.pk == person.pk,
            cover_organisation=person_organisation(cover),
            cover_roles=_roles_of(cover) if cover is not None else frozenset(),
        )
    )
    membership = person.current_membership()
    assert starts_on is not None and ends_on is not None and membership is not None
    absence = Absence.objects.create(
        person=person,
        organisation=membership.organisation,
        starts_on=starts_on,
        ends_on=ends_on,
        cover=cover,
        reason=reason.strip(),
        recorded_by=actor.user,
    )
    record(
        actor,
        "absence.record",
        absence,
        changes={
            "person": person.username,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "cover": cover.username if cover else None,
        },
        reason=reason,
    )
    return absence


# --- huddles -------------------------------------------------------------------------------------


@transaction.atomic
def create_cohort(
    actor: Actor,
    *,
    code: str,
    name: str,
    acuity: str,
    cadence: str,
    at: datetime | None = None,
) -> Cohort:
    _refuse_unless(
        actor.is_system or access.can_run_huddles(actor),
        "Only coordinators, supervisors and partner admins create huddle cohorts.",
    )
    code = code.strip().lower()
    reasons = rules.cadence_reasons(acuity, cadence)
    if not code or not name.strip():
        reasons.append(Reason("required", "Give the cohort a code and a name.", "code"))
    elif Cohort.objects.filter(code=code).exists():
        reasons.append(Reason("duplicate", f"There is already a cohort '{code}'.", "code"))
    _raise_if(reasons)
    organisation = actor.organisation
    if organisation is None:
        raise RuleViolation.one("not_permitted", "A cohort is convened by an organisation.")
    cohort = Cohort.objects.create(
        code=code,
        name=name.strip(),
        organisation=organisation,
        acuity=acuity,
        cadence=cadence,
        created_at=at or timezone.now(),
        created_by=actor.user,
    )
    record(actor, "cohort.create", cohort, changes={"acuity": acuity, "cadence": cadence})
    return cohort


@transaction.atomic
def add_to_cohort(
    actor: Actor, cohort: Cohort, participant: Participant, *, at: datetime | None = None
) -> CohortMember:
    _refuse_unless(
        actor.is_system or (access.can_run_huddles(actor) and _may_see(actor, participant)),
        "You may not add this person to a cohort.",
    )
    if CohortMember.objects.current().filter(cohort=cohort, participant=participant).exists():
        raise RuleViolation.one(
            "duplicate", f"{participant.code} is already in {cohort.name}.", "participant"
        )
    try:
        with transaction.atomic():
            member = CohortMember.objects.create(
                cohort=cohort,
                participant=participant,
                added_by=actor.user,
                added_at=at or timezone.now(),
            )
    except IntegrityError:  # someone added them a moment ago
        raise RuleViolation.one(
            "duplicate", f"{participant.code} is already in {cohort.name}.", "participant"
        ) from None
    record(actor, "cohort.add_member", cohort, changes={"participant": participant.code})
    return member


@transaction.atomic
def remove_from_cohort(
    actor: Actor, cohort: Cohort, participant: Participant, *, at: datetime | None = None
) -> CohortMember:
    """Take a participant off the cohort's roster; their decisions stay in the huddle log."""
    _refuse_unless(
        actor.is_system or (access.can_run_huddles(actor) and _may_see(actor, participant)),
        "You may not change this cohort.",
    )
    when = at or timezone.now()
    taken = (
        CohortMember.objects.current()
        .filter(cohort=cohort, participant=participant)
        .update(removed_at=when)
    )
    if not taken:
        raise RuleViolation.one(
            "not_in_cohort", f"{participant.code} is not in {cohort.name}.", "participant"
        )
    record(actor, "cohort.remove_member", cohort, changes={"participant": participant.code})
    return CohortMember.objects.filter(cohort=cohort, participant=participant).latest("removed_at")


@transaction.atomic
def start_huddle(actor: Actor, cohort: Cohort, *, at: datetime | None = None) -> Huddle:
    """Open the day's huddle of `cohort` (the day of `at`, now when left out), chaired by
    `actor`, who is its first attendee. Once a day per cohort: a second start of the same day
    opens the one already there."""
    _refuse_unless(
        access.can_run_huddles(actor) and actor.user is not None,
        "Only coordinators, supervisors and partner admins run huddles.",
    )
    assert actor.user is not None and actor.organisation is not None
    when = at or timezone.now()
    day = timezone.localdate(when)
    existing = Huddle.objects.filter(cohort=cohort, held_on=day).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            huddle = Huddle.objects.create(
                cohort=cohort,
                held_on=day,
                chair=actor.user,
                organisation=actor.organisation,
                started_at=when,
            )
    except IntegrityError:  # someone else opened it a moment ago
        return Huddle.objects.get(cohort=cohort, held_on=day)
    Attendance.objects.create(
        huddle=huddle, person=actor.user, organisation=actor.organisation, recorded_at=when
    )
    record(actor, "huddle.start", huddle, changes={"cohort": cohort.code, "held_on": day})
    return huddle


@transaction.atomic
def record_attendance(
    actor: Actor, huddle: Huddle, people: list[User], *, at: datetime | None = None
) -> list[Attendance]:
    """Add the people who attended (those already recorded are left as they are)."""
    _refuse_unless(
        access.can_run_huddles(actor), "Only those running the huddle record attendance."
    )
    already = set(huddle.attendance.values_list("person_id", flat=True))
    added = []
    for person in people:
        if person.pk in already:
            continue
        membership = person.current_membership()
        if membership is None:
            raise RuleViolation.one(
                "invalid_value", f"{person.display_name} belongs to no organisation.", "people"
            )
        added.append(
            Attendance.objects.create(
                huddle=huddle,
                person=person,
                organisation=membership.organisation,
                recorded_at=at or timezone.now(),
            )
        )
        already.add(person.pk)
    if added:
        record(
            actor,
            "huddle.attendance",
            huddle,
            changes={"added": sorted(a.person.username for a in added)},
        )
    return added


@transaction.atomic
def record_decision(
    actor: Actor,
    huddle: Huddle,
    participant: Participant,
    *,
    decision: str,
    owner_organisation: Organisation,
    due_at: datetime | None,
    owner_person: User | None = None,
    owner_role: str = "",
    at: datetime | None = None,
) -> Decision:
    """What the huddle decided about a participant of its cohort, who owns it and by when: an
    owned action with source huddle (the owner rule of `create_action` applies)."""
    _refuse_unless(access.can_run_huddles(actor), "Only those running the huddle record decisions.")
    if (
        not CohortMember.objects.current()
        .filter(cohort=huddle.cohort, participant=participant)
        .exists()
    ):
        raise RuleViolation.one(
            "not_in_cohort", f"{participant.code} is not in this huddle's cohort.", "participant"
        )
    action = create_action(
        actor,
        participant,
        description=decision,
        owner_organisation=owner_organisation,
        owner_person=owner_person,
        owner_role=owner_role,
        due_at=due_at,
        source=ActionSource.HUDDLE,
        source_ref=huddle.ref,
        at=at,
    )
    return Decision.objects.create(
        huddle=huddle,
        participant=participant,
        action=action,
        recorded_by=actor.user,
        recorded_at=at or timezone.now(),
    )


# --- the post-discharge sprint -----------------------------------------------------------------


def _raci_of(referral: Referral) -> dict[str, tuple[list[rules.RaciParty], rules.RaciParty | None]]:
    """The pathway's RACI by step code: its Responsible entries in order, and its Accountable."""
    found: dict[str, tuple[list[rules.RaciParty], rules.RaciParty | None]] = {}
    for code, letter, organisation, role in (
        RaciAssignment.objects.filter(step__pathway_id=referral.pathway_id, letter__in="RA")
        .order_by("step__position", "id")
        .values_list("step__code", "letter", "organisation__code", "role")
    ):
        responsible, accountable = found.get(code, ([], None))
        party = rules.RaciParty(organisation, role)
        if letter == "R":
            responsible.append(party)
        else:
            accountable = party
        found[code] = (responsible, accountable)
    return found


@transaction.atomic
def start_sprint(
    actor: Actor, referral: Referral, at: datetime | None = None, reason: str = ""
) -> Sprint:
    """Start the post-discharge sprint of a discharge referral: one owned action per template
    step, owned from the pathway's RACI, due by the end of its day of the 72 hours from the
    referral's `received_at`. Idempotent: a referral that has a sprint gets that one back."""
    from .sprint import default_template

    existing = Sprint.objects.filter(referral=referral).first()
    if existing is not None:
        return existing
    if not actor.is_system and not _may_create(actor, referral.participant):
        raise RuleViolation.one("not_permitted", "You may not start sprints for this person.")
    referrer = referral.referrer_organisation
    _raise_if(rules.qualifies_for_sprint(referrer.kind if referrer else None))
    when = at or timezone.now()
    template = default_template()
    case_organisation = referral.owner_organisation or referral.receiving_organisation
    try:
        with transaction.atomic():
            sprint = Sprint.objects.create(
                referral=referral,
                participant=referral.participant,
                pathway_id=referral.pathway_id,
                organisation=case_organisation,
                template=template.code,
                started_at=referral.received_at,
                ends_at=referral.received_at + timedelta(hours=rules.SPRINT_HOURS),
                created_at=when,
                created_by=actor.user,
            )
    except IntegrityError:
        # Someone started it a moment ago: theirs stands.
        return Sprint.objects.get(referral=referral)
    raci = _raci_of(referral)
    in_care = care_organisations(referral.participant, when)
    organisations = {o.code: o for o in Organisation.objects.filter(code__in=in_care)}
    for position, step in enumerate(template.steps, start=1):
        responsible, accountable = raci.get(step.pathway_step, ([], None))
        owner = rules.sprint_step_owner(
            responsible=responsible,
            accountable=accountable,
            case_organisation=case_organisation.code,
            care_organisations=in_care,
        )
        if isinstance(owner, Reason):
            raise RuleViolation(owner)
        action = create_action(
            actor,
            referral.participant,
            description=f"Sprint day {step.day}: {step.name}",
            owner_organisation=organisations[owner.organisation],
            owner_role=owner.role,
            due_at=rules.step_due_at(sprint.started_at, step.day),
            source=ActionSource.SPRINT,
            source_ref=sprint.ref,
            at=when,
        )
        SprintStep.objects.create(
            sprint=sprint,
            position=position,
            code=step.code,
            name=step.name,
            day=step.day,
            pathway_step=step.pathway_step,
            owner_basis=owner.basis,
            action=action,
        )
    record(
        actor,
        "sprint.start",
        sprint,
        changes={"referral": referral.code, "started_at": sprint.started_at},
        reason=reason,
    )
    return sprint


# The actor the automatic start writes as; the audit entry's reason names who recorded the
# referral.
ON_DISCHARGE = Actor.system("sprint-on-discharge")


def start_sprint_on_discharge(actor: Actor, referral: Referral) -> Sprint | None:
    """The hook `cases.actions.create_referral` calls (registered in `apps.py`): a referral
    received from an NHS trust, recorded while its 72 hours are still running, starts its
    sprint at once. Idempotent like `start_sprint`. A sprint that cannot start (no
    organisation to own a step) does not undo the referral: it waits on the sprint list."""
    referrer = referral.referrer_organisation
    now = timezone.now()
    if rules.qualifies_for_sprint(referrer.kind if referrer else None):
        return None
    if not rules.starts_on_its_own(referral.received_at, now):
        return None
    try:
        return start_sprint(
            ON_DISCHARGE,
            referral,
            at=now,
            reason=f"Discharge referral {referral.code} recorded by {actor.display}.",
        )
    except RuleViolation:
        return None


def _finish_if_complete(sprint: Sprint, when: datetime) -> None:
    statuses = SprintStep.objects.filter(sprint=sprint).values_list("status", flat=True)
    if sprint.completed_at is None and rules.sprint_complete(statuses):
        sprint.completed_at = when
        sprint.save(update_fields=["completed_at"])


def _resolve(
    actor: Actor, step: SprintStep, status: str, note: str, at: datetime | None
) -> datetime:
    if not access.can_complete(actor, step.action):
        raise RuleViolation.one("not_permitted", "Only the step's owners complete it.")
    _raise_if(rules.step_resolve_reasons(step.status))
    when = at or timezone.now()
    complete_action(actor, step.action, note=note, at=when)
    step.status = status
    step.resolved_at = when
    step.resolved_by = actor.user
    return when


@transaction.atomic
def complete_step(
    actor: Actor, step: SprintStep, *, note: str = "", at: datetime | None = None
) -> SprintStep:
    """Mark a sprint step done (late is allowed: it still counts as failed)."""
    step = SprintStep.objects.select_for_update().select_related("action", "sprint").get(pk=step.pk)
    when = _resolve(actor, step, StepStatus.DONE, note, at)
    step.save(update_fields=["status", "resolved_at", "resolved_by"])
    record(actor, "sprint.step_done", step.sprint, changes={"step": step.code}, reason=note)
    _finish_if_complete(step.sprint, when)
    return step


@transaction.atomic
def refuse_step(
    actor: Actor,
    step: SprintStep,
    *,
    refusal: str,
    handling_code: str,
    handling_note: str,
    at: datetime | None = None,
) -> SprintStep:
    """Record that the participant (or their representative) refused a step, with how the
    refusal was handled: a code and a sentence. A handled refusal resolves the step."""
    step = SprintStep.objects.select_for_update().select_related("action", "sprint").get(pk=step.pk)
    if not access.can_complete(actor, step.action):
        raise RuleViolation.one("not_permitted", "Only the step's owners record a refusal.")
    _raise_if(rules.refusal_reasons(handling_code, handling_note, RefusalHandling.values))
    note = f"Refused: {refusal.strip() or 'no reason given'}. {handling_note.strip()}"
    when = _resolve(actor, step, StepStatus.REFUSED, note, at)
    step.refusal = refusal.strip()
    step.handling_code = handling_code
    step.handling_note = handling_note.strip()
    step.save(
        update_fields=[
            "status",
            "resolved_at",
            "resolved_by",
            "refusal",
            "handling_code",
            "handling_note",
        ]
    )
    record(
        actor,
        "sprint.step_refused",
        step.sprint,
        changes={"step": step.code, "handling_code": handling_code},
        reason=handling_note,
    )
    _finish_if_complete(step.sprint, when)
    return step


# --- contact and daily records (the 24-hour documentation standard) ---------------------------


def _worker_of(person: User | None) -> Worker | None:
    return Worker.objects.filter(user=person).first() if person is not None else None


@transaction.atomic
def write_record(
    actor: Actor,
    participant: Participant,
    *,
    kind: str,
    occurred_at: datetime | None,
    text: str,
) -> Record:
    """Write a contact or daily record about a participant the actor sees. When it was
    written is the server's clock, never the writer's word; its author is the actor (and
    their worker record when they are a worker)."""
    if not actor.is_system:
        _refuse_unless(
            access.can_write_records(actor) and _may_see(actor, participant),
            "You may not write records about this person.",
        )
    if actor.organisation is None:
        raise RuleViolation.one("not_permitted", "A record is written by an organisation.")
    if participant.is_merged:
        raise RuleViolation.one(
            "merged",
            "This record was merged: write on the record it was merged into.",
            "participant",
        )
    now = timezone.now()
    _raise_if(
        rules.record_reasons(
            kind=kind,
            kinds=RecordKind.values,
            occurred_at=occurred_at,
            recorded_at=now,
            text=text,
            now=now,
        )
    )
    assert occurred_at is not None
    made = Record.objects.create(
        participant=participant,
        organisation=actor.organisation,
        author=actor.user,
        worker=_worker_of(actor.user),
        kind=kind,
        occurred_at=occurred_at,
        recorded_at=now,
        text=text.strip(),
    )
    record(
        actor,
        "record.write",
        made,
        changes={
            "participant": participant.code,
            "kind": kind,
            "occurred_at": occurred_at,
            "on_time": rules.documented_on_time(occurred_at, now),
        },
    )
    return made


def record_records_read(actor: Actor, participant: Participant, via: str = "page") -> None:
    """Reading a participant's contact and daily records is a read of personal data."""
    record(
        actor,
        "record.read",
        participant,
        kind=EntryKind.READ,
        changes={"via": via, "what": "contact and daily records"},
    )


def record_late_list_read(actor: Actor, shown: list[str], via: str = "page") -> None:
    """The late-records list names participants and the people who wrote about them."""
    record(
        actor,
        "record.late_list",
        kind=EntryKind.READ,
        target={
            "object_type": "coordination.record",
            "object_id": f"{len(shown)} shown",
            "object_label": "Late records",
            "object_organisation_code": actor.org_code,
        },
        changes={"via": via, "shown": shown},
    )
