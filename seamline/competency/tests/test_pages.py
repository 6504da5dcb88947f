"""Framework pages: what each shows, the edit flows, and query counts that do not grow."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from seamline.competency import actions
from seamline.competency.defaults import DEFAULT_FRAMEWORK
from seamline.competency.models import Competency, FrameworkVersion, ModuleMapping, PartnerModule
from seamline.testing import CastTestCase


class FrameworkPageTests(CastTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        actions.apply_framework(cls.cast.actor(cls.cast.quality), DEFAULT_FRAMEWORK, "Start")

    def test_overview_groups_by_domain_and_tier_and_flags_network_critical(self) -> None:
        self.client.force_login(self.cast.river_worker)
        response = self.client.get("/framework/")
        self.assertContains(response, "Medication support")
        self.assertContains(response, "Network-critical")
        self.assertContains(response, "crisis_response: enhanced")
        self.assertEqual([tier for tier, _ in response.context["tiers"]], [1, 2, 3, 4])
        self.assertNotContains(response, "Add a competency")

    def test_the_menu_has_the_framework(self) -> None:
        self.client.force_login(self.cast.river_worker)
        self.assertContains(self.client.get("/"), 'href="/framework/"')

    def test_overview_query_count_does_not_grow(self) -> None:
        self.client.force_login(self.cast.quality)
        self.client.get("/framework/")
        with CaptureQueriesContext(connection) as few:
            self.client.get("/framework/")
        quality = self.cast.actor(self.cast.quality)
        for i in range(5):
            actions.create_task_type(
                quality,
                code=f"extra_{i}",
                title=f"Extra {i}",
                risk_tier=2,
                requirements=[("safeguarding", "supervised"), ("communication", "induction")],
                reason="More",
            )
        with self.assertNumQueries(len(few)):
            self.client.get("/framework/")

    def test_versions_list_query_count_does_not_grow(self) -> None:
        self.client.force_login(self.cast.river_worker)
        self.client.get("/framework/versions/")
        with CaptureQueriesContext(connection) as few:
            self.client.get("/framework/versions/")
        comp = Competency.objects.get(code="fire_safety")
        for months in (12, 18, 24, 30):
            actions.update_competency(
                self.cast.actor(self.cast.quality),
                comp,
                {"review_interval_months": months},
                reason="Try",
            )
        with self.assertNumQueries(len(few)):
            response = self.client.get("/framework/versions/")
        self.assertEqual(len(response.context["versions"]), 5)

    def test_edit_competency_writes_a_version_and_the_diff_page_shows_it(self) -> None:
        self.client.force_login(self.cast.quality)
        form = self.client.get("/framework/competencies/fire_safety/edit/").context["form"]
        data = {k: v for k, v in form.initial.items() if v not in (None, False)}
        data["review_interval_months"] = 12
        data["reason"] = "Annual drills agreed"
        response = self.client.post("/framework/competencies/fire_safety/edit/", data)
        self.assertRedirects(response, "/framework/competencies/fire_safety/")
        version = FrameworkVersion.objects.current()
        assert version is not None
        self.assertEqual((version.number, version.reason), (2, "Annual drills agreed"))
        self.assertEqual(
            version.summary, "Changed competencies fire_safety (review_interval_months)."
        )
        page = self.client.get("/framework/versions/diff/?from=1&to=2")
        self.assertContains(page, "review_interval_months")
        self.assertContains(page, '<td class="old">24</td>', html=False)

    def test_an_earlier_version_stays_readable(self) -> None:
        actions.update_competency(
            self.cast.actor(self.cast.quality),
            Competency.objects.get(code="fire_safety"),
            {"title": "Fire safety at home"},
            reason="Clearer title",
        )
        self.client.force_login(self.cast.swift_worker)
        old = self.client.get("/framework/versions/1/")
        self.assertContains(old, "Fire safety <code")
        self.assertNotContains(old, "Fire safety at home")
        self.assertContains(self.client.get("/framework/versions/2/"), "Fire safety at home")

    def test_edit_form_shows_rule_errors_on_the_field(self) -> None:
        self.client.force_login(self.cast.quality)
        response = self.client.post(
            "/framework/task-types/duty_lead/edit/",
            {
                "title": "Duty lead",
                "risk_tier": "4",
                "requirements": "juggling enhanced",
                "reason": "x",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("requirements", response.context["form"].errors)
        self.assertContains(response, "juggling")
        self.assertEqual(FrameworkVersion.objects.count(), 1)

    def test_new_task_type_page(self) -> None:
        self.client.force_login(self.cast.net_admin)
        response = self.client.post(
            "/framework/task-types/new/",
            {
                "code": "night_sit",
                "title": "Night sit",
                "risk_tier": "3",
                "requirements": "safeguarding independent\nlate_lone_cover independent",
                "reason": "New service",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "late_lone_cover")
        response = self.client.post(
            "/framework/task-types/new/",
            {
                "code": "night_sit",
                "title": "Night sit",
                "risk_tier": "3",
                "requirements": "safeguarding independent",
                "reason": "New service",
            },
        )
        self.assertRedirects(response, "/framework/task-types/night_sit/")

    def test_partners_cannot_open_edit_forms(self) -> None:
        self.client.force_login(self.cast.river_admin)
        self.assertEqual(self.client.get("/framework/competencies/new/").status_code, 403)
        self.client.force_login(self.cast.inspector)
        self.assertEqual(
            self.client.get("/framework/competencies/safeguarding/edit/").status_code, 403
        )


class CataloguePageTests(CastTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        actions.apply_framework(cls.cast.actor(cls.cast.quality), DEFAULT_FRAMEWORK, "Start")

    def test_partner_admin_adds_a_module_and_maps_it(self) -> None:
        self.client.force_login(self.cast.river_admin)
        response = self.client.post(
            "/framework/catalogues/riverside/modules/",
            {"code": "RHS-HO", "title": "Shift handover", "refresher_months": "12"},
        )
        self.assertRedirects(response, "/framework/catalogues/riverside/")
        module = PartnerModule.objects.get(code="RHS-HO")
        response = self.client.post(
            "/framework/catalogues/riverside/modules/RHS-HO/mappings/",
            {
                f"map-{module.pk}-competency": "handoff_communication",
                f"map-{module.pk}-kind": "exact",
            },
        )
        self.assertRedirects(response, "/framework/catalogues/riverside/")
        self.assertEqual(
            list(ModuleMapping.objects.values_list("competency__code", "kind")),
            [("handoff_communication", "exact")],
        )
        page = self.client.get("/framework/catalogues/riverside/")
        self.assertContains(page, "Handoff communication")
        self.client.post(
            "/framework/catalogues/riverside/modules/RHS-HO/mappings/handoff_communication/remove/"
        )
        self.assertEqual(ModuleMapping.objects.count(), 0)

    def test_a_bad_module_shows_the_errors(self) -> None:
        self.client.force_login(self.cast.river_admin)
        response = self.client.post(
            "/framework/catalogues/riverside/modules/", {"code": "has space", "title": "X"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("code", response.context["module_form"].errors)

    def test_coverage_lists_network_critical_gaps_first(self) -> None:
        admin = self.cast.actor(self.cast.river_admin)
        module = actions.add_partner_module(
            admin, self.cast.riverside, code="RHS-SG", title="Safeguarding"
        )
        actions.add_module_mapping(
            admin, module, Competency.objects.get(code="safeguarding"), "exact"
        )
        related = actions.add_partner_module(
            admin, self.cast.riverside, code="RHS-MED", title="Meds"
        )
        actions.add_module_mapping(
            admin, related, Competency.objects.get(code="medication_support"), "related"
        )
        self.client.force_login(self.cast.commissioner)
        response = self.client.get("/framework/coverage/")
        row = next(r for r in response.context["rows"] if r.organisation.code == "riverside")
        self.assertTrue(row.cells[0].competency.network_critical)
        self.assertEqual(
            sorted(c.code for c in row.critical_gaps),
            [
                "crisis_response",
                "documentation_quality",
                "handoff_communication",
                "medication_support",
            ],
        )
        self.assertEqual(row.covered_count, 1)

    def test_coverage_and_catalogue_list_query_counts_do_not_grow(self) -> None:
        admin = self.cast.actor(self.cast.river_admin)
        comp = Competency.objects.get(code="safeguarding")

        def add(code: str) -> None:
            module = actions.add_partner_module(admin, self.cast.riverside, code=code, title=code)
            actions.add_module_mapping(admin, module, comp, "exact")

        add("M0")
        self.client.force_login(self.cast.quality)
        self.client.get("/framework/coverage/")  # the session is saved on the first page only
        with CaptureQueriesContext(connection) as cov:
            self.client.get("/framework/coverage/")
        with CaptureQueriesContext(connection) as cat:
            self.client.get("/framework/catalogues/riverside/")
        for i in range(1, 7):
            add(f"M{i}")
        with self.assertNumQueries(len(cov)):
            self.client.get("/framework/coverage/")
        with self.assertNumQueries(len(cat)):
            response = self.client.get("/framework/catalogues/riverside/")
        self.assertEqual(len(response.context["modules"]), 7)
