"""The demo's care coordination: a coordinator rota for the open participants, two huddle
cohorts and a week of huddles.

What it makes, as of the demo's fixed `ctx.now`:

* every open participant (an open referral) whose owning partner has coordinators is put on a
  Monday-to-Friday coordinator rota with one of them, except about one in twenty left off, so
  the gaps report has something to show; written in bulk (it stands for the rota the partners
  brought with them) with one audit entry by each partner's first coordinator;
* Riverside's coordinator away this week with the care supervisor covering, and Hearth's
  coordinator off sick today with nobody covering (more gaps, for a reason);
* "Rapid response" (high acuity, daily, convened by Riverside): Riverside's open cases with a
  high risk flag or the most recent ones; "Discharge follow-up" (standard, twice a week,
  convened by the prime): open discharge cases of every partner, so each partner's roster
  shows only the people it sees;
* a huddle on each meeting day of the past week but one of the daily cohort's (not today:
  the browser test runs today's),
  with attendance and two or three decisions each, owned by the case's owner, its coordinator
  role or a named worker; most closed on time, some late, some still open past due.

* post-discharge sprints for recent open referrals from an NHS trust, started by the case
  owner's coordinator: up to `SPRINTS_RUNNING` of the last 72 hours in progress, and up to
  `SPRINTS_PAST` older ones whose 72 hours are over (the two oldest complete); most due steps
  are done on time by someone holding the owning role, some late, some left open past due
  (failed), and one home re-check is refused by the person, with how it was handled.

* contact and daily records for the last four weeks by each partner's frontline workers (and
  now and then a coordinator) about its open participants: most written within a few hours,
  some 30 to 60 hours after the contact (late), more so at Hearth, so the documentation
  report and the late list have something to show.

All but the rota and the records go through `coordination.actions` (the records carry past
write times, which `write_record` never takes, so they are written in bulk with one audit entry
per partner). `ctx.objects` gains `coordination_story`.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from seamline.access import Actor, actor_for
from seamline.audit.actions import record
from seamline.cases.models import Participant, Referral, RiskFlag
from seamline.demo.registry import DemoContext, demo_step
from seamline.network.choices import Role
from seamline.network.models import Organisation, User

from . import actions, rules
from .choices import MEETING_DAYS, Acuity, Cadence, RecordKind
from .models import Action, Huddle, Record, RotaEntry, SprintStep

PRIME = "northbridge"
SPRINTS_RUNNING = 8  # discharges of the last 72 hours with a sprint
SPRINTS_PAST = 6  # and older ones, up to SPRINT_DAYS ago
SPRINT_DAYS = 10
WEEKDAYS = 0b0011111
RAPID_SIZE = 24
FOLLOW_UP_SIZE = 36
DECISIONS = (
    ("Falls clinic referral; ask the GP to review the sleeping tablet", "supervisor", 72),
    ("Visit today to check she is eating; weigh her", "worker", 8),
    ("Ring the daughter to agree an evening visit", "coordinator", 24),
    ("Ask the pharmacy for a blister pack", "coordinator", 48),
    ("Book a joint visit with the district nurse for the heel", "coordinator", 48),
    ("Chase the housing officer about the arrears letter", "coordinator", 72),
    ("Smoke alarm and gas hob check on the next visit", "worker", 24),
    ("Step down to two visits a day if the weekend goes well", "supervisor", 96),
    ("Carer's assessment for the son", "coordinator", 120),
    ("Welfare call tonight after the emergency department visit", "worker", 6),
)


def _fresh(user: User) -> Actor:
    user.__dict__.pop("_seamline_actor", None)
    return actor_for(user)


def _holders(ctx: DemoContext, org: str, role: str) -> list[User]:
    people: list[User] = ctx.objects["people"].get(org, [])
    return [u for u in ctx.objects["by_role"].get(role, []) if u in people]


class Builder:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng: random.Random = ctx.rng
        self.now = ctx.now
        self.today = timezone.localdate(ctx.now)
        self.orgs: dict[str, Organisation] = ctx.objects["organisations"]
        self.story: dict[str, object] = {}
        # participant pk -> owning organisation code of its open referral (the first)
        self.owner: dict[int, str] = {}
        for pk, code in (
            Referral.objects.open()
            .filter(participant__status="active")
            .order_by("received_at", "id")
            .values_list("participant_id", "owner_organisation__code")
        ):
            self.owner.setdefault(pk, code)

    def rota(self) -> None:
        monday = self.today - timedelta(days=self.today.weekday())
        entries: list[RotaEntry] = []
        left_off = []
        for pk in sorted(self.owner):
            org = self.owner[pk]
            coordinators = _holders(self.ctx, org, Role.COORDINATOR)
            if not coordinators:
                continue
            if self.rng.random() < 0.05:
                left_off.append(pk)
                continue
            entries.append(
                RotaEntry(
                    participant_id=pk,
                    coordinator=self.rng.choice(coordinators),
                    organisation=self.orgs[org],
                    weekdays=WEEKDAYS,
                    starts_on=monday - timedelta(days=7 * self.rng.randint(1, 12)),
                    created_at=self.now - timedelta(days=14),
                )
            )
        RotaEntry.objects.bulk_create(entries, batch_size=500)
        per_org: dict[str, int] = {}
        for e in entries:
            per_org[e.organisation.code] = per_org.get(e.organisation.code, 0) + 1
        for code, count in sorted(per_org.items()):
            by = _holders(self.ctx, code, Role.COORDINATOR)[0]
            record(
                _fresh(by),
                "coordinator_rota.import",
                target={
                    "object_type": "coordination.rotaentry",
                    "object_id": f"{count} loaded",
                    "object_label": "",
                    "object_organisation_code": code,
                },
                changes={"entries": count},
                reason="The coordinator rota kept before the network moved onto Seamline.",
            )
        # Riverside's coordinator is on leave this week; the care supervisor covers.
        river = _holders(self.ctx, "riverside", Role.COORDINATOR)
        river_cover = _holders(self.ctx, "riverside", Role.SUPERVISOR)
        if river and river_cover:
            actions.record_absence(
                _fresh(river_cover[0]),
                river[0],
                starts_on=self.today - timedelta(days=1),
                ends_on=self.today + timedelta(days=3),
                cover=river_cover[0],
                reason="Annual leave",
            )
        # Hearth's coordinator is off sick today and nobody covers: their people are gaps.
        hearth = _holders(self.ctx, "hearth", Role.COORDINATOR)
        if hearth:
            actions.record_absence(
                _fresh(hearth[0]),
                hearth[0],
                starts_on=self.today,
                ends_on=self.today,
                reason="Off sick",
            )
        self.story.update(rota_entries=len(entries), left_off=len(left_off))

    def cohorts(self) -> None:
        river = _fresh(_holders(self.ctx, "riverside", Role.COORDINATOR)[0])
        prime = _fresh(_holders(self.ctx, PRIME, Role.COORDINATOR)[0])
        high = set(
            RiskFlag.objects.filter(severity="high", resolved_at__isnull=True).values_list(
                "participant_id", flat=True
            )
        )
        # Cohorts are of people in the care for longer than the week of huddles.
        settled = set(
            Referral.objects.open()
            .filter(received_at__lte=self.now - timedelta(days=8))
            .values_list("participant_id", flat=True)
        )
        riverside_open = [
            pk for pk in self.owner if self.owner[pk] == "riverside" and pk in settled
        ]
        flagged = set(
            RiskFlag.objects.filter(resolved_at__isnull=True).values_list(
                "participant_id", flat=True
            )
        )
        riverside_open.sort(key=lambda pk: (pk not in high, pk not in flagged, -pk))
        began = self.now - timedelta(days=8)  # the cohorts began with the week of huddles
        rapid = actions.create_cohort(
            river,
            code="rapid-response",
            name="Rapid response",
            acuity=Acuity.HIGH,
            cadence=Cadence.DAILY,
            at=began,
        )
        discharge = set(
            Referral.objects.open()
            .filter(pathway__code="discharge")
            .values_list("participant_id", flat=True)
        )
        others = sorted(
            pk
            for pk in self.owner
            if pk in discharge and pk in settled and pk not in riverside_open[:RAPID_SIZE]
        )
        follow = actions.create_cohort(
            prime,
            code="discharge-follow-up",
            name="Discharge follow-up",
            acuity=Acuity.STANDARD,
            cadence=Cadence.TWICE_WEEKLY,
            at=began,
        )
        participants = Participant.objects.in_bulk(riverside_open[:RAPID_SIZE] + others)
        chosen_rapid = [participants[pk] for pk in riverside_open[:RAPID_SIZE]]
        chosen_follow = [
            participants[pk] for pk in self.rng.sample(others, min(FOLLOW_UP_SIZE, len(others)))
        ]
        for p in chosen_rapid:
            actions.add_to_cohort(river, rapid, p, at=began)
        for p in chosen_follow:
            actions.add_to_cohort(prime, follow, p, at=began)
        self.cohort_plan = [(rapid, river, chosen_rapid), (follow, prime, chosen_follow)]
        self.story.update(cohorts={rapid.code: len(chosen_rapid), follow.code: len(chosen_follow)})

    def huddles(self) -> None:
        made = closed_on_time = late = overdue = 0
        for cohort, chair, members in self.cohort_plan:
            assert chair.organisation is not None
            colleagues = [
                u
                for u in self.ctx.objects["people"].get(chair.organisation.code, [])
                if chair.user is None or u.pk != chair.user.pk
            ]
            days = [
                self.today - timedelta(days=back)
                for back in range(7, 0, -1)
                if (self.today - timedelta(days=back)).weekday() in MEETING_DAYS[cohort.cadence]
            ]
            # The daily huddle did not meet on one of its days: the cohort page shows it missed.
            if cohort.cadence == Cadence.DAILY and len(days) > 2:
                days.remove(self.rng.choice(days[1:-1]))
            for day in days:
                if not members:
                    continue
                at = timezone.make_aware(datetime.combine(day, time(9, 30)))
                meeting = actions.start_huddle(chair, cohort, at=at)
                actions.record_attendance(
                    chair, meeting, self.rng.sample(colleagues, min(2, len(colleagues))), at=at
                )
                for participant in self.rng.sample(
                    members, min(self.rng.randint(2, 4), len(members))
                ):
                    outcome = self._decide(chair, meeting, participant, at)
                    made += outcome != "skipped"
                    closed_on_time += outcome == "on_time"
                    late += outcome == "late"
                    overdue += outcome == "overdue"
        self.story.update(decisions=made, on_time=closed_on_time, late=late, overdue=overdue)

    def _decide(self, chair: Actor, meeting: Huddle, participant: Participant, at: datetime) -> str:
        text, role, hours = self.rng.choice(DECISIONS)
        when_set = at + timedelta(minutes=self.rng.randint(1, 40))
        org_code = self.owner[participant.pk]
        care = actions.care_organisations(participant, when_set)
        if not care:
            return "skipped"
        if org_code not in care:
            # The case moved to its owner after this huddle: the prime led it then.
            org_code = PRIME if PRIME in care else sorted(care)[0]
        org = self.orgs[org_code]
        person = None
        if role == "worker":
            workers = _holders(self.ctx, org_code, Role.WORKER)
            person = self.rng.choice(workers) if workers else None
        holders = _holders(self.ctx, org_code, role)
        if person is None and not holders:
            role = (
                Role.PARTNER_ADMIN
                if _holders(self.ctx, org_code, Role.PARTNER_ADMIN)
                else Role.COORDINATOR
            )
        decision = actions.record_decision(
            chair,
            meeting,
            participant,
            decision=text,
            owner_organisation=org,
            owner_person=person,
            owner_role="" if person else role,
            due_at=at + timedelta(hours=hours),
            at=when_set,
        )
        action: Action = decision.action
        fate = self.rng.random()
        closer = person or next(
            iter(
                _holders(self.ctx, org_code, Role.COORDINATOR)
                + _holders(self.ctx, org_code, Role.PARTNER_ADMIN)
                + _holders(self.ctx, org_code, Role.SUPERVISOR)
            ),
            None,
        )
        if closer is None:
            return "open"
        if fate < 0.6:
            when = action.created_at + (action.due_at - action.created_at) * self.rng.uniform(
                0.2, 0.9
            )
            outcome = "on_time"
        elif fate < 0.8:
            when = action.due_at + timedelta(hours=self.rng.randint(2, 30))
            outcome = "late"
        else:
            return "overdue" if action.due_at < self.now else "open"
        if when > self.now:
            return "overdue" if action.due_at < self.now else "open"
        actions.complete_action(_fresh(closer), action, note="Done", at=when)
        return outcome

    # -- post-discharge sprints ------------------------------------------------------------

    def _closer(self, org: str, role: str) -> User | None:
        for wanted in (role, Role.COORDINATOR, Role.PARTNER_ADMIN, Role.SUPERVISOR):
            people = _holders(self.ctx, org, wanted)
            if people:
                return people[0]
        return None

    def _discharges(self, newest: timedelta, oldest: timedelta, count: int) -> list[Referral]:
        return list(
            Referral.objects.open()
            .filter(
                referrer_organisation__kind="nhs_trust",
                received_at__gt=self.now - oldest,
                received_at__lte=self.now - newest,
            )
            .select_related("participant", "owner_organisation", "referrer_organisation")
            .order_by("-received_at", "id")[:count]
        )

    def sprints(self) -> None:
        # Discharges of the last three days are in progress; older ones have run their 72
        # hours, the two oldest with every step resolved (complete).
        recent = self._discharges(timedelta(0), timedelta(hours=72), SPRINTS_RUNNING)
        older = self._discharges(timedelta(hours=72), timedelta(days=SPRINT_DAYS), SPRINTS_PAST)
        started = 0
        refused = False
        for index, referral in enumerate(older + recent):
            assert referral.owner_organisation is not None
            starter = self._closer(referral.owner_organisation.code, Role.COORDINATOR)
            if starter is None:
                continue
            sprint = actions.start_sprint(_fresh(starter), referral, at=referral.received_at)
            started += 1
            resolve_all = len(older) - 2 <= index < len(older)
            steps = SprintStep.objects.filter(sprint=sprint).select_related(
                "action__owner_organisation"
            )
            for step in steps:
                action = step.action
                closer = self._closer(action.owner_organisation.code, action.owner_role)
                if closer is None:
                    continue
                opens = sprint.started_at + timedelta(hours=24 * step.day)
                fate = self.rng.random()
                if fate < 0.78:
                    when = opens + (action.due_at - opens) * self.rng.uniform(0.1, 0.9)
                elif fate < 0.9 or resolve_all:
                    when = action.due_at + timedelta(hours=self.rng.randint(2, 20))
                else:
                    continue  # left open: a failure once past due
                if when > self.now and resolve_all:
                    when = self.now
                if when > self.now:
                    continue
                if not refused and step.code == "home-recheck":
                    refused = True
                    actions.refuse_step(
                        _fresh(closer),
                        step,
                        refusal="Did not want the bedroom and bathroom checked again so soon.",
                        handling_code="alternative",
                        handling_note="Agreed with her daughter, who checks the stairs and "
                        "the bathroom rail tonight and rings the office.",
                        at=when,
                    )
                    continue
                actions.complete_step(_fresh(closer), step, note="Done", at=when)
        self.story["sprints"] = started


RECORD_DAYS = 28
RECORD_TEXTS = {
    RecordKind.CONTACT: (
        "Morning visit: washed and dressed, breakfast eaten, tablets taken.",
        "Phoned to check the new frame; managing the stairs with it.",
        "Tea-time visit: ate half the meal, fluids encouraged and charted.",
    ),
    RecordKind.REFUSAL: ("Declined a shower today; offered again tomorrow morning.",),
    RecordKind.RISK_CHANGE: ("Two near-falls this week; falls risk raised to high.",),
    RecordKind.SERVICE_DISRUPTION: ("Visit 40 minutes late: previous call overran.",),
    RecordKind.SAFEGUARDING_CONCERN: ("Bruising on the forearm, unexplained; lead told.",),
}
# (kind, weight) for the records written.
RECORD_MIX = (
    (RecordKind.CONTACT, 20),
    (RecordKind.REFUSAL, 3),
    (RecordKind.RISK_CHANGE, 2),
    (RecordKind.SERVICE_DISRUPTION, 2),
    (RecordKind.SAFEGUARDING_CONCERN, 1),
)
# The share of each partner's records written late (default for the others).
LATE_SHARE = {"hearth": 0.3, "riverside": 0.08}
LATE_DEFAULT = 0.12


def build_records(builder: Builder) -> None:
    from seamline.workforce.models import Worker

    ctx, rng, now = builder.ctx, builder.rng, builder.now
    kinds = [k for k, weight in RECORD_MIX for _ in range(weight)]
    by_partner: dict[str, list[int]] = {}
    for pk, org in sorted(builder.owner.items()):
        by_partner.setdefault(org, []).append(pk)
    written: dict[str, int] = {}
    rows: list[Record] = []
    for org_code, participants in sorted(by_partner.items()):
        writers = (
            _holders(ctx, org_code, Role.WORKER) + _holders(ctx, org_code, Role.COORDINATOR)[:1]
        )
        if not writers:
            continue
        workers = {w.user_id: w for w in Worker.objects.filter(user__in=writers)}
        late_share = LATE_SHARE.get(org_code, LATE_DEFAULT)
        for pk in participants[:40]:
            for _ in range(rng.randint(2, 6)):
                occurred = now - timedelta(hours=rng.uniform(1, 24 * RECORD_DAYS))
                if rng.random() < late_share:
                    delay = timedelta(hours=rng.uniform(30, 60))
                else:
                    delay = timedelta(hours=rng.uniform(0.2, 20))
                recorded = occurred + delay
                if recorded > now:  # not written yet
                    continue
                author = rng.choice(writers)
                kind = rng.choice(kinds)
                rows.append(
                    Record(
                        participant_id=pk,
                        organisation=builder.orgs[org_code],
                        author=author,
                        worker=workers.get(author.pk),
                        kind=kind,
                        occurred_at=occurred,
                        recorded_at=recorded,
                        text=rng.choice(RECORD_TEXTS[kind]),
                    )
                )
                written[org_code] = written.get(org_code, 0) + 1
    Record.objects.bulk_create(rows, batch_size=500)
    for org_code, count in sorted(written.items()):
        writer = _holders(ctx, org_code, Role.WORKER) or _holders(ctx, org_code, Role.COORDINATOR)
        record(
            _fresh(writer[0]),
            "record.bring_in",
            target={
                "object_type": "coordination.record",
                "object_id": f"{count} records",
                "object_label": "Contact and daily records of the last four weeks",
                "object_organisation_code": org_code,
            },
            changes={"records": count},
            reason="The partner's records of the last four weeks, brought into the network.",
        )
    builder.story["records"] = len(rows)
    builder.story["late_records"] = sum(
        not rules.documented_on_time(r.occurred_at, r.recorded_at) for r in rows
    )


@demo_step("coordination", order=80, units=5)
def build(ctx: DemoContext) -> None:
    builder = Builder(ctx)
    builder.rota()
    ctx.progress()
    builder.cohorts()
    ctx.progress()
    builder.huddles()
    ctx.progress()
    builder.sprints()
    ctx.progress()
    build_records(builder)
    ctx.progress()
    ctx.objects["coordination_story"] = builder.story
