"""The reconciliation pages, the API and the command, through HTTP and the command line: who
sees which runs, figures that never count a participant the reader may not see, the upload,
the mapping, the report and its CSV, and clerical review."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import SimpleTestCase
from django.urls import reverse

from seamline.cases.choices import ConsentScope
from seamline.cases.reconciliation import actions
from seamline.cases.reconciliation.chart import Point, Series, trend_svg
from seamline.cases.reconciliation.models import ColumnMapping, ListRow, Run
from seamline.cases.reconciliation.testing import HEADERS, Scene, build_scene, caseload_csv
from seamline.cases.testing import make_consent
from seamline.network import actions as network_actions
from seamline.testing import CastTestCase


class PagesCase(CastTestCase):
    scene: Scene
    stored: Run

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.scene = build_scene(cls.cast)
        ColumnMapping.objects.create(
            organisation=cls.cast.riverside,
            columns=dict(HEADERS),
            date_format="%d/%m/%Y",
            pathway_values={"Discharge to assess": "discharge"},
        )
        actor = cls.cast.actor(cls.cast.river_coordinator)
        outcome = actions.reconcile(
            actor, cls.cast.riverside, caseload_csv(cls.scene.rows), file_name="river.csv"
        )
        assert outcome.run is not None
        cls.stored = outcome.run

    def url(self, name: str, **kwargs: object) -> str:
        return reverse(f"reconciliation:{name}", kwargs=kwargs)

    def api(self, who: str, path: str) -> Any:
        """GET `path` of the reconciliation API with `who`'s token."""
        key = network_actions.issue_api_token(self.cast.actor(self.cast[who]), name="t")[1]
        return self.client.get(f"/api/reconciliation{path}", HTTP_AUTHORIZATION=f"Bearer {key}")


class WhoSeesWhichRunsTests(PagesCase):
    def test_a_partner_cannot_see_another_partners_run(self) -> None:
        self.client.force_login(self.cast.swift_admin)
        self.assertEqual(self.client.get(self.url("run", run=self.stored.uuid)).status_code, 404)
        self.assertEqual(self.client.get(self.url("review", run=self.stored.uuid)).status_code, 404)
        response = self.api("swift_admin", f"/runs/{self.stored.uuid}")
        self.assertEqual(response.status_code, 404)

    def test_the_runs_page_lists_a_partners_own_runs_and_the_prime_sees_all(self) -> None:
        swift_run = Run.objects.create(organisation=self.cast.swift, file_digest="1" * 64)
        self.client.force_login(self.cast.river_admin)
        page = self.client.get(self.url("runs"))
        self.assertContains(page, str(self.stored.uuid))
        self.assertNotContains(page, str(swift_run.uuid))
        self.client.force_login(self.cast.quality)
        page = self.client.get(self.url("runs"))
        self.assertContains(page, str(self.stored.uuid))
        self.assertContains(page, str(swift_run.uuid))
        self.assertContains(page, "<svg")

    def test_workers_and_commissioners_find_nothing(self) -> None:
        for who in ("river_worker", "commissioner"):
            self.client.force_login(self.cast[who])
            self.assertEqual(self.client.get(self.url("runs")).status_code, 404, who)


