"""The demo workforce: about 300 workers across the providers, with evidence, sign-offs,
supervision, a paused delegation and a worker who moved pathway.

Everything goes through `workforce.actions` (and module completions through the completions
import, `workforce.imports`), so every record has its audit entry and every sign-off met the
rules: the prime's designated assessor signs off a few senior staff per organisation first,
and they then sign off the others. Dates are relative to the demo's fixed `ctx.now`.

The mix, as of `ctx.now`:

* most sign-offs current; some past their review date, some due within 30 days;
* temporary workers (bank, and the agency's carers) on a placement, some part-way through
  their evidence bundle;
* one delegation paused after a spot-check with remedial supervision due, one overdue;
* one worker who moved to the crisis pathway and awaits re-validation there;
* supervision overdue for some, and a few planned sessions that were not held.

`ctx.objects` gains `workers` ({org code: [Worker]}), `assessor` (the prime's designated
assessor) and `workforce_story` (the workers the scenarios above picked, by name).
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from seamline.access import Actor, actor_for
from seamline.competency import actions as framework_actions
from seamline.competency.choices import EVIDENCE_MAPPINGS, EvidenceKind, MappingKind, Stage
from seamline.competency.models import Competency, ModuleMapping, PartnerModule, TaskType
from seamline.demo.registry import DemoContext, demo_step
from seamline.errors import Reason, RuleViolation
from seamline.network.choices import Role
from seamline.network.demo import FIRST_NAMES, LAST_NAMES, PRIME
from seamline.network.models import Organisation, Pathway, User

from . import actions, imports
from .choices import LOCAL_INDUCTION_TOPICS, TEMPORARY, EmploymentType, RoleGroup
from .models import Worker

SIZE = 300
CRITICAL = (
    "safeguarding",
    "documentation_quality",
    "handoff_communication",
    "medication_support",
    "crisis_response",
)


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
# their colleagues (the agency's workers are signed off by the prime).
SENIORS_PER_ORG = 3


@dataclass
class Story:
    """What happens to one worker's competencies: (competency, stage, signed on, pathway)."""

    worker: Worker
    sign_offs: list[tuple[Competency, str, date, Pathway | None]] = field(default_factory=list)
    modules: list[tuple[Competency, date]] = field(default_factory=list)
    bundle: bool = False


