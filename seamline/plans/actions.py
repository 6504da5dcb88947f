"""Every change of a plan, each in one transaction with its audit entry: revising it (a new
version, with the review and acknowledgements the rules ask for), acknowledging a version,
completing a review, and setting a follow-up action that cites the version. Reads of a plan
are audited here too. The rules are pure functions in `plans.rules`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from seamline.access import Actor
from seamline.audit.actions import record
from seamline.audit.models import EntryKind
from seamline.cases.models import CareTeamMember, Participant
from seamline.coordination import actions as coordination
from seamline.coordination.choices import ActionSource
from seamline.coordination.models import Action
from seamline.errors import RuleViolation
from seamline.network.models import Organisation, User
from seamline.versioning import check_version, claim_version

from . import access, rules
from .models import Acknowledgement, Plan, PlanReview, PlanVersion


def review_days() -> int:
    """How many days a plan review runs (`SEAMLINE_PLAN_REVIEW_DAYS`, default 7)."""
    return int(getattr(settings, "SEAMLINE_PLAN_REVIEW_DAYS", rules.DEFAULT_REVIEW_DAYS))


def care_organisations(participant: Participant, at: datetime | None = None) -> dict[str, str]:
    """Code -> name of the organisations with an active part in the participant's care."""
    rows = (
        CareTeamMember.objects.active(at or timezone.now())
        .filter(participant=participant)
        .values_list("organisation__code", "organisation__name")
        .distinct()
    )
    return dict(rows)


def clean_content(content: Mapping[str, Any]) -> dict[str, Any]:
    """The content in the shape versions store: stripped text, lower-case codes and levels."""
    return {
        "risks": [
            {"title": str(r.get("title", "")).strip(), "level": str(r.get("level", "")).lower()}
            for r in content.get("risks", [])
        ],
        "controls": [
            {
                "description": str(c.get("description", "")).strip(),
                "organisation": str(c.get("organisation", "")).strip().lower(),
            }
            for c in content.get("controls", [])
        ],
        "preferences": [str(p).strip() for p in content.get("preferences", []) if str(p).strip()],
        "consent_summary": str(content.get("consent_summary", "")).strip(),
    }


def _refuse_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise RuleViolation.one("not_permitted", message)


def _sees(actor: Actor, participant: Participant) -> bool:
    return Participant.objects.visible_to(actor).filter(pk=participant.pk).exists()


@transaction.atomic
def revise_plan(
    actor: Actor,
    participant: Participant,
    *,
    content: Mapping[str, Any],
    reason: str,
    version: int | None,
    at: datetime | None = None,
) -> PlanVersion:
    """Write the next version of the participant's plan (the first when there is none).

    `version` is the plan version the writer read (0 for "there was no plan"): if someone has
    written another since, this raises `Conflict` and writes nothing, so nobody's change is
    silently overwritten. A change to the risks opens a review; the organisations whose daily
    delivery changes are asked to acknowledge within 24 hours (`plans.rules`)."""
    if not actor.is_system:
        _refuse_unless(
            access.can_revise(actor) and _sees(actor, participant),
            "You may not change this person's plan.",
        )
    if participant.is_merged:
        raise RuleViolation.one(
            "merged", f"{participant.code} was merged into another record: change that one."
        )
    when = at or timezone.now()
    new = clean_content(content)
    in_care = care_organisations(participant, when)
    reasons = rules.reason_reasons(reason) + rules.content_reasons(new, in_care)
    if reasons:
        raise RuleViolation(*reasons)
    plan, _ = Plan.objects.get_or_create(
        participant=participant, defaults={"version": 0, "created_at": when}
    )
    label = f"The plan of {participant.code}"
    previous = plan.current()
    old = previous.content if previous is not None else rules.empty_content()
    changes = rules.diff(old, new)
    if not changes:
        check_version(plan, version, label)
        raise RuleViolation.one("no_change", "Nothing in the plan was changed.")
    claim_version(plan, version, label)
    plan.participant = participant
    written = PlanVersion.objects.create(
        plan=plan,
        number=plan.version,
        content=new,
        changes=[c.as_dict() for c in changes],
        reason=reason.strip(),
        created_at=when,
        author=actor.user,
        author_label=actor.display[:200],
        author_organisation=actor.organisation,
    )
    due = rules.review_due(changes, first_version=previous is None, at=when, days=review_days())
    review = None
    if due is not None and not plan.reviews.filter(completed_at__isnull=True).exists():
        review = PlanReview.objects.create(plan=plan, opened_by=written, opened_at=when, due_at=due)
    asked = rules.acknowledgement_recipients(
        changes,
        new_controls=new["controls"],
        care_organisations=in_care,
        author_organisation=actor.org_code or None,
    )
    organisations = Organisation.objects.in_bulk(list(asked), field_name="code")
    Acknowledgement.objects.bulk_create(
        Acknowledgement(
            version=written,
            organisation=organisations[code],
            because=why,
            due_at=rules.acknowledgement_due(when),
        )
        for code, why in asked.items()
        if code in organisations
    )
    record(
        actor,
        "plan.revise",
        written,
        changes={
            "number": written.number,
            "changes": [c.sentence for c in changes],
            "review_due": review.due_at if review else None,
            "acknowledgements": sorted(asked),
        },
        reason=reason.strip(),
    )
    return written


