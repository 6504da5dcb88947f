"""Every change to the workforce register goes through one of these functions (SPEC C3).

Each runs in one transaction, checks the actor's right to act, validates its input (raising
`RuleViolation` with reasons naming the field), writes, and appends an audit entry. The rules
themselves are pure functions in `workforce.rules`; these functions load the facts for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from seamline.access import Actor
from seamline.audit.actions import diff, record
from seamline.audit.models import EntryKind
from seamline.competency.choices import EVIDENCE_MAPPINGS, EvidenceKind, Stage
from seamline.competency.models import Competency, ModuleMapping, PartnerModule, TaskType
from seamline.errors import Reason, RuleViolation
from seamline.network.choices import OrgKind
from seamline.network.models import Network, Organisation, Pathway, User

from . import access, rules
from .authorization import Attainment
from .choices import (
    LOCAL_INDUCTION_TOPICS,
    TEMPORARY,
    EmploymentType,
    RoleGroup,
    SupervisionKind,
    WorkerStatus,
)
from .models import (
    AssessorDesignation,
    DelegationPause,
    EnhancedSupervisionPeriod,
    Evidence,
    SignOff,
    SupervisionSession,
    Worker,
    WorkerPathway,
    WorkerStatusChange,
)

ENHANCED_REASONS = ("new_starter", "placement")
WORKER_EDITABLE = (
    "staff_id",
    "first_name",
    "last_name",
    "employment_type",
    "role_group",
    "start_date",
    "placement_start",
    "status",
    "left_on",
    "user",
)


def _deny(message: str) -> RuleViolation:
    return RuleViolation.one("not_permitted", message)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise _deny(message)


def _raise_if(reasons: list[Reason]) -> None:
    if reasons:
        raise RuleViolation(*reasons)


def _local_date(at: datetime) -> date:
    return timezone.localdate(at) if timezone.is_aware(at) else at.date()


def _aware(at: datetime) -> datetime:
    return at if timezone.is_aware(at) else timezone.make_aware(at)


def _not_future(day: date | None, field: str, what: str) -> list[Reason]:
    if day is not None and day > timezone.localdate():
        return [Reason("date_in_future", f"{what} cannot be in the future.", field)]
    return []


def _prime_code() -> str | None:
    prime = Organisation.objects.filter(kind=OrgKind.PRIME).only("code").first()
    return prime.code if prime else None


def _key(value: Any) -> Any:
    """Values as the audit log keeps them (objects by their public code or id)."""
    if isinstance(value, models.Model):
        return (
            getattr(value, "code", None)
            or getattr(value, "uuid", None)
            or getattr(value, "username", None)
            or value.pk
        )
    return value


def attainments_of(worker: Worker, competency: Competency | None = None) -> list[Attainment]:
    """The worker's sign-offs as plain values (for `rules` and `authorization`)."""
    qs = worker.sign_offs.select_related("competency", "pathway")
    if competency is not None:
        qs = qs.filter(competency=competency)
    return [
        Attainment(
            competency=s.competency.code,
            stage=s.stage,
            signed_at=s.signed_at,
            review_due=s.review_due,
            pathway=s.pathway.code if s.pathway else None,
            superseded_at=s.superseded_at,
            revoked_at=s.revoked_at,
        )
        for s in qs
    ]


def _supervisor_reasons(worker: Worker, supervisor: Worker | None, field: str) -> list[Reason]:
    """A supervisor is another active worker of the worker's organisation or of the prime."""
    if supervisor is None:
        return [Reason("required", "Name the supervisor.", field)]
    if supervisor.pk == worker.pk:
        return [Reason("supervisor_is_worker", "Nobody supervises themselves.", field)]
    reasons = []
    if supervisor.organisation_id != worker.organisation_id and (
        supervisor.organisation.kind != OrgKind.PRIME
    ):
        reasons.append(
            Reason(
                "supervisor_wrong_organisation",
                f"{supervisor.name} belongs to neither {worker.name}'s organisation nor the "
                "prime provider.",
                field,
            )
        )
    if supervisor.status != WorkerStatus.ACTIVE:
        reasons.append(
            Reason("supervisor_not_active", f"{supervisor.name} is not an active worker.", field)
        )
    return reasons


# --- reads ----------------------------------------------------------------------------------


def record_worker_read(actor: Actor, worker: Worker) -> None:
    """Opening a worker's record is a read of personal data: it goes in the audit log."""
    record(actor, "worker.read", worker, kind=EntryKind.READ)


# --- workers --------------------------------------------------------------------------------


def _worker_field_reasons(
    *,
    staff_id: str,
    first_name: str,
    last_name: str,
    employment_type: str,
    role_group: str,
) -> list[Reason]:
    reasons = []
    if not staff_id.strip():
        reasons.append(Reason("required", "Give the worker's staff id.", "staff_id"))
    if not first_name.strip():
        reasons.append(Reason("required", "Give the worker's first name.", "first_name"))
    if not last_name.strip():
        reasons.append(Reason("required", "Give the worker's last name.", "last_name"))
    if employment_type not in EmploymentType.values:
        reasons.append(
            Reason(
                "invalid_employment_type",
                f"'{employment_type}' is not an employment type.",
                "employment_type",
            )
        )
    if role_group not in RoleGroup.values:
        reasons.append(
            Reason("invalid_role_group", f"'{role_group}' is not a role group.", "role_group")
        )
    return reasons


