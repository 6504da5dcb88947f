"""The framework API: reads for every member, imports all or nothing, partner catalogues."""

from __future__ import annotations

import copy
from typing import Any

from seamline.competency import actions
from seamline.competency.defaults import DEFAULT_FRAMEWORK
from seamline.competency.framework import snapshot
from seamline.competency.models import Competency, FrameworkVersion, ModuleMapping
from seamline.network.tests.api_support import ApiTestCase


def _body(data: Any, reason: str = "Adopting", **extra: Any) -> dict[str, Any]:
    return {**copy.deepcopy(data), "reason": reason, **extra}


class FrameworkApiTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        quality = cls.cast.actor(cls.cast.quality)
        actions.apply_framework(quality, DEFAULT_FRAMEWORK, "Start")
        actions.update_competency(
            quality,
            Competency.objects.get(code="medication_support"),
            {"review_interval_months": 6},
            reason="Medicine errors rose",
        )

    def test_current_framework_is_the_export_shape_with_its_version(self) -> None:
        response = self.get("commissioner", "/api/framework")
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(data["version"], 2)
        self.assertEqual(data["competencies"], snapshot()["competencies"])
        self.assertEqual(data["task_types"], snapshot()["task_types"])

    def test_versions_and_one_version(self) -> None:
        listed = self.get("river_worker", "/api/framework/versions").json()
        self.assertEqual([v["number"] for v in listed], [2, 1])
        self.assertEqual(listed[0]["created_by"], "quality")
        self.assertEqual(listed[0]["reason"], "Medicine errors rose")
        one = self.get("river_worker", "/api/framework/versions/1").json()
        meds = next(c for c in one["snapshot"]["competencies"] if c["code"] == "medication_support")
        self.assertEqual(meds["review_interval_months"], 12)
        self.assertEqual(self.get("river_worker", "/api/framework/versions/9").status_code, 404)

    def test_diff_between_versions(self) -> None:
        response = self.get("river_worker", "/api/framework/diff", **{"from": 1, "to": 2})
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual((data["from_version"], data["to_version"], data["empty"]), (1, 2, False))
        self.assertEqual(
            data["competencies"]["changed"],
            [
                {
                    "code": "medication_support",
                    "changes": [{"field": "review_interval_months", "before": 12, "after": 6}],
                }
            ],
        )
        self.assertEqual(self.get("river_worker", "/api/framework/diff", to=2).status_code, 422)

    def test_import_writes_one_version_and_twice_changes_nothing(self) -> None:
        body = _body(DEFAULT_FRAMEWORK, "Back to the default")
        first = self.post("quality", "/api/framework/import", body)
        self.assertEqual(first.status_code, 200, first.content)
        self.assertEqual((first.json()["changed"], first.json()["version"]), (True, 3))
        second = self.post("quality", "/api/framework/import", body).json()
        self.assertEqual((second["changed"], second["version"]), (False, None))
        self.assertEqual(FrameworkVersion.objects.count(), 3)

    def test_the_current_framework_can_be_sent_back_as_is(self) -> None:
        current = self.get("quality", "/api/framework").json()
        response = self.post("quality", "/api/framework/import", _body(current, "Same again"))
        self.assertEqual(response.status_code, 200, response.content)
        self.assertFalse(response.json()["changed"])

    def test_import_dry_run_writes_nothing(self) -> None:
        data = self.post(
            "net_admin", "/api/framework/import", _body(DEFAULT_FRAMEWORK, dry_run=True)
        ).json()
        self.assertEqual((data["changed"], data["dry_run"], data["version"]), (True, True, None))
        self.assertEqual(
            Competency.objects.get(code="medication_support").review_interval_months, 6
        )

    def test_import_errors_name_the_entry_and_field_and_write_nothing(self) -> None:
        bad = copy.deepcopy(DEFAULT_FRAMEWORK)
        next(t for t in bad["task_types"] if t["code"] == "welfare_check")["risk_tier"] = 7
        response = self.post("quality", "/api/framework/import", _body(bad))
        self.assertEqual(response.status_code, 422)
        self.assertEqual(
            [(r["code"], r["field"]) for r in response.json()["reasons"]],
            [("invalid_risk_tier", "task_types[welfare_check].risk_tier")],
        )
        self.assertEqual(FrameworkVersion.objects.count(), 2)

    def test_import_is_refused_to_partners_and_read_only_access(self) -> None:
        for who in ("river_admin", "inspector", "commissioner"):
            with self.subTest(who=who):
                response = self.post(who, "/api/framework/import", _body(DEFAULT_FRAMEWORK))
                self.assertEqual(response.status_code, 403)
        self.assertEqual(FrameworkVersion.objects.count(), 2)


class CatalogueApiTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        actions.apply_framework(cls.cast.actor(cls.cast.quality), DEFAULT_FRAMEWORK, "Start")

    def test_partner_admin_adds_a_module_maps_it_and_removes_the_mapping(self) -> None:
        url = "/api/framework/partners/riverside/modules"
        made = self.post("river_admin", url, {"code": "RHS-SG-2", "title": "Reporting abuse"})
        self.assertEqual(made.status_code, 201, made.content)
        mapped = self.post(
            "river_admin",
            f"{url}/RHS-SG-2/mappings",
            {"competency": "safeguarding", "kind": "exact"},
        )
        self.assertEqual(mapped.status_code, 201, mapped.content)
        listed = self.get("swift_worker", url).json()
        self.assertEqual(
            listed,
            [
                {
                    "organisation": "riverside",
                    "code": "RHS-SG-2",
                    "title": "Reporting abuse",
                    "refresher_months": None,
                    "mappings": [{"competency": "safeguarding", "kind": "exact"}],
                }
            ],
        )
        coverage = self.get("commissioner", "/api/framework/coverage").json()
        riverside = next(r for r in coverage if r["organisation"] == "riverside")
        self.assertEqual(riverside["covered"], ["safeguarding"])
        self.assertNotIn("safeguarding", riverside["critical_gaps"])
        self.assertIn("medication_support", riverside["critical_gaps"])
        removed = self.send("delete", "river_admin", f"{url}/RHS-SG-2/mappings/safeguarding")
        self.assertEqual(removed.status_code, 200)
        self.assertEqual(ModuleMapping.objects.count(), 0)

    def test_unknown_competency_and_other_partners(self) -> None:
        url = "/api/framework/partners/riverside/modules"
        self.post("river_admin", url, {"code": "RHS-1", "title": "One"})
        unknown = self.post(
            "river_admin", f"{url}/RHS-1/mappings", {"competency": "juggling", "kind": "exact"}
        )
        self.assertEqual(unknown.status_code, 422)
        self.assertEqual(unknown.json()["reasons"][0]["field"], "competency")
        refused = self.post("swift_admin", url, {"code": "X", "title": "X"})
        self.assertEqual(refused.status_code, 403)
        missing = self.send("delete", "river_admin", f"{url}/NOPE/mappings/safeguarding")
        self.assertEqual(missing.status_code, 404)