class HiddenParticipantsTests(PagesCase):
    """Ada's consent names Riverside only: the prime no longer sees her, so her row changes no
    figure the prime's quality lead reads, on the page or in the API."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        make_consent(cls.scene.people["ada"], ConsentScope.NAMED, [cls.cast.riverside])

    def test_the_partner_sees_every_row(self) -> None:
        self.client.force_login(self.cast.river_admin)
        page = self.client.get(self.url("run", run=self.stored.uuid))
        self.assertEqual((page.context["figures"].rows, page.context["figures"].matched), (8, 7))
        self.assertContains(page, self.scene.people["ada"].code)

    def test_the_prime_counts_only_what_it_may_see(self) -> None:
        self.client.force_login(self.cast.quality)
        page = self.client.get(self.url("run", run=self.stored.uuid))
        figures = page.context["figures"]
        self.assertEqual((figures.rows, figures.matched), (7, 6))
        self.assertNotContains(page, self.scene.people["ada"].code)
        self.assertNotContains(page, "Lovelace")
        runs = self.client.get(self.url("runs"))
        self.assertEqual(runs.context["rows"][0][1].rows, 7)
        body = json.loads(self.api("quality", f"/runs/{self.stored.uuid}").content)
        self.assertEqual((body["rows"], body["counts"]["matched"]), (7, 6))
        self.assertNotIn(self.scene.people["ada"].code, json.dumps(body))
        csv = self.client.get(
            self.url("run", run=self.stored.uuid), {"category": "matched", "format": "csv"}
        )
        self.assertNotIn("Lovelace", csv.content.decode())

    def test_the_prime_reconciling_for_a_partner_is_told_only_what_it_may_see(self) -> None:
        actor = self.cast.actor(self.cast.quality)
        data = caseload_csv(self.scene.rows)
        outcome = actions.reconcile(actor, self.cast.riverside, data, dry_run=True)
        self.assertEqual((outcome.rows, outcome.counts["matched"]), (7, 6))
        self.assertNotIn(self.scene.people["ada"].code, json.dumps(outcome.categories))


class TrendChartTests(SimpleTestCase):
    def test_one_line_per_partner_with_no_style_attribute(self) -> None:
        day = datetime(2026, 11, 1, tzinfo=UTC)
        svg = trend_svg(
            [
                Series("Riverside", [Point(day, 0.8, "a"), Point(day + timedelta(7), 0.9, "b")]),
                Series("Hearth", [Point(day, 0.95, "<c>")]),
            ]
        )
        self.assertEqual(svg.count("<polyline"), 1)
        self.assertEqual(svg.count("<circle"), 3)
        self.assertIn("&lt;c&gt;", svg)
        self.assertNotIn("style=", svg)
        self.assertIn(">70%<", svg, "the axis starts a tenth below the lowest rate")


class UploadTests(PagesCase):
    def test_a_coordinator_uploads_a_list_and_reads_the_report(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        upload = SimpleUploadedFile("river.csv", caseload_csv(self.scene.rows), "text/csv")
        response = self.client.post(
            self.url("upload"), {"partner": "riverside", "file": upload}, follow=True
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "87.5%")
        self.assertContains(response, "Open in the register, missing from the owner&#x27;s list")
        self.assertContains(response, self.scene.referrals["cara"].code)

    def test_a_bad_list_shows_each_row_and_column_and_stores_nothing(self) -> None:
        runs = Run.objects.count()
        rows = [*self.scene.rows]
        rows[1] = {**rows[1], "nhs_number": "12-34"}
        self.client.force_login(self.cast.river_coordinator)
        upload = SimpleUploadedFile("river.csv", caseload_csv(rows), "text/csv")
        response = self.client.post(self.url("upload"), {"partner": "riverside", "file": upload})
        self.assertContains(response, "nothing was stored")
        self.assertContains(response, "<td>3</td><td>NHS No</td>", html=False)
        self.assertEqual(Run.objects.count(), runs)

    def test_an_inspector_reads_runs_but_uploads_nothing(self) -> None:
        self.client.force_login(self.cast.inspector)
        self.assertEqual(self.client.get(self.url("run", run=self.stored.uuid)).status_code, 200)
        self.assertEqual(self.client.get(self.url("upload")).status_code, 403)

    def test_a_partner_saves_its_columns_once(self) -> None:
        self.client.force_login(self.cast.swift_admin)
        form = {f"col_{k}": v for k, v in HEADERS.items()}
        form.update({"date_format": "%d/%m/%Y", "open_values": "Live", "pathway_values": ""})
        response = self.client.post(self.url("mapping", code="swiftstaff"), form)
        self.assertEqual(response.status_code, 302)
        saved = ColumnMapping.objects.get(organisation=self.cast.swift)
        self.assertEqual((saved.columns["family_name"], saved.open_values), ("Surname", "live"))
        self.assertEqual(self.client.get(self.url("mapping", code="riverside")).status_code, 404)

    def test_a_mapping_without_names_is_refused_on_the_field(self) -> None:
        self.client.force_login(self.cast.swift_admin)
        response = self.client.post(
            self.url("mapping", code="swiftstaff"),
            {"col_date_of_birth": "DOB", "date_format": "%d/%m/%Y"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("col_given_name", response.context["form"].errors)
        self.assertFalse(ColumnMapping.objects.filter(organisation=self.cast.swift).exists())


class ReportExportTests(PagesCase):
    def test_each_category_downloads_as_csv_with_its_records(self) -> None:
        self.client.force_login(self.cast.river_admin)
        response = self.client.get(
            self.url("run", run=self.stored.uuid), {"category": "duplicated", "format": "csv"}
        )
        lines = response.content.decode().splitlines()
        self.assertEqual(lines[0], "row,local_id,name,participant,referral,detail")
        self.assertIn(self.scene.referrals["dan"].code, lines[1])
        self.assertEqual(len(lines), 2)


class ReviewPageTests(PagesCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        ListRow.objects.filter(run=cls.stored, row=3).update(
            state="uncertain", method="probabilistic", probability=0.8
        )
        actions.refresh(cls.stored)

    def test_a_person_decides_and_the_figures_update(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        page = self.client.get(self.url("review", run=self.stored.uuid))
        self.assertContains(page, "Row 3")
        response = self.client.post(
            self.url("decide", run=self.stored.uuid, row=3), {"decision": "same"}
        )
        self.assertEqual(response.status_code, 302)
        self.stored.refresh_from_db()
        self.assertEqual(self.stored.counts["review"], 0)
        self.assertEqual(self.stored.rate, 0.875)

    def test_an_inspector_cannot_decide(self) -> None:
        self.client.force_login(self.cast.inspector)
        response = self.client.post(
            self.url("decide", run=self.stored.uuid, row=3), {"decision": "same"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(ListRow.objects.get(run=self.stored, row=3).state, "uncertain")


class ApiTests(PagesCase):
    def test_an_upload_through_the_api_answers_the_report(self) -> None:
        key = network_actions.issue_api_token(self.cast.actor(self.cast.river_admin), name="t")[1]
        upload = SimpleUploadedFile("river.csv", caseload_csv(self.scene.rows), "text/csv")
        response = self.client.post(
            "/api/reconciliation/runs",
            {"partner": "riverside", "file": upload},
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["rate"], 0.875)
        self.assertEqual(len(body["categories"]["missing_from_list"]), 1)

    def test_a_bad_list_answers_422_with_rows_and_stores_nothing(self) -> None:
        runs = Run.objects.count()
        key = network_actions.issue_api_token(self.cast.actor(self.cast.river_admin), name="t")[1]
        rows = [{**self.scene.rows[0], "date_of_birth": "not a date"}]
        upload = SimpleUploadedFile("river.csv", caseload_csv(rows), "text/csv")
        response = self.client.post(
            "/api/reconciliation/runs",
            {"partner": "riverside", "file": upload},
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["report"]["errors"][0]["column"], "DOB")
        self.assertEqual(Run.objects.count(), runs)

    def test_another_partner_cannot_upload_for_riverside(self) -> None:
        key = network_actions.issue_api_token(self.cast.actor(self.cast.swift_admin), name="t")[1]
        upload = SimpleUploadedFile("river.csv", caseload_csv(self.scene.rows), "text/csv")
        response = self.client.post(
            "/api/reconciliation/runs",
            {"partner": "riverside", "file": upload},
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        self.assertEqual(response.status_code, 404)


class CommandTests(PagesCase):
    def test_json_gives_the_rate_and_every_category_with_its_records(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "river.csv"
            path.write_bytes(caseload_csv(self.scene.rows))
            out = StringIO()
            call_command("reconcile", str(path), partner="riverside", format="json", stdout=out)
        body = json.loads(out.getvalue())
        self.assertEqual(body["rate"], 0.875)
        self.assertEqual(
            [r["referral"] for r in body["categories"]["long_wait"]],
            [self.scene.referrals["hal"].code],
        )
        self.assertTrue(body["stored"])

    def test_a_bad_file_exits_with_status_1_and_names_the_row(self) -> None:
        rows = [{**self.scene.rows[0], "pathway": "nowhere"}]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "river.csv"
            path.write_bytes(caseload_csv(rows))
            out = StringIO()
            with self.assertRaises(CommandError) as caught:
                call_command("reconcile", str(path), partner="riverside", stdout=out)
        self.assertEqual(caught.exception.returncode, 1)
        self.assertIn("row 2, column Service", out.getvalue())