def _user_reasons(org: Organisation, user: User | None, worker: Worker | None) -> list[Reason]:
    if user is None:
        return []
    reasons = []
    membership = user.current_membership()
    if membership is None or membership.organisation_id != org.pk:
        reasons.append(
            Reason(
                "user_other_organisation",
                f"{user.username} is not a current member of {org.name}.",
                "user",
            )
        )
    linked = Worker.objects.filter(user=user)
    if worker is not None:
        linked = linked.exclude(pk=worker.pk)
    if linked.exists():
        reasons.append(
            Reason("user_linked", f"{user.username} is already linked to a worker.", "user")
        )
    return reasons


@transaction.atomic
def add_worker(
    actor: Actor,
    org: Organisation,
    *,
    staff_id: str,
    first_name: str,
    last_name: str,
    employment_type: str,
    role_group: str,
    start_date: date,
    placement_start: date | None = None,
    pathways: Iterable[Pathway] = (),
    user: User | None = None,
    reason: str = "",
    supervisor: Worker | None = None,
) -> Worker:
    """Add a worker to `org`. With a supervisor, the worker's enhanced-supervision period
    starts on the start date (on the placement start for a temporary worker)."""
    _require(
        access.can_manage_workers(actor, org),
        "Only the organisation's partner admin or supervisor, or the prime, adds workers.",
    )
    staff_id = staff_id.strip()
    reasons = _worker_field_reasons(
        staff_id=staff_id,
        first_name=first_name,
        last_name=last_name,
        employment_type=employment_type,
        role_group=role_group,
    )
    if staff_id and Worker.objects.filter(organisation=org, staff_id=staff_id).exists():
        reasons.append(
            Reason("staff_id_taken", f"{org.name} already has a worker '{staff_id}'.", "staff_id")
        )
    temporary = employment_type in TEMPORARY
    if placement_start is not None and not temporary:
        reasons.append(
            Reason(
                "placement_not_temporary",
                "Only temporary workers (bank, agency, contractor) have placements.",
                "placement_start",
            )
        )
    if placement_start is not None and placement_start < start_date:
        reasons.append(
            Reason(
                "placement_before_start",
                "The placement cannot start before the worker's start date.",
                "placement_start",
            )
        )
    reasons += _user_reasons(org, user, None)
    pathway_list = list(pathways)
    worker = Worker(
        organisation=org,
        staff_id=staff_id,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        employment_type=employment_type,
        role_group=role_group,
        start_date=start_date,
        placement_start=placement_start or (start_date if temporary else None),
        user=user,
    )
    if supervisor is not None:
        reasons += _supervisor_reasons(worker, supervisor, "supervisor")
    _raise_if(reasons)
    worker.save()
    for pathway in pathway_list:
        WorkerPathway.objects.create(worker=worker, pathway=pathway, started_on=start_date)
    period_start = worker.placement_start or start_date
    if supervisor is not None:
        _create_enhanced(
            worker,
            supervisor,
            period_start,
            "placement" if placement_start is not None else "new_starter",
        )
    record(
        actor,
        "worker.add",
        worker,
        changes={
            "staff_id": [None, staff_id],
            "employment_type": [None, employment_type],
            "role_group": [None, role_group],
            "start_date": [None, start_date],
            "placement_start": [None, worker.placement_start],
            "pathways": [None, sorted(p.code for p in pathway_list)],
            "supervisor": [None, str(supervisor.uuid) if supervisor else None],
        },
        reason=reason,
    )
    return worker


@transaction.atomic
def update_worker(
    actor: Actor, worker: Worker, changes: Mapping[str, Any], *, reason: str = ""
) -> Worker:
    """Change the worker's details (fields in `WORKER_EDITABLE`)."""
    _require(
        access.can_edit_worker(actor, worker),
        "Only the worker's partner admin or supervisor, or the prime, changes this record.",
    )
    unknown = sorted(set(changes) - set(WORKER_EDITABLE))
    _raise_if([Reason("field_not_editable", f"'{f}' cannot be changed here.", f) for f in unknown])
    before = {f: _key(getattr(worker, f)) for f in WORKER_EDITABLE}
    old_status = worker.status
    saved = {f: getattr(worker, f) for f in changes}
    for name, value in changes.items():
        setattr(worker, name, value.strip() if isinstance(value, str) else value)
    try:
        _check_worker(worker, changes)
    except RuleViolation:
        for name, value in saved.items():  # a refusal leaves the caller's object as it was
            setattr(worker, name, value)
        raise
    after = {f: _key(getattr(worker, f)) for f in WORKER_EDITABLE}
    changed = diff(before, after)
    if not changed:
        return worker
    worker.save(update_fields=list(changed))
    if worker.status != old_status:
        # The status history the register reads for past instants.
        WorkerStatusChange.objects.create(
            worker=worker,
            from_status=old_status,
            to_status=worker.status,
            changed_by=actor.user,
            reason=reason,
        )
    record(actor, "worker.update", worker, changes=changed, reason=reason)
    return worker


