"""The common scoring tool and its seeded sample, as tables."""

from __future__ import annotations

from django.test import SimpleTestCase

from seamline.handoffs import scoring

ALL_YES = {c.code: "yes" for c in scoring.CRITERIA}


class ScoreTests(SimpleTestCase):
    def test_weighted_share_of_applicable_criteria(self) -> None:
        # Weights: severity 2, summary 2, actions 2, awareness 2, synthesis 1 (total 9).
        table = [
            (ALL_YES, 100),
            ({**ALL_YES, "synthesis": "no"}, 89),  # 8 of 9
            ({**ALL_YES, "action_list": "partial"}, 89),  # 8 of 9
            ({**ALL_YES, "action_list": "no", "summary": "no"}, 56),  # 5 of 9
            ({**ALL_YES, "synthesis": "not_applicable"}, 100),  # 8 of 8
            (dict.fromkeys(ALL_YES, "no"), 0),
            (dict.fromkeys(ALL_YES, "not_applicable"), None),
            ({**ALL_YES, "illness_severity": "partial", "synthesis": "not_applicable"}, 88),
        ]
        for ratings, expected in table:
            with self.subTest(ratings=ratings):
                self.assertEqual(scoring.audit_score(ratings), expected)

    def test_every_criterion_must_be_rated(self) -> None:
        self.assertEqual(scoring.rating_reasons(ALL_YES), [])
        missing = {k: v for k, v in ALL_YES.items() if k != "summary"}
        self.assertEqual(
            [(r.code, r.field) for r in scoring.rating_reasons(missing)], [("required", "summary")]
        )
        wrong = {**ALL_YES, "summary": "maybe", "charm": "yes"}
        self.assertEqual(
            sorted((r.code, r.field) for r in scoring.rating_reasons(wrong)),
            [("invalid_value", "charm"), ("invalid_value", "summary")],
        )


class SampleTests(SimpleTestCase):
    CODES = [f"H-2026-{n:06d}" for n in range(1, 41)]

    def test_the_same_seed_draws_the_same_sample_whatever_the_order(self) -> None:
        first = scoring.draw(1234, self.CODES, 8)
        again = scoring.draw(1234, list(reversed(self.CODES)), 8)
        self.assertEqual(first, again)
        self.assertEqual(len(set(first)), 8)
        self.assertTrue(set(first) <= set(self.CODES))

    def test_another_seed_draws_another_sample(self) -> None:
        self.assertNotEqual(scoring.draw(1, self.CODES, 8), scoring.draw(2, self.CODES, 8))

    def test_a_sample_larger_than_the_pool_takes_everything(self) -> None:
        self.assertEqual(scoring.draw(7, ["H-2", "H-1", "H-1"], 5), ["H-1", "H-2"])
