"""The framework's shape rules: each bad field is named with its entry."""

from __future__ import annotations

import copy
from typing import Any

from django.test import SimpleTestCase

from seamline.competency.defaults import DEFAULT_FRAMEWORK
from seamline.competency.rules import framework_reasons, normalise


def _base() -> dict[str, Any]:
    return {
        "competencies": [
            {
                "code": "safeguarding",
                "title": "Safeguarding practice",
                "domain": "safeguarding",
                "stages": {"induction": ["module"], "independent": ["observed_practice"]},
                "review_interval_months": 12,
            }
        ],
        "task_types": [
            {
                "code": "welfare_check",
                "title": "Welfare check",
                "risk_tier": 1,
                "requirements": [{"competency": "safeguarding", "min_stage": "induction"}],
            }
        ],
    }


def _broken(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = _base()
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


class FrameworkReasonTests(SimpleTestCase):
    def test_the_default_framework_is_valid(self) -> None:
        self.assertEqual(framework_reasons(DEFAULT_FRAMEWORK), [])

    def test_the_base_is_valid(self) -> None:
        self.assertEqual(framework_reasons(_base()), [])

    def test_each_problem_names_its_entry_and_field(self) -> None:
        table = [
            (
                ("competencies", 0, "code"),
                "Safe Guarding",
                "invalid_code",
                "competencies[Safe Guarding].code",
            ),
            (
                ("competencies", 0, "title"),
                "",
                "title_required",
                "competencies[safeguarding].title",
            ),
            (
                ("competencies", 0, "domain"),
                "gardening",
                "invalid_domain",
                "competencies[safeguarding].domain",
            ),
            (
                ("competencies", 0, "review_interval_months"),
                61,
                "invalid_review_interval",
                "competencies[safeguarding].review_interval_months",
            ),
            (
                ("competencies", 0, "review_interval_months"),
                0,
                "invalid_review_interval",
                "competencies[safeguarding].review_interval_months",
            ),
            (
                ("competencies", 0, "stages"),
                {"expert": ["module"]},
                "invalid_stage",
                "competencies[safeguarding].stages.expert",
            ),
            (
                ("competencies", 0, "stages"),
                {"induction": ["hearsay"]},
                "invalid_evidence_kind",
                "competencies[safeguarding].stages.induction",
            ),
            (
                ("competencies", 0, "supervision_frequency_days"),
                0,
                "invalid_supervision_frequency",
                "competencies[safeguarding].supervision_frequency_days",
            ),
            (
                ("task_types", 0, "risk_tier"),
                5,
                "invalid_risk_tier",
                "task_types[welfare_check].risk_tier",
            ),
            (
                ("task_types", 0, "risk_tier"),
                0,
                "invalid_risk_tier",
                "task_types[welfare_check].risk_tier",
            ),
            (
                ("task_types", 0, "requirements", 0, "competency"),
                "juggling",
                "unknown_competency",
                "task_types[welfare_check].requirements[0].competency",
            ),
            (
                ("task_types", 0, "requirements", 0, "min_stage"),
                "expert",
                "invalid_stage",
                "task_types[welfare_check].requirements[0].min_stage",
            ),
            (
                ("task_types", 0, "delegated"),
                "yes",
                "invalid_flag",
                "task_types[welfare_check].delegated",
            ),
        ]
        for path, value, code, field in table:
            with self.subTest(field=field, value=value):
                reasons = framework_reasons(_broken(path, value))
                # The first reason is the field's own (a bad code also leaves the
                # requirement that names it pointing at nothing).
                self.assertEqual((reasons[0].code, reasons[0].field), (code, field))
                self.assertLessEqual(len(reasons), 2)

    def test_an_unknown_field_is_refused_not_dropped(self) -> None:
        data = _base()
        data["competencies"][0]["review_interval_month"] = 6
        reasons = framework_reasons(data)
        self.assertEqual(
            [(r.code, r.field) for r in reasons],
            [("unknown_field", "competencies[safeguarding].review_interval_month")],
        )

    def test_a_code_given_twice_is_refused(self) -> None:
        data = _base()
        data["competencies"].append(copy.deepcopy(data["competencies"][0]))
        reasons = framework_reasons(data)
        self.assertEqual(
            [(r.code, r.field) for r in reasons],
            [("duplicate_code", "competencies[safeguarding].code")],
        )

    def test_an_entry_without_a_code_is_named_by_position(self) -> None:
        data = _base()
        del data["task_types"][0]["code"]
        reasons = framework_reasons(data)
        self.assertEqual(
            [(r.code, r.field) for r in reasons], [("code_required", "task_types[0].code")]
        )

    def test_missing_lists_are_named(self) -> None:
        reasons = framework_reasons({"competencies": {}})
        self.assertEqual([r.field for r in reasons], ["competencies", "task_types"])


class NormaliseTests(SimpleTestCase):
    def test_defaults_fill_optional_fields_and_order_is_by_code(self) -> None:
        data = _base()
        data["competencies"].insert(0, {"code": "zeta", "title": "Zeta", "domain": "communication"})
        out = normalise(data)
        self.assertEqual([c["code"] for c in out["competencies"]], ["safeguarding", "zeta"])
        zeta = out["competencies"][1]
        self.assertEqual(zeta["review_interval_months"], 12)
        self.assertEqual(zeta["supervision_frequency_days"], 28)
        self.assertIs(zeta["network_critical"], False)
        self.assertEqual(out["task_types"][0]["delegated"], False)
