"""Whole-rota validation (`seamline rota validate`, the API, the page) and the single check on
the command line: every violation listed as {visit, worker, rule, message}, exit status 1 when
there is any; the rota reasoned about includes other organisations' stored visits; a worker
the asker may not see is reported by rule only; and the number of queries does not grow with
the number of visits."""

from __future__ import annotations

import json
import tempfile
from datetime import timedelta
from io import StringIO
from pathlib import Path
from unittest import mock

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import SimpleTestCase
from django.test.utils import CaptureQueriesContext

from seamline.access import Actor
from seamline.audit.models import AuditEntry
from seamline.cases.testing import make_participant, make_referral
from seamline.rota import loading, rules, validation
from seamline.rota.choices import RULES
from seamline.rota.models import Visit
from seamline.rota.testing import make_visit
from seamline.workforce.models import Worker
from seamline.workforce.testing import make_session, make_sign_off, make_worker

from .scene import MONDAY, GateCase, at
from .test_imports import DAY, rota, v


class ValidationCase(GateCase):
    amy: Worker
    bare: Worker
    sam: Worker
    scheduler: Actor

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.amy = cls.cleared("RIV-AMY")
        cls.bare = make_worker(cls.cast.riverside, "RIV-BARE")  # no sign-off: G2 on a prompt
        cls.sam = make_worker(cls.cast.swift, "SW-SAM")
        cls.scheduler = cls.cast.actor(cls.cast.river_scheduler)

    @classmethod
    def cleared(cls, staff_id: str) -> Worker:
        worker = make_worker(cls.cast.riverside, staff_id)
        make_sign_off(worker, cls.med, "independent", signer=cls.lead)
        make_sign_off(worker, cls.safe, "independent", signer=cls.lead)
        return worker


class ValidateTests(ValidationCase):
    def test_a_clean_rota_has_no_violations(self) -> None:
        result = validation.validate_file(self.scheduler, rota(v("RV-1", self.ada.code)))
        self.assertTrue(result.ok)
        self.assertEqual((result.visits, result.assignments), (1, 1))
        self.assertEqual(result.as_list(), [])

    def test_each_violation_is_visit_worker_rule_message(self) -> None:
        data = rota(
            v("RV-1", self.ada.code, workers="RIV-BARE"),
            v("RV-2", self.ada.code, f"{DAY} 09:30", f"{DAY} 10:00"),  # Amy, as on RV-3
            v("RV-3", self.ada.code, f"{DAY} 09:15", f"{DAY} 09:40", workers="RIV-AMY"),
        )
        result = validation.validate_file(self.scheduler, data)
        found = result.as_list()
        self.assertTrue(found)
        for item in found:
            self.assertEqual(set(item), {"visit", "worker", "rule", "message"})
            self.assertIn(item["rule"], RULES)
        rules_by_visit = {(f["visit"], f["worker"], f["rule"]) for f in found}
        self.assertIn(("riverside/RV-1", "riverside/RIV-BARE", "G2"), rules_by_visit)
        self.assertIn(("riverside/RV-2", "riverside/RIV-AMY", "G8"), rules_by_visit)
        self.assertIn(("riverside/RV-3", "riverside/RIV-AMY", "G8"), rules_by_visit)
        self.assertEqual([r for r, _ in result.by_rule()], ["G2", "G8"])
        self.assertEqual(result.by_partner(), [("riverside", {"G2": 1, "G8": 2})])

    def test_other_organisations_stored_visits_count(self) -> None:
        # The prime has the agency worker on a visit at 09:15; Riverside's file puts him on
        # one at 09:00: neither rota alone overlaps.
        make_sign_off(self.sam, self.med, "independent", signer=self.lead)
        make_session(self.sam, self.lead, MONDAY, held_on=MONDAY)
        prime_visit = make_visit(
            self.ada,
            self.cast.discharge,
            [self.prompt],
            at(MONDAY, 9, 15),
            organisation=self.cast.prime,
            workers=[self.sam],
        )
        net = self.cast.actor(self.cast.net_admin)
        data = rota(v("RV-1", self.ada.code, workers="swiftstaff/SW-SAM"))
        # Read for the few workers asked about, and for the whole window (many workers).
        for many in (loading.MANY_WORKERS, 0):
            with self.subTest(many=many), mock.patch.object(loading, "MANY_WORKERS", many):
                found = validation.validate_file(net, data).as_list()
                self.assertEqual([f["rule"] for f in found], ["G8"])
                self.assertIn(prime_visit.code, found[0]["message"])

    def test_the_files_own_weeks_replace_what_is_stored(self) -> None:
        # A stored Riverside visit the file no longer lists does not overlap anything.
        make_visit(self.ada, self.cast.discharge, [self.prompt], at(MONDAY, 9), workers=[self.amy])
        found = validation.validate_file(self.scheduler, rota(v("RV-1", self.ada.code)))
        self.assertTrue(found.ok)

    def test_a_worker_out_of_sight_is_reported_by_rule_only(self) -> None:
        data = rota(v("RV-1", self.ada.code, workers="swiftstaff/SW-SAM"))
        found = validation.validate_file(self.scheduler, data).findings
        self.assertEqual({f.rule for f in found}, {"G2"})
        for f in found:
            self.assertNotIn("Medication support", f.message)
            self.assertIn("the reasons are visible to swiftstaff", f.message)
        seen = validation.validate_file(self.cast.actor(self.cast.net_admin), data).findings
        self.assertIn("Medication support", seen[0].message)

    def test_a_bad_file_is_named_row_and_column(self) -> None:
        result = validation.validate_file(self.scheduler, rota(v("RV-1", "P-999999")))
        self.assertEqual([(e.row, e.column) for e in result.errors], [(2, "participant")])
        self.assertFalse(result.ok)