def _check_worker(worker: Worker, changes: Mapping[str, Any]) -> None:
    reasons = _worker_field_reasons(
        staff_id=worker.staff_id,
        first_name=worker.first_name,
        last_name=worker.last_name,
        employment_type=worker.employment_type,
        role_group=worker.role_group,
    )
    if worker.status not in WorkerStatus.values:
        reasons.append(Reason("invalid_status", f"'{worker.status}' is not a status.", "status"))
    if worker.status == WorkerStatus.LEFT and worker.left_on is None:
        reasons.append(Reason("left_on_required", "Give the date the worker left.", "left_on"))
    if worker.left_on is not None and worker.left_on < worker.start_date:
        reasons.append(
            Reason("left_before_start", "A worker cannot leave before starting.", "left_on")
        )
    if (
        "staff_id" in changes
        and Worker.objects.filter(organisation=worker.organisation, staff_id=worker.staff_id)
        .exclude(pk=worker.pk)
        .exists()
    ):
        reasons.append(
            Reason(
                "staff_id_taken",
                f"{worker.organisation.name} already has a worker '{worker.staff_id}'.",
                "staff_id",
            )
        )
    if "user" in changes:
        reasons += _user_reasons(worker.organisation, worker.user, worker)
    if worker.placement_start is not None and worker.employment_type not in TEMPORARY:
        reasons.append(
            Reason(
                "placement_not_temporary",
                "Only temporary workers (bank, agency, contractor) have placements.",
                "placement_start",
            )
        )
    _raise_if(reasons)


@transaction.atomic
def assign_pathway(
    actor: Actor, worker: Worker, pathway: Pathway, *, started_on: date, reason: str = ""
) -> WorkerPathway:
    """The worker starts on `pathway`: its pathway-specific competencies need re-signing for
    it (the authorization register answers `pathway_revalidation_due` until they are)."""
    _require(
        access.can_edit_worker(actor, worker),
        "Only the worker's partner admin or supervisor, or the prime, assigns pathways.",
    )
    if WorkerPathway.objects.filter(worker=worker, pathway=pathway, ended_on__isnull=True).exists():
        raise RuleViolation.one(
            "pathway_already_assigned",
            f"{worker.name} already works on {pathway.name}.",
            "pathway",
        )
    if started_on < worker.start_date:
        raise RuleViolation.one(
            "pathway_before_start",
            "A pathway cannot start before the worker's start date.",
            "started_on",
        )
    row = WorkerPathway.objects.create(worker=worker, pathway=pathway, started_on=started_on)
    record(
        actor,
        "worker.pathway.assign",
        worker,
        changes={"pathway": [None, pathway.code], "started_on": [None, started_on]},
        reason=reason,
    )
    return row


@transaction.atomic
def end_pathway(
    actor: Actor, worker: Worker, pathway: Pathway, *, ended_on: date, reason: str = ""
) -> WorkerPathway:
    _require(
        access.can_edit_worker(actor, worker),
        "Only the worker's partner admin or supervisor, or the prime, ends pathways.",
    )
    row = WorkerPathway.objects.filter(
        worker=worker, pathway=pathway, ended_on__isnull=True
    ).first()
    if row is None:
        raise RuleViolation.one(
            "pathway_not_assigned", f"{worker.name} does not work on {pathway.name}.", "pathway"
        )
    if ended_on < row.started_on:
        raise RuleViolation.one(
            "pathway_end_before_start",
            f"The pathway began on {row.started_on:%d %b %Y}; it cannot end before that.",
            "ended_on",
        )
    row.ended_on = ended_on
    row.save(update_fields=["ended_on"])
    record(
        actor,
        "worker.pathway.end",
        worker,
        changes={"pathway": [pathway.code, pathway.code], "ended_on": [None, ended_on]},
        reason=reason,
    )
    return row


# --- evidence -------------------------------------------------------------------------------


