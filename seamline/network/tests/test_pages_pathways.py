"""Pathway pages: list, steps with RACI and gaps, design changes, moves over HTMX, history."""

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from seamline.network import actions
from seamline.network.models import Pathway, PathwayStep, RaciAssignment
from seamline.testing import CastTestCase, make_pathway

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


class PathwayListTests(CastTestCase):
    def test_list_counts_steps_and_gaps(self):
        pathway = make_pathway("crisis", self.cast.prime, name="Crisis response", steps=3)
        RaciAssignment.objects.filter(step__pathway=pathway, step__position=2, letter="A").delete()
        self.client.force_login(self.cast.river_worker)
        response = self.client.get("/network/pathways/")
        rows = {p.code: (steps, gaps) for p, steps, gaps in response.context["rows"]}
        self.assertEqual(rows, {"crisis": (3, 1), "discharge": (2, 0)})
        self.assertContains(response, "1 step with gaps")

    def test_queries_do_not_grow_with_rows(self):
        self.client.force_login(self.cast.quality)
        with CaptureQueriesContext(connection) as few:
            self.client.get("/network/pathways/")
        for i in range(20):
            make_pathway(f"extra-{i}", self.cast.riverside, steps=3)
        with self.assertNumQueries(len(few)):
            response = self.client.get("/network/pathways/")
        self.assertEqual(len(response.context["rows"]), 21)


class PathwayDetailTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        RaciAssignment.objects.filter(step__code="step-2", letter="R").delete()

    def test_steps_in_order_with_time_standards_and_gaps(self):
        self.client.force_login(self.cast.river_coordinator)
        response = self.client.get("/network/pathways/discharge/")
        rows = response.context["rows"]
        self.assertEqual([r.step.code for r in rows], ["step-1", "step-2"])
        self.assertContains(response, "within 24 h of referral received")
        self.assertContains(response, "within 2 days of previous step completed")
        self.assertEqual(rows[0].gaps, [])
        self.assertEqual([g.code for g in rows[1].gaps], ["raci_responsible"])
        self.assertContains(response, 'class="raci-cell gap"', count=1)
        self.assertContains(response, "has nobody Responsible")

    def test_queries_do_not_grow_with_steps(self):
        self.client.force_login(self.cast.river_coordinator)
        with CaptureQueriesContext(connection) as few:
            self.client.get("/network/pathways/discharge/")
        pathway = self.cast.discharge
        admin = self.cast.actor(self.cast.net_admin)
        for i in range(20):
            step = actions.add_step(admin, pathway, code=f"extra-{i}", name=f"Extra {i}")
            actions.add_raci(admin, step, letter="A", organisation=self.cast.riverside)
        with self.assertNumQueries(len(few)):
            response = self.client.get("/network/pathways/discharge/")
        self.assertEqual(len(response.context["rows"]), 22)


