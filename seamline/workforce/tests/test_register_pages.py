"""The team competency matrix and the worker's page: what each shows, filters, CSV, HTMX,
access and the audit entry a read of a worker's record leaves."""

from __future__ import annotations

import csv
from datetime import date, datetime
from io import StringIO

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from seamline.audit.models import AuditEntry, EntryKind
from seamline.workforce.models import Worker
from seamline.workforce.testing import at, make_pause, make_sign_off, make_worker

from .test_register import RegisterCase

NOW = timezone.make_aware(datetime(2026, 6, 1, 9))


@time_machine.travel(NOW, tick=False)
class MatrixPageTests(RegisterCase):
    url = "/workforce/matrix/"

    def test_rows_are_workers_and_cells_tick_or_name_the_reason(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        rows = response.context["rows"]
        self.assertEqual([r.name for r in rows], ["Ada Brook", "Lena Lead"])
        self.assertEqual([c.row.cleared for c in rows[0].cells], [True, True])
        self.assertEqual([c.short for c in rows[1].cells], ["missing", "missing"])
        self.assertContains(response, "✓")
        self.assertContains(response, reverse("workforce:worker", args=[self.ada.uuid]))
        self.assertNotContains(response, "Sam Swift")

    def test_filters_by_task_type_and_organisation_for_the_prime(self) -> None:
        self.client.force_login(self.cast.net_admin)
        response = self.client.get(
            self.url, {"organisation": "swiftstaff", "task_type": "welfare_check"}
        )
        self.assertEqual([r.name for r in response.context["rows"]], ["Sam Swift"])
        self.assertEqual([t.code for t in response.context["tasks"]], ["welfare_check"])

    def test_expiring_within_n_days_keeps_workers_whose_clearance_lapses_by_then(self) -> None:
        make_sign_off(
            self.lead,
            self.safe,
            "independent",
            signer=self.ada,
            signed_at=at(date(2025, 6, 20)),
            review_due=date(2026, 6, 20),
        )
        self.client.force_login(self.cast.river_supervisor)
        response = self.client.get(self.url, {"expiring": "30"})
        rows = response.context["rows"]
        self.assertEqual([r.name for r in rows], ["Lena Lead"])
        self.assertTrue(rows[0].cells[1].expiring)
        self.assertContains(response, "expires 20 Jun")
        narrow = self.client.get(self.url, {"expiring": "10"})
        self.assertEqual(narrow.context["rows"], [])

    def test_as_of_an_earlier_instant(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        response = self.client.get(self.url, {"as_of": "2026-01-09T09:00"})
        self.assertEqual(
            [c.short for c in response.context["rows"][0].cells], ["missing", "missing"]
        )

    def test_the_pathway_filter_keeps_workers_on_it(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        response = self.client.get(self.url, {"pathway": "discharge"})
        self.assertEqual([r.name for r in response.context["rows"]], ["Ada Brook"])

    def test_htmx_gets_the_results_only(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        response = self.client.get(self.url, {"task_type": "welfare_check"}, HTTP_HX_REQUEST="true")
        self.assertContains(response, 'id="results"')
        self.assertNotContains(response, "<form")

    def test_csv_export_has_a_row_per_worker_and_task_type(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        response = self.client.get(self.url, {"format": "csv"})
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        rows = list(csv.reader(StringIO(response.content.decode())))
        self.assertEqual(
            rows[0][:5], ["worker", "worker_name", "organisation", "task_type", "cleared"]
        )
        self.assertEqual(len(rows), 5)
        self.assertEqual(rows[1][1:5], ["Ada Brook", "riverside", "medication_prompt", "yes"])
        self.assertEqual(rows[3][5], "competency_missing")

    def test_the_query_count_does_not_grow_with_the_workers(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        self.client.get(self.url)  # the session and the actor are loaded once
        few = self._count()
        for n in range(10):
            worker = make_worker(self.cast.riverside, f"RIV-{n + 200}")
            make_sign_off(worker, self.med, "independent", signer=self.lead)
            make_pause(worker, self.prompt, at(date(2026, 5, 1)))
        self.assertEqual(self._count(), few)

    def _count(self) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        return len(ctx.captured_queries)

    def test_refused_to_those_who_see_no_worker_lists(self) -> None:
        for name in ("river_worker", "commissioner"):
            with self.subTest(name):
                self.client.force_login(self.cast[name])
                self.assertEqual(self.client.get(self.url).status_code, 404)


@time_machine.travel(NOW, tick=False)
class WorkerPageTests(RegisterCase):
    def url(self, worker: Worker) -> str:
        return reverse("workforce:worker", args=[worker.uuid])

    def test_explains_each_refusal_and_what_evidence_would_clear_it(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        response = self.client.get(self.url(self.lead))
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response, "Lena Lead has no sign-off of Medication support; this task needs independent"
        )
        self.assertContains(
            response,
            "A sign-off of Medication support at independent needs: observed practice, assessment.",
        )
        self.assertContains(
            response, "A sign-off of Safeguarding at induction needs: training module completed."
        )
        answers = {a.task.code: a for a in response.context["answers"]}
        self.assertFalse(answers["medication_prompt"].decision.cleared)

    def test_shows_cleared_tasks_sign_offs_by_state_and_pauses(self) -> None:
        make_sign_off(
            self.ada,
            self.safe,
            "induction",
            signer=self.lead,
            signed_at=at(date(2025, 1, 5)),
            review_due=date(2026, 1, 5),
        )
        make_sign_off(
            self.ada,
            self.med,
            "enhanced",
            signer=self.lead,
            signed_at=at(date(2025, 6, 10)),
            review_due=date(2026, 6, 10),
        )
        make_pause(self.ada, self.prompt, at(date(2026, 5, 30)))
        self.client.force_login(self.cast.river_supervisor)
        response = self.client.get(self.url(self.ada))
        context = response.context
        self.assertEqual([s.stage for s in context["current"]], ["independent", "supervised"])
        self.assertEqual([s.stage for s in context["expiring"]], ["enhanced"])
        self.assertEqual([s.stage for s in context["lapsed"]], ["induction"])
        answers = {a.task.code: a for a in context["answers"]}
        self.assertTrue(answers["welfare_check"].decision.cleared)
        self.assertEqual(answers["medication_prompt"].decision.codes, ["delegation_paused"])
        self.assertIn(
            "Lifting the pause needs the remedial supervision held and a new observed practice "
            "recorded.",
            answers["medication_prompt"].remedies,
        )
        self.assertContains(response, "Spot-check below threshold")
        self.assertContains(response, "Hospital discharge to community")

    def test_reading_the_page_is_an_audited_read(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        before = AuditEntry.objects.filter(kind=EntryKind.READ).count()
        self.client.get(self.url(self.ada))
        entry = AuditEntry.objects.filter(kind=EntryKind.READ).order_by("-seq").first()
        assert entry is not None
        self.assertEqual(AuditEntry.objects.filter(kind=EntryKind.READ).count(), before + 1)
        self.assertEqual(entry.action, "worker.read")
        self.assertEqual(entry.object_id, str(self.ada.uuid))
        self.assertEqual(entry.actor_label, "river_supervisor")

    def test_other_partners_and_commissioners_get_not_found(self) -> None:
        for name in ("swift_admin", "commissioner", "river_worker"):
            with self.subTest(name):
                self.client.force_login(self.cast[name])
                self.assertEqual(self.client.get(self.url(self.ada)).status_code, 404)

    def test_the_prime_and_inspectors_see_any_partner_worker(self) -> None:
        for name in ("net_admin", "quality", "inspector"):
            with self.subTest(name):
                self.client.force_login(self.cast[name])
                self.assertEqual(self.client.get(self.url(self.sam)).status_code, 200)

    def test_a_temporary_worker_page_shows_what_the_bundle_lacks(self) -> None:
        self.client.force_login(self.cast.swift_admin)
        response = self.client.get(self.url(self.sam))
        self.assertContains(response, "Incomplete: lacks verified role-specific modules")