def _evidence_reasons(
    worker: Worker,
    *,
    kind: str,
    occurred_on: date,
    competency: Competency | None,
    pathway: Pathway | None,
    valid_until: date | None,
    detail: Mapping[str, Any] | None,
    module: PartnerModule | None,
) -> list[Reason]:
    reasons = []
    if kind not in EvidenceKind.values:
        reasons.append(Reason("invalid_kind", f"'{kind}' is not a kind of evidence.", "kind"))
    reasons += _not_future(occurred_on, "occurred_on", "Evidence")
    if valid_until is not None and valid_until < occurred_on:
        reasons.append(
            Reason(
                "valid_before_occurred",
                "Evidence cannot expire before the day it was gained.",
                "valid_until",
            )
        )
    if pathway is not None and (competency is None or not competency.pathway_specific):
        reasons.append(
            Reason(
                "pathway_not_applicable",
                "Only evidence of a pathway-specific competency names a pathway.",
                "pathway",
            )
        )
    if module is not None and module.organisation_id != worker.organisation_id:
        reasons.append(
            Reason(
                "module_other_organisation",
                f"Module {module.code} is not in {worker.organisation.name}'s catalogue.",
                "module",
            )
        )
    if kind == EvidenceKind.LOCAL_INDUCTION:
        topics = (detail or {}).get("topics", [])
        unknown = sorted(set(topics) - set(LOCAL_INDUCTION_TOPICS))
        if not isinstance(topics, list) or unknown:
            reasons.append(
                Reason(
                    "invalid_topics",
                    "A local induction's topics are among: " + ", ".join(LOCAL_INDUCTION_TOPICS),
                    "detail",
                )
            )
    return reasons


def _create_evidence(
    actor: Actor,
    worker: Worker,
    *,
    kind: str,
    occurred_on: date,
    competency: Competency | None,
    pathway: Pathway | None,
    valid_until: date | None,
    detail: Mapping[str, Any] | None,
    verified: bool,
    module: PartnerModule | None,
    source_key: str,
) -> Evidence:
    evidence = Evidence.objects.create(
        worker=worker,
        kind=kind,
        occurred_on=occurred_on,
        competency=competency,
        pathway=pathway,
        valid_until=valid_until,
        detail=dict(detail or {}),
        module=module,
        verified_by=actor.user if verified else None,
        recorded_by=actor.user,
        source_key=source_key,
    )
    record(
        actor,
        "worker.evidence.add",
        worker,
        changes={
            "evidence": [None, str(evidence.uuid)],
            "kind": [None, kind],
            "competency": [None, competency.code if competency else None],
            "pathway": [None, pathway.code if pathway else None],
            "module": [None, module.code if module else None],
            "occurred_on": [None, occurred_on],
            "valid_until": [None, valid_until],
            "verified": [None, verified],
        },
    )
    return evidence


@transaction.atomic
def record_evidence(
    actor: Actor,
    worker: Worker,
    *,
    kind: str,
    occurred_on: date,
    competency: Competency | None = None,
    pathway: Pathway | None = None,
    valid_until: date | None = None,
    detail: Mapping[str, Any] | None = None,
    verified: bool = False,
    module: PartnerModule | None = None,
    source_key: str = "",
) -> Evidence:
    """Record one dated piece of evidence. The same `source_key` twice returns the first row."""
    _require(
        access.can_edit_worker(actor, worker),
        "Only the worker's partner admin or supervisor, or the prime, records evidence.",
    )
    if source_key:
        existing = Evidence.objects.filter(worker=worker, source_key=source_key).first()
        if existing is not None:
            return existing
    _raise_if(
        _evidence_reasons(
            worker,
            kind=kind,
            occurred_on=occurred_on,
            competency=competency,
            pathway=pathway,
            valid_until=valid_until,
            detail=detail,
            module=module,
        )
    )
    return _create_evidence(
        actor,
        worker,
        kind=kind,
        occurred_on=occurred_on,
        competency=competency,
        pathway=pathway,
        valid_until=valid_until,
        detail=detail,
        verified=verified,
        module=module,
        source_key=source_key,
    )


@transaction.atomic
def record_module_completion(
    actor: Actor,
    worker: Worker,
    module: PartnerModule,
    *,
    completed_on: date,
    source_key: str = "",
    verified: bool = False,
) -> list[Evidence]:
    """A completed partner module becomes `module` evidence for each competency it maps to
    exactly or in part (related mappings produce none). An unmapped module is refused, never
    silently dropped."""
    _require(
        access.can_edit_worker(actor, worker),
        "Only the worker's partner admin or supervisor, or the prime, records evidence.",
    )
    mappings = list(
        ModuleMapping.objects.filter(module=module, kind__in=EVIDENCE_MAPPINGS)
        .select_related("competency")
        .order_by("competency__code")
    )
    if not mappings:
        raise RuleViolation.one(
            "module_unmapped",
            f"Module {module.code} ({module.title}) is not mapped exactly or in part to any "
            "shared competency: map it before recording completions.",
            "module",
        )
    valid_until = (
        rules.add_months(completed_on, module.refresher_months) if module.refresher_months else None
    )
    made = []
    for mapping in mappings:
        key = f"{source_key}:{mapping.competency.code}" if source_key else ""
        if key:
            existing = Evidence.objects.filter(worker=worker, source_key=key).first()
            if existing is not None:
                made.append(existing)
                continue
        _raise_if(
            _evidence_reasons(
                worker,
                kind=EvidenceKind.MODULE,
                occurred_on=completed_on,
                competency=mapping.competency,
                pathway=None,
                valid_until=valid_until,
                detail=None,
                module=module,
            )
        )
        made.append(
            _create_evidence(
                actor,
                worker,
                kind=EvidenceKind.MODULE,
                occurred_on=completed_on,
                competency=mapping.competency,
                pathway=None,
                valid_until=valid_until,
                detail=None,
                verified=verified,
                module=module,
                source_key=key,
            )
        )
    return made