class PathwayDesignTests(CastTestCase):
    def setUp(self):
        self.client.force_login(self.cast.quality)

    def test_create_pathway(self):
        response = self.client.post(
            "/network/pathways/new/",
            {"code": "therapy", "name": "Community therapy", "lead": "riverside", "reason": "New"},
        )
        self.assertRedirects(response, "/network/pathways/therapy/")
        self.assertEqual(Pathway.objects.get(code="therapy").lead_organisation, self.cast.riverside)

    def test_stale_pathway_edit_shows_the_conflict(self):
        pathway = self.cast.discharge
        stale = pathway.version
        actions.update_pathway(
            self.cast.actor(self.cast.net_admin), pathway, {"description": "theirs"}, version=stale
        )
        response = self.client.post(
            "/network/pathways/discharge/edit/",
            {"name": "Discharge home", "description": "mine", "version": stale},
        )
        self.assertContains(response, "was changed by someone else")
        self.assertContains(response, "Discharge home")
        pathway.refresh_from_db()
        self.assertEqual(
            (pathway.name, pathway.description), ("Hospital discharge to community", "theirs")
        )

    def test_add_and_edit_a_step(self):
        response = self.client.post(
            "/network/pathways/discharge/steps/new/",
            {
                "code": "review",
                "name": "Review at 6 weeks",
                "time_standard_hours": "1008",
                "clock_starts": "discharge",
            },
        )
        self.assertRedirects(response, "/network/pathways/discharge/steps/review/raci/")
        step = PathwayStep.objects.get(pathway=self.cast.discharge, code="review")
        self.assertEqual(
            (step.position, step.time_standard_label), (3, "within 42 days of discharge")
        )
        response = self.client.post(
            "/network/pathways/discharge/steps/review/edit/",
            {
                "name": "Six-week review",
                "time_standard_hours": "1008",
                "clock_starts": "discharge",
                "version": step.version,
                "reason": "Plainer name",
            },
        )
        self.assertRedirects(response, "/network/pathways/discharge/")
        step.refresh_from_db()
        self.assertEqual(step.name, "Six-week review")

    def test_stale_step_edit_shows_the_conflict(self):
        step = self.cast.discharge.steps.get(code="step-1")
        response = self.client.post(
            "/network/pathways/discharge/steps/step-1/edit/",
            {
                "name": "First contact",
                "clock_starts": "referral_received",
                "version": step.version + 5,
            },
        )
        self.assertContains(response, "was changed by someone else")
        self.assertContains(response, 'value="First contact"')

    def test_move_step_over_htmx_swaps_the_steps(self):
        step = self.cast.discharge.steps.get(code="step-1")
        response = self.client.post(
            "/network/pathways/discharge/steps/step-1/move/",
            {"direction": "down", "version": step.version},
            **HTMX,
        )
        body = response.content.decode()
        self.assertTrue(body.lstrip().startswith('<section id="steps"'))
        self.assertLess(body.index("step-2"), body.index("step-1"))
        self.assertEqual(
            list(self.cast.discharge.steps.order_by("position").values_list("code", flat=True)),
            ["step-2", "step-1"],
        )

    def test_move_past_the_end_is_explained(self):
        step = self.cast.discharge.steps.get(code="step-1")
        response = self.client.post(
            "/network/pathways/discharge/steps/step-1/move/",
            {"direction": "up", "version": step.version},
            **HTMX,
        )
        self.assertContains(response, "already at that end of the pathway")
        response = self.client.post(
            "/network/pathways/discharge/steps/step-1/move/",
            {"direction": "up", "version": step.version},
        )
        self.assertRedirects(response, "/network/pathways/discharge/")

    def test_add_raci_by_role_and_organisation_then_remove(self):
        url = "/network/pathways/discharge/steps/step-1/raci/"
        response = self.client.post(url, {"letter": "C", "role": "supervisor"})
        self.assertRedirects(response, url)
        response = self.client.post(url, {"letter": "I", "organisation": "icb"})
        self.assertRedirects(response, url)
        step = self.cast.discharge.steps.get(code="step-1")
        self.assertEqual(
            sorted((e.letter, e.party_label) for e in step.raci.all()),
            [
                ("A", "Northbridge Community Care"),
                ("C", "Supervisor / clinical lead"),
                ("I", "County Integrated Care Board"),
                ("R", "Care coordinator"),
            ],
        )
        entry = step.raci.get(letter="I")
        response = self.client.post(f"/network/pathways/discharge/raci/{entry.uuid}/remove/")
        self.assertRedirects(response, url)
        self.assertFalse(step.raci.filter(letter="I").exists())

    def test_second_accountable_is_a_form_error(self):
        response = self.client.post(
            "/network/pathways/discharge/steps/step-1/raci/",
            {"letter": "A", "organisation": "riverside"},
        )
        self.assertFormError(
            response.context["form"],
            "letter",
            "Step 'Step 1' already has its Accountable party; remove it first.",
        )

    def test_both_organisation_and_role_is_a_form_error(self):
        response = self.client.post(
            "/network/pathways/discharge/steps/step-1/raci/",
            {"letter": "C", "organisation": "riverside", "role": "worker"},
        )
        self.assertFormError(
            response.context["form"],
            "organisation",
            "Name either an organisation or a role, not both.",
        )

    def test_raci_entry_of_another_pathway_is_not_found(self):
        other = make_pathway("crisis", self.cast.prime)
        entry = RaciAssignment.objects.filter(step__pathway=other).first()
        assert entry is not None
        response = self.client.post(f"/network/pathways/discharge/raci/{entry.uuid}/remove/")
        self.assertEqual(response.status_code, 404)
        self.assertTrue(RaciAssignment.objects.filter(pk=entry.pk).exists())


class PathwayHistoryTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        admin = cls.cast.actor(cls.cast.net_admin)
        pathway = cls.cast.discharge
        actions.update_pathway(
            admin, pathway, {"name": "Discharge to home"}, version=pathway.version, reason="Shorter"
        )
        step = pathway.steps.get(code="step-1")
        actions.update_step(
            admin, step, {"time_standard_hours": 12}, version=step.version, reason="Faster contact"
        )
        actions.add_raci(
            admin, step, letter="I", organisation=cls.cast.icb, reason="Keep the ICB told"
        )

    def test_history_says_who_when_why_and_what(self):
        self.client.force_login(self.cast.river_worker)
        response = self.client.get("/network/pathways/discharge/history/")
        events = response.context["events"]
        first = events[0]
        self.assertEqual(first.who, "Net Tester")
        self.assertEqual(first.why, "Keep the ICB told")
        self.assertIn("County Integrated Care Board", first.subject)
        step_change = next(e for e in events if e.why == "Faster contact")
        self.assertEqual(step_change.what, "changed")
        self.assertEqual(step_change.changes, [("Time standard (hours)", 24, 12)])
        rename = next(e for e in events if e.why == "Shorter")
        self.assertEqual(
            rename.changes, [("Name", "Hospital discharge to community", "Discharge to home")]
        )
        self.assertContains(response, "Faster contact")
