"""Every write of the quality app, each in one transaction with its audit entry.

Audit tools: writing a scoring template's next version (and loading the built-in ones),
drawing a seeded audit sample, scoring a sampled record (a failing documentation spot-check
pauses the worker's delegation through the workforce app). Corrective actions: raising one,
changing its owner or due date, moving it on a stage with evidence.

Joint calibration: adding a
vignette, opening and closing a round, recording an answer, recording a guidance rule (and,
where the escalation app's threshold set names the trigger, putting the rule's tier in force
through its change control). The rules are pure functions in `quality.rules`."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from seamline.access import Actor
from seamline.audit.actions import record
from seamline.competency.models import TaskType
from seamline.errors import Conflict, Reason, RuleViolation
from seamline.network.models import Membership, Organisation, User
from seamline.workforce.models import Worker

from . import access, rules, sampling
from .choices import ActionStatus, RecordKind, RoundStatus, SourceKind
from .models import (
    ActionEvidence,
    Audit,
    AuditItem,
    CalibrationAnswer,
    CalibrationRound,
    CorrectiveAction,
    GuidanceRule,
    ScoringTemplate,
    TemplateVersion,
    Vignette,
)


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


# --- audit tools ---------------------------------------------------------------------------------


def current_version(template: ScoringTemplate) -> TemplateVersion | None:
    return template.versions.order_by("-number").first()


@transaction.atomic
def save_template_version(
    actor: Actor,
    *,
    code: str,
    title: str,
    record_kind: str,
    criteria: Sequence[Mapping[str, Any]],
    pass_mark: int,
    reason: str,
    purpose: str = "",
    at: datetime | None = None,
) -> TemplateVersion | None:
    """Write the next version of template `code` (making the template on its first version).
    Nothing is written when the criteria and pass mark are those of the version in force.
    Versions are never edited: audits keep the version they were scored with."""
    _keeper(actor)
    code = code.strip().lower()
    reasons = rules.code_reasons(code) + rules.criteria_reasons(criteria, pass_mark)
    if record_kind not in RecordKind.values:
        reasons.append(
            Reason("invalid_kind", f"'{record_kind}' is not a kind of record.", "record_kind")
        )
    if not title.strip():
        reasons.append(Reason("title_required", "Give the template a title.", "title"))
    if not reason.strip():
        reasons.append(Reason("reason_required", "Say why this version is written.", "reason"))
    _raise_if(reasons)
    clean = [rules.criteria_of([c])[0].as_dict() for c in criteria]
    template = ScoringTemplate.objects.select_for_update().filter(code=code).first()
    if template is None:
        template = ScoringTemplate.objects.create(
            code=code,
            title=title.strip(),
            record_kind=record_kind,
            purpose=purpose.strip(),
            created_at=at or timezone.now(),
        )
    elif template.record_kind != record_kind:
        raise RuleViolation.one(
            "kind_fixed",
            f"{code} scores {template.record_kind} records; that cannot change.",
            "record_kind",
        )
    latest = current_version(template)
    if latest is not None and latest.criteria == clean and latest.pass_mark == pass_mark:
        return None
    made = TemplateVersion.objects.create(
        template=template,
        number=(latest.number + 1) if latest else 1,
        criteria=clean,
        pass_mark=pass_mark,
        reason=reason.strip(),
        created_at=at or timezone.now(),
        created_by=_by(actor),
    )
    record(
        actor,
        "quality.template.version",
        made,
        changes={"criteria": clean, "pass_mark": pass_mark, "number": made.number},
        reason=made.reason,
    )
    return made


def load_builtin_templates(actor: Actor, at: datetime | None = None) -> list[TemplateVersion]:
    """The built-in templates (`quality.builtin`): a version is written only where one is
    missing or differs from the built-in text."""
    from .builtin import BUILTINS

    made = []
    for b in BUILTINS:
        version = save_template_version(
            actor,
            code=b.code,
            title=b.title,
            record_kind=b.record_kind,
            criteria=[c.as_dict() for c in b.criteria],
            pass_mark=b.pass_mark,
            purpose=b.purpose,
            reason="The built-in template shipped with Seamline.",
            at=at,
        )
        if version is not None:
            made.append(version)
    return made


def _audit_code(template: ScoringTemplate, partner: Organisation, start: date, extra: str) -> str:
    base = slugify(f"{template.code}-{partner.code}-{start:%Y-%m}{'-' + extra if extra else ''}")[
        :72
    ]
    taken = set(Audit.objects.filter(code__startswith=base).values_list("code", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


@transaction.atomic
def draw_audit(
    actor: Actor,
    *,
    template: ScoringTemplate,
    partner: Organisation,
    period_start: date | None,
    period_end: date | None,
    size: int,
    seed: int | None = None,
    worker: Worker | None = None,
    task_type: TaskType | None = None,
    at: datetime | None = None,
) -> Audit:
    """Draw a seeded sample of `size` of `partner`'s records of the template's kind over the
    period, stratified by pathway (`rules.draw_sample`), scored with the template's version in
    force. A worker (and a task type) narrow a documentation spot-check to one worker's records.
    Without a seed one is chosen at random; either way it is kept with the audit."""
    _refuse_unless(
        actor.is_system or access.can_run_audits(actor),
        "Only the network's quality lead or admin draws audit samples.",
    )
    reasons = rules.sample_reasons(size, period_start, period_end)
    version = current_version(template)
    if version is None:
        reasons.append(Reason("no_version", f"{template.code} has no version yet.", "template"))
    kind = template.record_kind
    if (worker is not None or task_type is not None) and kind not in (
        RecordKind.DELEGATED_TASK,
        RecordKind.VISIT,
    ):
        reasons.append(
            Reason(
                "not_a_spot_check",
                "Only visits and delegated tasks are sampled per worker.",
                "worker",
            )
        )
    if worker is not None and worker.organisation_id != partner.pk:
        reasons.append(
            Reason("other_partner", f"{worker} does not work for {partner.name}.", "worker")
        )
    if task_type is not None and not task_type.delegated:
        reasons.append(
            Reason("task_not_delegated", f"{task_type.title} is not delegated.", "task_type")
        )
    if seed is not None and not 0 <= seed < 2**62:
        reasons.append(Reason("invalid_seed", "The seed is a whole number from 0.", "seed"))
    _raise_if(reasons)
    assert period_start is not None and period_end is not None and version is not None
    found = sampling.candidates(
        kind, partner, period_start, period_end, worker=worker, task_type=task_type
    )
    pairs = [(c.key, c.stratum) for c in found]
    used_seed = secrets.randbelow(2**31) if seed is None else int(seed)
    chosen = rules.draw_sample(used_seed, pairs, size)
    extra = worker.staff_id if worker is not None else ""
    audit = Audit.objects.create(
        code=_audit_code(template, partner, period_start, extra),
        template_version=version,
        record_kind=kind,
        partner=partner,
        period_start=period_start,
        period_end=period_end,
        size=size,
        seed=used_seed,
        candidates=len(set(pairs)),
        candidates_digest=rules.digest(pairs),
        worker=worker,
        task_type=task_type,
        drawn_at=at or timezone.now(),
        drawn_by=_by(actor),
    )
    by_key = {c.key: c for c in found}
    AuditItem.objects.bulk_create(
        AuditItem(
            audit=audit,
            position=i,
            stratum=stratum,
            record_ref=key,
            **by_key[key].refs,
        )
        for i, (key, stratum) in enumerate(chosen, start=1)
    )
    record(
        actor,
        "quality.audit.draw",
        audit,
        changes={
            "template": str(version),
            "partner": partner.code,
            "period": [period_start, period_end],
            "seed": used_seed,
            "size": size,
            "candidates": audit.candidates,
            "chosen": [key for key, _ in chosen],
        },
    )
    return audit


@transaction.atomic
def score_item(
    actor: Actor,
    item: AuditItem,
    *,
    answers: Mapping[str, str],
    notes: str = "",
    at: datetime | None = None,
) -> AuditItem:
    """Score one sampled record with the audit's template version (every criterion answered),
    once. A delegated-task record scored below the pass mark pauses the delegation of that task
    to its worker at once, through `workforce.actions.pause_delegation` (SPEC C3: remedial
    supervision due within the network's remedial days)."""
    audit = item.audit
    _refuse_unless(
        actor.is_system or access.can_score_item(actor, item),
        "Only the audit's auditors score it; a documentation spot-check only someone who may "
        "change the worker's record.",
    )
    version = audit.template_version
    criteria = rules.criteria_of(version.criteria)
    clean = {k: str(v).strip().lower() for k, v in answers.items() if str(v).strip()}
    _raise_if(rules.answer_reasons(criteria, clean))
    value = rules.score(criteria, clean)
    when = at or timezone.now()
    updated = AuditItem.objects.filter(pk=item.pk, scored_at__isnull=True).update(
        answers=clean, score=value, notes=notes.strip(), scored_at=when, scored_by=_by(actor)
    )
    if not updated:
        raise Conflict(Reason("already_scored", f"Item {item.position} is already scored.", None))
    item.refresh_from_db()
    record(
        actor,
        "quality.audit.score",
        item,
        changes={"answers": clean, "score": value, "template": str(version)},
        reason=notes.strip(),
    )
    if (
        audit.record_kind == RecordKind.DELEGATED_TASK
        and item.worker is not None
        and item.task_type is not None
        and rules.below_pass_mark(value, version.pass_mark)
    ):
        _pause(actor, item, value, version.pass_mark, when)
    return item


def _pause(
    actor: Actor, item: AuditItem, value: float | None, pass_mark: int, when: datetime
) -> None:
    from seamline.workforce import actions as workforce
    from seamline.workforce.models import DelegationPause

    assert item.worker is not None and item.task_type is not None
    pause = DelegationPause.objects.filter(
        worker=item.worker, task_type=item.task_type, lifted_at__isnull=True
    ).first()
    if pause is None:
        pause = workforce.pause_delegation(
            actor,
            item.worker,
            item.task_type,
            reason=(
                f"Documentation spot-check {item.audit.code} item {item.position} "
                f"({item.record_ref}) scored {value:g}%, below the pass mark of {pass_mark}%."
            ),
            at=when,
        )
    AuditItem.objects.filter(pk=item.pk).update(pause=pause)
    item.pause = pause


# --- corrective actions --------------------------------------------------------------------------


def _owner_reasons(organisation: Organisation | None, owner: User | None) -> list[Reason]:
    if organisation is None:
        return [
            Reason("organisation_required", "Name the organisation that owns it.", "organisation")
        ]
    if owner is None:
        return [Reason("owner_required", "Name the person who owns it.", "owner_person")]
    if not Membership.objects.current().filter(user=owner, organisation=organisation).exists():
        return [
            Reason(
                "owner_not_member",
                f"{owner.display_name} does not work for {organisation.name} now.",
                "owner_person",
            )
        ]
    return []


@transaction.atomic
def raise_corrective_action(
    actor: Actor,
    *,
    title: str,
    source_kind: str,
    source_ref: str,
    organisation: Organisation | None,
    owner_person: User | None,
    due_on: date | None,
    description: str = "",
    at: datetime | None = None,
) -> CorrectiveAction:
    """A corrective action from an audit, incident, calibration round or reconciliation,
    owned by an organisation and one of its people, due on a date."""
    _refuse_unless(
        actor.is_system or access.can_create_action(actor, organisation),
        "The quality lead raises actions for any partner; a partner's managers for their own.",
    )
    reasons = rules.action_reasons(
        title=title,
        source_kind=source_kind,
        source_ref=source_ref,
        due_on=due_on,
        sources=SourceKind.values,
    )
    reasons += _owner_reasons(organisation, owner_person)
    _raise_if(reasons)
    assert organisation is not None and owner_person is not None and due_on is not None
    made = CorrectiveAction.objects.create(
        title=title.strip(),
        description=description.strip(),
        source_kind=source_kind,
        source_ref=source_ref.strip()[:120],
        organisation=organisation,
        owner_person=owner_person,
        due_on=due_on,
        created_at=at or timezone.now(),
        created_by=_by(actor),
    )
    record(
        actor,
        "quality.action.raise",
        made,
        changes={
            "title": made.title,
            "source": made.source,
            "organisation": organisation.code,
            "owner": str(owner_person.uuid),
            "due_on": due_on,
        },
    )
    return made


@transaction.atomic
def change_corrective_action(
    actor: Actor,
    action: CorrectiveAction,
    *,
    owner_person: User | None,
    due_on: date | None,
    reason: str,
) -> CorrectiveAction:
    """Hand an open action to another person of the owning organisation or move its due date,
    with a reason. A completed action cannot be changed."""
    _refuse_unless(
        actor.is_system or access.can_progress(actor, action),
        "Only the action's owner, their partner's managers or the quality lead change it.",
    )
    locked = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
    reasons: list[Reason] = []
    if locked.status == ActionStatus.COMPLETED:
        reasons.append(
            Reason("completed_locked", "The action is completed: it can no longer change.", None)
        )
    if due_on is None:
        reasons.append(Reason("due_required", "Give the date it is due.", "due_on"))
    if not reason.strip():
        reasons.append(Reason("reason_required", "Say why it changes.", "reason"))
    reasons += _owner_reasons(locked.organisation, owner_person)
    _raise_if(reasons)
    assert owner_person is not None and due_on is not None
    before = {"owner": str(locked.owner_person.uuid), "due_on": locked.due_on}
    locked.owner_person = owner_person
    locked.due_on = due_on
    locked.save(update_fields=["owner_person", "due_on"])
    record(
        actor,
        "quality.action.change",
        locked,
        changes={"before": before, "owner": str(owner_person.uuid), "due_on": due_on},
        reason=reason.strip(),
    )
    return locked


@transaction.atomic
def move_corrective_action(
    actor: Actor,
    action: CorrectiveAction,
    *,
    to: str,
    evidence: str,
    at: datetime | None = None,
) -> CorrectiveAction:
    """Move an action one stage on (not started -> in progress -> completed) with the evidence
    for that stage. The stage before locks: no going back, and a completed action is final.
    The move is a conditional UPDATE on the status read, so of two movers only one wins."""
    _refuse_unless(
        actor.is_system or access.can_progress(actor, action),
        "Only the action's owner, their partner's managers or the quality lead move it on.",
    )
    current = CorrectiveAction.objects.filter(pk=action.pk).values_list("status", flat=True).get()
    if to not in ActionStatus.values:
        raise RuleViolation.one("invalid_status", f"'{to}' is not a stage.", "status")
    _raise_if(rules.move_reasons(current, to, evidence))
    when = at or timezone.now()
    fields: dict[str, Any] = {"status": to}
    fields["started_at" if to == ActionStatus.IN_PROGRESS else "completed_at"] = when
    if not CorrectiveAction.objects.filter(pk=action.pk, status=current).update(**fields):
        raise Conflict(Reason("moved_meanwhile", "Someone moved the action meanwhile.", "status"))
    ActionEvidence.objects.create(
        action=action, stage=to, text=evidence.strip(), recorded_at=when, recorded_by=_by(actor)
    )
    action.refresh_from_db()
    record(
        actor,
        "quality.action.move",
        action,
        changes={"status": [current, to]},
        reason=evidence.strip(),
    )
    return action