# --- sign-offs ------------------------------------------------------------------------------


def evidence_for_sign_off(
    worker: Worker,
    competency: Competency,
    at: datetime,
    pathway: Pathway | None = None,
    *,
    in_date_only: bool = True,
) -> list[Evidence]:
    """The worker's evidence of `competency` (on `pathway`, or for no pathway), by default only
    what is in date on the signing day of `at` (dated on or before it and valid then)."""
    qs = Evidence.objects.filter(worker=worker, competency=competency)
    if pathway is not None and competency.pathway_specific:
        qs = qs.filter(Q(pathway__isnull=True) | Q(pathway=pathway))
    else:
        qs = qs.filter(pathway__isnull=True)
    if in_date_only:
        day = _local_date(at)
        qs = qs.filter(occurred_on__lte=day).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )
    return list(qs.select_related("module", "pathway").order_by("kind", "-occurred_on"))


def in_date(evidence: Evidence, at: datetime) -> bool:
    day = _local_date(at)
    return evidence.occurred_on <= day and (
        evidence.valid_until is None or evidence.valid_until >= day
    )


def sign_off_reasons(
    worker: Worker,
    competency: Competency,
    stage: str,
    *,
    signer: Worker,
    signed_at: datetime,
    pathway: Pathway | None,
    evidence: list[Evidence],
) -> list[Reason]:
    """Every rule a sign-off must meet, as reasons (empty: it may be recorded)."""
    if stage not in Stage.values:
        return [Reason("invalid_stage", f"'{stage}' is not a stage.", "stage")]
    reasons: list[Reason] = []
    if competency.pathway_specific and pathway is None:
        reasons.append(
            Reason(
                "pathway_required",
                f"{competency.title} is pathway-specific: name the pathway it is signed off for.",
                "pathway",
            )
        )
    if not competency.pathway_specific and pathway is not None:
        reasons.append(
            Reason(
                "pathway_not_applicable",
                f"{competency.title} is not pathway-specific: it is signed off for every "
                "pathway at once.",
                "pathway",
            )
        )
    # Nobody signs or is signed off after leaving. (A sign-off before the start date is
    # allowed: induction often happens in the days before a worker starts.)
    day = _local_date(signed_at)
    for who, code, field in (
        (worker, "worker_not_active", "stage"),
        (signer, "signer_not_active", "signer"),
    ):
        if (who.left_on is not None and who.left_on < day) or (
            who.left_on is None and who.status == WorkerStatus.LEFT
        ):
            reasons.append(Reason(code, f"{who.name} had left by {day:%d %b %Y}.", field))
    if signed_at > timezone.now() + timedelta(minutes=5):
        reasons.append(
            Reason("date_in_future", "A sign-off cannot be dated in the future.", "signed_at")
        )
    reasons += rules.signer_reasons(
        worker=str(worker.uuid),
        signer=str(signer.uuid),
        signer_name=signer.name,
        competency=competency.code,
        competency_title=competency.title,
        worker_organisation=worker.organisation.code,
        signer_organisation=signer.organisation.code,
        prime_organisation=_prime_code(),
        signer_attainments=attainments_of(signer, competency),
        assessor_periods=[
            rules.AssessorPeriod(d.designated_on, d.ended_on)
            for d in AssessorDesignation.objects.filter(worker=signer, competency=competency)
        ],
        at=signed_at,
    )
    foreign = [
        e
        for e in evidence
        if e.worker_id != worker.pk or (e.competency_id not in (None, competency.pk))
    ]
    if foreign:
        reasons.append(
            Reason(
                "evidence_not_for_sign_off",
                "Some of the evidence given belongs to another worker or competency.",
                "evidence",
            )
        )
    reasons += rules.stage_evidence_reasons(
        competency_title=competency.title,
        stage=stage,
        stage_evidence=competency.stage_evidence or {},
        evidence=[
            rules.EvidenceFact(e.kind, e.occurred_on, e.valid_until)
            for e in evidence
            if e not in foreign
        ],
        signed_on=_local_date(signed_at),
    )
    return reasons