class Builder:
    def __init__(self, ctx: DemoContext, size: int) -> None:
        self.ctx = ctx
        self.rng: random.Random = ctx.rng
        self.size = size
        self.today = timezone.localtime(ctx.now).date()
        self.admin: Actor = ctx.objects["admin_actor"]
        self.orgs: dict[str, Organisation] = ctx.objects["organisations"]
        self.pathways: dict[str, Pathway] = ctx.objects["pathways"]
        self.workers: dict[str, list[Worker]] = {}
        self.seniors: dict[str, list[Worker]] = {}
        self.stories: dict[int, Story] = {}
        self.story: dict[str, str] = {}
        self.comps: dict[str, Competency] = {}
        self.modules: dict[str, dict[str, PartnerModule]] = {}
        self.induction: list[Worker] = []
        self.assessor: Worker | None = None

    # --- helpers ------------------------------------------------------------------------

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def at(self, day: date, hour: int = 10) -> datetime:
        moment = timezone.make_aware(datetime.combine(day, time(hour, 0)))
        return min(moment, self.ctx.now)

    def actor_for_org(self, code: str) -> Actor:
        admins = [
            u for u in self.ctx.objects["people"].get(code, []) if Role.PARTNER_ADMIN in _roles(u)
        ]
        if code == PRIME or not admins:
            return self.admin
        admins[0].__dict__.pop("_seamline_actor", None)
        return actor_for(admins[0])

    # --- the framework and the catalogues -----------------------------------------------

    def framework(self) -> None:
        if Competency.objects.filter(code__in=CRITICAL).count() != len(CRITICAL):
            from seamline.competency.defaults import DEFAULT_FRAMEWORK, DEFAULT_REASON

            framework_actions.apply_framework(self.admin, DEFAULT_FRAMEWORK, DEFAULT_REASON)
        self.comps = {c.code: c for c in Competency.objects.filter(code__in=CRITICAL)}

    def catalogue(self, plan: ProviderPlan) -> dict[str, PartnerModule]:
        """A module mapped (exact or part of) to each network-critical competency, taken from
        the partner's catalogue or added to it; plus one module mapped as related only."""
        org = self.orgs[plan.code]
        actor = self.actor_for_org(plan.code)
        found: dict[str, PartnerModule] = {}
        mappings = ModuleMapping.objects.filter(
            module__organisation=org, kind__in=EVIDENCE_MAPPINGS, competency__in=self.comps.values()
        ).select_related("module", "competency")
        for m in mappings.order_by("module__code"):
            found.setdefault(m.competency.code, m.module)
        for code in CRITICAL:
            if code in found:
                continue
            module_code = f"{plan.prefix}-{code.upper().replace('_', '-')[:20]}"
            module = PartnerModule.objects.filter(organisation=org, code=module_code).first()
            if module is None:
                module = framework_actions.add_partner_module(
                    actor,
                    org,
                    code=module_code,
                    title=f"{self.comps[code].title} ({org.name} course)",
                    reason="The partner's learning catalogue, mapped for the network.",
                )
            framework_actions.add_module_mapping(
                actor, module, self.comps[code], MappingKind.EXACT, reason="Same content."
            )
            found[code] = module
        # A team-working course mapped only as related: its completions are listed as
        # unmapped by the import, for the partner to map.
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
        else:
            start = self.ago(rng.randint(3, 25) if new_starter else rng.randint(400, 2500))
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

    def plan_stories(self) -> None:
        """Decide each worker's sign-offs and module completions (nothing written yet)."""
        rng = self.rng
        for plan in PROVIDERS:
            for worker in self.workers[plan.code]:
                story = Story(worker)
                self.stories[worker.pk] = story
                if worker in self.seniors.get(plan.code, []):
                    continue  # signed off by the assessor, below
                temporary = worker.is_temporary
                if worker.employment_type == EmploymentType.VOLUNTEER:
                    wanted = ["safeguarding"]
                else:
                    # Everyone safeguarding; the rest as their work needs it.
                    wanted = ["safeguarding"]
                    if rng.random() < 0.6:
                        wanted.append("documentation_quality")
                    if rng.random() < 0.35:
                        wanted.append("handoff_communication")
                    if rng.random() < 0.3:
                        wanted.append("medication_support")
                    if "crisis" in _pathway_codes(worker) and rng.random() < 0.4:
                        wanted.append("crisis_response")
                if temporary:
                    self.plan_temporary(story, wanted)
                    continue
                for code in wanted:
                    self.plan_sign_off(story, code, worker)

    def plan_sign_off(self, story: Story, code: str, worker: Worker) -> None:
        rng = self.rng
        comp = self.comps[code]
        if worker.employment_type == EmploymentType.VOLUNTEER:
            stage, day = Stage.INDUCTION, self.ago(rng.randint(20, 300))
        else:
            roll = rng.random()
            if roll < 0.1:  # past its review date
                day, stage = self.ago(rng.randint(370, 450)), Stage.INDEPENDENT
            elif roll < 0.2:  # due within 30 days
                day, stage = self.ago(365 - rng.randint(3, 28)), Stage.INDEPENDENT
            elif roll < 0.3:
                day, stage = self.ago(rng.randint(20, 250)), Stage.SUPERVISED
            else:
                day, stage = self.ago(rng.randint(20, 290)), Stage.INDEPENDENT
        if day <= worker.start_date + timedelta(days=1):
            day = worker.start_date + timedelta(days=2)
            if day > self.today:
                return
        for pathway in self.pathways_for(comp, worker):
            story.sign_offs.append((comp, stage, day, pathway))
        if "module" in (comp.stage_evidence or {}).get(stage, []):
            completed = max(worker.start_date, day - timedelta(days=rng.randint(3, 20)))
            story.modules.append((comp, completed))

    def plan_temporary(self, story: Story, wanted: Sequence[str]) -> None:
        """A bank or agency worker on a placement: the bundle (modules of every network-critical
        competency, a supervised-practice sign-off, a local induction), complete or part-way."""
        rng = self.rng
        worker = story.worker
        placement = worker.placement_start or worker.start_date
        roll = rng.random()
        days_on = (self.today - placement).days
        if roll < 0.25 or days_on < 2:
            # Part-way: the local induction only, and some modules.
            story.bundle = False
            story.modules = [
                (self.comps[c], placement + timedelta(days=min(1, days_on)))
                for c in CRITICAL[: rng.randint(0, 3)]
            ]
            self.induction.append(worker)
            return
        story.bundle = True
        first_day = placement + timedelta(days=1)
        story.modules = [(self.comps[c], first_day) for c in CRITICAL]
        self.induction.append(worker)
        sign_day = min(self.today, first_day + timedelta(days=rng.randint(1, max(1, days_on - 1))))
        for code in wanted:
            comp = self.comps[code]
            for pathway in self.pathways_for(comp, worker):
                story.sign_offs.append((comp, Stage.SUPERVISED, sign_day, pathway))

    def pathways_for(self, comp: Competency, worker: Worker) -> list[Pathway | None]:
        if not comp.pathway_specific:
            return [None]
        return [p.pathway for p in worker.pathways.all()] or [None]

    # --- writing ------------------------------------------------------------------------

    def import_completions(self) -> None:
        """Module completions go in as each partner's learning-system extract would."""
        for plan in PROVIDERS:
            modules = self.modules[plan.code]
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow([c.name for c in imports.COMPLETIONS.columns])
            rows = 0
            for worker in self.workers[plan.code]:
                for comp, day in self.stories[worker.pk].modules:
                    writer.writerow(
                        [plan.code, worker.staff_id, modules[comp.code].code, day.isoformat()]
                    )
                    rows += 1
            for worker in self.workers[plan.code][-3:]:
                writer.writerow(
                    [
                        plan.code,
                        worker.staff_id,
                        f"{plan.prefix}-TEAMWORK",
                        self.ago(40).isoformat(),
                    ]
                )
            report = imports.run("completions", self.actor_for_org(plan.code), buffer.getvalue())
            if report.errors:
                raise RuleViolation(*(Reason("demo_import", str(e)) for e in report.errors[:5]))

    def sign_off_seniors(self) -> None:
        """The prime's designated assessor signs off each organisation's senior staff."""
        assessor = self.seniors[PRIME][0]
        self.assessor = assessor
        for comp in self.comps.values():
            actions.designate_assessor(self.admin, assessor, comp, designated_on=self.ago(3 * 365))
        for code, seniors in self.seniors.items():
            actor = self.actor_for_org(code)
            for senior in seniors:
                if senior == self.assessor:
                    continue
                day = self.ago(300 - self.rng.randint(0, 10))
                for comp in self.comps.values():
                    for pathway in self.pathways_for(comp, senior):
                        self.evidence(actor, senior, comp, Stage.INDEPENDENT, day)
                        actions.sign_off_stage(
                            actor,
                            senior,
                            comp,
                            Stage.INDEPENDENT,
                            signer=assessor,
                            signed_at=self.at(day),
                            pathway=pathway,
                        )

    def evidence(
        self, actor: Actor, worker: Worker, comp: Competency, stage: str, day: date
    ) -> None:
        """The evidence a stage needs, other than modules (imported), dated before signing."""
        kinds = (comp.stage_evidence or {}).get(stage, [])
        for kind in kinds:
            if kind == EvidenceKind.MODULE:
                continue
            actions.record_evidence(
                actor,
                worker,
                kind=kind,
                occurred_on=day - timedelta(days=1),
                competency=comp,
                source_key=f"demo:{comp.code}:{stage}:{kind}:{day.isoformat()}",
            )

    def sign_off_others(self) -> None:
        for plan in PROVIDERS:
            actor = self.actor_for_org(plan.code)
            seniors = [s for s in self.seniors.get(plan.code, []) if s != self.assessor]
            senior_from = self.ago(290)
            assert self.assessor is not None
            for worker in self.workers[plan.code]:
                story = self.stories[worker.pk]
                if worker in self.induction:
                    # Supervised stages bring the bundle's supervised-practice sign-off.
                    self.local_induction(actor, worker)
                for comp, stage, day, pathway in story.sign_offs:
                    self.evidence(actor, worker, comp, stage, day)
                    signer = (
                        self.rng.choice(seniors)
                        if seniors and day > senior_from and not worker.is_temporary
                        else self.assessor
                    )
                    actions.sign_off_stage(
                        actor,
                        worker,
                        comp,
                        stage,
                        signer=signer,
                        signed_at=self.at(day),
                        pathway=pathway,
                        source_key=f"demo:{comp.code}:{stage}:{pathway.code if pathway else ''}",
                    )
                self.ctx.progress()

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
            if not w.is_temporary
            and any(c.code == "medication_support" for c, *_ in self.stories[w.pk].sign_offs)
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
            if not w.is_temporary
            and w not in candidates[:2]
            and self.stories[w.pk].sign_offs
            and w.employment_type == EmploymentType.EMPLOYED
        ]
        if crisis is not None and movers:
            mover = movers[0]
            day = self.ago(120)
            discharge = self.pathways["discharge"]
            self.evidence(actor, mover, crisis_response, Stage.INDEPENDENT, day)
            actions.sign_off_stage(
                actor,
                mover,
                crisis_response,
                Stage.INDEPENDENT,
                signer=self.seniors["riverside"][1],
                signed_at=self.at(day),
                pathway=discharge,
            )
            actions.assign_pathway(
                actor,
                mover,
                crisis,
                started_on=self.ago(10),
                reason="Moved to the crisis team; crisis response to be re-validated there.",
            )
            self.story["moved_pathway"] = mover.staff_id

    def run(self) -> None:
        self.framework()
        self.add_workers()
        self.modules = {p.code: self.catalogue(p) for p in PROVIDERS}
        self.plan_stories()
        self.import_completions()
        self.sign_off_seniors()
        self.sign_off_others()
        self.supervision()
        self.pause_and_move()
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
