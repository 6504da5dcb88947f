"""The joint caseload huddle: cadence by acuity, the risk score and the on-time share as
tables, the roster through each partner's access (in a fixed number of queries), decisions
that become owned actions, attendance, and the pages, API and command."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import time_machine
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import SimpleTestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from seamline.access import Actor
from seamline.cases.choices import CareReason
from seamline.cases.models import Participant
from seamline.cases.testing import make_flag, make_participant, make_referral
from seamline.coordination import actions, huddle, rules
from seamline.coordination.models import Action, Cohort, Decision
from seamline.coordination.rules import FlagFact
from seamline.errors import RuleViolation
from seamline.network import actions as network_actions
from seamline.testing import CastTestCase

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SYSTEM = Actor.system("test")


def hours(n: float) -> datetime:
    return NOW + timedelta(hours=n)


class RuleTests(SimpleTestCase):
    def test_cadence_table(self) -> None:
        table = [
            ("high", "daily", []),
            ("high", "twice_weekly", ["cadence_not_allowed"]),
            ("high", "three_weekly", ["cadence_not_allowed"]),
            ("standard", "twice_weekly", []),
            ("standard", "three_weekly", []),
            ("standard", "daily", ["cadence_not_allowed"]),
            ("extreme", "daily", ["invalid_value"]),
            ("high", "hourly", ["invalid_value"]),
        ]
        for acuity, cadence, expected in table:
            with self.subTest(acuity=acuity, cadence=cadence):
                got = rules.cadence_reasons(acuity, cadence)
                self.assertEqual([r.code for r in got], expected)

    def test_meeting_days_and_missed_meetings(self) -> None:
        monday = NOW.date()
        week = [monday + timedelta(days=d) for d in range(7)]
        table = [
            ("daily", [True, True, True, True, True, False, False]),
            ("three_weekly", [True, False, True, False, True, False, False]),
            ("twice_weekly", [False, True, False, True, False, False, False]),
        ]
        for cadence, expected in table:
            with self.subTest(cadence):
                self.assertEqual([rules.meets_on(cadence, d) for d in week], expected)
        held = {week[1]}
        self.assertEqual(rules.missed_meetings("twice_weekly", held, week[0], week[6]), [week[3]])
        self.assertEqual(rules.missed_meetings("daily", set(week), week[0], week[6]), [])

    def test_risk_score_table(self) -> None:
        def flag(
            kind: str, severity: str, raised: float, resolved: float | None = None
        ) -> FlagFact:
            return FlagFact(kind, severity, hours(raised), hours(resolved) if resolved else None)

        table: list[tuple[str, list[FlagFact], int, int]] = [
            ("nothing", [], 0, 0),
            ("one high flag", [flag("deterioration", "high", -24 * 30)], 0, 5),
            (
                "medium and low",
                [flag("caregiver_stress", "medium", -900), flag("safeguarding", "low", -900)],
                0,
                4,
            ),
            ("resolved flag counts nothing", [flag("deterioration", "high", -900, -800)], 0, 0),
            ("flag not yet raised", [flag("deterioration", "high", 1)], 0, 0),
            ("overdue actions", [], 3, 6),
            ("recent ED contact, active", [flag("recent_ed_contact", "medium", -48)], 0, 3 + 4),
            ("recent ED contact, resolved", [flag("recent_ed_contact", "medium", -48, -24)], 0, 4),
            (
                "ED contact 8 days ago",
                [flag("recent_ed_contact", "medium", -24 * 8, -24 * 7.5)],
                0,
                0,
            ),
            ("recent missed visits", [flag("missed_visits", "high", -24)], 1, 5 + 3 + 2),
        ]
        for label, flags, overdue, expected in table:
            with self.subTest(label):
                self.assertEqual(rules.risk_score(flags, overdue, NOW).total, expected)
        named = rules.risk_score(
            [flag("safeguarding", "low", -9), flag("deterioration", "high", -9)], 0, NOW
        )
        self.assertEqual(named.active_flags, ("deterioration", "safeguarding"))

    def test_closed_on_time_table(self) -> None:
        table: list[tuple[str, list[tuple[datetime, datetime | None]], tuple[int, int]]] = [
            ("closed before due", [(hours(-1), hours(-2))], (1, 1)),
            ("closed late", [(hours(-3), hours(-1))], (0, 1)),
            ("open and overdue", [(hours(-1), None)], (0, 1)),
            ("open, not yet due: not counted", [(hours(5), None)], (0, 0)),
            ("closed early, not yet due", [(hours(5), hours(-1))], (1, 1)),
        ]
        for label, pairs, expected in table:
            with self.subTest(label):
                got = rules.closed_on_time(pairs, NOW)
                self.assertEqual((got.closed_on_time, got.counted), expected)
        self.assertIsNone(rules.closed_on_time([], NOW).share)


@time_machine.travel(NOW, tick=False)
class HuddleTests(CastTestCase):
    ada: Participant
    bea: Participant
    dot: Participant
    late: Action
    cohort: Cohort

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        c = cls.cast
        river = c.actor(c.river_coordinator)
        cls.ada = make_participant(c.riverside, given_name="Ada")
        make_referral(cls.ada, c.discharge, c.riverside, c.river_coordinator)
        make_flag(cls.ada, "deterioration", "high", raised_at=NOW - timedelta(days=20))
        make_flag(cls.ada, "recent_ed_contact", "medium", raised_at=NOW - timedelta(days=2))
        cls.bea = make_participant(c.riverside, given_name="Bea")
        make_referral(cls.bea, c.discharge, c.riverside, c.river_coordinator)
        make_flag(cls.bea, "caregiver_stress", "low", raised_at=NOW - timedelta(days=20))
        cls.late = actions.create_action(
            SYSTEM,
            cls.bea,
            description="Ring the daughter",
            owner_organisation=c.riverside,
            owner_role="coordinator",
            due_at=NOW - timedelta(hours=2),
            source="plan",
            at=NOW - timedelta(days=1),
        )
        # SwiftStaff visits Dot, so sees her; it sees neither Ada nor Bea.
        cls.dot = make_participant(
            c.riverside, given_name="Dot", care=[(c.swift, CareReason.VISIT)]
        )
        make_referral(cls.dot, c.discharge, c.riverside, c.river_coordinator)
        cls.cohort = actions.create_cohort(
            river, code="rapid", name="Rapid response", acuity="high", cadence="daily"
        )
        for p in (cls.ada, cls.bea, cls.dot):
            actions.add_to_cohort(river, cls.cohort, p)

    def test_cohort_cadence_is_kept_by_the_rule_and_the_database(self) -> None:
        river = self.cast.actor(self.cast.river_coordinator)
        with self.assertRaises(RuleViolation) as caught:
            actions.create_cohort(river, code="x", name="X", acuity="high", cadence="twice_weekly")
        self.assertEqual(caught.exception.codes, ["cadence_not_allowed"])
        with self.assertRaises(IntegrityError), transaction.atomic():
            Cohort.objects.create(
                code="y",
                name="Y",
                organisation=self.cast.riverside,
                acuity="standard",
                cadence="daily",
            )
        with self.assertRaises(RuleViolation) as caught:
            actions.create_cohort(
                self.cast.actor(self.cast.river_worker),
                code="z",
                name="Z",
                acuity="high",
                cadence="daily",
            )
        self.assertEqual(caught.exception.codes, ["not_permitted"])

    def test_roster_sorted_by_score_through_each_partners_access(self) -> None:
        rows = huddle.roster(self.cast.actor(self.cast.river_coordinator), self.cohort)
        self.assertEqual(
            [(r.participant.code, r.risk_score) for r in rows],
            [(self.ada.code, 5 + 3 + 4), (self.bea.code, 1 + 2), (self.dot.code, 0)],
        )
        self.assertEqual(rows[1].next_action, self.late)
        self.assertTrue(rows[1].overdue)
        swift = self.cast.actor(self.cast.swift_admin)
        self.assertEqual([r.participant for r in huddle.roster(swift, self.cohort)], [self.dot])
        self.client.force_login(self.cast.swift_admin)
        listing = self.client.get(reverse("coordination:cohorts"))
        self.assertEqual(listing.context["cohorts"][0][1], 1)
        page = self.client.get(reverse("coordination:cohort", args=["rapid"]))
        self.assertContains(page, "The cohort meets today.")
        self.assertNotContains(page, self.ada.code)
        self.assertContains(page, self.dot.code)

    def test_a_decision_is_an_owned_action_from_the_huddle(self) -> None:
        river = self.cast.actor(self.cast.river_coordinator)
        meeting = actions.start_huddle(river, self.cohort)
        self.assertEqual(actions.start_huddle(river, self.cohort), meeting)
        made = actions.record_decision(
            river,
            meeting,
            self.ada,
            decision="Falls clinic referral",
            owner_organisation=self.cast.riverside,
            owner_person=self.cast.river_worker,
            due_at=NOW + timedelta(days=1),
        )
        action = made.action
        self.assertEqual((action.source, action.source_ref), ("huddle", f"huddle:{meeting.uuid}"))
        self.assertEqual(action.owner_person, self.cast.river_worker)
        with self.assertRaises(RuleViolation) as caught:
            actions.record_decision(
                river,
                meeting,
                self.bea,
                decision="x",
                owner_organisation=self.cast.swift,
                owner_role="partner_admin",
                due_at=NOW,
            )
        self.assertEqual(caught.exception.codes, ["owner_outside_care"])
        outsider = make_participant(
            self.cast.riverside, care=[(self.cast.riverside, CareReason.OWNER)]
        )
        with self.assertRaises(RuleViolation) as caught:
            actions.record_decision(
                river,
                meeting,
                outsider,
                decision="x",
                owner_organisation=self.cast.riverside,
                owner_role="coordinator",
                due_at=NOW,
            )
        self.assertEqual(caught.exception.codes, ["not_in_cohort"])
        added = actions.record_attendance(
            river, meeting, [self.cast.river_supervisor, self.cast.river_coordinator]
        )
        self.assertEqual([a.person for a in added], [self.cast.river_supervisor])
        self.assertEqual(meeting.attendance.count(), 2)
        # On time: closed before due counts; the share reads only visible participants.
        actions.complete_action(self.cast.actor(self.cast.river_worker), action, at=NOW)
        share = huddle.on_time(river, self.cohort, NOW + timedelta(days=2))
        self.assertEqual((share.closed_on_time, share.counted), (1, 1))
        self.assertEqual(
            huddle.on_time(self.cast.actor(self.cast.swift_admin), self.cohort).counted, 0
        )

    def test_the_roster_costs_the_same_queries_at_two_sizes(self) -> None:
        river = self.cast.actor(self.cast.river_coordinator)

        def cohort_of(code: str, size: int) -> Cohort:
            cohort = actions.create_cohort(
                river, code=code, name=code, acuity="standard", cadence="twice_weekly"
            )
            for i in range(size):
                p = make_participant(self.cast.riverside, given_name=f"P{i}")
                make_referral(
                    p, self.cast.discharge, self.cast.riverside, self.cast.river_coordinator
                )
                make_flag(p, "missed_visits", "medium", raised_at=NOW - timedelta(days=1))
                actions.create_action(
                    SYSTEM,
                    p,
                    description="Visit",
                    owner_organisation=self.cast.riverside,
                    owner_person=self.cast.river_worker,
                    due_at=NOW - timedelta(hours=i),
                    source="plan",
                    at=NOW - timedelta(days=1),
                )
                actions.add_to_cohort(river, cohort, p)
            return cohort

        small, large = cohort_of("small", 3), cohort_of("large", 15)
        self.client.force_login(self.cast.river_coordinator)
        counts = []
        for cohort in (small, large):
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(reverse("coordination:cohort", args=[cohort.code]))
            self.assertEqual(response.status_code, 200)
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])
        self.assertEqual(len(response.context["rows"]), 15)

    def test_the_commands(self) -> None:
        out = StringIO()
        call_command("huddle", "cohorts", "--format", "json", stdout=out)
        cohorts = json.loads(out.getvalue())
        self.assertEqual(
            [(c["code"], c["name"], c["cadence"]) for c in cohorts],
            [("rapid", "Rapid response", "daily")],
        )
        out = StringIO()
        call_command(
            "huddle", "roster", "rapid", "--format", "json", "--as", "swift_admin", stdout=out
        )
        self.assertEqual(
            [r["participant"] for r in json.loads(out.getvalue())["participants"]], [self.dot.code]
        )
        out = StringIO()
        call_command("huddle", "roster", "rapid", "--format", "json", stdout=out)
        rows = json.loads(out.getvalue())["participants"]
        self.assertEqual([r["risk_score"] for r in rows], [12, 3, 0])
        self.assertEqual(
            set(rows[0]), {"participant", "risk_score", "score_parts", "flags", "next_action"}
        )
        self.assertEqual(rows[1]["next_action"]["description"], "Ring the daughter")
        self.assertEqual(rows[0]["flags"], ["deterioration", "recent_ed_contact"])

    def test_api_roster_and_decision(self) -> None:
        key = network_actions.issue_api_token(
            self.cast.actor(self.cast.river_coordinator), name="t"
        )[1]

        def call(method: str, path: str, body: Any = None) -> Any:
            return self.client.generic(
                method,
                f"/api/coordination{path}",
                json.dumps(body) if body else "",
                "application/json",
                HTTP_AUTHORIZATION=f"Bearer {key}",
            )

        roster = call("GET", "/cohorts/rapid/roster").json()
        self.assertEqual(roster["participants"][0]["participant"], self.ada.code)
        started = call("POST", "/cohorts/rapid/huddles")
        self.assertEqual(started.status_code, 201, started.content)
        made = call(
            "POST",
            f"/huddles/{started.json()['uuid']}/decisions",
            {
                "participant": self.bea.code,
                "decision": "Carer's assessment",
                "owner_organisation": "riverside",
                "owner_role": "coordinator",
                "due_at": (NOW + timedelta(days=2)).isoformat(),
            },
        )
        self.assertEqual(made.status_code, 201, made.content)
        self.assertEqual(made.json()["source"], "huddle")
        refused = call(
            "POST",
            f"/huddles/{started.json()['uuid']}/decisions",
            {
                "participant": self.bea.code,
                "decision": "x",
                "owner_organisation": "swiftstaff",
                "owner_role": "partner_admin",
                "due_at": NOW.isoformat(),
            },
        )
        self.assertEqual(refused.status_code, 422)

    def test_run_a_huddle_through_the_pages_and_the_owner_sees_the_action(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        started = self.client.post(reverse("coordination:huddle_start", args=["rapid"]))
        meeting = self.cohort.huddles.get()
        self.assertRedirects(started, reverse("coordination:huddle", args=[meeting.uuid]))
        url = reverse("coordination:decision_new", args=[meeting.uuid, self.ada.code])
        form = self.client.get(url)
        self.assertContains(form, self.cast.river_worker.display_name)
        response = self.client.post(
            url,
            {
                "decision": "Check the smoke alarm",
                "owner_organisation": "riverside",
                "owner_person": str(self.cast.river_worker.uuid),
                "owner_role": "",
                "due_at": "2026-03-03T12:00",
            },
        )
        self.assertRedirects(response, reverse("coordination:huddle", args=[meeting.uuid]))
        self.assertContains(
            self.client.get(reverse("coordination:huddle", args=[meeting.uuid])),
            "Check the smoke alarm",
        )
        attended = self.client.post(
            reverse("coordination:huddle", args=[meeting.uuid]),
            {"people": [str(self.cast.river_supervisor.uuid)]},
        )
        self.assertEqual(attended.status_code, 302)
        self.assertEqual(meeting.attendance.count(), 2)
        home = self.client.get("/")
        shown = {c.key: c.context for c in home.context["cards"]}
        self.assertEqual(shown["coordination"]["meeting"], [(self.cohort, True)])
        self.assertEqual(shown["coordination"]["organisation_overdue"], 1)
        self.client.force_login(self.cast.river_worker)
        mine = self.client.get(
            reverse("coordination:actions"), {"show": "mine", "source": "huddle"}
        )
        self.assertContains(mine, "Check the smoke alarm")
        export = self.client.get(reverse("coordination:actions"), {"show": "mine", "format": "csv"})
        self.assertIn("Check the smoke alarm", export.content.decode())
        self.assertEqual(Decision.objects.filter(huddle=meeting).count(), 1)
        self.client.force_login(self.cast.river_coordinator)
        removed = self.client.post(
            reverse("coordination:cohort_remove", args=["rapid", self.ada.code])
        )
        self.assertRedirects(removed, reverse("coordination:cohort", args=["rapid"]))
        roster = huddle.roster(self.cast.actor(self.cast.river_coordinator), self.cohort)
        self.assertNotIn(self.ada, [r.participant for r in roster])
        with self.assertRaises(RuleViolation) as caught:
            actions.remove_from_cohort(SYSTEM, self.cohort, self.ada)
        self.assertEqual(caught.exception.codes, ["not_in_cohort"])
        self.assertEqual(Action.objects.filter(source="huddle").count(), 1)
        self.assertTrue(Participant.objects.filter(pk=self.ada.pk).exists())