@transaction.atomic
def sign_off_stage(
    actor: Actor,
    worker: Worker,
    competency: Competency,
    stage: str,
    *,
    signer: Worker,
    signed_at: datetime,
    pathway: Pathway | None = None,
    evidence: Iterable[Evidence] | None = None,
    source_key: str = "",
) -> SignOff:
    """Sign off `stage` of `competency` for `worker`. The signer must be entitled and the
    stage's evidence present and in date; the review date follows the competency's interval
    (sooner for temporary workers). Earlier sign-offs of the same competency (and pathway)
    are superseded from `signed_at`."""
    _require(
        access.can_sign_off(actor, worker),
        "Only the worker's partner admin or supervisor, or the prime, records sign-offs.",
    )
    if source_key:
        existing = SignOff.objects.filter(worker=worker, source_key=source_key).first()
        if existing is not None:
            return existing
    signed_at = _aware(signed_at)
    # Without a choice of evidence, the rules see all of it (so that lapsed evidence is named
    # as out of date, not missing) and the sign-off rests on what is in date.
    given = (
        list(evidence)
        if evidence is not None
        else evidence_for_sign_off(worker, competency, signed_at, pathway, in_date_only=False)
    )
    _raise_if(
        sign_off_reasons(
            worker,
            competency,
            stage,
            signer=signer,
            signed_at=signed_at,
            pathway=pathway,
            evidence=given,
        )
    )
    basis = rules.signer_basis(
        competency=competency.code,
        signer_attainments=attainments_of(signer, competency),
        assessor_periods=[
            rules.AssessorPeriod(d.designated_on, d.ended_on)
            for d in AssessorDesignation.objects.filter(worker=signer, competency=competency)
        ],
        at=signed_at,
    )
    network = Network.current()
    due = rules.review_due(
        _local_date(signed_at),
        competency.review_interval_months,
        worker.is_temporary,
        network.temporary_review_months,
    )
    same = SignOff.objects.filter(
        worker=worker,
        competency=competency,
        pathway=pathway,
        superseded_at__isnull=True,
        revoked_at__isnull=True,
    )
    later = same.filter(signed_at__gt=signed_at).order_by("signed_at").first()
    same.filter(signed_at__lte=signed_at).update(superseded_at=signed_at)
    sign_off = SignOff.objects.create(
        worker=worker,
        competency=competency,
        stage=stage,
        pathway=pathway,
        signed_at=signed_at,
        signer=signer,
        signer_basis=basis or "",
        review_due=due,
        superseded_at=later.signed_at if later else None,
        recorded_by=actor.user,
        source_key=source_key,
    )
    used = [e for e in given if in_date(e, signed_at)]
    sign_off.evidence.set(used)
    record(
        actor,
        "worker.sign_off",
        sign_off,
        changes={
            "worker": [None, str(worker.uuid)],
            "competency": [None, competency.code],
            "stage": [None, stage],
            "pathway": [None, pathway.code if pathway else None],
            "signer": [None, str(signer.uuid)],
            "signer_basis": [None, basis],
            "signed_at": [None, signed_at],
            "review_due": [None, due],
            "evidence": [None, sorted(str(e.uuid) for e in used)],
        },
    )
    return sign_off


@transaction.atomic
def revoke_sign_off(actor: Actor, sign_off: SignOff, *, reason: str) -> SignOff:
    _require(
        access.can_sign_off(actor, sign_off.worker),
        "Only the worker's partner admin or supervisor, or the prime, revokes sign-offs.",
    )
    if not reason.strip():
        raise RuleViolation.one("reason_required", "Say why the sign-off is revoked.", "reason")
    now = timezone.now()
    updated = SignOff.objects.filter(pk=sign_off.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason=reason.strip()
    )
    if not updated:
        raise RuleViolation.one(
            "already_revoked", "This sign-off has already been revoked.", "reason"
        )
    sign_off.refresh_from_db()
    record(
        actor,
        "worker.sign_off.revoke",
        sign_off,
        changes={"revoked_at": [None, now]},
        reason=reason,
    )
    return sign_off


@transaction.atomic
def designate_assessor(
    actor: Actor, worker: Worker, competency: Competency, *, designated_on: date
) -> AssessorDesignation:
    """Designate `worker` to sign off `competency` without holding it at independent."""
    _require(
        access.can_edit_worker(actor, worker),
        "Only the worker's partner admin or supervisor, or the prime, designates assessors.",
    )
    if AssessorDesignation.objects.filter(
        worker=worker, competency=competency, ended_on__isnull=True
    ).exists():
        raise RuleViolation.one(
            "already_assessor",
            f"{worker.name} is already a designated assessor for {competency.title}.",
            "competency",
        )
    designation = AssessorDesignation.objects.create(
        worker=worker, competency=competency, designated_on=designated_on
    )
    record(
        actor,
        "worker.assessor.designate",
        worker,
        changes={"assessor_for": [None, competency.code], "designated_on": [None, designated_on]},
    )
    return designation


# --- supervision ----------------------------------------------------------------------------


def _plan(
    actor: Actor,
    worker: Worker,
    supervisor: Worker,
    planned_for: date,
    kind: str,
    source_key: str,
) -> SupervisionSession:
    session = SupervisionSession.objects.create(
        worker=worker,
        supervisor=supervisor,
        planned_for=planned_for,
        kind=kind,
        recorded_by=actor.user,
        source_key=source_key,
    )
    record(
        actor,
        "worker.supervision.plan",
        session,
        changes={
            "worker": [None, str(worker.uuid)],
            "supervisor": [None, str(supervisor.uuid)],
            "kind": [None, kind],
            "planned_for": [None, planned_for],
        },
    )
    return session


