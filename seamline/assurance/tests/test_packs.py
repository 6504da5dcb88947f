"""Issuing packs: content and stamp, partners adding up, never changed once issued,
corrections, what each reader sees (suppression, drill-down), the outputs and the command."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.test import SimpleTestCase
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from seamline.access import Actor
from seamline.assurance.build import build_pack
from seamline.assurance.docs import catalogue_markdown
from seamline.assurance.models import Pack
from seamline.assurance.present import content_for, suppress_figure
from seamline.audit.models import AuditEntry, ChainHead
from seamline.errors import RuleViolation
from seamline.handoffs.models import Handoff
from seamline.handoffs.testing import build_scene
from seamline.network.actions import issue_api_token
from seamline.testing import CastTestCase
from seamline.workforce.models import Worker
from seamline.workforce.testing import make_competency, make_session, make_sign_off, make_worker

from .test_metrics import SEPTEMBER, t

SYSTEM = Actor.system("test")
DOCS = Path(__file__).resolve().parents[3] / "docs" / "metrics.md"


class PackTestCase(CastTestCase):
    pack: Pack

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        c = cls.cast
        scene = build_scene(c)
        Handoff.objects.filter(pk=scene.sent.pk).update(first_sent_at=t(3), completeness=100)
        Handoff.objects.filter(pk=scene.rejected.pk).update(
            first_sent_at=t(4), rejected_at=t(5), rejection_reason="no_capacity"
        )
        comp = make_competency("medication", title="Medication support")
        signer = make_worker(c.prime, "P-1")
        for n in range(6):
            worker = make_worker(c.riverside, f"R-{n}")
            due = date(2027, 1, 1) if n % 2 else date(2026, 9, 10)
            make_sign_off(
                worker, comp, "independent", signer=signer, review_due=due, signed_at=t(1, month=3)
            )
            make_session(worker, signer, date(2026, 9, 10 + n), held_on=date(2026, 9, 10))
        swift = make_worker(c.swift, "S-1")
        make_sign_off(
            swift,
            comp,
            "independent",
            signer=signer,
            review_due=date(2027, 1, 1),
            signed_at=t(1, month=3),
        )
        cls.pack = build_pack(SYSTEM, SEPTEMBER)

    def metric(self, content: dict[str, Any], code: str) -> Any:
        return next(m for m in content["metrics"] if m["code"] == code)


class IssuingPacks(PackTestCase):
    def test_the_pack_states_its_period_build_time_data_and_chain_head(self) -> None:
        content = self.pack.content
        self.assertEqual(content["period"], "2026-09")
        self.assertEqual(content["issue"], 1)
        self.assertIn("built_at", content)
        self.assertIn(content["data"]["database"], ("sqlite", "postgresql"))
        entry = AuditEntry.objects.get(action="assurance.pack.issue")
        # The head recorded is the chain as it stood just before the pack's own entry.
        self.assertEqual(content["audit_chain_seq"], entry.seq - 1)
        self.assertEqual(content["audit_chain_head"], entry.prev_hash)
        self.assertTrue(self.pack.intact())

    def test_every_metric_has_the_documented_shape(self) -> None:
        for m in self.pack.content["metrics"]:
            self.assertTrue({"code", "title", "additive", "network", "partners"} <= set(m))
            self.assertEqual(set(m["network"]) - {"red"}, {"numerator", "denominator", "value"})
            self.assertEqual(len(m["trend"]), 12)
            self.assertEqual(m["trend"][-1]["period"], "2026-09")

    def test_partner_figures_add_up_to_the_network_for_additive_metrics(self) -> None:
        checked = 0
        for m in self.pack.content["metrics"]:
            if not m["additive"]:
                continue
            for part in ("numerator", "denominator"):
                if m["network"][part] is None:
                    continue
                total = sum(f[part] for f in m["partners"].values())
                self.assertAlmostEqual(total, m["network"][part], places=3, msg=m["code"])
                checked += 1
        self.assertGreater(checked, 10)

    def test_a_figure_is_the_hand_checked_one(self) -> None:
        # Riverside: three of its six workers' sign-offs current, plus the current sign-off that
        # clears its worker for handoff receipt in the handoff scene: 4 of 7.
        currency = self.metric(self.pack.content, "signoff_currency")
        self.assertEqual(currency["partners"]["riverside"]["value"], 57.1)
        self.assertTrue(currency["partners"]["riverside"]["red"])
        self.assertFalse(currency["partners"]["swiftstaff"]["red"])

    def test_an_issued_pack_cannot_be_changed_in_the_database(self) -> None:
        with self.assertRaises(DatabaseError), transaction.atomic():
            Pack.objects.filter(pk=self.pack.pk).update(content={"period": "edited"})
        self.pack.refresh_from_db()
        self.assertEqual(self.pack.content["period"], "2026-09")

    def test_a_correction_is_a_new_issue_with_a_reason(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            build_pack(SYSTEM, SEPTEMBER)
        self.assertEqual(caught.exception.reasons[0].field, "reason")
        again = build_pack(SYSTEM, SEPTEMBER, reason="Late supervision records from Riverside")
        self.assertEqual(again.issue, 2)
        self.assertEqual(Pack.objects.filter(period=SEPTEMBER).count(), 2)
        self.assertEqual(list(Pack.objects.latest_issues()), [again])

    def test_a_month_not_yet_begun_has_no_pack(self) -> None:
        with self.assertRaises(RuleViolation):
            build_pack(SYSTEM, timezone.localdate().replace(day=1) + timedelta(days=40))

    def test_only_the_prime_quality_lead_or_admin_builds(self) -> None:
        with self.assertRaises(RuleViolation):
            build_pack(self.cast.actor(self.cast.river_admin), SEPTEMBER, reason="x")
        with self.assertRaises(RuleViolation):
            build_pack(self.cast.actor(self.cast.commissioner), SEPTEMBER, reason="x")
        made = build_pack(self.cast.actor(self.cast.quality), SEPTEMBER, reason="checked")
        self.assertEqual(made.built_by_label, self.cast.quality.display_name)


class Readers(PackTestCase):
    def test_commissioners_see_small_counts_suppressed(self) -> None:
        content = content_for(self.cast.actor(self.cast.commissioner), self.pack.content, 5)
        currency = self.metric(content, "signoff_currency")
        # Riverside: 4 of 7 current (a denominator of 7 is shown).
        self.assertEqual(currency["partners"]["riverside"]["value"], 57.1)
        # SwiftStaff: 1 of 1 -> suppressed.
        self.assertTrue(currency["partners"]["swiftstaff"]["suppressed"])
        self.assertIsNone(currency["partners"]["swiftstaff"]["value"])
        rejections = self.metric(content, "handoff_rejections")
        self.assertIsNone(rejections["network"]["value"])
        self.assertIsNone(rejections["breakdown"]["no_capacity"]["network"])

    def test_network_staff_see_every_figure(self) -> None:
        content = content_for(self.cast.actor(self.cast.quality), self.pack.content, 5)
        self.assertEqual(self.metric(content, "handoff_rejections")["network"]["value"], 1)

    def test_a_partner_sees_the_network_and_its_own_column(self) -> None:
        content = content_for(self.cast.actor(self.cast.river_admin), self.pack.content, 5)
        self.assertEqual([p["code"] for p in content["partners"]], ["riverside"])
        currency = self.metric(content, "signoff_currency")
        self.assertEqual(set(currency["partners"]), {"riverside"})
        self.assertEqual(currency["network"]["denominator"], 8)

    def test_drill_down_shows_a_partner_only_its_own_records(self) -> None:
        url = reverse("assurance:drill", args=["2026-09", "signoff_currency"])
        self.client.force_login(self.cast.river_admin)
        page = self.client.get(url)
        self.assertContains(page, "R-1")
        self.assertNotContains(page, "S-1")
        self.assertEqual(self.client.get(url + "?partner=swiftstaff").status_code, 200)
        self.assertNotContains(self.client.get(url + "?partner=swiftstaff"), "S-1")
        self.assertTrue(AuditEntry.objects.filter(action="assurance.drill.read").exists())

    def test_drill_down_shows_the_prime_every_partner(self) -> None:
        url = reverse("assurance:drill", args=["2026-09", "signoff_currency"])
        self.client.force_login(self.cast.quality)
        page = self.client.get(url)
        self.assertContains(page, "R-1")
        self.assertContains(page, "S-1")

    def test_drill_down_links_each_record_to_its_own_page(self) -> None:
        self.client.force_login(self.cast.inspector)
        page = self.client.get(reverse("assurance:drill", args=["2026-09", "handoff_completeness"]))
        sent = Handoff.objects.exclude(first_sent_at=None).order_by("first_sent_at").first()
        assert sent is not None
        self.assertContains(page, f'href="{reverse("handoffs:handoff", args=[sent.code])}"')

    def test_commissioners_cannot_drill_down(self) -> None:
        self.client.force_login(self.cast.commissioner)
        url = reverse("assurance:drill", args=["2026-09", "signoff_currency"])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(
            self.client.get(reverse("assurance:pack", args=["2026-09"])).status_code, 200
        )

    def test_workers_see_no_pack(self) -> None:
        self.client.force_login(self.cast.river_worker)
        self.assertEqual(self.client.get(reverse("assurance:packs")).status_code, 404)
        self.assertEqual(
            self.client.get(reverse("assurance:pack", args=["2026-09"])).status_code, 404
        )

    def test_the_drill_down_list_keeps_its_query_count_as_records_grow(self) -> None:
        url = reverse("assurance:drill", args=["2026-09", "supervision_on_time"])
        self.client.force_login(self.cast.quality)
        self.client.get(url)
        with self.assertNumQueries(self._queries(url)):
            other = make_worker(self.cast.prime, "P-2")
            signer = Worker.objects.get(staff_id="P-1")
            for n in range(5):
                make_session(other, signer, date(2026, 9, 1 + n))
            self.client.get(url)

    def _queries(self, url: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            self.client.get(url)
        # the same page again, plus the writes of the five sessions and one worker
        return len(ctx.captured_queries) + 1 + 1 + 5


class Outputs(PackTestCase):
    def test_the_pdf_holds_the_figures_and_the_charts(self) -> None:
        self.client.force_login(self.cast.commissioner)
        response = self.client.get(reverse("assurance:pack_pdf", args=["2026-09"]))
        self.assertEqual(response["Content-Type"], "application/pdf")
        text = "".join(
            page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
        )
        self.assertIn("Sign-offs current", text)
        # The charts' month labels are drawn only by the SVG charts.
        self.assertIn("26-09", text)
        self.assertIn("25-10", text)

    def test_csv_has_a_row_per_metric_and_segment(self) -> None:
        self.client.force_login(self.cast.quality)
        body = self.client.get(reverse("assurance:pack_csv", args=["2026-09"])).content.decode()
        lines = body.strip().splitlines()
        self.assertTrue(lines[0].startswith("period,issue,built_at,audit_chain_head,metric"))
        self.assertTrue(
            any(",signoff_currency," in line and ",riverside," in line for line in lines)
        )

    def test_the_api_gives_the_pack_as_the_caller_may_see_it(self) -> None:
        token = issue_api_token(self.cast.actor(self.cast.commissioner), name="t")[1]
        response = self.client.get(
            "/api/assurance/packs/2026-09", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.json()["suppression"]["applied"])
        worker_token = issue_api_token(self.cast.actor(self.cast.river_worker), name="t")[1]
        refused = self.client.get(
            "/api/assurance/packs/2026-09", HTTP_AUTHORIZATION=f"Bearer {worker_token}"
        )
        self.assertEqual(refused.status_code, 404)

    def test_the_command_writes_the_issued_pack_as_json(self) -> None:
        with TemporaryDirectory() as folder:
            out = Path(folder) / "pack.json"
            call_command(
                "pack",
                "build",
                "--period",
                "2026-09",
                "--format",
                "json",
                "--output",
                str(out),
                stderr=io.StringIO(),
            )
            data = json.loads(out.read_text())
        self.assertEqual(data["period"], "2026-09")
        self.assertEqual(data["audit_chain_head"], self.pack.audit_hash)
        self.assertEqual(Pack.objects.count(), 1)  # written as issued, not rebuilt
        self.assertTrue(
            all(
                {"code", "title", "additive", "network", "partners"} <= set(m)
                for m in data["metrics"]
            )
        )

    def test_the_command_issues_a_month_with_no_pack(self) -> None:
        before = ChainHead.objects.get().seq
        with TemporaryDirectory() as folder:
            out = Path(folder) / "pack.csv"
            call_command(
                "pack",
                "build",
                "--period",
                "2026-08",
                "--format",
                "csv",
                "--output",
                str(out),
                stderr=io.StringIO(),
            )
            self.assertIn("2026-08", out.read_text())
        self.assertEqual(Pack.objects.get(period=date(2026, 8, 1)).audit_seq, before)


class Suppression(SimpleTestCase):
    def test_counts_from_one_to_four_are_suppressed(self) -> None:
        for n in (1, 4):
            self.assertTrue(
                suppress_figure({"numerator": n, "denominator": None, "value": n}, "count", 5)[
                    "suppressed"
                ]
            )
        for n in (0, 5):
            self.assertNotIn(
                "suppressed",
                suppress_figure({"numerator": n, "denominator": None, "value": n}, "count", 5),
            )

    def test_a_share_over_a_small_denominator_is_suppressed(self) -> None:
        fig = suppress_figure({"numerator": 2, "denominator": 3, "value": 66.7}, "percent", 5)
        self.assertIsNone(fig["value"])
        fig = suppress_figure({"numerator": 2, "denominator": 30, "value": 6.7}, "percent", 5)
        self.assertEqual(fig["value"], 6.7)


class MetricsDoc(SimpleTestCase):
    def test_docs_metrics_md_is_written_from_the_catalogue(self) -> None:
        self.assertEqual(
            DOCS.read_text(encoding="utf-8"),
            catalogue_markdown(),
            "docs/metrics.md is out of date: run `seamline pack metrics > docs/metrics.md`",
        )


class Schedule(CastTestCase):
    def test_the_previous_month_is_issued_from_the_third_once(self) -> None:
        from seamline.assurance.schedule import issue_due_pack

        london = ZoneInfo("Europe/London")
        self.assertIsNone(issue_due_pack(datetime(2026, 10, 2, 23, 0, tzinfo=london)))
        first = issue_due_pack(datetime(2026, 10, 3, 0, 5, tzinfo=london))
        assert first is not None
        self.assertEqual(first.label, "2026-09")
        self.assertIsNone(issue_due_pack(datetime(2026, 10, 3, 0, 10, tzinfo=london)))
        self.assertEqual(Pack.objects.count(), 1)

    def test_the_worker_issues_the_pack_when_it_runs(self) -> None:
        import time_machine

        with time_machine.travel(datetime(2026, 10, 5, 12, 0, tzinfo=ZoneInfo("UTC")), tick=False):
            out = io.StringIO()
            call_command("worker", "--once", "--format", "json", stdout=out)
        self.assertEqual(json.loads(out.getvalue())["packs"], 1)
        self.assertEqual(Pack.objects.get().label, "2026-09")
