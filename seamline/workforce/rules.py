"""The pure rules of the workforce register (SPEC C3): plain values in, reasons or dates out.

They never touch the database; `workforce.actions` loads the facts, calls them and refuses
with `RuleViolation` when a rule gives reasons. Reason codes:

* ``signer_is_worker``: nobody signs off their own competence;
* ``signer_not_entitled``: the signer neither holds the competency at independent or above,
  current at the signing instant, nor is a designated assessor for it then;
* ``signer_wrong_organisation``: the signer belongs neither to the worker's organisation nor
  to the prime provider;
* ``evidence_missing``: an evidence kind the stage requires is absent (one reason per kind);
* ``evidence_out_of_date``: evidence of a required kind exists but none of it is dated on or
  before the signing date and still valid then;
* ``modules_only``: training modules alone reach induction at most;
* ``remedial_not_held`` / ``observation_missing``: a delegation pause cannot lift yet.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from seamline.competency.choices import STAGE_RANK, EvidenceKind, Stage
from seamline.errors import Reason

from .authorization import Attainment

TEMPORARY_REVIEW_MONTHS = 3


def add_months(day: date, months: int) -> date:
    """`day` moved on by whole calendar months (31 Jan + 1 month = 28 or 29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _stage(stage: str) -> str:
    return Stage(stage).label.lower()


# --- who may sign ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessorPeriod:
    """A designation of the signer as assessor for the competency."""

    designated_on: date
    ended_on: date | None = None

    def covers(self, day: date) -> bool:
        return self.designated_on <= day and (self.ended_on is None or self.ended_on > day)


def signer_basis(
    *,
    competency: str,
    signer_attainments: Iterable[Attainment],
    assessor_periods: Iterable[AssessorPeriod],
    at: datetime,
) -> str | None:
    """`holds_independent`, `designated_assessor`, or None when the signer is not entitled."""
    for a in signer_attainments:
        if (
            a.competency == competency
            and STAGE_RANK[a.stage] >= STAGE_RANK[Stage.INDEPENDENT]
            and a.current(at)
        ):
            return "holds_independent"
    if any(p.covers(at.date()) for p in assessor_periods):
        return "designated_assessor"
    return None


def signer_reasons(
    *,
    worker: str,
    signer: str,
    signer_name: str,
    competency: str,
    competency_title: str,
    worker_organisation: str,
    signer_organisation: str,
    prime_organisation: str | None,
    signer_attainments: Iterable[Attainment],
    assessor_periods: Iterable[AssessorPeriod],
    at: datetime,
) -> list[Reason]:
    """Why `signer` may not sign off `competency` for `worker` at `at` (empty: they may).

    `worker` and `signer` are public ids; organisations are codes."""
    if signer == worker:
        return [
            Reason(
                "signer_is_worker",
                "Nobody signs off their own competence: choose another signer.",
                "signer",
            )
        ]
    reasons: list[Reason] = []
    basis = signer_basis(
        competency=competency,
        signer_attainments=signer_attainments,
        assessor_periods=assessor_periods,
        at=at,
    )
    if basis is None:
        reasons.append(
            Reason(
                "signer_not_entitled",
                f"{signer_name} does not hold {competency_title} at independent or above "
                f"(current on {at.date():%d %b %Y}) and is not a designated assessor for it "
                "then.",
                "signer",
            )
        )
    if signer_organisation not in (worker_organisation, prime_organisation):
        reasons.append(
            Reason(
                "signer_wrong_organisation",
                f"{signer_name} belongs to neither the worker's organisation nor the prime "
                "provider.",
                "signer",
            )
        )
    return reasons


# --- the evidence a stage needs --------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceFact:
    kind: str
    occurred_on: date
    valid_until: date | None = None

    def in_date(self, on: date) -> bool:
        return self.occurred_on <= on and (self.valid_until is None or self.valid_until >= on)


def _kind_label(kind: str) -> str:
    try:
        return EvidenceKind(kind).label.lower()
    except ValueError:
        return kind


def stage_evidence_reasons(
    *,
    competency_title: str,
    stage: str,
    stage_evidence: Mapping[str, Sequence[str]],
    evidence: Iterable[EvidenceFact],
    signed_on: date,
) -> list[Reason]:
    """Why the evidence does not support a sign-off of `stage` on `signed_on` (empty: it does).

    Every kind the competency requires for the stage must be present, dated on or before the
    signing date and valid then. Above induction, training modules alone are never enough,
    whatever the competency's configuration says."""
    facts = list(evidence)
    usable = [e for e in facts if e.in_date(signed_on)]
    reasons: list[Reason] = []
    for kind in stage_evidence.get(stage, []):
        of_kind = [e for e in facts if e.kind == kind]
        if not of_kind:
            reasons.append(
                Reason(
                    "evidence_missing",
                    f"{_stage(stage).capitalize()} in {competency_title} needs "
                    f"{_kind_label(kind)} evidence; none is recorded.",
                    "evidence",
                )
            )
        elif not any(e.kind == kind for e in usable):
            latest = max(of_kind, key=lambda e: e.occurred_on)
            if latest.occurred_on > signed_on:
                why = f"is dated after the signing date ({latest.occurred_on:%d %b %Y})"
            else:
                until = latest.valid_until or latest.occurred_on
                why = f"was valid until {until:%d %b %Y}"
            reasons.append(
                Reason(
                    "evidence_out_of_date",
                    f"The {_kind_label(kind)} evidence for {competency_title} {why}; it must be "
                    f"dated on or before {signed_on:%d %b %Y} and valid then.",
                    "evidence",
                )
            )
    practice = "evidence of practice (observed practice, an assessment or a documentation review)"
    if STAGE_RANK[stage] > STAGE_RANK[Stage.INDUCTION] and not any(
        e.kind != EvidenceKind.MODULE for e in usable
    ):
        if usable:
            reasons.append(
                Reason(
                    "modules_only",
                    f"Training modules alone reach induction at most: {_stage(stage)} in "
                    f"{competency_title} needs {practice}.",
                    "evidence",
                )
            )
        elif not reasons:
            reasons.append(
                Reason(
                    "evidence_missing",
                    f"{_stage(stage).capitalize()} in {competency_title} needs {practice}; "
                    "none is recorded.",
                    "evidence",
                )
            )
    return reasons


# --- dates -----------------------------------------------------------------------------------


def review_due(
    signed_on: date,
    review_interval_months: int,
    temporary: bool,
    temporary_review_months: int = TEMPORARY_REVIEW_MONTHS,
) -> date:
    """The review date of a sign-off: signed date + the competency's review interval; temporary
    workers (bank, agency, contractor) are re-checked sooner, every `temporary_review_months`."""
    months = review_interval_months
    if temporary:
        months = min(months, temporary_review_months)
    return add_months(signed_on, months)


def enhanced_period(start: date, days: int) -> tuple[date, date]:
    """The first and the end day of an enhanced-supervision period starting on `start`."""
    return start, start + timedelta(days=days)


def in_enhanced_period(periods: Iterable[tuple[date, date]], on: date) -> bool:
    """Is `on` inside one of the periods (from the start day, up to but not on the end day)?"""
    return any(start <= on < end for start, end in periods)


def supervision_overdue(
    last_held: date | None, frequency_days: int, at: date, *, since: date | None = None
) -> bool:
    """Is supervision overdue on `at`: more than `frequency_days` since the last session held
    (or, when none was ever held, since `since`, the worker's start; never held and no start
    given: overdue)."""
    reference = last_held or since
    if reference is None:
        return True
    return (at - reference).days > frequency_days


# --- delegation pauses -----------------------------------------------------------------------


def pause_lift_reasons(
    pause_started: datetime | date,
    remedial_session_held_on: date | None,
    observation_on: date | None,
) -> list[Reason]:
    """Why a delegation pause may not lift yet (empty: it may). The remedial supervision must
    have been held on or after the day the pause started, and a new observed practice must be
    dated after that day (the spot-check that paused it does not count)."""
    started = pause_started.date() if isinstance(pause_started, datetime) else pause_started
    reasons: list[Reason] = []
    if remedial_session_held_on is None or remedial_session_held_on < started:
        reasons.append(
            Reason(
                "remedial_not_held",
                f"The remedial supervision has not been held since the pause began on "
                f"{started:%d %b %Y}.",
                "remedial_session",
            )
        )
    if observation_on is None or observation_on <= started:
        reasons.append(
            Reason(
                "observation_missing",
                f"A new observed practice dated after {started:%d %b %Y} is needed before "
                "delegation resumes.",
                "observed_practice",
            )
        )
    return reasons


# --- pathway re-validation -------------------------------------------------------------------


@dataclass(frozen=True)
class Revalidation:
    """A pathway-specific competency a worker holds elsewhere but not yet on `pathway`."""

    pathway: str
    competency: str
    since: date


def revalidation_due(
    *,
    pathways: Iterable[tuple[str, date]],
    pathway_specific: Iterable[str],
    attainments: Iterable[Attainment],
    at: datetime,
) -> list[Revalidation]:
    """The pathway-specific competencies to re-sign for each pathway the worker works on.

    `pathways` are (pathway code, started on) of the worker's current pathways; a competency is
    due on a pathway when the worker holds it, current, on another pathway (competence is not
    assumed to transfer) but not on this one."""
    specific = set(pathway_specific)
    held: dict[str, set[str | None]] = {}
    for a in attainments:
        if a.competency in specific and a.current(at):
            held.setdefault(a.competency, set()).add(a.pathway)
    due = []
    for code, started_on in sorted(pathways, key=lambda p: (p[1], p[0])):
        for competency in sorted(held):
            if code not in held[competency]:
                due.append(Revalidation(code, competency, started_on))
    return due
