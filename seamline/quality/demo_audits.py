"""The demo's audits and corrective actions (a second quality step, after calibration).

The built-in templates; for up to four partners that sent handoffs, a handoff audit of five
handoffs in each of the last calendar months that have any, scored by the prime's quality
lead with each partner's own habits (one improving, one slipping), so the trend shows; in the
latest month the last two records of each sample (one of a smaller sample) are left unscored
for an auditor to score.
An urgent-visit review of one partner's visits, a safeguarding case sample of the first partner
whose people raised safeguarding concerns in the last 60 days, and a passing documentation
spot-check of a worker's delegated tasks (a failing one would pause the worker's delegation,
which the rota demo does not expect). Five corrective actions from audits, a calibration round,
a reconciliation and an incident: two overdue, one in progress, one completed. Every write goes
through `quality.actions`. `ctx.objects` gains `quality_audits` (codes the docs and tests
quote).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from seamline.access import Actor
from seamline.demo.registry import DemoContext, demo_step
from seamline.network.choices import Role
from seamline.network.models import Membership, Organisation, User

from . import actions, rules, sampling
from .models import Audit, AuditItem, ScoringTemplate

# How likely each partner's records are to meet a criterion, by month (oldest first).
HABITS = ((0.72, 0.8, 0.88), (0.9, 0.84, 0.76), (0.82, 0.83, 0.85), (0.65, 0.7, 0.72))


def _months(today: date, back: int = 3) -> list[tuple[date, date]]:
    """The last `back` calendar months up to yesterday, oldest first."""
    out = []
    first = today.replace(day=1)
    for _ in range(back):
        end = min(
            today - timedelta(days=1),
            (first + timedelta(days=32)).replace(day=1) - timedelta(days=1),
        )
        if end >= first:
            out.append((first, end))
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(out))


def _morning(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone())


def _answers(ctx: DemoContext, item: AuditItem, p_yes: float) -> dict[str, str]:
    out = {}
    for c in rules.criteria_of(item.audit.template_version.criteria):
        roll = ctx.rng.random()
        if roll < 0.06:
            out[c.code] = "not_applicable"
        elif roll < p_yes:
            out[c.code] = "yes"
        elif roll < p_yes + (1 - p_yes) / 2:
            out[c.code] = "partial"
        else:
            out[c.code] = "no"
    return out


def _score(ctx: DemoContext, keeper: Actor, audit: Audit, p_yes: float, leave: int = 0) -> None:
    items = list(audit.items.select_related("audit__template_version").order_by("position"))
    when = _morning(audit.period_end + timedelta(days=1))
    leave = min(leave, max(0, len(items) - 1))  # something scored in every sample
    for item in items[: len(items) - leave]:
        actions.score_item(keeper, item, answers=_answers(ctx, item, p_yes), at=min(when, ctx.now))


def _draw(
    ctx: DemoContext,
    keeper: Actor,
    template: ScoringTemplate,
    partner: Organisation,
    start: date,
    end: date,
    size: int,
    **kwargs: Any,
) -> Audit | None:
    found = sampling.candidates(template.record_kind, partner, start, end, **kwargs)
    if not found:
        return None
    return actions.draw_audit(
        keeper,
        template=template,
        partner=partner,
        period_start=start,
        period_end=end,
        size=size,
        seed=ctx.rng.randrange(1, 10**6),
        at=min(ctx.now, _morning(end + timedelta(days=1)) - timedelta(hours=1)),
        **kwargs,
    )


def _owner(org: Organisation) -> User | None:
    for role in (Role.QUALITY_LEAD, Role.SUPERVISOR, Role.PARTNER_ADMIN):
        found = (
            Membership.objects.current()
            .filter(organisation=org, roles__role=role, roles__revoked_at__isnull=True)
            .select_related("user")
            .order_by("user__username")
            .first()
        )
        if found is not None:
            return found.user
    return None


@demo_step("quality_audits", order=96, units=4)
def build(ctx: DemoContext) -> None:
    from seamline.handoffs.models import Handoff

    keeper: Actor = ctx.objects.get("quality_actor") or Actor.system("demo")
    actions.load_builtin_templates(keeper, at=ctx.now - timedelta(days=90))
    templates = {t.code: t for t in ScoringTemplate.objects.all()}
    ctx.progress()
    today = timezone.localdate(ctx.now)
    months = _months(today)
    senders = list(
        Organisation.objects.filter(
            pk__in=Handoff.objects.filter(first_sent_at__isnull=False).values("sender_organisation")
        ).order_by("code")[:4]
    )
    story: dict[str, Any] = {"handoff_audits": [], "open_items": []}
    for n, partner in enumerate(senders):
        habits = HABITS[n % len(HABITS)][-len(months) :] if months else ()
        for i, (start, end) in enumerate(months):
            audit = _draw(ctx, keeper, templates["handoff-audit"], partner, start, end, 5)
            if audit is None:
                continue
            latest = i == len(months) - 1
            _score(ctx, keeper, audit, habits[i], leave=2 if latest else 0)
            story["handoff_audits"].append(audit.code)
            if latest and audit.items.filter(scored_at__isnull=True).exists():
                story["open_items"].append(audit.code)
    ctx.progress()
    week = (today - timedelta(days=13), today - timedelta(days=1))
    for partner in (
        Organisation.objects.filter(visits__isnull=False).distinct().order_by("code")[:1]
    ):
        audit = _draw(ctx, keeper, templates["urgent-visit-review"], partner, *week, 4)
        if audit is not None:
            _score(ctx, keeper, audit, 0.8)
            story["visit_review"] = audit.code
    for partner in Organisation.objects.order_by("code"):
        audit = _draw(
            ctx,
            keeper,
            templates["safeguarding-case-sample"],
            partner,
            today - timedelta(days=60),
            today - timedelta(days=1),
            3,
        )
        if audit is not None:
            _score(ctx, keeper, audit, 0.78)
            story["safeguarding_sample"] = audit.code
            break
    spot = _spot_check(ctx, keeper, templates["documentation-spot-check"], week)
    if spot is not None:
        story["spot_check"] = spot.code
    ctx.progress()
    _corrective(ctx, keeper, story, today)
    ctx.objects["quality_audits"] = story
    ctx.progress()


def _spot_check(
    ctx: DemoContext, keeper: Actor, template: ScoringTemplate, week: tuple[date, date]
) -> Audit | None:
    from seamline.rota.models import Assignment

    first = (
        Assignment.objects.filter(
            status="assigned",
            visit__task_types__delegated=True,
            visit__starts_at__date__gte=week[0],
            visit__starts_at__date__lte=week[1],
        )
        .select_related("worker__organisation")
        .order_by("visit__starts_at", "id")
        .first()
    )
    if first is None:
        return None
    worker = first.worker
    audit = _draw(ctx, keeper, template, worker.organisation, *week, 3, worker=worker)
    if audit is not None:
        for item in audit.items.select_related("audit__template_version").order_by("position"):
            criteria = rules.criteria_of(item.audit.template_version.criteria)
            answers = {c.code: "yes" for c in criteria}
            answers["observations"] = "partial"
            actions.score_item(keeper, item, answers=answers, at=ctx.now - timedelta(hours=2))
    return audit


def _corrective(ctx: DemoContext, keeper: Actor, story: dict[str, Any], today: date) -> None:
    lowest = None
    for code in story["handoff_audits"]:
        audit = Audit.objects.get(code=code)
        mean = rules.mean(list(audit.items.values_list("score", flat=True)))
        if mean is not None and (lowest is None or mean < lowest[1]):
            lowest = (audit, mean)
    plans = []
    if lowest is not None:
        audit = lowest[0]
        plans += [
            (
                audit.partner,
                "audit",
                audit.code,
                "Re-train senders on severity and the action list",
                -6,
                "not_started",
            ),
            (
                audit.partner,
                "audit",
                audit.code,
                "Re-audit ten handoffs next month",
                25,
                "not_started",
            ),
        ]
    others = list(
        Organisation.objects.filter(kind__in=["subcontractor", "vcse", "staffing_agency"]).order_by(
            "code"
        )
    )
    if others:
        plans += [
            (
                others[0],
                "calibration",
                "cal-2026-q3",
                "Talk through the bruising vignette with the night team",
                -3,
                "in_progress",
            ),
            (
                others[-1],
                "reconciliation",
                "caseload list",
                "Close the discharged cases still open on our list",
                -20,
                "completed",
            ),
            (
                others[0],
                "incident",
                "INC-DEMO-01",
                "Add the key-safe code to the handoff template",
                12,
                "in_progress",
            ),
        ]
    made = []
    for org, kind, ref, title, due_in, status in plans:
        owner = _owner(org)
        if owner is None:
            continue
        action = actions.raise_corrective_action(
            keeper,
            title=title,
            source_kind=kind,
            source_ref=ref,
            organisation=org,
            owner_person=owner,
            due_on=today + timedelta(days=due_in),
            at=ctx.now - timedelta(days=30),
        )
        if status in ("in_progress", "completed"):
            actions.move_corrective_action(
                keeper,
                action,
                to="in_progress",
                evidence="Sessions booked with the team leads.",
                at=ctx.now - timedelta(days=20),
            )
        if status == "completed":
            actions.move_corrective_action(
                keeper,
                action,
                to="completed",
                evidence="All twelve cases closed; the list matched the register at the next run.",
                at=ctx.now - timedelta(days=10),
            )
        made.append(str(action.uuid))
    story["corrective_actions"] = made