class QueryCountTests(ValidationCase):
    """Loading for validation takes the same number of queries for 2 visits as for 24."""

    def file_of(self, count: int) -> str:
        rows = []
        for n in range(count):
            participant = make_participant(self.cast.riverside, given_name=f"P{n}")
            make_referral(
                participant, self.cast.discharge, self.cast.riverside, self.cast.river_coordinator
            )
            worker = self.cleared(f"RIV-Q{count}-{n}")
            rows.append(v(f"RQ-{count}-{n}", participant.code, workers=worker.staff_id))
        return rota(*rows)

    def queries(self, data: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            result = validation.validate_file(self.scheduler, data)
        self.assertEqual(result.errors, [])
        return len(captured)

    def test_validation_queries_do_not_grow_with_the_visits(self) -> None:
        small, large = self.file_of(2), self.file_of(24)
        self.queries(small)  # first use: caches of the framework and the like
        self.assertEqual(self.queries(small), self.queries(large))

    def test_loading_stored_visits_does_not_grow_with_the_visits(self) -> None:
        def count(n: int) -> int:
            for i in range(n):
                worker = self.cleared(f"RIV-S{n}-{i}")
                make_visit(
                    self.ada,
                    self.cast.discharge,
                    [self.prompt],
                    at(MONDAY, 8 + i % 10),
                    workers=[worker],
                )
            visits = Visit.objects.filter(assignments__worker__staff_id__startswith=f"RIV-S{n}-")
            with CaptureQueriesContext(connection) as captured:
                gate = loading.load(loading.stored_visits(visits))
                answers = list(gate.check_all())
            self.assertEqual(len(answers), n)
            return len(captured)

        count(1)
        self.assertEqual(count(3), count(30))


class CommandTests(ValidationCase):
    def run_command(self, *args: str) -> tuple[int, str]:
        out = StringIO()
        try:
            call_command("rota", *args, stdout=out, stderr=StringIO())
        except CommandError as exc:
            return exc.returncode, out.getvalue()
        return 0, out.getvalue()

    def write(self, folder: str, data: str) -> str:
        path = Path(folder) / "rota.csv"
        path.write_text(data, encoding="utf-8")
        return str(path)

    def test_validate_exits_0_when_clean_and_1_with_violations(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            clean = self.write(folder, rota(v("RV-1", self.ada.code)))
            self.assertEqual(self.run_command("validate", clean, "--format", "json"), (0, "[]\n"))
            bad = self.write(folder, rota(v("RV-1", self.ada.code, workers="RIV-BARE")))
            status, out = self.run_command("validate", bad, "--format", "json")
            self.assertEqual(status, 1)
            self.assertEqual(
                [(f["visit"], f["worker"], f["rule"]) for f in json.loads(out)],
                [("riverside/RV-1", "riverside/RIV-BARE", "G2")],
            )
            status, out = self.run_command("validate", bad, "--format", "csv")
            self.assertEqual(status, 1)
            self.assertTrue(out.startswith("visit,worker,rule,message,organisation,start"))
            status, out = self.run_command("validate", bad)
            self.assertIn("riverside/RV-1 riverside/RIV-BARE G2:", out)
            self.assertIn("1 violation in 1 assignment of 1 visit.", out)

    def test_validate_a_stored_week(self) -> None:
        week = rules.week_of(MONDAY)
        self.assertEqual(
            self.run_command("validate", "--week", week),
            (0, "0 violations in 0 assignments of 0 visits.\n"),
        )
        make_visit(self.ada, self.cast.discharge, [self.prompt], at(MONDAY, 9), workers=[self.amy])
        bare = make_visit(
            self.ada, self.cast.discharge, [self.prompt], at(MONDAY, 11), workers=[self.bare]
        )
        status, out = self.run_command("validate", "--week", week.lower(), "--format", "json")
        self.assertEqual(status, 1)
        self.assertEqual(
            [(f["visit"], f["worker"], f["rule"]) for f in json.loads(out)],
            [(bare.code, "riverside/RIV-BARE", "G2")],
        )
        status, out = self.run_command("validate", "--week", week)
        self.assertIn("1 violation in 2 assignments of 2 visits.", out)
        # Each validation is a read in the audit log, naming the week and what it found.
        entry = AuditEntry.objects.filter(action="rota.week.validated").latest("seq")
        self.assertEqual((entry.kind, entry.object_id), ("read", week))
        self.assertEqual(entry.changes, {"visits": 2, "assignments": 2, "violations": 1})
        self.assertEqual(AuditEntry.objects.filter(action="rota.week.validated").count(), 3)
        # The week after holds nothing.
        later = rules.week_of(MONDAY + timedelta(days=7))
        self.assertEqual(self.run_command("validate", "--week", later)[0], 0)

    def test_validate_needs_a_file_or_a_week_and_a_real_week(self) -> None:
        for args, says in (
            ((), "Name a rota file to validate, or give --week"),
            (("rota.csv", "--week", "2026-W47"), "(not both)"),
            (("--week", "2026-47"), "Write the week as YYYY-Www"),
        ):
            with self.subTest(args=args), self.assertRaises(CommandError) as raised:
                call_command("rota", "validate", *args, stdout=StringIO())
            self.assertIn(says, str(raised.exception))

    def test_check_exits_0_when_allowed_and_1_when_blocked(self) -> None:
        visit = make_visit(
            self.ada, self.cast.discharge, [self.prompt], at(MONDAY, 9), workers=[self.amy]
        )
        status, out = self.run_command(
            "check", "--worker", "riverside/RIV-AMY", "--visit", visit.code
        )
        self.assertEqual(status, 0)
        self.assertIn("may do", out)
        status, out = self.run_command(
            "check", "--worker", "riverside/RIV-BARE", "--visit", visit.code, "--format", "json"
        )
        self.assertEqual(status, 1)
        answer = json.loads(out)
        self.assertFalse(answer["allowed"])
        self.assertEqual([v["rule"] for v in answer["violations"]], ["G2"])

    def test_check_as_a_person_sees_only_their_visits(self) -> None:
        visit = make_visit(
            self.ada, self.cast.discharge, [self.prompt], at(MONDAY, 9), workers=[self.amy]
        )
        with self.assertRaises(CommandError) as raised:
            call_command(
                "rota", "check", "--worker", "swiftstaff/SW-SAM", "--visit", visit.code,
                "--as", "swift_admin", stdout=StringIO(),
            )  # fmt: skip
        self.assertIn("No such visit or worker", str(raised.exception))


class WeekHalvesMergedTests(SimpleTestCase):
    """`validation.merged` puts a week's two halves of violations back in order: by start,
    code and position, each half's own order kept, overridden ones apart."""

    def test_two_halves_interleave_by_start_code_and_position(self) -> None:
        monday = validation.EPOCH + timedelta(days=20605)
        micros = (monday - validation.EPOCH) // validation.MICROSECOND
        later = micros + 3_600_000_000

        def half(*rows: tuple[int, str, int, str, str | None]) -> validation.WeekHalf:
            """Columns of (start, code, position, rule, override) rows."""
            columns: validation.WeekHalf = ([], [], [], [], [], [], [], [])
            for when, code, position, rule, uid in rows:
                columns[0].append(when)
                columns[1].append(code)
                columns[2].append(position)
                columns[3].append("riverside")
                columns[4].append(f"riverside/W{position}")
                columns[5].append(rule)
                columns[6].append(rule)
                columns[7].append(uid)
            return columns

        mine = half(
            (micros, "V-2", 0, "G2", None),
            (micros, "V-2", 0, "G5", None),
            (later, "V-1", 1, "G8", "override-1"),
            (later + 1, "V-0", 0, "G7", None),
        )
        theirs = half(
            (micros, "V-1", 0, "G1", None),
            (micros, "V-2", 1, "G6", None),
            (later, "V-1", 0, "G10", None),
            (later, "V-3", 0, "G9", None),
        )
        findings, overridden = validation.merged(mine, validation.place(mine, None), theirs, None)
        self.assertEqual(
            [(f.visit, f.worker, f.rule) for f in findings],
            [
                ("V-1", "riverside/W0", "G1"),
                ("V-2", "riverside/W0", "G2"),
                ("V-2", "riverside/W0", "G5"),
                ("V-2", "riverside/W1", "G6"),
                ("V-1", "riverside/W0", "G10"),
                ("V-3", "riverside/W0", "G9"),
                ("V-0", "riverside/W0", "G7"),
            ],
        )
        self.assertEqual(findings[0].start, monday)
        self.assertEqual(findings[-2].start, monday + timedelta(hours=1))
        self.assertEqual(
            [(f.visit, f.rule, uid) for f, uid in overridden], [("V-1", "G8", "override-1")]
        )
        # Only the visits a person may see, from both halves.
        seen, _ = validation.merged(mine, validation.place(mine, {"V-1"}), theirs, {"V-1"})
        self.assertEqual([(f.visit, f.rule) for f in seen], [("V-1", "G1"), ("V-1", "G10")])
        # One half alone (one process).
        alone, _ = validation.merged(validation.no_half(), [], theirs, None)
        self.assertEqual([f.rule for f in alone], ["G1", "G6", "G10", "G9"])
