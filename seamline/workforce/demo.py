"""The demo workforce: about 300 workers across the providers, with eighteen months of
evidence, sign-offs and supervision behind them.

The story is that of a network that has used Seamline for eighteen months. Each worker was
cleared for the tasks of their role: the Care Certificate standards and core skills that
everyday visits need, the network-critical competencies, and for experienced staff the
competencies of higher-risk work. What a worker holds is read from the framework itself: the
demo picks the task types of each worker's role and signs off whatever those task types
require, so that the register clears them.

Dates run across the eighteen months. Staff who were there when the network went live were
validated in the months that followed; people who joined later were validated soon after they
started. A sign-off's review date follows the competency's review interval (three months for
temporary workers), and most were renewed a few weeks before they fell due; some were not, and
are now past their review date. Seen as of six months ago, the register clears fewer people:
part of the workforce had not been validated yet.

The mix, as of `ctx.now`:

* most permanent workers cleared for tier 1 and 2 tasks, fewer for tier 3, a minority (senior
  and experienced staff) for tier 4, `duty_lead` and `handoff_receipt`;
* some sign-offs past their review date and some due within 30 days;
* temporary workers (bank, and the agency's carers) on a placement, some part-way through their
  evidence bundle (tier 1 only until it is complete);
* one delegation paused after a spot-check with remedial supervision due, one overdue;
* one worker who moved to the crisis pathway and awaits re-validation there;
* supervision overdue for some, and a few planned sessions that were not held.

Everything goes through `workforce.actions`, dated through the actions' own date parameters,
so every record has its audit entry and every sign-off met the rules. Training is recorded as
module evidence naming the partner's own module (verified, as a learning-system extract is),
and a day's observation, documentation review or assessment covers each competency signed off
that day that asks for it. The prime's designated assessor signs off a few senior staff per
organisation first; they then sign off their colleagues whenever they hold the competency
themselves on that day.

`ctx.objects` gains `workers` ({org code: [Worker]}), `assessor` (the prime's designated
assessor) and `workforce_story` (the workers the scenarios above picked, by staff id).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from seamline.access import Actor, actor_for
from seamline.competency import actions as framework_actions
from seamline.competency.choices import (
    EVIDENCE_MAPPINGS,
    STAGE_RANK,
    EvidenceKind,
    MappingKind,
    Stage,
)
from seamline.competency.models import (
    Competency,
    ModuleMapping,
    PartnerModule,
    TaskRequirement,
    TaskType,
)
from seamline.demo.registry import DemoContext, demo_step
from seamline.network.choices import OrgStatus, Role
from seamline.network.demo import FIRST_NAMES, LAST_NAMES, PRIME
from seamline.network.models import Network, Organisation, Pathway, User

from . import actions, rules
from .choices import LOCAL_INDUCTION_TOPICS, TEMPORARY, EmploymentType, RoleGroup
from .models import Evidence, Worker

SIZE = 300
# The network has used Seamline for eighteen months.
HISTORY_DAYS = 548
CRITICAL = (
    "safeguarding",
    "documentation_quality",
    "handoff_communication",
    "medication_support",
    "crisis_response",
)

# The task types of each kind of role (codes of the default framework; a code the framework
# in force does not have is skipped).
TIER_1 = ("welfare_check", "companionship", "shopping_support")
EVERYDAY_CARE = ("personal_care", "meal_support")
MEDICATION_PROMPT = "medication_prompt"
HIGHER_RISK = (
    "observations",
    "medication_administration",
    "late_lone_cover",
    "safeguarding_referral",
    "handoff_receipt",
)
NURSING = ("observations", "medication_administration", "handoff_receipt", "safeguarding_referral")
LEADING = ("crisis_visit", "complex_case_lead")
DUTY_LEAD = "duty_lead"

# How often a renewal is missed: the whole annual update of a worker, or one competency.
MISSED_UPDATE = 0.12
MISSED_ONE = 0.05
# Of the temporary workers on a placement, the share still part-way through their bundle.
PART_WAY = 0.25


@dataclass(frozen=True)
class ProviderPlan:
    code: str
    prefix: str
    share: float  # of the demo's workers
    employment: tuple[tuple[str, float], ...]
    pathways: tuple[str, ...]
    role_groups: tuple[str, ...]


PROVIDERS = (
    ProviderPlan(
        PRIME,
        "NCC",
        0.27,
        ((EmploymentType.EMPLOYED, 0.85), (EmploymentType.BANK, 0.15)),
        ("discharge", "crisis"),
        (RoleGroup.SUPPORT_WORKER, RoleGroup.SUPPORT_WORKER, RoleGroup.NURSE),
    ),
    ProviderPlan(
        "riverside",
        "RHS",
        0.37,
        ((EmploymentType.EMPLOYED, 0.8), (EmploymentType.BANK, 0.2)),
        ("discharge",),
        (RoleGroup.SUPPORT_WORKER,),
    ),
    ProviderPlan(
        "swiftstaff",
        "SWA",
        0.2,
        ((EmploymentType.AGENCY, 1.0),),
        ("discharge", "crisis"),
        (RoleGroup.SUPPORT_WORKER,),
    ),
    ProviderPlan(
        "hearth",
        "HHN",
        0.1,
        ((EmploymentType.VOLUNTEER, 0.7), (EmploymentType.EMPLOYED, 0.3)),
        ("discharge",),
        (RoleGroup.PEER_SUPPORT,),
    ),
    ProviderPlan(
        "oakleaf",
        "OTP",
        0.06,
        ((EmploymentType.EMPLOYED, 1.0),),
        ("therapy",),
        (RoleGroup.THERAPIST,),
    ),
)
# Organisations whose senior staff are signed off by the prime's assessor and then sign off
# their colleagues (the agency has no seniors: the prime signs its workers off).
SENIORS_PER_ORG = 3


@dataclass(frozen=True, order=True)
class Completion:
    """A module of the partner's catalogue completed on a day, as evidence of a competency."""

    competency: str
    module: PartnerModule = field(compare=False)
    day: date


