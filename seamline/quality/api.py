"""The calibration JSON API (mounted at /api/quality).

The same access and actions as the pages: vignettes and rounds are kept by the network's
quality lead and admin; a partner's quality leads and supervisors answer for their partner and
see only its answers while a round is open; commissioners and inspectors read closed rounds'
statistics. Out of sight is 404."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from seamline.api_support import ERRORS, WRITE_ERRORS, actor_of, require_writer
from seamline.network.access import refuse

from . import access, actions
from .models import CalibrationAnswer, CalibrationRound, GuidanceRule, Vignette
from .stats import round_stats

router = Router(tags=["quality"])


class VignetteIn(Schema):
    code: str
    title: str
    text: str


class VignetteOut(Schema):
    code: str
    title: str
    text: str


class RoundIn(Schema):
    code: str
    title: str
    vignettes: list[str]
    partners: list[str]


class AnswerIn(Schema):
    vignette: str
    partner: str
    rater: str
    question: str
    answer: str


class AnswerOut(Schema):
    vignette: str
    partner: str
    rater: str
    question: str
    answer: str
    recorded_at: datetime


class GuidanceIn(Schema):
    condition: str
    hours: int
    reason: str
    trigger: str = ""


class GuidanceOut(Schema):
    condition: str
    hours: int
    tier: str
    reason: str
    created_at: datetime
    created_by: str | None


class RoundOut(Schema):
    code: str
    title: str
    status: str
    vignettes: list[str]
    partners: list[str]
    closed_at: datetime | None
    answers: list[AnswerOut]
    guidance: list[GuidanceOut]


def vignette_json(v: Vignette) -> dict[str, Any]:
    return {"code": v.code, "title": v.title, "text": v.text}


def answer_json(a: CalibrationAnswer) -> dict[str, Any]:
    return {
        "vignette": a.vignette.code,
        "partner": a.organisation.code,
        "rater": a.rater,
        "question": a.question,
        "answer": a.answer,
        "recorded_at": a.recorded_at,
    }


def guidance_json(g: GuidanceRule) -> dict[str, Any]:
    return {
        "condition": g.condition,
        "hours": g.hours,
        "tier": g.tier,
        "reason": g.reason,
        "created_at": g.created_at,
        "created_by": g.created_by.display_name if g.created_by else None,
    }


def visible_answers(actor: Any, rnd: CalibrationRound) -> list[CalibrationAnswer]:
    """Every answer for those who see them all; otherwise the actor's partner's own."""
    rows = CalibrationAnswer.objects.filter(round=rnd).select_related("vignette", "organisation")
    if access.sees_all_answers(actor, rnd):
        return list(rows)
    if access.sees_vignette_text(actor, rnd) and actor.organisation is not None:
        return list(rows.filter(organisation=actor.organisation))
    return []


def round_json(actor: Any, rnd: CalibrationRound) -> dict[str, Any]:
    return {
        "code": rnd.code,
        "title": rnd.title,
        "status": rnd.status,
        "vignettes": [v.code for v in rnd.vignettes.all()],
        "partners": [p.code for p in rnd.partners.order_by("code")],
        "closed_at": rnd.closed_at,
        "answers": [answer_json(a) for a in visible_answers(actor, rnd)],
        "guidance": [guidance_json(g) for g in rnd.guidance.select_related("created_by")],
    }


@router.get("/vignettes", response={200: list[VignetteOut], **ERRORS})
def vignette_list(request: HttpRequest) -> Any:
    actor = actor_of(request)
    access.require_manager(actor, "quality.vignettes")
    return [vignette_json(v) for v in Vignette.objects.all()]


@router.post("/vignettes", response={201: VignetteOut, **WRITE_ERRORS})
def vignette_add(request: HttpRequest, body: VignetteIn) -> Any:
    actor = require_writer(request)
    access.require_manager(actor, "quality.vignettes")
    made = actions.add_vignette(actor, code=body.code, title=body.title, text=body.text)
    return Status(201, vignette_json(made))


@router.get("/rounds", response={200: list[dict[str, Any]], **ERRORS})
def round_list(request: HttpRequest) -> Any:
    actor = actor_of(request)
    if not access.can_list_rounds(actor):
        raise refuse(actor, "quality.rounds", "")
    return [
        {"code": r.code, "title": r.title, "status": r.status}
        for r in access.rounds_visible_to(actor)
    ]


@router.post("/rounds", response={201: RoundOut, **WRITE_ERRORS})
def round_open(request: HttpRequest, body: RoundIn) -> Any:
    actor = require_writer(request)
    access.require_manager(actor, "quality.rounds")
    made = actions.open_round(
        actor, code=body.code, title=body.title, vignettes=body.vignettes, partners=body.partners
    )
    return Status(201, round_json(actor, made))


@router.get("/rounds/{code}", response={200: RoundOut, **ERRORS})
def round_detail(request: HttpRequest, code: str) -> Any:
    actor = actor_of(request)
    return round_json(actor, access.get_round_for_user(actor, code))


@router.post("/rounds/{code}/answers", response={201: AnswerOut, **WRITE_ERRORS})
def answer_add(request: HttpRequest, code: str, body: AnswerIn) -> Any:
    actor = require_writer(request)
    rnd = access.get_round_for_user(actor, code)
    if not access.sees_vignette_text(actor, rnd):
        raise refuse(actor, "quality.answers", rnd.code)
    answer, _ = actions.record_answer(actor, rnd, **body.dict())
    return Status(201, answer_json(answer))


@router.post("/rounds/{code}/close", response={200: RoundOut, **WRITE_ERRORS})
def round_close(request: HttpRequest, code: str) -> Any:
    actor = require_writer(request)
    rnd = access.get_round_for_user(actor, code, write=True)
    actions.close_round(actor, rnd)
    return round_json(actor, rnd)


@router.get("/rounds/{code}/stats", response={200: dict[str, Any], **ERRORS})
def round_stats_view(request: HttpRequest, code: str) -> Any:
    actor = actor_of(request)
    rnd = access.get_round_for_user(actor, code)
    if not access.sees_all_answers(actor, rnd):
        raise refuse(actor, "quality.stats", rnd.code)
    return round_stats(rnd)


@router.post("/rounds/{code}/guidance", response={201: GuidanceOut, **WRITE_ERRORS})
def guidance_add(request: HttpRequest, code: str, body: GuidanceIn) -> Any:
    actor = require_writer(request)
    rnd = access.get_round_for_user(actor, code, write=True)
    made = actions.add_guidance(
        actor,
        rnd,
        condition=body.condition,
        hours=body.hours,
        reason=body.reason,
        trigger=body.trigger,
    )
    return Status(201, guidance_json(made))


def _add_audit_routes() -> None:
    from .api_audits import router as audits_router
    from .api_incidents import router as incidents_router

    router.add_router("", audits_router)
    router.add_router("", incidents_router)


_add_audit_routes()
