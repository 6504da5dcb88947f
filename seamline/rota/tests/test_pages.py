"""The rota pages through HTTP: the visit list, the scheduler's page (eligible best first,
blocked with reasons, another partner's worker as cleared or not only), assigning, the
validation and load pages, and a participant's preferences."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from seamline.audit.models import AuditEntry
from seamline.rota.models import Assignment, Preference, Visit
from seamline.rota.testing import make_visit
from seamline.workforce.models import Worker
from seamline.workforce.testing import make_session, make_sign_off, make_worker

from .scene import MONDAY, GateCase, at
from .test_imports import rota, v


class PageCase(GateCase):
    amy: Worker
    bo: Worker
    cy: Worker
    sam: Worker

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cast = cls.cast
        cls.amy = cls.make(cast.riverside, "RIV-AMY", "Amy", "independent")
        cls.bo = cls.make(cast.riverside, "RIV-BO", "Bo", "independent")
        cls.cy = cls.make(cast.riverside, "RIV-CY", "Cy", None)
        cls.sam = cls.make(cast.swift, "SW-SAM", "Sam", None)

    @classmethod
    def make(cls, org: object, staff_id: str, name: str, stage: str | None) -> Worker:
        worker = make_worker(org, staff_id, first_name=name, last_name="Test")  # type: ignore[arg-type]
        if stage:
            make_sign_off(worker, cls.med, stage, signer=cls.lead)
        make_session(
            worker, cls.lead, MONDAY - timedelta(days=7), held_on=MONDAY - timedelta(days=7)
        )
        return worker


class BoardTests(PageCase):
    def test_eligible_best_first_and_blocked_with_reasons(self) -> None:
        # Bo visited Ada last week: continuity puts him first.
        make_visit(
            self.ada,
            self.cast.discharge,
            [self.prompt],
            at(MONDAY - timedelta(days=5), 9),
            workers=[self.bo],
        )
        visit = make_visit(
            self.ada,
            self.cast.discharge,
            [self.prompt],
            at(MONDAY, 10),
            organisation=self.cast.riverside,
        )
        self.client.force_login(self.cast.river_scheduler)
        page = self.client.get(f"/rota/visits/{visit.code}/")
        self.assertEqual(page.status_code, 200)
        html = page.content.decode()
        eligible = html[html.index('data-testid="eligible"') : html.index('data-testid="blocked"')]
        self.assertLess(eligible.index("Bo Test"), eligible.index("Amy Test"))
        self.assertNotIn("Cy Test", eligible)
        blocked = html[html.index('data-testid="blocked"') :]
        self.assertIn("Cy Test", blocked)
        self.assertIn("G2", blocked)
        self.assertIn("has no sign-off of Medication support", blocked)
        self.assertTrue(
            AuditEntry.objects.filter(action="participant.read", object_id=self.ada.code).exists()
        )

    def test_another_partners_worker_shows_as_cleared_or_not_only(self) -> None:
        visit = make_visit(
            self.ada,
            self.cast.discharge,
            [self.prompt],
            at(MONDAY, 10),
            organisation=self.cast.riverside,
            workers=[self.sam],
        )
        self.client.force_login(self.cast.river_scheduler)
        html = self.client.get(f"/rota/visits/{visit.code}/").content.decode()
        on_visit = html[html.index('id="assigned-title"') : html.index('id="eligible-title"')]
        self.assertIn("Sam Test", on_visit)
        self.assertIn("Not cleared", on_visit)
        self.assertNotIn("Medication support", on_visit)
        self.assertIn("the reasons are with the worker", on_visit)

    def test_the_agency_does_not_see_the_visit(self) -> None:
        visit = make_visit(
            self.ada, self.cast.discharge, [self.prompt], at(MONDAY, 10), workers=[self.amy]
        )
        self.client.force_login(self.cast.swift_admin)
        self.assertEqual(self.client.get(f"/rota/visits/{visit.code}/").status_code, 404)

    def test_assign_an_eligible_worker_and_refuse_a_blocked_one(self) -> None:
        visit = make_visit(
            self.ada,
            self.cast.discharge,
            [self.prompt],
            at(MONDAY, 10),
            organisation=self.cast.riverside,
        )
        self.client.force_login(self.cast.river_scheduler)
        ok = self.client.post(f"/rota/visits/{visit.code}/assign/{self.amy.uuid}/")
        self.assertRedirects(ok, f"/rota/visits/{visit.code}/")
        self.assertTrue(Assignment.objects.live().filter(visit=visit, worker=self.amy).exists())
        self.assertTrue(AuditEntry.objects.filter(action="rota.assign").exists())
        refused = self.client.post(f"/rota/visits/{visit.code}/assign/{self.cy.uuid}/", follow=True)
        self.assertContains(refused, "G2")
        self.assertFalse(Assignment.objects.filter(visit=visit, worker=self.cy).exists())


class VisitListTests(PageCase):
    def test_the_week_shows_visits_of_participants_in_sight_only(self) -> None:
        seen = make_visit(
            self.ada, self.cast.discharge, [self.prompt], at(MONDAY, 10), workers=[self.amy]
        )
        self.client.force_login(self.cast.river_scheduler)
        page = self.client.get("/rota/visits/?week=2026-W47")
        self.assertContains(page, seen.code)
        self.client.force_login(self.cast.swift_admin)
        other = self.client.get("/rota/visits/?week=2026-W47")
        self.assertNotContains(other, seen.code)
        self.assertContains(other, "0 visits")
        self.client.force_login(self.cast.river_worker)
        self.assertEqual(self.client.get("/rota/visits/?week=2026-W47").status_code, 404)

    def test_the_csv_is_a_rota_file(self) -> None:
        visit = make_visit(
            self.ada, self.cast.discharge, [self.prompt], at(MONDAY, 10), workers=[self.amy]
        )
        self.client.force_login(self.cast.river_scheduler)
        text = self.client.get("/rota/visits/?week=2026-W47&format=csv").content.decode()
        self.assertTrue(text.startswith("record,organisation,ref,visit,participant"))
        self.assertIn(f"{visit.code},{self.ada.code},discharge,medication_prompt", text)

    def test_queries_do_not_grow_with_the_visits(self) -> None:
        def count(n: int) -> int:
            for i in range(n):
                make_visit(
                    self.ada,
                    self.cast.discharge,
                    [self.prompt, self.welfare],
                    at(MONDAY, 8) + timedelta(minutes=i),
                    workers=[self.amy],
                    paired_with=self.bo,
                )
            self.client.force_login(self.cast.river_scheduler)
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.client.get("/rota/visits/?week=2026-W47").status_code, 200)
            return len(captured)

        first = count(2)
        self.assertEqual(first, count(10))


class FilePageTests(PageCase):
    def test_validation_groups_violations_by_rule_and_partner(self) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        data = rota(
            v("RV-1", self.ada.code, workers="RIV-CY"),
            v("RV-2", self.ada.code, lone="yes", workers="RIV-BO"),
        )
        self.client.force_login(self.cast.river_coordinator)
        upload = SimpleUploadedFile("rota.csv", data.encode(), content_type="text/csv")
        page = self.client.post("/rota/validate/", {"file": upload, "output": "page"})
        self.assertContains(page, "1 violation")
        self.assertContains(page, 'id="rule-G2"')
        self.assertContains(page, 'data-testid="by-partner"')
        self.assertContains(page, "riverside/RIV-CY")
        upload = SimpleUploadedFile("rota.csv", data.encode(), content_type="text/csv")
        as_csv = self.client.post("/rota/validate/", {"file": upload, "output": "csv"})
        self.assertEqual(as_csv["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn("riverside/RV-1,riverside/RIV-CY,G2,", as_csv.content.decode())

    def test_the_rota_stored_for_a_week_is_validated_on_the_page(self) -> None:
        blocked = make_visit(
            self.ada, self.cast.discharge, [self.prompt], at(MONDAY, 9), workers=[self.cy]
        )
        self.client.force_login(self.cast.river_coordinator)
        empty = self.client.get("/rota/validate/")
        self.assertContains(empty, "Validate the rota stored for a week")
        self.assertContains(empty, 'id="week_week"')
        self.assertNotContains(empty, 'id="result-title"')
        page = self.client.get("/rota/validate/", {"week": "2026-w47", "output": "page"})
        self.assertContains(page, "Week 2026-W47: 1 violation")
        self.assertContains(page, 'id="rule-G2"')
        self.assertContains(page, blocked.code)
        as_csv = self.client.get("/rota/validate/", {"week": "2026-W47", "output": "csv"})
        self.assertEqual(as_csv["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn("rota-violations-2026-W47.csv", as_csv["Content-Disposition"])
        self.assertIn(f"{blocked.code},riverside/RIV-CY,G2,", as_csv.content.decode())
        bad = self.client.get("/rota/validate/", {"week": "week 47", "output": "page"})
        self.assertContains(bad, "Write the week as YYYY-Www, e.g. 2026-W47.")
        self.assertNotContains(bad, 'id="result-title"')

    def test_the_load_page_dry_runs_then_loads(self) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        data = rota(v("RV-1", self.ada.code)).encode()
        self.client.force_login(self.cast.river_scheduler)
        dry = self.client.post(
            "/rota/load/", {"file": SimpleUploadedFile("r.csv", data), "dry_run": "on"}
        )
        self.assertContains(dry, "Dry run: nothing was written")
        self.assertFalse(Visit.objects.exists())
        done = self.client.post("/rota/load/", {"file": SimpleUploadedFile("r.csv", data)})
        self.assertContains(done, "Loaded")
        self.assertEqual(Visit.objects.get().ref, "RV-1")
        bad = self.client.post(
            "/rota/load/",
            {"file": SimpleUploadedFile("r.csv", rota(v("RV-2", "P-999999")).encode())},
        )
        self.assertContains(bad, "Nothing was loaded")
        self.assertContains(bad, "no participant you can see has the code")
        self.assertEqual(Visit.objects.count(), 1)


class PreferenceTests(PageCase):
    def test_a_recorded_preference_blocks_through_g9(self) -> None:
        visit = make_visit(
            self.ada, self.cast.discharge, [self.prompt], at(MONDAY, 10), workers=[self.amy]
        )
        self.assertNotIn("G9", self.answer(self.amy, visit).rules)
        self.client.force_login(self.cast.river_coordinator)
        url = f"/rota/participants/{self.ada.code}/preferences/"
        response = self.client.post(
            url, {"kind": "role_group", "value": "nurse", "note": "Asked for a nurse"}
        )
        self.assertRedirects(response, url)
        preference = Preference.objects.get()
        Preference.objects.filter(pk=preference.pk).update(
            recorded_at=at(MONDAY - timedelta(days=1))
        )
        self.assertIn("G9", self.answer(self.amy, visit).rules)
        self.client.post(f"/rota/preferences/{preference.uuid}/withdraw/")
        preference.refresh_from_db()
        self.assertIsNotNone(preference.withdrawn_at)

    def test_a_bad_value_is_named(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        url = f"/rota/participants/{self.ada.code}/preferences/"
        response = self.client.post(url, {"kind": "organisation", "value": "nowhere"})
        self.assertContains(response, "No organisation has the code")
        self.assertFalse(Preference.objects.exists())


class HomeCardTests(PageCase):
    def test_a_scheduler_sees_this_weeks_visits_and_gaps(self) -> None:
        from django.utils import timezone

        start = at(timezone.localdate(), 12)
        make_visit(self.ada, self.cast.discharge, [self.prompt], start, workers=[self.amy])
        make_visit(
            self.ada, self.cast.discharge, [self.prompt], start, organisation=self.cast.riverside
        )
        self.client.force_login(self.cast.river_scheduler)
        page = self.client.get("/")
        self.assertContains(page, 'id="card-rota"')
        self.assertContains(page, "Visits of your organisation this week</a>: 2")
        self.assertContains(page, "Without a worker: 1")
        self.client.force_login(self.cast.river_worker)
        self.assertNotContains(self.client.get("/"), 'id="card-rota"')
