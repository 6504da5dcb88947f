"""`seamline framework load-default | export | import | versions`."""

from __future__ import annotations

import copy
import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError

from seamline.competency.defaults import DEFAULT_FRAMEWORK
from seamline.competency.framework import snapshot
from seamline.competency.management.commands.framework import CSV_COLUMNS
from seamline.competency.models import Competency, FrameworkVersion
from seamline.testing import CastTestCase


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("framework", *args, stdout=out)
    return out.getvalue()


class FrameworkCommandTests(CastTestCase):
    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp())

    def _write(self, data: Any, name: str = "framework.json") -> str:
        path = self.tmp / name
        path.write_text(json.dumps(data), encoding="utf-8")
        return str(path)

    def test_load_default_twice_writes_one_version(self) -> None:
        first = run("load-default")
        second = run("load-default")
        self.assertIn("Framework version 1", first)
        self.assertIn("nothing changed", second)
        self.assertEqual(FrameworkVersion.objects.count(), 1)

    def test_load_default_as_a_person_records_them(self) -> None:
        run("load-default", "--as", "quality")
        self.assertEqual(FrameworkVersion.objects.get().created_by, self.cast.quality)

    def test_load_default_as_someone_not_entitled_is_refused(self) -> None:
        with self.assertRaises(CommandError) as caught:
            run("load-default", "--as", "river_admin")
        self.assertIn("Nothing was changed", str(caught.exception))
        self.assertEqual(FrameworkVersion.objects.count(), 0)

    def test_export_json_has_the_documented_shape(self) -> None:
        run("load-default")
        data = json.loads(run("export", "--format", "json"))
        comp = next(c for c in data["competencies"] if c["code"] == "medication_support")
        for key in (
            "code",
            "title",
            "domain",
            "network_critical",
            "review_interval_months",
            "pathway_specific",
            "stages",
        ):
            self.assertIn(key, comp)
        task = next(t for t in data["task_types"] if t["code"] == "duty_lead")
        self.assertEqual(task["risk_tier"], 4)
        self.assertIn(
            {"competency": "crisis_response", "min_stage": "enhanced"}, task["requirements"]
        )

    def test_export_then_import_round_trips_without_change(self) -> None:
        run("load-default")
        path = str(self.tmp / "out.json")
        run("export", "--format", "json", "--output", path)
        out = run("import", path, "--reason", "Adopt the same")
        self.assertIn("nothing changed", out)
        self.assertEqual(FrameworkVersion.objects.count(), 1)

    def test_import_applies_a_changed_file_and_a_second_import_reverts_it(self) -> None:
        run("load-default")
        exported = snapshot()
        path = self._write(exported)
        changed = copy.deepcopy(exported)
        next(c for c in changed["competencies"] if c["code"] == "fire_safety")[
            "review_interval_months"
        ] = 12
        out = run(
            "import", self._write(changed, "changed.json"), "--reason", "Annual fire training"
        )
        self.assertIn("review_interval_months: 24 -> 12", out)
        self.assertEqual(Competency.objects.get(code="fire_safety").review_interval_months, 12)
        self.assertEqual(FrameworkVersion.objects.current().reason, "Annual fire training")  # type: ignore[union-attr]
        run("import", path, "--reason", "Back")
        self.assertEqual(Competency.objects.get(code="fire_safety").review_interval_months, 24)

    def test_import_errors_name_the_entry_and_field_and_write_nothing(self) -> None:
        run("load-default")
        bad = copy.deepcopy(DEFAULT_FRAMEWORK)
        next(c for c in bad["competencies"] if c["code"] == "fire_safety")[
            "review_interval_months"
        ] = 99
        next(t for t in bad["task_types"] if t["code"] == "duty_lead")["requirements"].append(
            {"competency": "juggling", "min_stage": "enhanced"}
        )
        bad["competencies"].append({"code": "new_one", "title": "New", "domain": "communication"})
        with self.assertRaises(CommandError) as caught:
            run("import", self._write(bad), "--reason", "Broken")
        message = str(caught.exception)
        self.assertIn("competencies[fire_safety].review_interval_months", message)
        self.assertIn("task_types[duty_lead].requirements[4].competency", message)
        self.assertFalse(Competency.objects.filter(code="new_one").exists())
        self.assertEqual(FrameworkVersion.objects.count(), 1)

    def test_import_dry_run_changes_nothing(self) -> None:
        out = run("import", self._write(DEFAULT_FRAMEWORK), "--reason", "Try", "--dry-run")
        self.assertIn("Dry run", out)
        self.assertIn("+ task type duty_lead", out)
        self.assertEqual(Competency.objects.count(), 0)

    def test_import_needs_a_reason_and_valid_json(self) -> None:
        path = self.tmp / "broken.json"
        path.write_text("{not json", encoding="utf-8")
        with self.assertRaises(CommandError) as caught:
            run("import", str(path), "--reason", "x")
        self.assertIn("not valid JSON", str(caught.exception))

    def test_export_csv_has_the_documented_columns(self) -> None:
        run("load-default")
        rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv"))))
        self.assertEqual(list(rows[0].keys()), CSV_COLUMNS)
        duty = [r for r in rows if r["row_type"] == "task_requirement" and r["code"] == "duty_lead"]
        self.assertEqual(
            sorted((r["competency"], r["min_stage"]) for r in duty),
            [
                ("crisis_response", "enhanced"),
                ("documentation_quality", "independent"),
                ("handoff_communication", "enhanced"),
                ("safeguarding", "enhanced"),
            ],
        )
        meds = [
            r for r in rows if r["row_type"] == "competency" and r["code"] == "medication_support"
        ]
        self.assertEqual(
            {r["stage"]: r["evidence_kinds"] for r in meds}["independent"],
            "observed_practice documentation_review assessment",
        )

    def test_versions_lists_each_version(self) -> None:
        run("load-default", "--as", "quality")
        out = run("versions")
        self.assertIn("quality", out)
        self.assertIn("Default framework", out)
        rows = json.loads(run("versions", "--format", "json"))
        self.assertEqual([r["number"] for r in rows], [1])
