"""The calibration pages: the rounds, a round (its vignettes with one form each for the
rater's partner while it is open, the agreement with a chart of kappa per question once the
reader may see every answer, and its guidance rules), answering, closing and adding guidance."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.choices import OrgStatus
from seamline.network.models import Organisation
from seamline.network.views.common import actor_of, page, require_writer

from .. import access, actions, rules
from ..api import visible_answers
from ..chart import kappa_svg
from ..choices import Question
from ..models import CalibrationRound, Vignette
from ..stats import round_stats

QUESTIONS = [(q.value, q.label) for q in Question]


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def stat_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The statistics as the page shows them: one row per question, figures as text."""
    out = []
    for q, label in QUESTIONS:
        s = data["questions"][q]
        drift = []
        for partner, d in s["drift"].items():
            if q == Question.HOURS:
                gap = d["median_hours_from_consensus"]
                drift.append(f"{partner}: {'n/a' if gap is None else f'{gap:+.1f} h'}")
                continue
            line = f"{partner}: {_share(d['disagreement'])} off the consensus"
            if q == Question.ESCALATE and d.get("no_where_consensus_yes"):
                line += f" ({d['no_where_consensus_yes']} no where the consensus escalates)"
            drift.append(line)
        spread = s.get("spread")
        out.append(
            {
                "question": q,
                "label": label,
                "kappa": s["fleiss_kappa"],
                "kappa_text": "n/a" if s["fleiss_kappa"] is None else f"{s['fleiss_kappa']:.2f}",
                "agreement": _share(s["percent_agreement"]),
                "ratings": s["ratings"],
                "drift": drift,
                "spread": (
                    f"median {spread['median']:g} h, "
                    f"{spread['lowest']:g} to {spread['highest']:g} h"
                    if spread and spread["median"] is not None
                    else ""
                ),
            }
        )
    return out


@page
def round_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_list_rounds(actor):
        raise refuse(actor, "quality.rounds", "")
    errors: list[str] = []
    if request.method == "POST":
        require_writer(actor)
        access.require_manager(actor, "quality.rounds")
        try:
            made = actions.open_round(
                actor,
                code=request.POST.get("code", ""),
                title=request.POST.get("title", ""),
                vignettes=request.POST.getlist("vignettes"),
                partners=request.POST.getlist("partners"),
            )
        except RuleViolation as exc:
            errors = [r.message for r in exc.reasons]
        else:
            messages.success(request, f"Round {made.code} opened.")
            return redirect("quality:round", made.code)
    rounds = access.rounds_visible_to(actor).prefetch_related("partners", "vignettes")
    manage = access.can_manage(actor)
    return render(
        request,
        "quality/rounds.html",
        {
            "rounds": rounds,
            "can_manage": manage,
            "errors": errors,
            "all_vignettes": Vignette.objects.all() if manage else [],
            "all_partners": (
                Organisation.objects.exclude(status=OrgStatus.EXITED).order_by("code")
                if manage
                else []
            ),
        },
        status=422 if errors else 200,
    )


@page
def vignette_list(request: HttpRequest) -> HttpResponse:
    """The vignette library, with a form to add one (the keepers only)."""
    actor = actor_of(request)
    access.require_manager(actor, "quality.vignettes")
    errors: list[str] = []
    if request.method == "POST":
        try:
            made = actions.add_vignette(
                actor,
                code=request.POST.get("code", ""),
                title=request.POST.get("title", ""),
                text=request.POST.get("text", ""),
            )
        except RuleViolation as exc:
            errors = [r.message for r in exc.reasons]
        else:
            messages.success(request, f"Vignette {made.code} added.")
            return redirect("quality:vignettes")
    return render(
        request,
        "quality/vignettes.html",
        {"vignettes": Vignette.objects.all(), "errors": errors, "form": request.POST},
        status=422 if errors else 200,
    )


def _round_context(request: HttpRequest, rnd: CalibrationRound, **extra: Any) -> dict[str, Any]:
    actor = actor_of(request)
    answers = visible_answers(actor, rnd)
    by_vignette: dict[str, list[Any]] = {}
    for a in answers:
        by_vignette.setdefault(a.vignette.code, []).append(a)
    show_text = access.sees_vignette_text(actor, rnd)
    errors = extra.pop("errors", {})
    vignettes = [
        {"vignette": v, "answers": by_vignette.get(v.code, []), "errors": errors.get(v.code, [])}
        for v in rnd.vignettes.all()
    ]
    stats = None
    chart = None
    if access.sees_all_answers(actor, rnd):
        stats = stat_rows(round_stats(rnd))
        chart = kappa_svg(
            [(row["label"], row["kappa"]) for row in stats],
            title=f"Fleiss' kappa per question, round {rnd.code}",
        )
    return {
        "round": rnd,
        "vignettes": vignettes,
        "show_text": show_text,
        "can_answer": access.can_answer(actor, rnd),
        "can_manage": access.can_manage(actor),
        "stats": stats,
        "chart": chart,
        "questions": QUESTIONS,
        "tiers": rules.TIERS,
        "partners": list(rnd.partners.order_by("code")),
        "guidance": list(rnd.guidance.select_related("created_by")),
        "guidance_errors": errors.get("guidance", []),
        **extra,
    }


@page
def round_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    rnd = access.get_round_for_user(actor, code)
    return render(request, "quality/round.html", _round_context(request, rnd))


@page
@require_POST
def answer(request: HttpRequest, code: str, vignette: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    rnd = access.get_round_for_user(actor, code)
    found = access.get_vignette_for_round(actor, rnd, vignette)
    partner = actor.org_code if not access.can_manage(actor) else request.POST.get("partner", "")
    try:
        changed = actions.record_decision(
            actor,
            rnd,
            vignette=found.code,
            partner=partner,
            rater=request.POST.get("rater", ""),
            answers={q: request.POST.get(q, "") for q, _ in QUESTIONS},
        )
    except RuleViolation as exc:
        context = _round_context(
            request, rnd, errors={found.code: [r.message for r in exc.reasons]}
        )
        return render(request, "quality/round.html", context, status=422)
    messages.success(request, f"{changed} answer{'s' if changed != 1 else ''} recorded.")
    return redirect(reverse("quality:round", args=[rnd.code]) + f"#v-{found.code}")


@page
@require_POST
def close(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    rnd = access.get_round_for_user(actor, code, write=True)
    try:
        actions.close_round(actor, rnd)
    except RuleViolation as exc:
        messages.error(request, " ".join(r.message for r in exc.reasons))
    else:
        messages.success(request, f"Round {rnd.code} closed: every partner now sees every answer.")
    return redirect("quality:round", rnd.code)


@page
@require_POST
def guidance(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    rnd = access.get_round_for_user(actor, code, write=True)
    raw_hours = request.POST.get("hours", "").strip()
    try:
        hours = int(raw_hours)
    except ValueError:
        hours = -1
    try:
        actions.add_guidance(
            actor,
            rnd,
            condition=request.POST.get("condition", ""),
            hours=hours,
            reason=request.POST.get("reason", ""),
            trigger=request.POST.get("trigger", ""),
        )
    except RuleViolation as exc:
        context = _round_context(
            request, rnd, errors={"guidance": [r.message for r in exc.reasons]}
        )
        return render(request, "quality/round.html", context, status=422)
    messages.success(request, "Guidance rule recorded.")
    return redirect(reverse("quality:round", args=[rnd.code]) + "#guidance")
