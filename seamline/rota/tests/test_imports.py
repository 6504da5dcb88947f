"""Rota files: loading a week (all or nothing, dry run, per-row errors naming row and column,
the same file twice changes nothing, a file replaces the weeks it covers), exporting it back,
and `seamline import rota`."""

from __future__ import annotations

import re
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command

from seamline.access import Actor
from seamline.audit.models import AuditEntry
from seamline.cases.choices import CareReason
from seamline.cases.models import CareTeamMember
from seamline.network.models import Organisation
from seamline.rota import export, imports
from seamline.rota.choices import AssignmentStatus, VisitStatus
from seamline.rota.models import Assignment, RotaImport, Shift, Visit
from seamline.rota.testing import make_visit
from seamline.workforce.models import Worker
from seamline.workforce.testing import make_worker

from .scene import MONDAY, GateCase, at

HEADER = ",".join(imports.COLUMNS)
DAY = "2026-11-16"


def rota(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def v(
    ref: str,
    participant: str,
    start: str = f"{DAY} 09:00",
    end: str = f"{DAY} 09:45",
    *,
    workers: str = "RIV-AMY",
    tasks: str = "medication_prompt",
    pathway: str = "discharge",
    lone: str = "no",
    paired: str = "",
    org: str = "riverside",
    code: str = "",
) -> str:
    """A visit row of a rota file."""
    return ",".join(
        ["visit", org, ref, code, participant, pathway, tasks, start, end, lone, workers, paired]
    )


def shift(ref: str, start: str, end: str, worker: str = "RIV-AMY", participant: str = "") -> str:
    return ",".join(
        ["shift", "riverside", ref, "", participant, "", "", start, end, "", worker, ""]
    )


class LoadCase(GateCase):
    amy: Worker
    bo: Worker
    sam: Worker
    scheduler: Actor
    p: str
    good: str

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cast = cls.cast
        cls.amy = cls.make("RIV-AMY")
        cls.bo = cls.make("RIV-BO")
        cls.sam = cls.make("SW-SAM", organisation=cast.swift)
        cls.scheduler = cast.actor(cast.river_scheduler)
        cls.p = cls.ada.code
        cls.good = rota(
            v("RV-1", cls.p),
            v(
                "RV-2",
                cls.p,
                "2026-11-17 18:00",
                "2026-11-17 18:30",
                workers="RIV-BO",
                tasks="welfare_check;medication_prompt",
                paired="RIV-AMY",
            ),
            shift("SH-1", f"{DAY} 08:00", f"{DAY} 16:00"),
        )

    @classmethod
    def make(cls, staff_id: str, organisation: Organisation | None = None) -> Worker:
        return make_worker(organisation or cls.cast.riverside, staff_id)

    def load(
        self, data: str, actor: Actor | None = None, dry_run: bool = False
    ) -> imports.RotaReport:
        return imports.run(actor or self.scheduler, data, dry_run=dry_run)

    def errors(self, data: str, actor: Actor | None = None) -> list[tuple[int, str]]:
        before = (Visit.objects.count(), Shift.objects.count(), Assignment.objects.count())
        report = self.load(data, actor)
        self.assertTrue(report.errors)
        self.assertFalse(report.written)
        after = (Visit.objects.count(), Shift.objects.count(), Assignment.objects.count())
        self.assertEqual(after, before, "nothing is stored from a file with an error")
        for e in report.errors:
            self.assertTrue(e.reason)
        return [(e.row, e.column) for e in report.errors]


class LoadTests(LoadCase):
    def test_a_week_loads_with_codes_task_types_and_assignments(self) -> None:
        report = self.load(self.good)
        self.assertEqual(report.errors, [])
        self.assertEqual((report.created, report.updated, report.unchanged), (3, 0, 0))
        first = Visit.objects.get(ref="RV-1")
        self.assertRegex(first.code, r"^V-2026-W47-\d{6}$")
        self.assertEqual([t.code for t in first.task_types.all()], ["medication_prompt"])
        self.assertEqual(first.starts_at, at(MONDAY, 9))
        second = Visit.objects.get(ref="RV-2")
        self.assertEqual(second.paired_with, self.amy)
        self.assertEqual(
            list(second.assignments.values_list("worker__staff_id", flat=True)), ["RIV-BO"]
        )
        self.assertEqual(Shift.objects.get(ref="SH-1").worker, self.amy)
        entry = AuditEntry.objects.get(action="rota.import")
        self.assertEqual(
            sorted(entry.changes["visits_created"]),
            sorted(Visit.objects.values_list("code", flat=True)),
        )
        self.assertEqual(RotaImport.objects.get().covers, ["riverside 2026-W47"])

    def test_the_same_file_twice_changes_nothing(self) -> None:
        self.load(self.good)
        entries, codes = (
            AuditEntry.objects.count(),
            set(Visit.objects.values_list("code", flat=True)),
        )
        report = self.load(self.good)
        self.assertEqual(
            (report.created, report.updated, report.unchanged, report.cancelled), (0, 0, 3, 0)
        )
        self.assertEqual(AuditEntry.objects.count(), entries)
        self.assertEqual(RotaImport.objects.count(), 1)
        self.assertEqual(set(Visit.objects.values_list("code", flat=True)), codes)
        self.assertEqual(Assignment.objects.count(), 2)

    def test_a_dry_run_writes_nothing(self) -> None:
        report = self.load(self.good, dry_run=True)
        self.assertEqual(report.created, 3)
        self.assertFalse(report.written)
        self.assertEqual(Visit.objects.count(), 0)
        self.assertEqual(Shift.objects.count(), 0)
        self.assertFalse(AuditEntry.objects.filter(action="rota.import").exists())

    def test_a_changed_row_updates_and_a_missing_row_cancels(self) -> None:
        self.load(self.good)
        changed = rota(
            v("RV-1", self.p, f"{DAY} 10:00", f"{DAY} 10:45", workers="RIV-BO"),
            shift("SH-1", f"{DAY} 08:00", f"{DAY} 16:00"),
        )
        report = self.load(changed)
        self.assertEqual((report.updated, report.unchanged, report.cancelled), (1, 1, 1))
        first = Visit.objects.get(ref="RV-1")
        self.assertEqual(first.starts_at, at(MONDAY, 10))
        self.assertEqual(
            set(first.assignments.values_list("worker__staff_id", "status")),
            {("RIV-AMY", AssignmentStatus.WITHDRAWN), ("RIV-BO", AssignmentStatus.ASSIGNED)},
        )
        self.assertEqual(Visit.objects.get(ref="RV-2").status, VisitStatus.CANCELLED)

    def test_other_weeks_and_organisations_are_left_alone(self) -> None:
        other_week = make_visit(
            self.ada,
            self.cast.discharge,
            [self.prompt],
            at(MONDAY.replace(day=23), 9),
            workers=[self.amy],
        )
        other_org = make_visit(
            self.ada, self.cast.discharge, [self.prompt], at(MONDAY, 12), workers=[self.sam]
        )
        report = self.load(self.good)
        self.assertEqual(report.cancelled, 0)
        for visit in (other_week, other_org):
            visit.refresh_from_db()
            self.assertEqual(visit.status, VisitStatus.PLANNED)

    def test_export_gives_back_a_file_that_changes_nothing(self) -> None:
        self.load(self.good)
        visits, shifts = export.week_visits("2026-W47", Visit.objects.all(), Shift.objects.all())
        text = export.write_csv(export.export_rows(list(visits), shifts))
        self.assertIn(Visit.objects.get(ref="RV-2").code, text)
        report = self.load(text)
        self.assertEqual(report.errors, [])
        self.assertEqual((report.created, report.updated, report.unchanged), (0, 0, 3))

    def test_a_visit_gives_its_organisations_a_part_in_the_care(self) -> None:
        net = self.cast.actor(self.cast.net_admin)
        row = v("RV-9", self.p, workers="swiftstaff/SW-SAM", tasks="welfare_check")
        self.assertFalse(
            CareTeamMember.objects.active()
            .filter(participant=self.ada, organisation=self.cast.swift)
            .exists()
        )
        report = self.load(rota(row), actor=net)
        self.assertEqual(report.errors, [])
        part = CareTeamMember.objects.active().get(
            participant=self.ada, organisation=self.cast.swift
        )
        self.assertEqual((part.reason, part.source), (CareReason.VISIT, "rota"))


class BadFileTests(LoadCase):
    def test_each_bad_row_is_named_with_its_row_and_column(self) -> None:
        p = self.p
        data = rota(
            v("RV-1", p),
            v("RV-2", "P-999999"),
            v("RV-3", p, start="16/11/2026 09:00"),
            v("RV-4", p, end=f"{DAY} 08:00"),
            v("RV-5", p, tasks="no_such_task"),
            v("RV-6", p, workers="RIV-NOBODY"),
            shift("SH-1", f"{DAY} 08:00", f"{DAY} 16:00", participant=p),
            v("RV-1", p, f"{DAY} 11:00", f"{DAY} 11:45"),
            v("RV-7", p, lone="yes", paired="RIV-BO"),
            v("RV-8", p, pathway="nowhere", lone="maybe"),
        )
        self.assertEqual(
            self.errors(data),
            [
                (3, "participant"),
                (4, "start"),
                (5, "end"),
                (6, "task_types"),
                (7, "workers"),
                (8, "participant"),
                (9, "ref"),
                (10, "lone"),
                (11, "pathway"),
                (11, "lone"),
            ],
        )

    def test_the_header_is_checked(self) -> None:
        data = "organisation,ref,start,colour\nriverside,RV-1,2026-11-16 09:00,blue\n"
        self.assertEqual(self.errors(data), [(1, "colour"), (1, "end")])

    def test_only_an_organisations_own_rota(self) -> None:
        row = v("SW-1", self.p, org="swiftstaff", workers="SW-SAM", tasks="welfare_check")
        self.assertEqual(self.errors(rota(row)), [(2, "organisation")])

    def test_a_participant_out_of_sight_is_not_found(self) -> None:
        swift = self.cast.actor(self.cast.swift_admin)
        row = v("SW-1", self.p, org="swiftstaff", workers="SW-SAM", tasks="welfare_check")
        self.assertEqual(self.errors(rota(row), swift), [(2, "participant")])

    def test_a_visit_code_must_be_the_rows_own(self) -> None:
        self.load(self.good)
        row = v("RV-1", self.p, code="V-2026-W47-999999")
        self.assertEqual(self.errors(rota(row)), [(2, "visit")])


class CommandTests(LoadCase):
    def test_seamline_import_rota_loads_and_export_writes_the_week(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "week.csv"
            path.write_text(self.good, encoding="utf-8")
            out = StringIO()
            call_command("import", "rota", str(path), "--as", "river_scheduler", stdout=out)
            self.assertIn("3 created", out.getvalue())
            self.assertEqual(Visit.objects.count(), 2)
            target = Path(folder) / "out.csv"
            call_command("rota", "export", "--week", "2026-W47", str(target), stderr=StringIO())
            text = target.read_text(encoding="utf-8")
            self.assertEqual(text.splitlines()[0], HEADER)
            self.assertEqual(len(text.splitlines()), 4)
            self.assertTrue(re.search(r"visit,riverside,RV-1,V-2026-W47-\d{6},", text))

    def test_a_bad_file_exits_1_and_names_the_row(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "week.csv"
            path.write_text(rota(v("RV-1", "P-999999")))
            out = StringIO()
            with self.assertRaises(CommandError) as raised:
                call_command("import", "rota", str(path), "--as", "river_scheduler", stdout=out)
            self.assertEqual(raised.exception.returncode, 1)
            self.assertIn("row 2, column participant", out.getvalue())
        self.assertEqual(Visit.objects.count(), 0)


def duty_shift(ref: str, pathway: str, duty: str, worker: str = "RIV-AMY") -> str:
    """A duty shift row: the duty in task_types, the pathway it covers."""
    return ",".join(
        [
            "shift",
            "riverside",
            ref,
            "",
            "",
            pathway,
            duty,
            f"{DAY} 08:00",
            f"{DAY} 20:00",
            "",
            worker,
            "",
        ]
    )


class DutyShiftTests(LoadCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from seamline.workforce.testing import make_task_type

        make_task_type("duty_lead", [(cls.safe, "enhanced")], risk_tier=4)

    def test_a_duty_shift_keeps_its_duty_and_pathway_and_exports_back_unchanged(self) -> None:
        report = self.load(rota(duty_shift("SH-D1", "discharge", "duty_lead")))
        self.assertEqual((report.errors, report.created), ([], 1))
        found = Shift.objects.filter(ref="SH-D1").values_list("pathway__code", "duty__code")
        self.assertEqual(list(found), [("discharge", "duty_lead")])
        visits, shifts = export.week_visits("2026-W47", Visit.objects.all(), Shift.objects.all())
        text = export.write_csv(export.export_rows(list(visits), shifts))
        self.assertIn("discharge,duty_lead", text)
        again = self.load(text)
        self.assertEqual((again.created, again.updated, again.unchanged), (0, 0, 1))

    def test_changing_the_duty_updates_the_shift(self) -> None:
        self.load(rota(duty_shift("SH-D1", "discharge", "duty_lead")))
        report = self.load(rota(shift("SH-D1", f"{DAY} 08:00", f"{DAY} 20:00")))
        self.assertEqual(report.updated, 1)
        stored = Shift.objects.get(ref="SH-D1")
        self.assertEqual((stored.pathway_id, stored.duty_id), (None, None))

    def test_a_duty_needs_one_known_task_type_and_a_pathway(self) -> None:
        data = rota(
            duty_shift("SH-1", "", "duty_lead"),
            duty_shift("SH-2", "discharge", ""),
            duty_shift("SH-3", "discharge", "duty_lead;welfare_check"),
            duty_shift("SH-4", "discharge", "no_such_duty"),
            duty_shift("SH-5", "nowhere", "duty_lead"),
        )
        self.assertEqual(
            self.errors(data),
            [
                (2, "pathway"),
                (3, "task_types"),
                (4, "task_types"),
                (5, "task_types"),
                (6, "pathway"),
            ],
        )