@transaction.atomic
def acknowledge(
    actor: Actor, acknowledgement: Acknowledgement, *, at: datetime | None = None
) -> Acknowledgement:
    """The actor's organisation has read the version. Its pending acknowledgements of earlier
    versions of the same plan are closed with it (the later version includes them)."""
    when = at or timezone.now()
    reasons = rules.acknowledge_reasons(
        acknowledged_at=acknowledgement.acknowledged_at,
        member=access.can_acknowledge(actor, acknowledgement),
    )
    if reasons:
        raise RuleViolation(*reasons)
    won = Acknowledgement.objects.filter(
        pk=acknowledgement.pk, acknowledged_at__isnull=True
    ).update(acknowledged_at=when, acknowledged_by=actor.user)
    if not won:
        raise RuleViolation.one("already_acknowledged", "This version is already acknowledged.")
    acknowledgement.acknowledged_at = when
    acknowledgement.acknowledged_by = actor.user
    version = acknowledgement.version
    covered = Acknowledgement.objects.pending().filter(
        organisation=acknowledgement.organisation,
        version__plan=version.plan,
        version__number__lt=version.number,
    )
    covered_numbers = sorted(covered.values_list("version__number", flat=True))
    covered.update(
        acknowledged_at=when, acknowledged_by=actor.user, covered_by_number=version.number
    )
    record(
        actor,
        "plan.acknowledge",
        acknowledgement,
        changes={
            "version": version.ref,
            "late": acknowledgement.due_at < when,
            "also_covers": [f"v{n}" for n in covered_numbers],
        },
    )
    return acknowledgement


@transaction.atomic
def complete_review(
    actor: Actor, review: PlanReview, *, outcome: str, at: datetime | None = None
) -> PlanReview:
    """The plan has been reviewed after its risk change; `outcome` says what was concluded."""
    if not actor.is_system:
        _refuse_unless(
            access.can_revise(actor) and _sees(actor, review.plan.participant),
            "You may not review this person's plan.",
        )
    if not outcome.strip():
        raise RuleViolation.one("required", "Say what the review concluded.", "outcome")
    when = at or timezone.now()
    if when < review.opened_at:
        raise RuleViolation.one("invalid_value", "A review cannot end before it opened.", "at")
    won = PlanReview.objects.filter(pk=review.pk, completed_at__isnull=True).update(
        completed_at=when, completed_by=actor.user, outcome=outcome.strip()
    )
    if not won:
        raise RuleViolation.one("already_completed", "This review is already completed.")
    review.completed_at = when
    review.completed_by = actor.user
    review.outcome = outcome.strip()
    record(
        actor,
        "plan.review_complete",
        review,
        changes={"late": review.due_at < when, "opened_by": review.opened_by.ref},
        reason=outcome.strip(),
    )
    return review


def set_follow_up(
    actor: Actor,
    version: PlanVersion,
    *,
    description: str,
    owner_organisation: Organisation,
    due_at: datetime | None,
    owner_person: User | None = None,
    owner_role: str = "",
    at: datetime | None = None,
) -> Action:
    """An owned action driven by this plan version: a coordination action with source "plan"
    citing the version (`plan:<participant>:v<number>`); the coordination rules apply."""
    return coordination.create_action(
        actor,
        version.plan.participant,
        description=description,
        owner_organisation=owner_organisation,
        owner_person=owner_person,
        owner_role=owner_role,
        due_at=due_at,
        source=ActionSource.PLAN,
        source_ref=version.ref,
        at=at,
    )


def actions_citing(plan: Plan) -> dict[str, list[Action]]:
    """The coordination actions that cite each version of the plan, by version ref."""
    found: dict[str, list[Action]] = {}
    rows = Action.objects.filter(
        participant=plan.participant,
        source=ActionSource.PLAN,
        source_ref__startswith=f"plan:{plan.participant.code}:v",
    ).select_related("owner_organisation", "owner_person")
    for action in rows:
        found.setdefault(action.source_ref, []).append(action)
    return found


def record_read(actor: Actor, plan: Plan, via: str) -> None:
    """Reading a plan is reading personal data: one audit entry per read."""
    record(actor, "plan.read", plan, kind=EntryKind.READ, changes={"via": via})
