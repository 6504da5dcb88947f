"""The post-discharge sprint: owners from the RACI and due times as tables, an idempotent
start, completing and refusing steps, failure past due on a frozen clock, the report by
partner, and the pages, API and command (the list page in a fixed number of queries)."""

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
from seamline.cases.models import Participant, Referral
from seamline.cases.testing import make_participant, make_referral
from seamline.coordination import actions, rules, sprint
from seamline.coordination.models import Action, Sprint, SprintStep
from seamline.coordination.rules import RaciParty, StepOwner
from seamline.errors import Reason, RuleViolation
from seamline.network import actions as network_actions
from seamline.network.choices import OrgKind, RaciLetter, Role
from seamline.network.models import Organisation, Pathway, PathwayStep, RaciAssignment
from seamline.testing import CastTestCase, make_org

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SYSTEM = Actor.system("test")


class RuleTests(SimpleTestCase):
    def test_due_at_end_of_each_sprint_day_within_72_hours(self) -> None:
        table = [(0, 24), (1, 48), (2, 72), (3, 72)]
        for day, expected in table:
            with self.subTest(day=day):
                self.assertEqual(rules.step_due_at(NOW, day), NOW + timedelta(hours=expected))

    def test_step_owner_table(self) -> None:
        care = {"prime", "river", "trust"}
        table: list[tuple[str, list[RaciParty], RaciParty | None, StepOwner | str]] = [
            (
                "responsible organisation",
                [RaciParty("river", "")],
                RaciParty("prime", ""),
                StepOwner("river", Role.COORDINATOR, "responsible"),
            ),
            (
                "responsible role: in the case's organisation",
                [RaciParty(None, Role.SCHEDULER)],
                RaciParty("prime", ""),
                StepOwner("river", Role.SCHEDULER, "responsible"),
            ),
            (
                "responsible outside the care: the accountable",
                [RaciParty("agency", "")],
                RaciParty("prime", ""),
                StepOwner("prime", Role.COORDINATOR, "accountable"),
            ),
            (
                "the first responsible in the care",
                [RaciParty("agency", ""), RaciParty("trust", "")],
                RaciParty("prime", ""),
                StepOwner("trust", Role.COORDINATOR, "responsible"),
            ),
            (
                "no RACI: the case's organisation",
                [],
                None,
                StepOwner("river", Role.COORDINATOR, "case_owner"),
            ),
        ]
        for label, responsible, accountable, expected in table:
            with self.subTest(label):
                got = rules.sprint_step_owner(
                    responsible=responsible,
                    accountable=accountable,
                    case_organisation="river",
                    care_organisations=care,
                )
                self.assertEqual(got, expected)
        nobody = rules.sprint_step_owner(
            responsible=[RaciParty("agency", "")],
            accountable=None,
            case_organisation="river",
            care_organisations={"prime"},
        )
        self.assertIsInstance(nobody, Reason)
        assert isinstance(nobody, Reason)
        self.assertEqual(nobody.code, "no_owner")

    def test_failure_table(self) -> None:
        due = NOW
        table = [
            ("open, not yet due", None, NOW - timedelta(hours=1), False),
            ("open past due", None, NOW + timedelta(minutes=1), True),
            (
                "resolved in time, looked at later",
                NOW - timedelta(hours=1),
                NOW + timedelta(days=3),
                False,
            ),
            ("resolved late", NOW + timedelta(hours=2), NOW + timedelta(days=3), True),
        ]
        for label, resolved, now, expected in table:
            with self.subTest(label):
                self.assertEqual(rules.step_failed(due, resolved, now), expected)

    def test_complete_refusal_and_discharge_rules(self) -> None:
        self.assertTrue(rules.sprint_complete(["done", "refused", "done"]))
        self.assertFalse(rules.sprint_complete(["done", "open"]))
        self.assertFalse(rules.sprint_complete([]))
        codes = {"alternative"}
        self.assertEqual(rules.refusal_reasons("alternative", "Daughter collects it", codes), [])
        self.assertEqual(
            [r.code for r in rules.refusal_reasons("", " ", codes)], ["required", "required"]
        )
        self.assertEqual(
            [r.code for r in rules.refusal_reasons("shrug", "x", codes)], ["invalid_value"]
        )
        self.assertEqual(rules.qualifies_for_sprint("nhs_trust"), [])
        self.assertEqual(
            [r.code for r in rules.qualifies_for_sprint("subcontractor")], ["not_a_discharge"]
        )
        self.assertEqual(rules.hours_left(NOW, NOW + timedelta(hours=10)), 62.0)
        self.assertEqual(rules.hours_left(NOW, NOW + timedelta(hours=80)), 0.0)
        self.assertEqual(
            [s.day for s in sprint.default_template().steps], [0, 0, 0, 1, 1, 1, 2, 2, 3]
        )