@transaction.atomic
def plan_supervision(
    actor: Actor,
    worker: Worker,
    *,
    supervisor: Worker,
    planned_for: date,
    kind: str = SupervisionKind.ROUTINE,
    source_key: str = "",
) -> SupervisionSession:
    _require(
        access.can_edit_worker(actor, worker),
        "Only the worker's partner admin or supervisor, or the prime, plans supervision.",
    )
    if source_key:
        existing = SupervisionSession.objects.filter(worker=worker, source_key=source_key).first()
        if existing is not None:
            return existing
    reasons = _supervisor_reasons(worker, supervisor, "supervisor")
    if kind not in SupervisionKind.values:
        reasons.append(Reason("invalid_kind", f"'{kind}' is not a kind of supervision.", "kind"))
    _raise_if(reasons)
    return _plan(actor, worker, supervisor, planned_for, kind, source_key)


@transaction.atomic
def record_supervision_held(
    actor: Actor, session: SupervisionSession, *, held_on: date, notes: str = ""
) -> SupervisionSession:
    _require(
        access.can_edit_worker(actor, session.worker),
        "Only the worker's partner admin or supervisor, or the prime, records supervision.",
    )
    reasons = _not_future(held_on, "held_on", "A session held")
    if session.held_on is not None and session.held_on != held_on:
        reasons.append(
            Reason(
                "already_held",
                f"This session was already recorded as held on {session.held_on:%d %b %Y}.",
                "held_on",
            )
        )
    _raise_if(reasons)
    if session.held_on == held_on:
        return session
    session.held_on = held_on
    session.notes = notes.strip()
    session.save(update_fields=["held_on", "notes"])
    record(actor, "worker.supervision.held", session, changes={"held_on": [None, held_on]})
    return session


def _create_enhanced(
    worker: Worker, supervisor: Worker, starts_on: date, reason: str
) -> EnhancedSupervisionPeriod:
    start, end = rules.enhanced_period(starts_on, Network.current().enhanced_supervision_days)
    return EnhancedSupervisionPeriod.objects.create(
        worker=worker, supervisor=supervisor, starts_on=start, ends_on=end, reason=reason
    )


@transaction.atomic
def start_enhanced_period(
    actor: Actor, worker: Worker, *, supervisor: Worker, starts_on: date, reason: str
) -> EnhancedSupervisionPeriod:
    """A new starter (or a temporary worker's new placement) begins an enhanced-supervision
    period of the network's length, with a named supervisor."""
    _require(
        access.can_edit_worker(actor, worker),
        "Only the worker's partner admin or supervisor, or the prime, starts enhanced supervision.",
    )
    reasons = _supervisor_reasons(worker, supervisor, "supervisor")
    if reason not in ENHANCED_REASONS:
        reasons.append(
            Reason(
                "invalid_reason",
                "An enhanced-supervision period is for a new starter or a placement.",
                "reason",
            )
        )
    if EnhancedSupervisionPeriod.objects.filter(
        worker=worker, starts_on__lte=starts_on, ends_on__gt=starts_on
    ).exists():
        reasons.append(
            Reason(
                "enhanced_overlap",
                f"{worker.name} is already in an enhanced-supervision period on "
                f"{starts_on:%d %b %Y}.",
                "starts_on",
            )
        )
    _raise_if(reasons)
    period = _create_enhanced(worker, supervisor, starts_on, reason)
    record(
        actor,
        "worker.enhanced.start",
        worker,
        changes={
            "supervisor": [None, str(supervisor.uuid)],
            "starts_on": [None, period.starts_on],
            "ends_on": [None, period.ends_on],
            "reason": [None, reason],
        },
    )
    return period


@transaction.atomic
def start_placement(
    actor: Actor, worker: Worker, *, placement_start: date, supervisor: Worker
) -> Worker:
    """A temporary worker starts a new placement: the evidence bundle starts afresh (only
    evidence dated from the placement start counts) and an enhanced period begins."""
    _require(
        access.can_edit_worker(actor, worker),
        "Only the worker's partner admin or supervisor, or the prime, starts placements.",
    )
    reasons = []
    if not worker.is_temporary:
        reasons.append(
            Reason(
                "not_temporary",
                "Only temporary workers (bank, agency, contractor) start placements.",
                "placement_start",
            )
        )
    if worker.placement_start is not None and placement_start <= worker.placement_start:
        reasons.append(
            Reason(
                "placement_not_after_current",
                f"The current placement began on {worker.placement_start:%d %b %Y}: a new one "
                "starts after it.",
                "placement_start",
            )
        )
    reasons += _supervisor_reasons(worker, supervisor, "supervisor")
    _raise_if(reasons)
    before = worker.placement_start
    worker.placement_start = placement_start
    worker.save(update_fields=["placement_start"])
    period = _create_enhanced(worker, supervisor, placement_start, "placement")
    record(
        actor,
        "worker.placement.start",
        worker,
        changes={
            "placement_start": [before, placement_start],
            "supervisor": [None, str(supervisor.uuid)],
            "enhanced_until": [None, period.ends_on],
        },
    )
    return worker