@dataclass(frozen=True)
class Grant:
    """One sign-off to record: a competency at a stage (on a pathway), on a day."""

    competency: str
    stage: str
    day: date
    pathway: Pathway | None = None


@dataclass
class Story:
    """What happens to one worker: the task types of their role, the sign-offs that clear them
    for those, and (temporary workers) how far their evidence bundle has got."""

    worker: Worker
    tasks: tuple[str, ...] = ()
    grants: list[Grant] = field(default_factory=list)
    bundle: str = ""  # "complete" or "part_way" for a temporary worker on a placement
    lapsed: bool = False  # missed an update: some sign-offs are past their review date


class Builder:
    def __init__(self, ctx: DemoContext, size: int) -> None:
        self.ctx = ctx
        self.rng: random.Random = ctx.rng
        self.size = size
        self.today = timezone.localtime(ctx.now).date()
        self.live = self.ago(HISTORY_DAYS)
        self.admin: Actor = ctx.objects["admin_actor"]
        self.orgs: dict[str, Organisation] = ctx.objects["organisations"]
        self.pathways: dict[str, Pathway] = ctx.objects["pathways"]
        self.workers: dict[str, list[Worker]] = {}
        self.seniors: dict[str, list[Worker]] = {}
        self.stories: dict[int, Story] = {}
        self.story: dict[str, str] = {}
        self.comps: dict[str, Competency] = {}
        self.requirements: dict[str, dict[str, str]] = {}
        self.modules: dict[str, dict[str, PartnerModule]] = {}
        self.module_evidence: dict[tuple[int, int, date], Evidence] = {}
        # Who holds what at independent or above, and until when: the signers' own record.
        self.held: dict[int, list[tuple[str, date, date]]] = defaultdict(list)
        self.assessor: Worker | None = None
        # The day of the module completion each sign-off rests on: (worker, competency, day).
        self.trained: dict[tuple[int, str, date], date] = {}
        self.temporary_months = Network.current().temporary_review_months
        self._actors: dict[str, Actor] = {}

    # --- helpers ------------------------------------------------------------------------

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def at(self, day: date, hour: int = 10) -> datetime:
        moment = timezone.make_aware(datetime.combine(day, time(hour, 0)))
        return min(moment, self.ctx.now)

    def actor_for_org(self, code: str) -> Actor:
        """The organisation's partner admin (the prime's network admin for the prime)."""
        if code not in self._actors:
            admins = [
                u
                for u in self.ctx.objects["people"].get(code, [])
                if Role.PARTNER_ADMIN in _roles(u)
            ]
            if code == PRIME or not admins:
                self._actors[code] = self.admin
            else:
                admins[0].__dict__.pop("_seamline_actor", None)
                self._actors[code] = actor_for(admins[0])
        return self._actors[code]

    # --- the framework and the catalogues -----------------------------------------------

    def framework(self) -> None:
        """The framework in force, and what each of its task types requires."""
        if Competency.objects.filter(code__in=CRITICAL).count() != len(CRITICAL):
            from seamline.competency.defaults import DEFAULT_FRAMEWORK, DEFAULT_REASON

            framework_actions.apply_framework(self.admin, DEFAULT_FRAMEWORK, DEFAULT_REASON)
        self.comps = {c.code: c for c in Competency.objects.filter(retired=False)}
        needs = TaskRequirement.objects.filter(
            task_type__retired=False, competency__retired=False
        ).values_list("task_type__code", "competency__code", "min_stage")
        for task, comp, stage in needs:
            self.requirements.setdefault(task, {})[comp] = stage

    def catalogue(self, plan: ProviderPlan, needed: set[str]) -> dict[str, PartnerModule]:
        """For each competency `needed`, a module of the partner's catalogue mapped to it
        (exact or part of). What the catalogue lacks is added: a course of the partner's own
        for each network-critical competency, and one top-up course for the rest. A team-working
        course mapped only as related is added too: its completions are listed as unmapped by
        the import, for the partner to map."""
        org = self.orgs[plan.code]
        actor = self.actor_for_org(plan.code)
        # Of the modules that cover a competency, the narrowest (a completion of a broad
        # workbook is evidence of every standard in it).
        covers: dict[PartnerModule, list[str]] = defaultdict(list)
        mappings = ModuleMapping.objects.filter(
            module__organisation=org, kind__in=EVIDENCE_MAPPINGS
        ).select_related("module", "competency")
        for m in mappings.order_by("module__code", "competency__code"):
            covers[m.module].append(m.competency.code)
        found: dict[str, PartnerModule] = {}
        for module in sorted(covers, key=lambda m: (len(covers[m]), m.code)):
            for code in covers[module]:
                found.setdefault(code, module)
        missing = sorted(code for code in needed if code not in found)
        top_up: PartnerModule | None = None
        for code in missing:
            comp = self.comps[code]
            if comp.network_critical:
                module = framework_actions.add_partner_module(
                    actor,
                    org,
                    code=f"{plan.prefix}-{code.upper().replace('_', '-')[:20]}",
                    title=f"{comp.title} ({org.name} course)",
                    reason="The partner's learning catalogue, mapped for the network.",
                )
                kind = MappingKind.EXACT
            else:
                if top_up is None:
                    top_up = framework_actions.add_partner_module(
                        actor,
                        org,
                        code=f"{plan.prefix}-TOPUP",
                        title="Care Certificate and core skills top-up",
                        reason="Covers the standards the partner's own courses leave out.",
                    )
                module, kind = top_up, MappingKind.PART_OF
            framework_actions.add_module_mapping(actor, module, comp, kind, reason="Same content.")
            found[code] = module
        team = f"{plan.prefix}-TEAMWORK"
        if not PartnerModule.objects.filter(organisation=org, code=team).exists():
            module = framework_actions.add_partner_module(
                actor, org, code=team, title="Working in a team", reason="Local course."
            )
            framework_actions.add_module_mapping(
                actor,
                module,
                self.comps["handoff_communication"],
                MappingKind.RELATED,
                reason="Touches on handoffs but does not teach them.",
            )
        return found

    # --- workers ------------------------------------------------------------------------

    def add_workers(self) -> None:
        by_role: dict[str, list[User]] = self.ctx.objects["by_role"]
        for plan in PROVIDERS:
            org = self.orgs[plan.code]
            actor = self.actor_for_org(plan.code)
            count = max(4, round(self.size * plan.share))
            users = [
                u
                for r in (Role.SUPERVISOR, Role.WORKER)
                for u in by_role.get(r, [])
                if u in self.ctx.objects["people"].get(plan.code, [])
            ]
            made: list[Worker] = []
            self.workers[plan.code] = made
            for n in range(count):
                worker = self.add_worker(plan, org, actor, n, users[n] if n < len(users) else None)
                made.append(worker)
                if n < SENIORS_PER_ORG and plan.code != "swiftstaff":
                    self.seniors.setdefault(plan.code, []).append(worker)
                self.ctx.progress()

    def add_worker(
        self, plan: ProviderPlan, org: Organisation, actor: Actor, n: int, user: User | None
    ) -> Worker:
        rng = self.rng
        senior = n < SENIORS_PER_ORG and plan.code != "swiftstaff"
        employment = EmploymentType.EMPLOYED if senior else _weighted(rng, plan.employment)
        role_group: str
        if senior:
            role_group = RoleGroup.TEAM_LEADER if n == 0 else RoleGroup.SENIOR_SUPPORT_WORKER
            if plan.code == "oakleaf":
                role_group = RoleGroup.THERAPIST
        else:
            role_group = rng.choice(plan.role_groups)
        if employment == EmploymentType.VOLUNTEER:
            role_group = RoleGroup.PEER_SUPPORT
        new_starter = not senior and rng.random() < 0.04
        if senior:
            start = self.ago(rng.randint(1200, 3000))
        elif new_starter:
            start = self.ago(rng.randint(3, 25))
        elif rng.random() < 0.25:  # joined while the network was running
            start = self.ago(rng.randint(40, HISTORY_DAYS - 20))
        else:
            start = self.ago(rng.randint(HISTORY_DAYS + 30, 2500))
        placement = None
        if employment in TEMPORARY:
            placement = self.ago(rng.randint(1, 80))
            start = min(start, placement)
        pathways = [self.pathways[p] for p in plan.pathways if p in self.pathways]
        if len(pathways) > 1 and not senior:
            pathways = rng.sample(pathways, rng.randint(1, len(pathways)))
        if user is not None:
            first, last = user.first_name, user.last_name
        else:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        supervisor = None
        seniors = self.seniors.get(plan.code) or self.seniors.get(PRIME) or []
        if (new_starter or placement is not None) and seniors:
            supervisor = seniors[0]
        return actions.add_worker(
            actor,
            org,
            staff_id=f"{plan.prefix}-{n + 1:04d}",
            first_name=first,
            last_name=last,
            employment_type=employment,
            role_group=role_group,
            start_date=start,
            placement_start=placement,
            pathways=pathways,
            user=user,
            supervisor=supervisor,
            reason="Joined the network's workforce register.",
        )

    # --- what each worker holds ---------------------------------------------------------

    def tasks_for(self, worker: Worker, senior: bool, team_leader: bool) -> tuple[str, ...]:
        """The task types a worker's role is cleared for (what the sign-offs will add up to)."""
        rng = self.rng
        org = worker.organisation.code
        new_starter = (self.today - worker.start_date).days < 28
        if worker.employment_type == EmploymentType.VOLUNTEER or new_starter:
            return TIER_1
        if org == "hearth":  # peer support: visits and company, passing concerns on
            extra = [t for t in ("handoff_receipt", "safeguarding_referral") if rng.random() < 0.4]
            return (*TIER_1, *(("handoff_receipt", "safeguarding_referral") if senior else extra))
        if org == "oakleaf":  # therapists, half of them validated so far in onboarding
            if not senior and rng.random() < 0.5:
                return ()
            return ("observations", "safeguarding_referral", "handoff_receipt")
        if senior:
            tasks = [*TIER_1, *EVERYDAY_CARE, MEDICATION_PROMPT, *HIGHER_RISK, *LEADING]
            return (*tasks, DUTY_LEAD) if team_leader else tuple(tasks)
        if worker.is_temporary:
            care = [t for t in EVERYDAY_CARE if rng.random() < 0.5]
            meds = [MEDICATION_PROMPT] if care and rng.random() < 0.3 else []
            return (*TIER_1, *care, *meds)
        tasks = [*TIER_1, *(t for t in EVERYDAY_CARE if rng.random() < 0.92)]
        if rng.random() < 0.7:
            tasks.append(MEDICATION_PROMPT)
        on_crisis = "crisis" in _pathway_codes(worker)
        if worker.role_group == RoleGroup.NURSE:
            tasks += NURSING
            if on_crisis and rng.random() < 0.5:
                tasks.append("crisis_visit")
        elif rng.random() < 0.4:  # experienced support workers take on some higher-risk work
            tasks += rng.sample(HIGHER_RISK, rng.randint(1, 3))
            if on_crisis and rng.random() < 0.3:
                tasks.append("crisis_visit")
        return tuple(dict.fromkeys(tasks))

    def wanted(self, tasks: Iterable[str], floor: str | None = None) -> dict[str, str]:
        """The stage of each competency `tasks` require (at least `floor`, when given)."""
        found: dict[str, str] = {}
        for task in tasks:
            for code, stage in self.requirements.get(task, {}).items():
                if floor is not None and STAGE_RANK[stage] < STAGE_RANK[floor]:
                    stage = floor
                if code not in found or STAGE_RANK[stage] > STAGE_RANK[found[code]]:
                    found[code] = stage
        return found

    def first_validation(self, worker: Worker, senior: bool) -> date:
        """The day a worker's competencies were first signed off in the network."""
        rng = self.rng
        start = worker.start_date
        if worker.is_temporary:
            placement = worker.placement_start or start
            days_on = (self.today - placement).days
            return placement + timedelta(days=min(days_on, rng.randint(1, 7)))
        if worker.organisation.status == OrgStatus.ONBOARDING:
            # A partner still onboarding validates its staff for the due-diligence review.
            return max(start, self.ago(rng.randint(5, 60)))
        if senior:
            # The founding assessments, just before go-live; the assessor's own come last,
            # signed by a colleague the assessor had already signed off.
            if worker == self.seniors[PRIME][0]:
                return self.live - timedelta(days=5)
            return self.live - timedelta(days=rng.randint(10, 40))
        if (self.today - start).days < 28:
            return min(self.today, start + timedelta(days=rng.randint(0, 2)))
        if start > self.live:
            return min(self.ago(1), start + timedelta(days=rng.randint(5, 25)))
        # Staff who were there at go-live were validated as the network rolled out.
        return self.live + timedelta(days=rng.randint(7, HISTORY_DAYS - 30))

    def history(self, story: Story, wanted: dict[str, str], first: date, senior: bool) -> None:
        """Sign-offs from the first validation to today: renewed a few weeks before each
        review date (the competency's interval; three months for temporary workers), unless
        the worker missed an update. Some staff were first signed off a stage lower and moved
        up later."""
        rng = self.rng
        worker = story.worker
        temporary = worker.is_temporary
        early = rng.randint(3, 28)  # how long before the review date this worker renews
        missed_update = not senior and rng.random() < MISSED_UPDATE
        moves_up = not senior and not temporary and rng.random() < 0.1
        move_day = first + timedelta(days=rng.randint(90, 270))
        for code, stage in sorted(wanted.items()):
            comp = self.comps[code]
            steps: list[tuple[str, date]] = [(stage, first)]
            if moves_up and stage == Stage.INDEPENDENT and move_day < self.today:
                steps = [(Stage.SUPERVISED, first), (stage, move_day)]
            for pathway in self.pathways_for(comp, worker):
                for n, (at_stage, day) in enumerate(steps):
                    story.grants.append(Grant(code, at_stage, day, pathway))
                    if n + 1 < len(steps):
                        continue
                    signed = day
                    while True:
                        due = rules.review_due(
                            signed, comp.review_interval_months, temporary, self.temporary_months
                        )
                        if due >= self.today:
                            break
                        if (missed_update and comp.review_interval_months <= 12) or (
                            not senior and rng.random() < MISSED_ONE
                        ):
                            story.lapsed = True
                            break
                        signed = max(signed + timedelta(days=1), due - timedelta(days=early))
                        story.grants.append(Grant(code, at_stage, signed, pathway))
        story.grants.sort(key=lambda g: (g.day, g.competency))

    def plan_stories(self) -> None:
        """Decide each worker's task types and sign-offs (nothing written yet)."""
        for plan in PROVIDERS:
            seniors = self.seniors.get(plan.code, [])
            for worker in self.workers[plan.code]:
                senior = worker in seniors
                story = Story(worker)
                self.stories[worker.pk] = story
                story.tasks = self.tasks_for(worker, senior, senior and worker is seniors[0])
                wanted = self.wanted(story.tasks, Stage.INDEPENDENT if senior else None)
                first = self.first_validation(worker, senior)
                if worker.is_temporary:
                    days_on = (self.today - (worker.placement_start or worker.start_date)).days
                    part_way = days_on < 2 or self.rng.random() < PART_WAY
                    story.bundle = "part_way" if part_way else "complete"
                    if part_way:  # tier 1 only until the bundle is complete
                        wanted = self.wanted(TIER_1)
                self.history(story, wanted, first, senior)

    def pathways_for(self, comp: Competency, worker: Worker) -> list[Pathway | None]:
        if not comp.pathway_specific:
            return [None]
        return [p.pathway for p in worker.pathways.all()] or [None]

    def needs_module(self, grant: Grant) -> bool:
        stages = self.comps[grant.competency].stage_evidence or {}
        return EvidenceKind.MODULE in stages.get(grant.stage, [])

    def training(self, story: Story, modules: dict[str, PartnerModule]) -> set[Completion]:
        """The module completions behind a worker's sign-offs.

        A sign-off that needs a module rests on the last completion of the competency's module
        that is still within its refresher period on the day; when there is none, the worker
        completed the module a few days before (a temporary worker, on the first day of the
        placement, so that it counts for the bundle, along with the module of every
        network-critical competency when the bundle is complete). `self.trained` remembers
        which completion each sign-off rests on."""
        worker = story.worker
        placement = worker.placement_start or worker.start_date
        done: dict[str, list[date]] = defaultdict(list)
        found: set[Completion] = set()
        if story.bundle == "complete":
            for code in CRITICAL:
                if code in modules:
                    done[modules[code].code].append(placement)
                    found.add(Completion(code, modules[code], placement))
        for grant in story.grants:
            if not self.needs_module(grant):
                continue
            module = modules[grant.competency]
            valid = [
                day
                for day in done[module.code]
                if day <= grant.day
                and (
                    module.refresher_months is None
                    or rules.add_months(day, module.refresher_months) >= grant.day
                )
            ]
            if valid:
                day = max(valid)
            elif worker.is_temporary:
                day = placement
            else:
                day = grant.day - timedelta(days=self.rng.randint(3, 20))
            if day not in done[module.code]:
                done[module.code].append(day)
            found.add(Completion(grant.competency, module, day))
            self.trained[(worker.pk, grant.competency, grant.day)] = day
        return found

    # --- writing ------------------------------------------------------------------------

    def record_training(self) -> None:
        """The module completions, as evidence of the competencies the demo signs off: each
        names the partner's module and is verified, as a learning-system extract would be."""
        for plan in PROVIDERS:
            modules = self.modules[plan.code]
            actor = self.actor_for_org(plan.code)
            for worker in self.workers[plan.code]:
                for done in sorted(self.training(self.stories[worker.pk], modules)):
                    refresher = done.module.refresher_months
                    evidence = actions.record_evidence(
                        actor,
                        worker,
                        kind=EvidenceKind.MODULE,
                        occurred_on=done.day,
                        competency=self.comps[done.competency],
                        module=done.module,
                        valid_until=rules.add_months(done.day, refresher) if refresher else None,
                        verified=True,
                    )
                    key = (worker.pk, self.comps[done.competency].pk, done.day)
                    self.module_evidence[key] = evidence

    def needed_modules(self, plan: ProviderPlan) -> set[str]:
        needed = {
            g.competency
            for w in self.workers[plan.code]
            for g in self.stories[w.pk].grants
            if self.needs_module(g)
        }
        if any(self.stories[w.pk].bundle == "complete" for w in self.workers[plan.code]):
            needed |= set(CRITICAL)
        return needed

    def designate_assessor(self) -> None:
        """The prime's first senior is its designated assessor for every competency."""
        assessor = self.seniors[PRIME][0]
        self.assessor = assessor
        used = sorted({g.competency for s in self.stories.values() for g in s.grants})
        for code in used:
            actions.designate_assessor(
                self.admin, assessor, self.comps[code], designated_on=self.ago(3 * 365)
            )

    def signer_for(self, worker: Worker, grant: Grant) -> Worker | None:
        """Someone entitled to sign `grant` off for `worker` on its day: a senior of the
        worker's organisation or of the prime who holds the competency at independent or above
        then, else the prime's designated assessor (never the worker)."""
        assert self.assessor is not None
        pool = [*self.seniors.get(worker.organisation.code, []), *self.seniors.get(PRIME, [])]
        able = [
            s
            for s in dict.fromkeys(pool)
            if s != worker and s != self.assessor and self.holds(s, grant.competency, grant.day)
        ]
        if able:
            return self.rng.choice(able)
        return self.assessor if worker != self.assessor else None

    def holds(self, signer: Worker, code: str, day: date) -> bool:
        return any(c == code and signed <= day <= due for c, signed, due in self.held[signer.pk])

    def sign_off_all(self) -> None:
        """Seniors first (the assessor signs them off; a prime senior then signs off the
        assessor), then everyone else, oldest sign-off first."""
        seniors = [s for code in self.seniors for s in self.seniors[code] if s != self.assessor]
        order = [*seniors, self.assessor]
        others = [w for plan in PROVIDERS for w in self.workers[plan.code] if w not in order]
        for worker in [*order, *others]:
            assert worker is not None
            self.sign_off_worker(worker)
            self.ctx.progress()

    def sign_off_worker(self, worker: Worker) -> None:
        story = self.stories[worker.pk]
        actor = self.actor_for_org(worker.organisation.code)
        if worker.is_temporary:
            self.local_induction(actor, worker)
        practice: dict[date, dict[str, Evidence]] = {}
        for grant in story.grants:
            signer = self.signer_for(worker, grant)
            if signer is None:
                continue
            comp = self.comps[grant.competency]
            kinds = (comp.stage_evidence or {}).get(grant.stage, [])
            if grant.day not in practice:
                practice[grant.day] = self.practice(actor, story, grant.day)
            given = [practice[grant.day][k] for k in kinds if k in practice[grant.day]]
            if EvidenceKind.MODULE in kinds:
                trained = self.trained.get((worker.pk, grant.competency, grant.day))
                found = self.module_evidence.get((worker.pk, comp.pk, trained or grant.day))
                if found is not None:
                    given.append(found)
            actions.sign_off_stage(
                actor,
                worker,
                comp,
                grant.stage,
                signer=signer,
                signed_at=self.at(grant.day),
                pathway=grant.pathway,
                evidence=given,
            )
            if STAGE_RANK[grant.stage] >= STAGE_RANK[Stage.INDEPENDENT]:
                due = rules.review_due(
                    grant.day,
                    comp.review_interval_months,
                    worker.is_temporary,
                    self.temporary_months,
                )
                self.held[worker.pk].append((grant.competency, grant.day, due))

    def practice(self, actor: Actor, story: Story, day: date) -> dict[str, Evidence]:
        """The evidence of practice behind the sign-offs of one day: one observation, one
        documentation review, one assessment, one supervised-practice sign-off, each covering
        the competencies signed off that day that ask for it (recorded the day before)."""
        covers: dict[str, list[str]] = defaultdict(list)
        for grant in story.grants:
            if grant.day != day:
                continue
            stages = self.comps[grant.competency].stage_evidence or {}
            for kind in stages.get(grant.stage, []):
                if kind != EvidenceKind.MODULE and grant.competency not in covers[kind]:
                    covers[kind].append(grant.competency)
        if story.bundle == "complete" and day == story.grants[0].day:
            covers.setdefault(EvidenceKind.SUPERVISED_PRACTICE_SIGNOFF, [])
        return {
            kind: actions.record_evidence(
                actor,
                story.worker,
                kind=kind,
                occurred_on=day - timedelta(days=1),
                detail={"covers": codes},
            )
            for kind, codes in sorted(covers.items())
        }

    def local_induction(self, actor: Actor, worker: Worker) -> None:
        placement = worker.placement_start or worker.start_date
        actions.record_evidence(
            actor,
            worker,
            kind=EvidenceKind.LOCAL_INDUCTION,
            occurred_on=placement,
            detail={"topics": list(LOCAL_INDUCTION_TOPICS)},
            verified=True,
            source_key="demo:local_induction",
        )

    def supervision(self) -> None:
        rng = self.rng
        overdue: list[str] = []
        for plan in PROVIDERS:
            actor = self.actor_for_org(plan.code)
            for worker in self.workers[plan.code]:
                supervisor = self.supervisor_of(worker)
                if supervisor is None:
                    continue
                roll = rng.random()
                if roll < 0.08:
                    held = self.ago(rng.randint(35, 80))
                    overdue.append(worker.staff_id)
                else:
                    held = self.ago(rng.randint(1, 12))
                if held < worker.start_date:
                    continue
                session = actions.plan_supervision(
                    actor, worker, supervisor=supervisor, planned_for=held
                )
                actions.record_supervision_held(actor, session, held_on=held)
                if 0.08 <= roll < 0.11:
                    actions.plan_supervision(
                        actor,
                        worker,
                        supervisor=supervisor,
                        planned_for=self.ago(rng.randint(1, 6)),
                    )
        self.story["supervision_overdue"] = ", ".join(overdue[:5])

    def supervisor_of(self, worker: Worker) -> Worker | None:
        code = worker.organisation.code
        options = [s for s in self.seniors.get(code, []) if s != worker] or [
            s for s in self.seniors[PRIME] if s != worker
        ]
        return options[0] if options else None

    # --- the scenarios ------------------------------------------------------------------

    def pause_and_move(self) -> None:
        riverside = self.workers["riverside"]
        actor = self.actor_for_org("riverside")
        prompt = TaskType.objects.filter(code="medication_prompt", delegated=True).first()
        candidates = [
            w
            for w in riverside[SENIORS_PER_ORG:]
            if not w.is_temporary and MEDICATION_PROMPT in self.stories[w.pk].tasks
        ]
        if prompt is not None and len(candidates) >= 2:
            due, overdue = candidates[0], candidates[1]
            actions.pause_delegation(
                actor,
                due,
                prompt,
                reason="Spot-check of medication prompt records: two of ten entries lacked the "
                "time given. Remedial supervision before prompting again.",
                at=self.at(self.ago(3), 14),
                supervisor=self.supervisor_of(due),
            )
            actions.pause_delegation(
                actor,
                overdue,
                prompt,
                reason="Spot-check found a prompt recorded for a visit that did not happen.",
                at=self.at(self.ago(10), 11),
                supervisor=self.supervisor_of(overdue),
            )
            self.story["pause_due"] = due.staff_id
            self.story["pause_overdue"] = overdue.staff_id
        crisis = self.pathways.get("crisis")
        crisis_response = self.comps["crisis_response"]
        movers = [
            w
            for w in riverside[SENIORS_PER_ORG:]
            if w.employment_type == EmploymentType.EMPLOYED
            and w not in candidates[:2]
            and self.stories[w.pk].grants
            and self.stories[w.pk].grants[0].day < self.ago(150)
        ]
        if crisis is not None and movers:
            mover = movers[0]
            day = self.ago(120)
            grant = Grant(crisis_response.code, Stage.INDEPENDENT, day, self.pathways["discharge"])
            self.stories[mover.pk].grants.append(grant)
            signer = self.signer_for(mover, grant)
            assert signer is not None
            evidence = self.practice(actor, self.stories[mover.pk], day)
            actions.sign_off_stage(
                actor,
                mover,
                crisis_response,
                Stage.INDEPENDENT,
                signer=signer,
                signed_at=self.at(day),
                pathway=grant.pathway,
                evidence=list(evidence.values()),
            )
            actions.assign_pathway(
                actor,
                mover,
                crisis,
                started_on=self.ago(10),
                reason="Moved to the crisis team; crisis response to be re-validated there.",
            )
            self.story["moved_pathway"] = mover.staff_id

    def remember(self) -> None:
        """Name a worker of each kind the demo shows, for the guide and the tests."""
        for story in self.stories.values():
            staff_id = story.worker.staff_id
            if story.bundle == "part_way" and story.worker.employment_type == EmploymentType.AGENCY:
                self.story.setdefault("bundle_part_way", staff_id)
            if story.lapsed:
                self.story.setdefault("lapsed", staff_id)

    def run(self) -> None:
        self.framework()
        self.add_workers()
        self.plan_stories()
        for plan in PROVIDERS:
            self.modules[plan.code] = self.catalogue(plan, self.needed_modules(plan))
        self.record_training()
        self.designate_assessor()
        self.sign_off_all()
        self.supervision()
        self.pause_and_move()
        self.remember()
        self.ctx.objects.update(
            workers=self.workers, assessor=self.assessor, workforce_story=self.story
        )


def _roles(user: User) -> set[str]:
    membership = user.current_membership()
    return set(membership.active_roles()) if membership is not None else set()


def _pathway_codes(worker: Worker) -> set[str]:
    return {p.pathway.code for p in worker.pathways.all()}


def _weighted(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    roll, total = rng.random(), 0.0
    for value, weight in options:
        total += weight
        if roll < total:
            return value
    return options[-1][0]


def populate(ctx: DemoContext, size: int = SIZE) -> dict[str, Any]:
    """Build the demo workforce of about `size` workers (tests use a smaller one)."""
    builder = Builder(ctx, size)
    builder.run()
    return builder.story


@demo_step("workforce", order=30, units=2 * SIZE)
def build(ctx: DemoContext) -> None:
    populate(ctx, SIZE)