def discharge_pathway(prime: Any, riverside: Any, trust: Any, agency: Any) -> Pathway:
    """A pathway with the template's matching steps and a RACI that exercises each rule."""
    pathway = Pathway.objects.create(code="home-first", name="Home first", lead_organisation=prime)
    raci: dict[str, list[tuple[str, Any, str]]] = {
        "triage": [("R", None, Role.COORDINATOR), ("A", prime, "")],
        "medicines": [("R", trust, ""), ("A", prime, "")],
        "first-visit": [("R", riverside, ""), ("A", prime, "")],
        "package": [("R", agency, ""), ("A", prime, "")],
        "first-contact": [],
    }
    for position, (code, entries) in enumerate(raci.items(), start=1):
        step = PathwayStep.objects.create(
            pathway=pathway, position=position, code=code, name=code.title()
        )
        for letter, org, role in entries:
            RaciAssignment.objects.create(
                step=step,
                letter=RaciLetter.RESPONSIBLE if letter == "R" else RaciLetter.ACCOUNTABLE,
                organisation=org,
                role=role,
            )
    return pathway


@time_machine.travel(NOW, tick=False)
class SprintTests(CastTestCase):
    trust: Organisation
    pathway: Pathway
    ada: Participant
    referral: Referral

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        c = cls.cast
        cls.trust = make_org("trust", OrgKind.NHS_TRUST, name="County Hospitals")
        cls.pathway = discharge_pathway(c.prime, c.riverside, cls.trust, c.swift)
        cls.ada = make_participant(c.riverside, given_name="Ada")
        cls.referral = cls.discharge(cls.ada, hours_ago=2)

    @classmethod
    def discharge(cls, participant: Participant, hours_ago: float) -> Referral:
        return make_referral(
            participant,
            cls.pathway,
            cls.cast.riverside,
            cls.cast.river_coordinator,
            referrer=cls.trust,
            received_at=NOW - timedelta(hours=hours_ago),
        )

    def coordinator(self) -> Actor:
        return self.cast.actor(self.cast.river_coordinator)

    def test_steps_owned_from_the_raci_and_due_by_their_day(self) -> None:
        started = actions.start_sprint(self.coordinator(), self.referral)
        self.assertEqual(started.started_at, self.referral.received_at)
        self.assertEqual(started.ends_at, self.referral.received_at + timedelta(hours=72))
        steps = {
            s.code: s for s in SprintStep.objects.filter(sprint=started).select_related("action")
        }
        self.assertEqual(len(steps), 9)
        owners = {
            code: (s.action.owner_organisation.code, s.action.owner_role, s.owner_basis)
            for code, s in steps.items()
        }
        # triage: Responsible is the coordinator role, in the case's organisation
        self.assertEqual(owners["discharge-summary"], ("riverside", "coordinator", "responsible"))
        # medicines: Responsible is the referring trust (in the care as referrer)
        self.assertEqual(owners["medication-list"], ("trust", "coordinator", "responsible"))
        self.assertEqual(owners["home-recheck"], ("riverside", "coordinator", "responsible"))
        # package: Responsible (the agency) has no part in the care, so the Accountable
        self.assertEqual(owners["services-active"], ("northbridge", "coordinator", "accountable"))
        # first-contact has no RACI entries
        self.assertEqual(owners["understands-plan"], ("riverside", "coordinator", "case_owner"))
        start = self.referral.received_at
        self.assertEqual(steps["immediate-risks"].action.due_at, start + timedelta(hours=24))
        self.assertEqual(steps["equipment-needs"].action.due_at, start + timedelta(hours=48))
        self.assertEqual(steps["authorisations"].action.due_at, start + timedelta(hours=72))
        self.assertEqual(steps["understands-plan"].action.due_at, start + timedelta(hours=72))
        self.assertTrue(all(s.action.source == "sprint" for s in steps.values()))
        mine = Action.objects.owned_by(self.coordinator()).filter(source="sprint")
        self.assertIn(steps["home-recheck"].action, mine)

    def test_start_is_idempotent(self) -> None:
        first = actions.start_sprint(self.coordinator(), self.referral)
        again = actions.start_sprint(SYSTEM, self.referral)
        self.assertEqual(first.pk, again.pk)
        self.assertEqual(Action.objects.filter(source_ref=first.ref).count(), 9)
        with self.assertRaises(IntegrityError), transaction.atomic():
            Sprint.objects.create(
                referral=self.referral,
                participant=self.ada,
                pathway=self.pathway,
                organisation=self.cast.riverside,
                template="x",
                started_at=NOW,
                ends_at=NOW + timedelta(hours=72),
            )

    def test_only_a_hospital_discharge_starts_one(self) -> None:
        bea = make_participant(self.cast.riverside, given_name="Bea")
        local = make_referral(
            bea, self.pathway, self.cast.riverside, self.cast.river_coordinator, received_at=NOW
        )
        with self.assertRaises(RuleViolation) as caught:
            actions.start_sprint(self.coordinator(), local)
        self.assertEqual(caught.exception.reasons[0].code, "not_a_discharge")
        self.assertEqual(list(sprint.waiting_referrals(self.coordinator())), [self.referral])

    def test_refusal_is_recorded_with_its_handling_and_completes_the_sprint(self) -> None:
        actor = self.coordinator()
        started = actions.start_sprint(actor, self.referral)
        recheck = SprintStep.objects.get(sprint=started, code="home-recheck")
        with self.assertRaises(RuleViolation) as caught:
            actions.refuse_step(
                actor, recheck, refusal="Said no", handling_code="", handling_note=""
            )
        self.assertEqual({r.code for r in caught.exception.reasons}, {"required"})
        actions.refuse_step(
            actor,
            recheck,
            refusal="Did not want anyone in the bedroom",
            handling_code="risks_explained",
            handling_note="Falls risk explained; she agreed to a check of the stairs only.",
        )
        recheck.refresh_from_db()
        self.assertEqual(recheck.status, "refused")
        self.assertIsNotNone(recheck.action.completed_at)
        with self.assertRaises(RuleViolation) as again:
            actions.complete_step(actor, recheck)
        self.assertEqual(again.exception.reasons[0].code, "already_resolved")
        trust_coordinator = self.cast.actor(
            make_user_in(self.trust, "trust_coordinator", Role.COORDINATOR)
        )
        prime_coordinator = self.cast.actor(
            make_user_in(self.cast.prime, "prime_coordinator", Role.COORDINATOR)
        )
        for s in SprintStep.objects.filter(sprint=started, status="open").select_related("action"):
            owner = {"trust": trust_coordinator, "northbridge": prime_coordinator}.get(
                s.action.owner_organisation.code, actor
            )
            started.refresh_from_db()
            self.assertIsNone(started.completed_at)
            actions.complete_step(owner, s, note="Done")
        started.refresh_from_db()
        self.assertEqual(started.completed_at, NOW)

    def test_someone_else_cannot_complete_a_step(self) -> None:
        started = actions.start_sprint(self.coordinator(), self.referral)
        medicines = SprintStep.objects.get(sprint=started, code="medication-list")
        with self.assertRaises(RuleViolation) as caught:
            actions.complete_step(self.coordinator(), medicines)
        self.assertEqual(caught.exception.reasons[0].code, "not_permitted")
        with self.assertRaises(RuleViolation) as refused:
            actions.refuse_step(
                self.coordinator(),
                medicines,
                refusal="x",
                handling_code="alternative",
                handling_note="y",
            )
        self.assertEqual(refused.exception.reasons[0].code, "not_permitted")
        medicines.refresh_from_db()
        self.assertEqual(medicines.status, "open")

    def test_a_step_past_due_fails_and_counts_for_its_partner(self) -> None:
        actor = self.coordinator()
        started = actions.start_sprint(actor, self.referral)
        summary = SprintStep.objects.get(sprint=started, code="discharge-summary")
        actions.complete_step(actor, summary)
        self.assertEqual(sprint.failure_report(actor, NOW), [])
        with time_machine.travel(self.referral.received_at + timedelta(hours=25), tick=False):
            later = self.referral.received_at + timedelta(hours=25)
            rows = {(r.partner, r.step): r for r in sprint.failure_report(actor, later)}
            self.assertEqual(rows[("riverside", "discharge-summary")].failed, 0)
            self.assertEqual(rows[("riverside", "immediate-risks")].failed, 1)
            self.assertEqual(rows[("trust", "medication-list")].failed, 1)
            self.assertNotIn(("riverside", "home-recheck"), rows)  # not yet due
            risks = SprintStep.objects.get(sprint=started, code="immediate-risks")
            actions.complete_step(actor, risks)  # late: still a failure
            again = {(r.partner, r.step): r for r in sprint.failure_report(actor, later)}
            self.assertEqual(again[("riverside", "immediate-risks")].failed, 1)
            only = sprint.failure_report(actor, later, partner="trust")
            self.assertEqual([r.partner for r in only], ["trust"])
            (row,) = sprint.in_progress(actor, later)
            self.assertEqual((row.failed, row.resolved, row.hours_left), (2, 2, 47.0))

    def test_list_page_queries_do_not_grow_with_sprints(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        actions.start_sprint(SYSTEM, self.referral)
        counts = []
        for n in (1, 3):
            while Sprint.objects.count() < n:
                p = make_participant(self.cast.riverside, given_name=f"P{Sprint.objects.count()}")
                actions.start_sprint(SYSTEM, self.discharge(p, hours_ago=1))
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(reverse("coordination:sprints"))
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, "70 h")
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])

    def test_pages_start_refuse_and_report(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        listing = self.client.get(reverse("coordination:sprints"))
        self.assertContains(listing, self.referral.code)
        started = self.client.post(reverse("coordination:sprint_start", args=[self.referral.code]))
        made = Sprint.objects.get(referral=self.referral)
        self.assertRedirects(started, reverse("coordination:sprint", args=[made.uuid]))
        page = self.client.get(reverse("coordination:sprint", args=[made.uuid]))
        self.assertContains(page, "Home re-checked")
        self.assertContains(page, "County Hospitals")
        url = reverse("coordination:sprint_step_refuse", args=[made.uuid, "home-recheck"])
        response = self.client.post(
            url,
            {
                "refusal": "Refused the re-check",
                "handling_code": "alternative",
                "handling_note": "Son will check the stairs tonight and ring us.",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(SprintStep.objects.get(sprint=made, code="home-recheck").status, "refused")
        done = reverse("coordination:sprint_step_done", args=[made.uuid, "discharge-summary"])
        self.assertEqual(self.client.post(done, {"note": ""}).status_code, 302)
        # a step the trust owns is not the coordinator's to complete
        theirs = reverse("coordination:sprint_step_done", args=[made.uuid, "medication-list"])
        self.assertEqual(self.client.get(theirs).status_code, 403)
        with time_machine.travel(NOW + timedelta(hours=30), tick=False):
            self.client.force_login(self.cast.river_coordinator)  # the session timed out
            report = self.client.get(reverse("coordination:sprint_report"))
            self.assertContains(report, "Immediate risks recorded")
            csv = self.client.get(reverse("coordination:sprint_report") + "?format=csv")
            lines = csv.content.decode().splitlines()
            self.assertTrue(lines[0].startswith("partner,partner_name,step"))
            self.assertIn("riverside,Riverside Home Support,immediate-risks", csv.content.decode())
        self.client.force_login(self.cast.swift_worker)
        self.assertEqual(
            self.client.get(reverse("coordination:sprint", args=[made.uuid])).status_code, 404
        )

    def test_api_and_command(self) -> None:
        key = network_actions.issue_api_token(self.coordinator(), name="t")[1]

        def call(method: str, path: str, body: Any = None) -> Any:
            return self.client.generic(
                method,
                f"/api/coordination{path}",
                json.dumps(body) if body else "",
                "application/json",
                HTTP_AUTHORIZATION=f"Bearer {key}",
            )

        first = call("POST", "/sprints", {"referral": self.referral.code})
        self.assertEqual(first.status_code, 201, first.content)
        again = call("POST", "/sprints", {"referral": self.referral.code})
        self.assertEqual(again.status_code, 200)
        uuid = first.json()["uuid"]
        self.assertEqual(again.json()["uuid"], uuid)
        refused = call(
            "POST",
            f"/sprints/{uuid}/steps/home-recheck/refuse",
            {"refusal": "No rails", "handling_code": "nope", "handling_note": "x"},
        )
        self.assertEqual(refused.status_code, 422, refused.content)
        done = call("POST", f"/sprints/{uuid}/steps/discharge-summary/done", {"note": "Fine"})
        self.assertEqual(done.status_code, 200, done.content)
        self.assertEqual(done.json()["resolved"], 1)
        listed = call("GET", "/sprints").json()
        self.assertEqual([s["uuid"] for s in listed], [uuid])
        with time_machine.travel(NOW + timedelta(hours=30), tick=False):
            report = call("GET", "/sprints/report?partner=riverside").json()
            self.assertTrue(report)
            self.assertEqual({r["partner"] for r in report}, {"riverside"})
            out = StringIO()
            call_command("coordination", "sprints", "--format", "json", stdout=out)
            data = json.loads(out.getvalue())
            self.assertEqual(data["in_progress"][0]["uuid"], uuid)
            self.assertEqual(data["failures"][0]["failed"], 1)


def make_user_in(org: Any, username: str, role: str) -> Any:
    from seamline.testing import make_user

    return make_user(username, org, [role])
