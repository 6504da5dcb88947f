"""The demo's person-centred plans.

What it makes, as of the demo's fixed `ctx.now`, for up to `PLANS` open participants (an open
referral whose owning partner has someone to write the plan):

* a first version written three to six weeks ago by the owning partner, with two or three
  risks, controls owned by the organisations in the care team, preferences and a consent
  summary, acknowledged at the time: loaded in bulk (it stands for the plans the partners
  brought with them) with one audit entry per partner;
* for a bit under half, a second version some days ago (a risk level changed, a control moved
  or a preference added), and for a third of those a third version within the last day, so
  there are acknowledgements still inside their 24 hours;
* acknowledgements of those given a few hours after each version, except about one in eight
  left unanswered (overdue once their day is past); a risk change opens a review, about half
  of them completed; now and then a follow-up action citing the version.

All but the first versions go through `plans.actions`, so the audit log holds each later
version, acknowledgement and review. `ctx.objects` gains `plans_story` (counts the docs and
tests can quote).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from seamline.access import Actor, actor_for
from seamline.audit.actions import record
from seamline.cases.choices import OWNER_ROLES
from seamline.cases.models import CareTeamMember, Participant, Referral
from seamline.demo.registry import DemoContext, demo_step
from seamline.network.models import Organisation, User

from . import actions, rules
from .models import Acknowledgement, Plan, PlanReview, PlanVersion

PLANS = 300
# The share of plans changed once or twice since.
LATER_SHARE = 0.45
RISKS = (
    "Falls at night getting to the toilet",
    "Missed medication when alone",
    "Not eating enough since the discharge",
    "Pressure sore on the left heel",
    "Carer exhausted and may stop visiting",
    "Confusion late in the day",
    "Cold house: heating not working",
    "Debt letters causing distress",
)
CONTROLS = (
    "Evening visit checks the walking frame is within reach",
    "Morning visit prompts medication from the blister pack",
    "Lunch visit makes a hot meal and notes what was eaten",
    "District nurse dresses the heel twice a week",
    "Weekly call with the daughter to share how the week went",
    "Night sensor mat linked to the response service",
    "Coordinator chases the boiler repair with the landlord",
)
PREFERENCES = (
    "Tea without sugar, milk in first",
    "Prefers women carers for personal care",
    "Likes the radio on during visits",
    "Call her Peggy, not Margaret",
    "Shower on Wednesdays and Saturdays",
    "Keep the cat indoors when leaving",
    "Prefers visits after 9 in the morning",
)
CONSENTS = (
    "Agreed to share with everyone involved in her care",
    "Shares with the organisations named on the consent form only",
    "Consent discussed with her son, who holds lasting power of attorney",
)
# Why a later version was written, by what it changed.
REASONS_LATER = {
    "risks": ("Reviewed after a fall at home", "Medication changed by the GP"),
    "controls": ("Visits handed to another partner", "Partner capacity changed this week"),
    "preferences": ("She asked for a change at the weekly call", "Her daughter told us"),
}
WRITER_ROLES = ("coordinator", "supervisor", "partner_admin")
ACKNOWLEDGERS = ("coordinator", *sorted(OWNER_ROLES))


def _fresh(user: User) -> Actor:
    user.__dict__.pop("_seamline_actor", None)
    return actor_for(user)


class Builder:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng: random.Random = ctx.rng
        self.now: datetime = ctx.now
        self.orgs: dict[str, Organisation] = ctx.objects["organisations"]
        self.story: dict[str, int] = {
            "plans": 0,
            "versions": 0,
            "pending": 0,
            "overdue": 0,
            "reviews_open": 0,
            "follow_ups": 0,
        }
        self._actors: dict[tuple[str, tuple[str, ...]], Actor | None] = {}

    def actor(self, org: str, roles: tuple[str, ...]) -> Actor | None:
        """The first person of `org` holding one of `roles` (None when nobody does)."""
        key = (org, roles)
        if key not in self._actors:
            people: list[User] = self.ctx.objects["people"].get(org, [])
            found = None
            for role in roles:
                holders = [u for u in self.ctx.objects["by_role"].get(role, []) if u in people]
                if holders:
                    found = _fresh(holders[0])
                    break
            self._actors[key] = found
        return self._actors[key]

    def chosen(self) -> list[tuple[Participant, str, list[str], datetime]]:
        """Open participants with their owning partner, the codes of the organisations in
        their care team now and when the last of them joined it."""
        owners: dict[int, str] = {}
        for pk, code in (
            Referral.objects.open()
            .filter(participant__status="active")
            .order_by("received_at", "id")
            .values_list("participant_id", "owner_organisation__code")
        ):
            owners.setdefault(pk, code)
        writable = [pk for pk in sorted(owners) if self.actor(owners[pk], WRITER_ROLES)]
        picked = sorted(self.rng.sample(writable, min(PLANS, len(writable))))
        team: dict[int, dict[str, datetime]] = {pk: {} for pk in picked}
        for pk, code, started in (
            CareTeamMember.objects.active(self.now)
            .filter(participant_id__in=picked)
            .values_list("participant_id", "organisation__code", "started_at")
        ):
            team[pk][code] = max(started, team[pk].get(code, started))
        people = Participant.objects.in_bulk(picked)
        return [
            (people[pk], owners[pk], sorted(team[pk]), max(team[pk].values()))
            for pk in picked
            if owners[pk] in team[pk]
        ]

    def content(self, team: list[str], owner: str) -> dict[str, Any]:
        risks = self.rng.sample(RISKS, self.rng.randint(2, 3))
        controls = self.rng.sample(CONTROLS, self.rng.randint(2, 3))
        return {
            "risks": [
                {"title": r, "level": self.rng.choice(("low", "medium", "high"))} for r in risks
            ],
            "controls": [
                {"description": c, "organisation": owner if i == 0 else self.rng.choice(team)}
                for i, c in enumerate(controls)
            ],
            "preferences": self.rng.sample(PREFERENCES, self.rng.randint(1, 3)),
            "consent_summary": self.rng.choice(CONSENTS),
        }

    def changed(self, content: dict[str, Any], team: list[str]) -> tuple[dict[str, Any], str]:
        """The content with one change (a risk level, a control's owner or a preference), and
        the field changed."""
        new = {k: (list(v) if isinstance(v, list) else v) for k, v in content.items()}
        what = self.rng.random()
        if what < 0.45:
            risk = dict(self.rng.choice(new["risks"]))
            levels = [lvl for lvl in ("low", "medium", "high") if lvl != risk["level"]]
            new["risks"] = [
                {**r, "level": self.rng.choice(levels)} if r["title"] == risk["title"] else r
                for r in new["risks"]
            ]
            return new, "risks"
        if what < 0.7 and len(team) > 1:
            control = self.rng.choice(new["controls"])
            others = [o for o in team if o != control["organisation"]]
            new["controls"] = [
                {**c, "organisation": self.rng.choice(others)} if c is control else c
                for c in new["controls"]
            ]
            return new, "controls"
        extra = [p for p in PREFERENCES if p not in new["preferences"]]
        new["preferences"] = [*new["preferences"], self.rng.choice(extra)]
        return new, "preferences"

    def answer(self, version: Any, at: datetime) -> None:
        """Each organisation asked acknowledges a few hours later, unless left unanswered."""
        for ack in Acknowledgement.objects.filter(version=version).select_related(
            "organisation", "version__plan"
        ):
            when = at + timedelta(hours=self.rng.uniform(1, 30))
            if self.rng.random() < 0.12 or when >= self.now:
                self.story["pending"] += 1
                if ack.due_at < self.now:
                    self.story["overdue"] += 1
                continue
            actor = self.actor(ack.organisation.code, ACKNOWLEDGERS)
            if actor is not None:
                actions.acknowledge(actor, ack, at=when)

    def import_first(
        self, chosen: list[tuple[Participant, str, list[str], datetime]]
    ) -> list[tuple[PlanVersion, str, list[str], dict[str, Any]]]:
        """Version 1 of every plan, loaded in bulk as the plans the partners brought with them
        (acknowledged at the time), with one audit entry per partner."""
        plans: list[Plan] = []
        versions: list[PlanVersion] = []
        acks: list[Acknowledgement] = []
        kept = []
        for participant, owner, team, joined in chosen:
            at = max(
                self.now - timedelta(days=self.rng.uniform(21, 42)), joined + timedelta(hours=1)
            )
            if at >= self.now - timedelta(days=3):
                continue
            writer = self.actor(owner, WRITER_ROLES)
            assert writer is not None
            content = self.content(team, owner)
            changes = rules.diff(rules.empty_content(), content)
            plan = Plan(participant=participant, version=1, created_at=at)
            version = PlanVersion(
                plan=plan,
                number=1,
                content=content,
                changes=[c.as_dict() for c in changes],
                reason="Plan agreed with the person at the first visit",
                created_at=at,
                author=writer.user,
                author_label=writer.display,
                author_organisation=self.orgs[owner],
            )
            plans.append(plan)
            versions.append(version)
            asked = rules.acknowledgement_recipients(
                changes,
                new_controls=content["controls"],
                care_organisations=team,
                author_organisation=owner,
            )
            for code, why in asked.items():
                by = self.actor(code, ACKNOWLEDGERS)
                acks.append(
                    Acknowledgement(
                        version=version,
                        organisation=self.orgs[code],
                        because=why,
                        due_at=rules.acknowledgement_due(at),
                        acknowledged_at=at + timedelta(hours=self.rng.uniform(1, 20)),
                        acknowledged_by=by.user if by else writer.user,
                    )
                )
            kept.append((version, owner, team, content))
        Plan.objects.bulk_create(plans, batch_size=500)
        for version in versions:
            version.plan = version.plan  # take the primary key the bulk insert gave the plan
        PlanVersion.objects.bulk_create(versions, batch_size=500)
        for ack in acks:
            ack.version = ack.version
        Acknowledgement.objects.bulk_create(acks, batch_size=500)
        per_org: dict[str, int] = {}
        for _, owner, _, _ in kept:
            per_org[owner] = per_org.get(owner, 0) + 1
        for code, count in sorted(per_org.items()):
            writer = self.actor(code, WRITER_ROLES)
            assert writer is not None
            record(
                writer,
                "plan.import",
                target={
                    "object_type": "plans.planversion",
                    "object_id": f"{count} loaded",
                    "object_label": "",
                    "object_organisation_code": code,
                },
                changes={"plans": count},
                reason="The plans kept before the network moved onto Seamline, as version 1.",
            )
        self.story["plans"] = len(kept)
        self.story["versions"] = len(kept)
        return kept

    def later(self, version: PlanVersion, owner: str, team: list[str], content: Any) -> None:
        """One or two later versions of a plan, through `plans.actions`."""
        writer = self.actor(owner, WRITER_ROLES)
        assert writer is not None
        participant = version.plan.participant
        times = [self.now - timedelta(days=self.rng.uniform(2, 14))]
        if self.rng.random() < 0.35:
            times.append(self.now - timedelta(hours=self.rng.uniform(1, 20)))
        for when in times:
            if when <= version.created_at:
                continue
            content, field = self.changed(content, team)
            version = actions.revise_plan(
                writer,
                participant,
                content=content,
                reason=self.rng.choice(REASONS_LATER[field]),
                version=version.number,
                at=when,
            )
            self.story["versions"] += 1
            self.answer(version, when)
            if self.rng.random() < 0.2:
                control = version.controls[0]
                actions.set_follow_up(
                    writer,
                    version,
                    description=f"Check the change is in place: {control['description']}",
                    owner_organisation=self.orgs[control["organisation"]],
                    owner_role="coordinator",
                    due_at=when + timedelta(days=2),
                    at=when,
                )
                self.story["follow_ups"] += 1
        review = PlanReview.objects.filter(plan=version.plan, completed_at__isnull=True).first()
        if review is not None:
            done_at = review.opened_at + timedelta(days=self.rng.uniform(1, 9))
            if done_at < self.now and self.rng.random() < 0.5:
                actions.complete_review(
                    writer, review, outcome="Reviewed with the care team; plan stands", at=done_at
                )
            else:
                self.story["reviews_open"] += 1


@demo_step("plans", order=85, units=3)
def build(ctx: DemoContext) -> None:
    builder = Builder(ctx)
    kept = builder.import_first(builder.chosen())
    ctx.progress()
    changing = [row for row in kept if builder.rng.random() < LATER_SHARE]
    half = len(changing) // 2
    for i, row in enumerate(changing):
        builder.later(*row)
        if i == half:
            ctx.progress()
    ctx.progress(2)
    ctx.objects["plans_story"] = builder.story
