"""The difference between two snapshots, entry by entry and field by field."""

from __future__ import annotations

from django.test import SimpleTestCase

from seamline.competency.diff import FieldChange, diff_snapshots

BEFORE = {
    "competencies": [
        {
            "code": "crisis",
            "title": "Crisis",
            "review_interval_months": 12,
            "stages": {"induction": ["module"]},
        },
        {"code": "old", "title": "Old", "review_interval_months": 36, "stages": {}},
    ],
    "task_types": [
        {
            "code": "visit",
            "title": "Visit",
            "risk_tier": 2,
            "requirements": [{"competency": "crisis", "min_stage": "supervised"}],
        }
    ],
}
AFTER = {
    "competencies": [
        {
            "code": "crisis",
            "title": "Crisis",
            "review_interval_months": 6,
            "stages": {"induction": ["module"], "independent": ["observed_practice"]},
        },
        {"code": "new", "title": "New", "review_interval_months": 12, "stages": {}},
    ],
    "task_types": [
        {
            "code": "visit",
            "title": "Visit",
            "risk_tier": 3,
            "requirements": [
                {"competency": "crisis", "min_stage": "independent"},
                {"competency": "new", "min_stage": "induction"},
            ],
        }
    ],
}


class DiffTests(SimpleTestCase):
    def test_added_removed_and_changed_entries(self) -> None:
        d = diff_snapshots(BEFORE, AFTER)
        self.assertEqual([e["code"] for e in d.competencies.added], ["new"])
        self.assertEqual([e["code"] for e in d.competencies.removed], ["old"])
        self.assertEqual([c.code for c in d.competencies.changed], ["crisis"])
        self.assertFalse(d.empty)

    def test_competency_fields_and_stages_are_compared_one_by_one(self) -> None:
        change = diff_snapshots(BEFORE, AFTER).competencies.changed[0]
        self.assertEqual(
            change.changes,
            (
                FieldChange("review_interval_months", 12, 6),
                FieldChange("stages.independent", None, ["observed_practice"]),
            ),
        )

    def test_task_requirements_are_compared_per_competency(self) -> None:
        change = diff_snapshots(BEFORE, AFTER).task_types.changed[0]
        self.assertEqual(
            change.changes,
            (
                FieldChange("requirements.crisis", "supervised", "independent"),
                FieldChange("requirements.new", None, "induction"),
                FieldChange("risk_tier", 2, 3),
            ),
        )

    def test_same_snapshot_is_empty(self) -> None:
        d = diff_snapshots(AFTER, AFTER)
        self.assertTrue(d.empty)
        self.assertEqual(d.summary(), "No change.")

    def test_summary_names_what_changed(self) -> None:
        self.assertEqual(
            diff_snapshots(BEFORE, AFTER).summary(),
            "Added competencies new; removed competencies old; changed competencies crisis "
            "(review_interval_months, stages.independent); changed task types visit "
            "(requirements.crisis, requirements.new, risk_tier).",
        )

    def test_reversed_diff_swaps_added_and_removed(self) -> None:
        d = diff_snapshots(AFTER, BEFORE)
        self.assertEqual([e["code"] for e in d.competencies.added], ["old"])
        self.assertEqual([e["code"] for e in d.competencies.removed], ["new"])
