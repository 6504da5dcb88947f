"""Every write of joint calibration, each in one transaction with its audit entry: adding a
vignette, opening and closing a round, recording an answer, recording a guidance rule (and,
where the escalation app's threshold set names the trigger, putting the rule's tier in force
through its change control). The rules are pure functions in `quality.rules`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from seamline.access import Actor
from seamline.audit.actions import record
from seamline.errors import Reason, RuleViolation
from seamline.network.models import Organisation

from . import access, rules
from .choices import RoundStatus
from .models import CalibrationAnswer, CalibrationRound, GuidanceRule, Vignette


def _raise_if(reasons: list[Reason]) -> None:
    if reasons:
        raise RuleViolation(*reasons)


def _refuse_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise RuleViolation.one("not_permitted", message)


def _by(actor: Actor) -> Any:
    return actor.user if actor.user is not None and actor.user.pk else None


def _keeper(actor: Actor) -> None:
    _refuse_unless(
        actor.is_system or access.can_manage(actor),
        "Only the network's quality lead or admin keeps calibration material.",
    )


@transaction.atomic
def add_vignette(
    actor: Actor, *, code: str, title: str, text: str, at: datetime | None = None
) -> Vignette:
    _keeper(actor)
    code = code.strip().lower()
    reasons = rules.vignette_reasons(code, title, text)
    if not reasons and Vignette.objects.filter(code=code).exists():
        reasons.append(Reason("duplicate_code", f"There is already a vignette '{code}'.", "code"))
    _raise_if(reasons)
    made = Vignette.objects.create(
        code=code,
        title=title.strip(),
        text=text.strip(),
        created_at=at or timezone.now(),
        created_by=_by(actor),
    )
    record(actor, "quality.vignette.add", made, changes={"code": code, "title": made.title})
    return made


@transaction.atomic
def open_round(
    actor: Actor,
    *,
    code: str,
    title: str,
    vignettes: Sequence[str],
    partners: Sequence[str],
    at: datetime | None = None,
) -> CalibrationRound:
    _keeper(actor)
    code = code.strip().lower()
    wanted_v = sorted({v.strip().lower() for v in vignettes if v.strip()})
    wanted_p = sorted({p.strip().lower() for p in partners if p.strip()})
    found_v = list(Vignette.objects.filter(code__in=wanted_v))
    found_p = list(Organisation.objects.filter(code__in=wanted_p))
    reasons = rules.round_reasons(code, title, len(wanted_v), len(wanted_p))
    missing_v = sorted(set(wanted_v) - {v.code for v in found_v})
    missing_p = sorted(set(wanted_p) - {p.code for p in found_p})
    if missing_v:
        reasons.append(
            Reason("unknown_vignette", f"No vignette {', '.join(missing_v)}.", "vignettes")
        )
    if missing_p:
        reasons.append(Reason("unknown_partner", f"No partner {', '.join(missing_p)}.", "partners"))
    if CalibrationRound.objects.filter(code=code).exists():
        reasons.append(Reason("duplicate_code", f"There is already a round '{code}'.", "code"))
    _raise_if(reasons)
    made = CalibrationRound.objects.create(
        code=code, title=title.strip(), created_at=at or timezone.now(), created_by=_by(actor)
    )
    made.vignettes.set(found_v)
    made.partners.set(found_p)
    record(
        actor,
        "quality.round.open",
        made,
        changes={"vignettes": wanted_v, "partners": wanted_p, "title": made.title},
    )
    return made


@transaction.atomic
def close_round(actor: Actor, rnd: CalibrationRound, at: datetime | None = None) -> None:
    _keeper(actor)
    updated = CalibrationRound.objects.filter(pk=rnd.pk, status=RoundStatus.OPEN).update(
        status=RoundStatus.CLOSED, closed_at=at or timezone.now()
    )
    if not updated:
        raise RuleViolation.one("closed", f"The round {rnd.code} is already closed.")
    rnd.refresh_from_db()
    record(actor, "quality.round.close", rnd, changes={"status": RoundStatus.CLOSED})


@transaction.atomic
def record_answer(
    actor: Actor,
    rnd: CalibrationRound,
    *,
    vignette: str,
    partner: str,
    rater: str,
    question: str,
    answer: str,
    at: datetime | None = None,
) -> tuple[CalibrationAnswer, bool]:
    """Record (or replace) one rater's answer. Returns the answer and whether it changed.

    A partner's quality lead or supervisor answers for their own partner while the round is
    open; the keepers (and loads run as the system) may record for any partner taking part."""
    locked = CalibrationRound.objects.select_for_update().get(pk=rnd.pk)
    partner = partner.strip().lower()
    if not (actor.is_system or access.can_manage(actor)):
        _refuse_unless(
            access.can_answer(actor, locked) and actor.org_code == partner,
            "You answer only for your own partner, while the round is open.",
        )
    reasons: list[Reason] = []
    if not locked.is_open:
        reasons.append(Reason("closed", f"The round {locked.code} is closed.", None))
    found_v = locked.vignettes.filter(code=vignette.strip().lower()).first()
    if found_v is None:
        reasons.append(
            Reason("unknown_vignette", f"'{vignette}' is not a vignette of this round.", "vignette")
        )
    org = locked.partners.filter(code=partner).first()
    if org is None:
        reasons.append(
            Reason("unknown_partner", f"'{partner}' does not take part in this round.", "partner")
        )
    rater = rater.strip()
    if not rater or len(rater) > 100:
        reasons.append(
            Reason("rater_required", "Name the rater (at most 100 characters).", "rater")
        )
    value, wrong = rules.parse_answer(question.strip().lower(), answer)
    reasons += wrong
    _raise_if(reasons)
    assert found_v is not None and org is not None
    q = question.strip().lower()
    existing = CalibrationAnswer.objects.filter(
        round=locked, vignette=found_v, organisation=org, rater=rater, question=q
    ).first()
    if existing is not None and existing.answer == value:
        return existing, False
    when = at or timezone.now()
    if existing is None:
        existing = CalibrationAnswer.objects.create(
            round=locked,
            vignette=found_v,
            organisation=org,
            rater=rater,
            question=q,
            answer=value,
            recorded_at=when,
            recorded_by=_by(actor),
        )
        before = None
    else:
        before = existing.answer
        existing.answer = value
        existing.recorded_at = when
        existing.recorded_by = _by(actor)
        existing.save(update_fields=["answer", "recorded_at", "recorded_by"])
    record(
        actor,
        "quality.answer",
        existing,
        changes={"question": q, "answer": value, "before": before},
    )
    return existing, True


@transaction.atomic
def add_guidance(
    actor: Actor,
    rnd: CalibrationRound,
    *,
    condition: str,
    hours: int,
    reason: str,
    trigger: str = "",
    at: datetime | None = None,
) -> GuidanceRule:
    """Record "if `condition` is present, escalate within `hours` hours" against the round.

    When `trigger` names a trigger of the escalation app's threshold set in force, the rule's
    tier (`rules.tier_for_hours`) is put in force as the set's next version through
    `escalation.actions.save_thresholds` (its change control, its audit entry)."""
    _keeper(actor)
    _raise_if(rules.guidance_reasons(condition, hours, reason))
    tier = rules.tier_for_hours(hours)
    made = GuidanceRule.objects.create(
        round=rnd,
        condition=condition.strip(),
        hours=hours,
        tier=tier,
        reason=reason.strip(),
        created_at=at or timezone.now(),
        created_by=_by(actor),
    )
    record(
        actor,
        "quality.guidance",
        made,
        changes={"round": rnd.code, "condition": made.condition, "hours": hours, "tier": tier},
        reason=made.reason,
        target={
            "object_type": "quality.guidancerule",
            "object_id": f"{rnd.code}/guidance/{rnd.guidance.count()}",
            "object_label": str(made)[:300],
            "object_organisation_code": "",
        },
    )
    if trigger.strip():
        _apply_to_thresholds(actor, rnd, made, trigger.strip())
    return made


def _apply_to_thresholds(
    actor: Actor, rnd: CalibrationRound, rule: GuidanceRule, trigger: str
) -> None:
    from seamline.escalation import actions as escalation

    current = escalation.current_thresholds()
    rows = [dict(r) for r in (current.rows if current is not None else [])]
    match = [r for r in rows if r.get("trigger") == trigger]
    if not match:
        raise RuleViolation.one(
            "unknown_trigger",
            f"The threshold set in force has no trigger '{trigger}'.",
            "trigger",
        )
    if match[0].get("tier") == rule.tier:
        return
    match[0]["tier"] = rule.tier
    tset = current.threshold_set if current is not None else None
    escalation.save_thresholds(
        actor,
        rows,
        reason=f"Calibration round {rnd.code}: {rule}. {rule.reason}",
        version=tset.version if tset is not None else None,
    )


@transaction.atomic
def record_decision(
    actor: Actor,
    rnd: CalibrationRound,
    *,
    vignette: str,
    partner: str,
    rater: str,
    answers: dict[str, str],
) -> int:
    """One rater's answers to several questions about a vignette, all or none (the page's
    form). Blank answers are skipped. Returns how many answers changed."""
    changed = 0
    reasons: list[Reason] = []
    for question, answer in answers.items():
        if not str(answer).strip():
            continue
        try:
            with transaction.atomic():
                _, moved = record_answer(
                    actor,
                    rnd,
                    vignette=vignette,
                    partner=partner,
                    rater=rater,
                    question=question,
                    answer=answer,
                )
        except RuleViolation as exc:
            reasons += [
                Reason(r.code, r.message, question if r.field == "answer" else r.field)
                for r in exc.reasons
                if r not in reasons
            ]
            continue
        changed += int(moved)
    if not any(str(a).strip() for a in answers.values()):
        reasons.append(Reason("no_answers", "Answer at least one question.", None))
    _raise_if(reasons)
    return changed