# --- delegation pauses ----------------------------------------------------------------------


@transaction.atomic
def pause_delegation(
    actor: Actor,
    worker: Worker,
    task_type: TaskType,
    *,
    reason: str,
    at: datetime | None = None,
    supervisor: Worker | None = None,
) -> DelegationPause:
    """Pause delegation of `task_type` to `worker` at once (a spot-check fell below threshold).
    Remedial supervision is due within the network's remedial days; with a supervisor, the
    remedial session is planned for that day."""
    _require(
        access.can_edit_worker(actor, worker),
        "Only the worker's partner admin or supervisor, or the prime, pauses delegation.",
    )
    started_at = _aware(at) if at is not None else timezone.now()
    reasons = []
    if not task_type.delegated:
        reasons.append(
            Reason(
                "task_not_delegated",
                f"{task_type.title} is not a delegated task: there is nothing to pause.",
                "task_type",
            )
        )
    if not reason.strip():
        reasons.append(Reason("reason_required", "Say why delegation is paused.", "reason"))
    if DelegationPause.objects.filter(
        worker=worker, task_type=task_type, lifted_at__isnull=True
    ).exists():
        reasons.append(
            Reason(
                "already_paused",
                f"Delegation of {task_type.title} to {worker.name} is already paused.",
                "task_type",
            )
        )
    if supervisor is not None:
        reasons += _supervisor_reasons(worker, supervisor, "supervisor")
    _raise_if(reasons)
    due = _local_date(started_at) + timedelta(days=Network.current().remedial_supervision_days)
    session = (
        _plan(actor, worker, supervisor, due, SupervisionKind.REMEDIAL, "")
        if supervisor is not None
        else None
    )
    pause = DelegationPause.objects.create(
        worker=worker,
        task_type=task_type,
        started_at=started_at,
        reason=reason.strip(),
        remedial_due=due,
        remedial_session=session,
    )
    record(
        actor,
        "worker.delegation.pause",
        pause,
        changes={
            "worker": [None, str(worker.uuid)],
            "task_type": [None, task_type.code],
            "started_at": [None, started_at],
            "remedial_due": [None, due],
        },
        reason=reason,
    )
    return pause


@transaction.atomic
def lift_pause(
    actor: Actor,
    pause: DelegationPause,
    *,
    remedial_session: SupervisionSession,
    observed_practice: Evidence,
) -> DelegationPause:
    """Lift a pause: only after the remedial supervision is held and a new observed practice
    is recorded (`rules.pause_lift_reasons`)."""
    worker = pause.worker
    _require(
        access.can_edit_worker(actor, worker),
        "Only the worker's partner admin or supervisor, or the prime, lifts a pause.",
    )
    reasons = []
    if pause.lifted_at is not None:
        reasons.append(Reason("already_lifted", "This pause has already been lifted.", None))
    if remedial_session.worker_id != worker.pk:
        reasons.append(
            Reason(
                "session_other_worker",
                "The supervision session is another worker's.",
                "remedial_session",
            )
        )
    elif remedial_session.kind != SupervisionKind.REMEDIAL:
        reasons.append(
            Reason(
                "remedial_not_held",
                "The session given is not a remedial supervision: plan and hold one.",
                "remedial_session",
            )
        )
    if observed_practice.worker_id != worker.pk:
        reasons.append(
            Reason(
                "evidence_other_worker",
                "The observed practice is another worker's.",
                "observed_practice",
            )
        )
    elif observed_practice.kind != EvidenceKind.OBSERVED_PRACTICE:
        reasons.append(
            Reason(
                "observation_missing",
                "The evidence given is not an observed practice.",
                "observed_practice",
            )
        )
    if not reasons:
        reasons += rules.pause_lift_reasons(
            pause.started_at, remedial_session.held_on, observed_practice.occurred_on
        )
    _raise_if(reasons)
    now = timezone.now()
    try:
        with transaction.atomic():
            updated = DelegationPause.objects.filter(pk=pause.pk, lifted_at__isnull=True).update(
                lifted_at=now,
                lifted_by=actor.user,
                remedial_session=remedial_session,
                observed_practice=observed_practice,
            )
    except IntegrityError:  # pragma: no cover - the database's own wall behind the rules
        raise RuleViolation.one("lift_refused", "The pause could not be lifted.") from None
    if not updated:
        raise RuleViolation.one("already_lifted", "This pause has already been lifted.")
    pause.refresh_from_db()
    record(
        actor,
        "worker.delegation.lift",
        pause,
        changes={
            "lifted_at": [None, now],
            "remedial_session": [None, str(remedial_session.uuid)],
            "observed_practice": [None, str(observed_practice.uuid)],
        },
    )
    return pause
