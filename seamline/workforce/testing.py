"""Small `make_*` helpers for workforce tests: fixed, readable defaults, written straight to the
database (no rights checks, no audit entries). Tests of the rules themselves go through
`workforce.actions`; these helpers only set the scene.

    worker = make_worker(cast.riverside, "RIV-001")
    make_sign_off(worker, make_competency("safeguarding"), "independent", signer=lead)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from seamline.competency.choices import Domain, MappingKind, Stage
from seamline.competency.models import (
    Competency,
    ModuleMapping,
    PartnerModule,
    TaskRequirement,
    TaskType,
)
from seamline.network.models import Organisation, Pathway, User

from .models import (
    AssessorDesignation,
    DelegationPause,
    EnhancedSupervisionPeriod,
    Evidence,
    SignOff,
    SupervisionSession,
    Worker,
    WorkerPathway,
)

START = date(2026, 1, 5)
# The evidence each stage needs in `make_competency` unless told otherwise.
DEFAULT_STAGE_EVIDENCE: dict[str, list[str]] = {
    Stage.INDUCTION: ["module"],
    Stage.SUPERVISED: ["module", "observed_practice"],
    Stage.INDEPENDENT: ["observed_practice", "assessment"],
    Stage.ENHANCED: ["observed_practice", "assessment", "documentation_review"],
}


def at(day: date, hour: int = 10) -> datetime:
    """An aware instant on `day` (10:00 in the project's time zone unless told)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


def make_competency(
    code: str,
    *,
    title: str = "",
    domain: str = Domain.SAFEGUARDING,
    pathway_specific: bool = False,
    network_critical: bool = False,
    review_interval_months: int = 12,
    supervision_frequency_days: int = 28,
    stage_evidence: Mapping[str, Sequence[str]] | None = None,
) -> Competency:
    return Competency.objects.create(
        code=code,
        title=title or code.replace("-", " ").replace("_", " ").capitalize(),
        domain=domain,
        pathway_specific=pathway_specific,
        network_critical=network_critical,
        review_interval_months=review_interval_months,
        supervision_frequency_days=supervision_frequency_days,
        stage_evidence={k: list(v) for k, v in (stage_evidence or DEFAULT_STAGE_EVIDENCE).items()},
    )


def make_task_type(
    code: str,
    requirements: Iterable[tuple[Competency, str]] = (),
    *,
    risk_tier: int = 2,
    delegated: bool = False,
    title: str = "",
) -> TaskType:
    task = TaskType.objects.create(
        code=code,
        title=title or code.replace("_", " ").capitalize(),
        risk_tier=risk_tier,
        delegated=delegated,
    )
    for competency, min_stage in requirements:
        TaskRequirement.objects.create(task_type=task, competency=competency, min_stage=min_stage)
    return task


def make_module(
    org: Organisation,
    code: str,
    maps_to: Iterable[tuple[Competency, str]] = (),
    *,
    refresher_months: int | None = None,
    title: str = "",
) -> PartnerModule:
    module = PartnerModule.objects.create(
        organisation=org, code=code, title=title or code, refresher_months=refresher_months
    )
    for competency, kind in maps_to:
        ModuleMapping.objects.create(module=module, competency=competency, kind=kind)
    return module


def make_worker(
    org: Organisation,
    staff_id: str,
    *,
    first_name: str = "",
    last_name: str = "Worker",
    employment_type: str = "employed",
    role_group: str = "support_worker",
    start_date: date = START,
    placement_start: date | None = None,
    pathways: Iterable[Pathway] = (),
    user: User | None = None,
    status: str = "active",
) -> Worker:
    worker = Worker.objects.create(
        organisation=org,
        staff_id=staff_id,
        first_name=first_name or staff_id.replace("-", " ").title(),
        last_name=last_name,
        employment_type=employment_type,
        role_group=role_group,
        start_date=start_date,
        placement_start=placement_start,
        user=user,
        status=status,
    )
    for pathway in pathways:
        WorkerPathway.objects.create(worker=worker, pathway=pathway, started_on=start_date)
    return worker


def make_evidence(
    worker: Worker,
    kind: str,
    occurred_on: date,
    *,
    competency: Competency | None = None,
    valid_until: date | None = None,
    pathway: Pathway | None = None,
    module: PartnerModule | None = None,
    detail: dict[str, Any] | None = None,
    verified_by: User | None = None,
    source_key: str = "",
) -> Evidence:
    return Evidence.objects.create(
        worker=worker,
        kind=kind,
        occurred_on=occurred_on,
        competency=competency,
        valid_until=valid_until,
        pathway=pathway,
        module=module,
        detail=detail or {},
        verified_by=verified_by,
        source_key=source_key,
    )


def make_sign_off(
    worker: Worker,
    competency: Competency,
    stage: str,
    *,
    signer: Worker,
    signed_at: datetime | None = None,
    review_due: date | None = None,
    pathway: Pathway | None = None,
    basis: str = "holds_independent",
    superseded_at: datetime | None = None,
    revoked_at: datetime | None = None,
) -> SignOff:
    """A sign-off written straight in (no rules checked): for setting the scene only."""
    signed = signed_at or at(START)
    return SignOff.objects.create(
        worker=worker,
        competency=competency,
        stage=stage,
        pathway=pathway,
        signed_at=signed,
        signer=signer,
        signer_basis=basis,
        review_due=review_due or date(signed.year + 1, signed.month, min(signed.day, 28)),
        superseded_at=superseded_at,
        revoked_at=revoked_at,
    )


def make_assessor(
    worker: Worker, competency: Competency, designated_on: date = START
) -> AssessorDesignation:
    return AssessorDesignation.objects.create(
        worker=worker, competency=competency, designated_on=designated_on
    )


def make_session(
    worker: Worker,
    supervisor: Worker,
    planned_for: date,
    *,
    held_on: date | None = None,
    kind: str = "routine",
) -> SupervisionSession:
    return SupervisionSession.objects.create(
        worker=worker, supervisor=supervisor, planned_for=planned_for, held_on=held_on, kind=kind
    )


def make_enhanced_period(
    worker: Worker, supervisor: Worker, starts_on: date, days: int = 28, reason: str = "new_starter"
) -> EnhancedSupervisionPeriod:

    return EnhancedSupervisionPeriod.objects.create(
        worker=worker,
        supervisor=supervisor,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=days),
        reason=reason,
    )


def make_pause(
    worker: Worker,
    task_type: TaskType,
    started_at: datetime,
    *,
    remedial_due: date | None = None,
    reason: str = "Spot-check below threshold",
) -> DelegationPause:

    return DelegationPause.objects.create(
        worker=worker,
        task_type=task_type,
        started_at=started_at,
        reason=reason,
        remedial_due=remedial_due or (started_at.date() + timedelta(days=7)),
    )


__all__ = [
    "DEFAULT_STAGE_EVIDENCE",
    "START",
    "MappingKind",
    "at",
    "make_assessor",
    "make_competency",
    "make_enhanced_period",
    "make_evidence",
    "make_module",
    "make_pause",
    "make_session",
    "make_sign_off",
    "make_task_type",
    "make_worker",
]
