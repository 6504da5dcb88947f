"""CSV imports: all or nothing, per-row errors, dry runs, idempotence, unmapped modules, access;
through the engine, the command and the upload page."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from seamline.access import ReadOnly
from seamline.audit.models import AuditEntry
from seamline.competency.choices import MappingKind
from seamline.competency.models import Competency
from seamline.network.models import User
from seamline.testing import CastTestCase
from seamline.workforce import api_imports, imports
from seamline.workforce.models import Evidence, SignOff, SupervisionSession, Worker
from seamline.workforce.testing import (
    make_competency,
    make_evidence,
    make_module,
    make_sign_off,
    make_worker,
)

WORKERS = (
    "organisation,staff_id,first_name,last_name,employment_type,role_group,start_date,"
    "placement_start,pathways,status\n"
    "riverside,RIV-101,Amira,Khan,employed,support_worker,2026-02-02,,discharge,\n"
    "riverside,RIV-102,Tom,Price,bank,support_worker,2026-03-02,2026-03-09,,active\n"
    "riverside,RIV-103,Ella,Ward,employed,nurse,2026-04-01,,,\n"
)
BAD_DATE = WORKERS.replace("2026-03-02,2026-03-09", "2026-13-01,2026-03-09")


def kinds_of_entries(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


class WorkersImportTests(CastTestCase):
    def run_import(self, data: str | bytes, dry_run: bool = False, user=None) -> imports.Report:
        actor = self.cast.actor(user or self.cast.river_admin)
        return imports.run("workers", actor, data, dry_run=dry_run)

    def test_imports_every_row_through_the_actions(self) -> None:
        report = self.run_import(WORKERS)
        self.assertEqual(report.errors, [])
        self.assertEqual((report.rows, report.created, report.unchanged), (3, 3, 0))
        amira = Worker.objects.get(organisation=self.cast.riverside, staff_id="RIV-101")
        self.assertEqual(amira.name, "Amira Khan")
        self.assertEqual([p.pathway.code for p in amira.pathways.all()], ["discharge"])
        tom = Worker.objects.get(staff_id="RIV-102")
        self.assertEqual(tom.placement_start, date(2026, 3, 9))
        self.assertEqual(kinds_of_entries("worker.add"), 3)

    def test_one_bad_row_changes_nothing_and_names_row_and_column(self) -> None:
        entries = AuditEntry.objects.count()
        report = self.run_import(BAD_DATE)
        self.assertEqual(
            [str(e) for e in report.errors],
            ["row 3, column start_date: '2026-13-01' is not a date (use YYYY-MM-DD)"],
        )
        self.assertFalse(Worker.objects.exists())
        self.assertEqual(AuditEntry.objects.count(), entries)

    def test_an_action_refusal_rolls_back_the_rows_before_it(self) -> None:
        # Row 4's placement starts before the worker does: the action refuses it after rows
        # 2 and 3 were written, and the whole file is undone.
        data = WORKERS.replace(
            "riverside,RIV-103,Ella,Ward,employed,nurse,2026-04-01,,,",
            "riverside,RIV-103,Ella,Ward,bank,nurse,2026-04-01,2026-03-01,,",
        )
        report = self.run_import(data)
        self.assertEqual(len(report.errors), 1)
        self.assertEqual((report.errors[0].row, report.errors[0].column), (4, "placement_start"))
        self.assertFalse(Worker.objects.exists())

    def test_dry_run_reports_and_writes_nothing(self) -> None:
        entries = AuditEntry.objects.count()
        report = self.run_import(WORKERS, dry_run=True)
        self.assertEqual((report.created, report.errors, report.written), (3, [], False))
        self.assertFalse(Worker.objects.exists())
        self.assertEqual(AuditEntry.objects.count(), entries)
        self.assertIn("Dry run: nothing was written.", report.lines())

    def test_same_file_twice_changes_nothing(self) -> None:
        self.run_import(WORKERS)
        entries = AuditEntry.objects.count()
        again = self.run_import(WORKERS)
        self.assertEqual((again.created, again.unchanged, again.errors), (0, 3, []))
        self.assertEqual(Worker.objects.count(), 3)
        self.assertEqual(AuditEntry.objects.count(), entries)

    def test_a_changed_row_for_a_known_worker_is_an_error(self) -> None:
        self.run_import(WORKERS)
        report = self.run_import(WORKERS.replace("Amira,Khan", "Amira,Khan-Lee"))
        self.assertEqual([(e.row, e.column) for e in report.errors], [(2, "last_name")])
        self.assertEqual(Worker.objects.get(staff_id="RIV-101").last_name, "Khan")

    def test_progress_is_reported_to_the_end(self) -> None:
        seen: list[tuple[int, int]] = []
        imports.run(
            "workers",
            self.cast.actor(self.cast.river_admin),
            WORKERS,
            progress=lambda done, total: seen.append((done, total)),
        )
        self.assertEqual(seen[-1], (6, 6))
        self.assertEqual([d for d, _ in seen], sorted(d for d, _ in seen))

    def test_byte_order_mark_is_accepted(self) -> None:
        report = self.run_import(b"\xef\xbb\xbf" + WORKERS.encode())
        self.assertEqual((report.created, report.errors), (3, []))

    def test_columns_with_an_empty_header_are_ignored(self) -> None:
        lines = [line + "," for line in WORKERS.splitlines()]
        report = self.run_import("\n".join(lines) + "\n")
        self.assertEqual((report.created, report.errors), (3, []))

    def test_unknown_and_missing_columns_are_named(self) -> None:
        data = WORKERS.replace("role_group", "team").replace("last_name,", "")
        report = self.run_import(data)
        self.assertEqual(
            sorted((e.row, e.column) for e in report.errors),
            [(1, "last_name"), (1, "role_group"), (1, "team")],
        )
        self.assertIn("unknown column 'team'", str(report.errors[0]))

    def test_partner_admin_cannot_import_for_another_organisation(self) -> None:
        data = WORKERS.replace("riverside,RIV-103", "swiftstaff,SW-103")
        report = self.run_import(data)
        self.assertEqual([(e.row, e.column) for e in report.errors], [(4, "organisation")])
        self.assertIn("you do not manage organisation 'swiftstaff'", report.errors[0].reason)
        self.assertFalse(Worker.objects.exists())

    def test_network_admin_imports_for_any_organisation(self) -> None:
        data = WORKERS.replace("riverside,RIV-103", "swiftstaff,SW-103")
        report = self.run_import(data, user=self.cast.net_admin)
        self.assertEqual((report.created, report.errors), (3, []))
        self.assertTrue(Worker.objects.filter(organisation=self.cast.swift).exists())

    def test_bad_values_give_their_reasons(self) -> None:
        data = (
            "organisation,staff_id,first_name,last_name,employment_type,role_group,start_date\n"
            "riverside,RIV-9,,Ng,temp,porter,2026-02-30\n"
        )
        report = self.run_import(data)
        self.assertEqual(
            [str(e) for e in report.errors],
            [
                "row 2, column first_name: a value is required",
                "row 2, column employment_type: 'temp' is not one of: employed, bank, agency, "
                "contractor, volunteer",
                "row 2, column role_group: 'porter' is not one of: support_worker, "
                "senior_support_worker, nurse, therapist, social_worker, peer_support, "
                "coordinator, team_leader",
                "row 2, column start_date: '2026-02-30' is not a date (use YYYY-MM-DD)",
            ],
        )


COMPLETIONS = (
    "partner,worker,module_code,completed_on\n"
    "riverside,RIV-001,SG-101,2026-02-10\n"
    "riverside,RIV-001,FIRE-1,2026-02-11\n"
    "riverside,RIV-002,SG-101,2026-02-12\n"
    "riverside,RIV-002,FIRE-1,2026-02-12\n"
    "riverside,RIV-002,XYZ-9,2026-02-13\n"
)


class CompletionsImportTests(CastTestCase):
    safeguarding: Competency
    fire: Competency

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.safeguarding = make_competency("safeguarding")
        cls.fire = make_competency("fire_safety")
        make_module(cls.cast.riverside, "SG-101", [(cls.safeguarding, MappingKind.EXACT)])
        make_module(
            cls.cast.riverside,
            "FIRE-1",
            [(cls.fire, MappingKind.RELATED)],
            title="Fire awareness",
        )
        make_worker(cls.cast.riverside, "RIV-001")
        make_worker(cls.cast.riverside, "RIV-002")

    def run_import(self, data: str) -> imports.Report:
        return imports.run("completions", self.cast.actor(self.cast.river_admin), data)

    def test_mapped_completions_become_verified_module_evidence(self) -> None:
        report = self.run_import(COMPLETIONS)
        self.assertEqual((report.created, report.errors), (2, []))
        evidence = Evidence.objects.filter(competency=self.safeguarding).order_by("occurred_on")
        self.assertEqual(
            [(e.worker.staff_id, e.kind, e.occurred_on) for e in evidence],
            [("RIV-001", "module", date(2026, 2, 10)), ("RIV-002", "module", date(2026, 2, 12))],
        )
        self.assertTrue(all(e.verified_by_id is not None for e in evidence))

    def test_unmapped_modules_are_listed_and_nothing_is_written_for_them(self) -> None:
        report = self.run_import(COMPLETIONS)
        self.assertEqual(
            [(u.code, u.title, u.rows) for u in report.unmapped],
            [("FIRE-1", "Fire awareness", [3, 5]), ("XYZ-9", "", [6])],
        )
        self.assertFalse(Evidence.objects.filter(module__code="FIRE-1").exists())
        self.assertEqual(Evidence.objects.count(), 2)
        self.assertIn(
            "Unmapped module riverside/FIRE-1 (Fire awareness): rows 3, 5", report.lines()
        )

    def test_same_extract_twice_changes_nothing(self) -> None:
        self.run_import(COMPLETIONS)
        entries = AuditEntry.objects.count()
        again = self.run_import(COMPLETIONS)
        self.assertEqual((again.created, again.unchanged), (0, 2))
        self.assertEqual(Evidence.objects.count(), 2)
        self.assertEqual(AuditEntry.objects.count(), entries)

    def test_unknown_worker_is_an_error_naming_the_row(self) -> None:
        report = self.run_import(COMPLETIONS + "riverside,RIV-404,SG-101,2026-02-14\n")
        self.assertEqual(
            [str(e) for e in report.errors],
            ["row 7, column worker: no worker with staff id 'RIV-404' in riverside"],
        )
        self.assertFalse(Evidence.objects.exists())


class SignOffAndSupervisionImportTests(CastTestCase):
    comp: Competency
    lead: Worker
    worker: Worker
    other: Worker

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cast = cls.cast
        cls.comp = make_competency("safeguarding")
        cls.lead = make_worker(cast.riverside, "RIV-LEAD")
        make_sign_off(cls.lead, cls.comp, "independent", signer=make_worker(cast.prime, "NB-1"))
        cls.worker = make_worker(cast.riverside, "RIV-001")
        cls.other = make_worker(cast.riverside, "RIV-002")
        make_worker(cast.riverside, "RIV-NEW")
        for w in (cls.worker, cls.other):
            make_evidence(w, "observed_practice", date(2026, 2, 1), competency=cls.comp)
            make_evidence(w, "assessment", date(2026, 2, 1), competency=cls.comp)

    HEADER = "organisation,worker,competency,stage,pathway,signed_on,signer_organisation,signer\n"

    def test_sign_offs_are_checked_and_recorded(self) -> None:
        data = (
            self.HEADER
            + "riverside,RIV-001,safeguarding,independent,,2026-02-02,riverside,RIV-LEAD\n"
        )
        actor = self.cast.actor(self.cast.river_admin)
        report = imports.run("signoffs", actor, data)
        self.assertEqual((report.created, report.errors), (1, []))
        sign_off = SignOff.objects.get(worker=self.worker)
        self.assertEqual((sign_off.stage, sign_off.signer), ("independent", self.lead))
        self.assertEqual(imports.run("signoffs", actor, data).unchanged, 1)
        self.assertEqual(SignOff.objects.filter(worker=self.worker).count(), 1)

    def test_an_unentitled_signer_is_an_error_and_nothing_is_written(self) -> None:
        data = (
            self.HEADER
            + "riverside,RIV-001,safeguarding,independent,,2026-02-02,riverside,RIV-LEAD\n"
            + "riverside,RIV-002,safeguarding,independent,,2026-02-02,riverside,RIV-NEW\n"
        )
        report = imports.run("signoffs", self.cast.actor(self.cast.river_admin), data)
        self.assertEqual([(e.row, e.column) for e in report.errors], [(3, "signer")])
        self.assertIn("is not a designated assessor", report.errors[0].reason)
        self.assertFalse(SignOff.objects.filter(worker__in=[self.worker, self.other]).exists())

    def test_missing_evidence_is_reported_on_the_stage_column(self) -> None:
        data = self.HEADER + (
            "riverside,RIV-NEW,safeguarding,independent,,2026-02-02,riverside,RIV-LEAD\n"
        )
        report = imports.run("signoffs", self.cast.actor(self.cast.river_admin), data)
        self.assertIn(
            "row 2, column stage: Independent in Safeguarding needs observed practice evidence; "
            "none is recorded.",
            [str(e) for e in report.errors],
        )

    def test_supervision_planned_then_held(self) -> None:
        header = "organisation,worker,supervisor_organisation,supervisor,kind,planned_for,held_on\n"
        planned = header + "riverside,RIV-001,riverside,RIV-LEAD,routine,2026-03-02,\n"
        actor = self.cast.actor(self.cast.river_admin)
        self.assertEqual(imports.run("supervision", actor, planned).created, 1)
        held = planned.replace("2026-03-02,\n", "2026-03-02,2026-03-03\n")
        report = imports.run("supervision", actor, held)
        self.assertEqual((report.updated, report.errors), (1, []))
        session = SupervisionSession.objects.get(worker=self.worker)
        self.assertEqual(session.held_on, date(2026, 3, 3))
        self.assertEqual(imports.run("supervision", actor, held).unchanged, 1)


class CommandAndPageTests(CastTestCase):
    def write(self, text: str) -> str:
        import tempfile

        handle = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False)  # noqa: SIM115
        handle.write(text)
        handle.close()
        return handle.name

    def test_command_prints_errors_and_exits_1(self) -> None:
        out = io.StringIO()
        with self.assertRaises(CommandError) as caught:
            call_command(
                "import", "workers", self.write(BAD_DATE), "--as", "river_admin", stdout=out
            )
        self.assertEqual(caught.exception.returncode, 1)
        self.assertIn(
            "row 3, column start_date: '2026-13-01' is not a date (use YYYY-MM-DD)",
            out.getvalue(),
        )
        self.assertFalse(Worker.objects.exists())

    def test_command_json_report(self) -> None:
        out = io.StringIO()
        path = self.write(WORKERS)
        call_command(
            "import", "workers", path, "--as", "river_admin", "--format", "json", stdout=out
        )
        body = json.loads(out.getvalue())
        self.assertEqual((body["created"], body["written"], body["errors"]), (3, True, []))

    def test_command_dry_run_writes_nothing(self) -> None:
        out = io.StringIO()
        call_command(
            "import", "workers", self.write(WORKERS), "--as", "river_admin", "--dry-run", stdout=out
        )
        self.assertIn("Would import 3 rows of workers: 3 created", out.getvalue())
        self.assertFalse(Worker.objects.exists())

    def upload(self, user: User, text: str, dry_run: bool) -> Any:
        self.client.force_login(user)
        data = {"kind": "workers", "file": SimpleUploadedFile("w.csv", text.encode())}
        if dry_run:
            data["dry_run"] = "on"
        return self.client.post(reverse("workforce:import_upload"), data)

    def test_page_shows_errors_by_row(self) -> None:
        response = self.upload(self.cast.river_admin, BAD_DATE, dry_run=False)
        self.assertContains(response, "Nothing was imported")
        self.assertContains(response, "<td>3</td><td>start_date</td>", html=False)
        self.assertFalse(Worker.objects.exists())

    def test_page_imports_after_a_dry_run(self) -> None:
        response = self.upload(self.cast.river_admin, WORKERS, dry_run=True)
        self.assertContains(response, "Dry run: nothing was written")
        self.assertFalse(Worker.objects.exists())
        self.upload(self.cast.river_admin, WORKERS, dry_run=False)
        self.assertEqual(Worker.objects.count(), 3)

    def test_page_refuses_those_who_do_not_manage_an_organisation(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        self.assertEqual(self.client.get(reverse("workforce:import_upload")).status_code, 403)


class ApiImportTests(CastTestCase):
    """The endpoint's own logic, called as django-ninja calls it (the HTTP path and its access
    row come with the router's mounting in seamline/api.py)."""

    def call(self, user: User, kind: str, text: str, dry_run: bool = False) -> tuple[int, Any]:
        request = RequestFactory().post(f"/api/imports/{kind}")
        request.auth = self.cast.actor(user)  # type: ignore[attr-defined]
        upload = SimpleUploadedFile("staff.csv", text.encode())
        return api_imports.import_file(request, kind, upload, dry_run)  # type: ignore[arg-type]

    def test_good_file_answers_the_report(self) -> None:
        status, body = self.call(self.cast.river_admin, "workers", WORKERS)
        self.assertEqual((status, body["created"], body["written"]), (200, 3, True))
        self.assertEqual(Worker.objects.count(), 3)

    def test_errors_answer_422_and_write_nothing(self) -> None:
        status, body = self.call(self.cast.river_admin, "workers", BAD_DATE)
        self.assertEqual(status, 422)
        self.assertEqual(body["reasons"][0]["field"], "row 3: start_date")
        self.assertEqual(body["report"]["errors"][0]["column"], "start_date")
        self.assertFalse(Worker.objects.exists())

    def test_dry_run_writes_nothing(self) -> None:
        status, body = self.call(self.cast.river_admin, "workers", WORKERS, dry_run=True)
        self.assertEqual((status, body["created"], body["written"]), (200, 3, False))
        self.assertFalse(Worker.objects.exists())

    def test_supervisor_is_refused_and_unknown_kind_not_found(self) -> None:
        with self.assertRaises(ReadOnly):
            self.call(self.cast.river_supervisor, "workers", WORKERS)
        with self.assertRaises(Http404):
            self.call(self.cast.river_admin, "rota", WORKERS)
