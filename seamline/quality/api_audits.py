"""The audit and corrective-action JSON API (mounted under /api/quality with calibration).

The same access and actions as the pages: the network's quality lead and admin draw samples
for any partner and see everything; a partner's managers see their own partner's audits and
actions; out of sight is 404."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from seamline.api_support import ERRORS, QUERY_ERRORS, WRITE_ERRORS, actor_of, require_writer
from seamline.competency.models import TaskType
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.models import Organisation, User
from seamline.workforce.models import Worker

from . import access, actions, lists, rules, sampling
from .models import Audit, AuditItem, CorrectiveAction, ScoringTemplate, TemplateVersion
from .scores import audit_figures, partner_scores

router = Router(tags=["quality"])


class DrawIn(Schema):
    template: str
    partner: str
    period_start: date
    period_end: date
    size: int
    seed: int | None = None
    worker: str = ""  # the worker's staff id, for a spot-check
    task_type: str = ""


class ScoreIn(Schema):
    answers: dict[str, str]
    notes: str = ""


class ActionIn(Schema):
    title: str
    description: str = ""
    source_kind: str
    source_ref: str
    organisation: str
    owner: str  # username
    due_on: date


class MoveIn(Schema):
    to: str
    evidence: str


class ChangeIn(Schema):
    owner: str
    due_on: date
    reason: str


def template_json(v: TemplateVersion) -> dict[str, Any]:
    return {
        "code": v.template.code,
        "title": v.template.title,
        "record_kind": v.template.record_kind,
        "version": v.number,
        "pass_mark": v.pass_mark,
        "criteria": v.criteria,
    }


def item_json(i: AuditItem) -> dict[str, Any]:
    return {
        "position": i.position,
        "record": i.record_ref,
        "stratum": i.stratum,
        "score": i.score,
        "answers": i.answers,
        "scored_at": i.scored_at,
        "paused_delegation": i.pause_id is not None,
    }


def audit_json(a: Audit, items: list[AuditItem] | None = None) -> dict[str, Any]:
    mean, scored, _ = audit_figures([a.pk])[a.pk]
    out = {
        "code": a.code,
        "template": a.template_version.template.code,
        "template_version": a.template_version.number,
        "record_kind": a.record_kind,
        "partner": a.partner.code,
        "period_start": a.period_start,
        "period_end": a.period_end,
        "size": a.size,
        "seed": a.seed,
        "candidates": a.candidates,
        "mean_score": mean,
        "scored": scored,
    }
    if items is not None:
        out["items"] = [item_json(i) for i in items]
    return out


@router.get("/templates", response={200: list[dict[str, Any]], **ERRORS})
def template_list(request: HttpRequest) -> Any:
    actor = actor_of(request)
    if not access.can_see_scores(actor):
        raise refuse(actor, "quality.templates", "")
    out = []
    for t in ScoringTemplate.objects.all():
        current = actions.current_version(t)
        if current is not None:
            out.append(template_json(current))
    return out


@router.get("/audits", response={200: list[dict[str, Any]], **ERRORS})
def audit_list(request: HttpRequest, partner: str = "", template: str = "") -> Any:
    actor = actor_of(request)
    if not access.can_list_audits(actor):
        raise refuse(actor, "quality.audits", "")
    audits = Audit.objects.visible_to(actor).select_related("template_version__template", "partner")
    if partner:
        audits = audits.filter(partner__code=partner)
    if template:
        audits = audits.filter(template_version__template__code=template)
    listed = list(audits.order_by("-period_start", "code")[:500])
    figures = audit_figures([a.pk for a in listed])
    return [
        {
            **audit_json_light(a),
            "mean_score": figures[a.pk][0],
            "scored": figures[a.pk][1],
        }
        for a in listed
    ]


def audit_json_light(a: Audit) -> dict[str, Any]:
    return {
        "code": a.code,
        "template": a.template_version.template.code,
        "template_version": a.template_version.number,
        "partner": a.partner.code,
        "period_start": a.period_start,
        "period_end": a.period_end,
        "size": a.size,
        "seed": a.seed,
    }


@router.post("/audits", response={201: dict[str, Any], **WRITE_ERRORS})
def audit_draw(request: HttpRequest, body: DrawIn) -> Any:
    actor = require_writer(request)
    if not access.can_run_audits(actor):
        raise refuse(actor, "quality.audits.draw", "")
    template = ScoringTemplate.objects.filter(code=body.template).first()
    partner = Organisation.objects.filter(code=body.partner).first()
    if template is None:
        raise RuleViolation.one("unknown_template", f"No template '{body.template}'.", "template")
    if partner is None:
        raise RuleViolation.one("unknown_partner", f"No partner '{body.partner}'.", "partner")
    worker = None
    if body.worker:
        worker = Worker.objects.filter(organisation=partner, staff_id=body.worker).first()
        if worker is None:
            raise RuleViolation.one("unknown_worker", f"No worker '{body.worker}'.", "worker")
    task_type = None
    if body.task_type:
        task_type = TaskType.objects.filter(code=body.task_type).first()
        if task_type is None:
            raise RuleViolation.one(
                "unknown_task_type", f"No task type '{body.task_type}'.", "task_type"
            )
    made = actions.draw_audit(
        actor,
        template=template,
        partner=partner,
        period_start=body.period_start,
        period_end=body.period_end,
        size=body.size,
        seed=body.seed,
        worker=worker,
        task_type=task_type,
    )
    return Status(201, audit_json(made, list(made.items.all())))


@router.get("/audits/{code}", response={200: dict[str, Any], **ERRORS})
def audit_detail(request: HttpRequest, code: str) -> Any:
    actor = actor_of(request)
    audit = access.get_audit_for_user(actor, code)
    return audit_json(audit, list(audit.items.all()))


@router.get("/audits/{code}/redraw", response={200: dict[str, Any], **ERRORS})
def audit_redraw(request: HttpRequest, code: str) -> Any:
    actor = actor_of(request)
    audit = access.get_audit_for_user(actor, code)
    return {"code": audit.code, "seed": audit.seed, **sampling.redraw(audit).as_dict()}


@router.post(
    "/audits/{code}/items/{position}/score", response={200: dict[str, Any], **WRITE_ERRORS}
)
def item_score(request: HttpRequest, code: str, position: int, body: ScoreIn) -> Any:
    actor = require_writer(request)
    audit = access.get_audit_for_user(actor, code)
    item = access.get_item_for_user(actor, audit, position, write=True)
    scored = actions.score_item(actor, item, answers=body.answers, notes=body.notes)
    return {
        **item_json(scored),
        "below_pass_mark": rules.below_pass_mark(scored.score, audit.template_version.pass_mark),
    }


@router.get("/scores", response={200: list[dict[str, Any]], **ERRORS})
def scores(request: HttpRequest, template: str = "") -> Any:
    actor = actor_of(request)
    if not access.can_see_scores(actor):
        raise refuse(actor, "quality.scores", "")
    audits = Audit.objects.all()
    only = access.scores_limited_to(actor)
    if only is not None:
        audits = audits.filter(partner=only)
    return [r.as_dict() for r in partner_scores(audits, template)]


@router.get("/actions", response={200: dict[str, Any], **QUERY_ERRORS})
def action_list(
    request: HttpRequest, partner: str = "", status: str = "", overdue: bool = False
) -> Any:
    actor = actor_of(request)
    if not access.can_list_actions(actor):
        raise refuse(actor, "quality.corrective_actions", "")
    today = timezone.localdate()
    rows = lists.corrective_actions(actor, today, partner=partner, status=status, overdue=overdue)
    return {
        "actions": [lists.as_dict(a, today) for a in rows[:1000]],
        "by_partner": [
            p.as_dict() for p in lists.by_partner(CorrectiveAction.objects.visible_to(actor), today)
        ],
    }


def _owner(username: str) -> User | None:
    return User.objects.filter(username=username.strip().lower()).first()


@router.post("/actions", response={201: dict[str, Any], **WRITE_ERRORS})
def action_raise(request: HttpRequest, body: ActionIn) -> Any:
    actor = require_writer(request)
    if not access.can_create_action(actor):
        raise refuse(actor, "quality.corrective_actions.raise", "")
    made = actions.raise_corrective_action(
        actor,
        title=body.title,
        description=body.description,
        source_kind=body.source_kind,
        source_ref=body.source_ref,
        organisation=Organisation.objects.filter(code=body.organisation).first(),
        owner_person=_owner(body.owner),
        due_on=body.due_on,
    )
    return Status(201, lists.as_dict(made, timezone.localdate()))


@router.get("/actions/{ident}", response={200: dict[str, Any], **ERRORS})
def action_detail(request: HttpRequest, ident: str) -> Any:
    actor = actor_of(request)
    action = access.get_action_for_user(actor, ident)
    return {
        **lists.as_dict(action, timezone.localdate()),
        "evidence": [
            {"stage": e.stage, "text": e.text, "recorded_at": e.recorded_at}
            for e in action.evidence.all()
        ],
    }


@router.post("/actions/{ident}/move", response={200: dict[str, Any], **WRITE_ERRORS})
def action_move(request: HttpRequest, ident: str, body: MoveIn) -> Any:
    actor = require_writer(request)
    action = access.get_action_for_user(actor, ident, write=True)
    moved = actions.move_corrective_action(actor, action, to=body.to, evidence=body.evidence)
    return lists.as_dict(moved, timezone.localdate())


@router.post("/actions/{ident}/change", response={200: dict[str, Any], **WRITE_ERRORS})
def action_change(request: HttpRequest, ident: str, body: ChangeIn) -> Any:
    actor = require_writer(request)
    action = access.get_action_for_user(actor, ident, write=True)
    changed = actions.change_corrective_action(
        actor, action, owner_person=_owner(body.owner), due_on=body.due_on, reason=body.reason
    )
    return lists.as_dict(changed, timezone.localdate())
