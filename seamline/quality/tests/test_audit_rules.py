"""The pure rules of the audit tools: the score (weights, partial, not applicable out of the
denominator), answers, criteria, the stratified seeded sample, and corrective-action stages."""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.test import SimpleTestCase

from seamline.handoffs import scoring
from seamline.quality import rules
from seamline.quality.builtin import BUILTINS, HANDOFF_AUDIT
from seamline.quality.rules import Criterion

THREE = [Criterion("a", "A", "", 3), Criterion("b", "B", "", 1), Criterion("c", "C", "", 1)]


class ScoreTests(SimpleTestCase):
    def test_table(self) -> None:
        table = [
            ({"a": "yes", "b": "yes", "c": "yes"}, 100.0),
            ({"a": "no", "b": "no", "c": "no"}, 0.0),
            # The weight counts: a (3 of 5) met is 60%, b alone 20%.
            ({"a": "yes", "b": "no", "c": "no"}, 60.0),
            ({"a": "no", "b": "yes", "c": "no"}, 20.0),
            # Partial is half the weight.
            ({"a": "partial", "b": "yes", "c": "yes"}, 70.0),
            # Not applicable leaves the denominator: b and c only, one of two met.
            ({"a": "not_applicable", "b": "yes", "c": "no"}, 50.0),
            # ... where "no" would have counted against it.
            ({"a": "no", "b": "yes", "c": "no"}, 20.0),
            ({"a": "not_applicable", "b": "not_applicable", "c": "not_applicable"}, None),
            ({"a": "yes", "b": "partial", "c": "no"}, 70.0),
        ]
        for answers, expected in table:
            with self.subTest(answers=answers):
                self.assertEqual(rules.score(THREE, answers), expected)

    def test_one_decimal(self) -> None:
        self.assertEqual(rules.score(THREE, {"a": "no", "b": "yes", "c": "partial"}), 30.0)
        self.assertEqual(
            rules.score(
                [Criterion("a", "A", "", 2), Criterion("b", "B", "", 1)],
                {"a": "yes", "b": "no"},
            ),
            66.7,
        )

    def test_the_handoff_template_scores_as_the_handoffs_tool(self) -> None:
        criteria = list(HANDOFF_AUDIT.criteria)
        codes = [c.code for c in criteria]
        self.assertEqual(codes, list(scoring.CRITERION_CODES))
        patterns = [
            ("yes", "partial", "no", "not_applicable", "yes"),
            ("no", "no", "yes", "yes", "partial"),
            ("not_applicable",) * 4 + ("no",),
        ]
        for pattern in patterns:
            answers = dict(zip(codes, pattern, strict=True))
            ours = rules.score(criteria, answers)
            theirs = scoring.audit_score(answers)
            self.assertEqual(None if ours is None else round(ours), theirs)

    def test_below_the_pass_mark(self) -> None:
        self.assertTrue(rules.below_pass_mark(79.9, 80))
        self.assertFalse(rules.below_pass_mark(80.0, 80))
        self.assertFalse(rules.below_pass_mark(None, 80))

    def test_mean_leaves_out_unscored(self) -> None:
        self.assertEqual(rules.mean([50.0, None, 100.0]), 75.0)
        self.assertIsNone(rules.mean([None]))


class AnswerAndCriteriaTests(SimpleTestCase):
    def test_every_criterion_answered_from_the_list(self) -> None:
        reasons = rules.answer_reasons(THREE, {"a": "yes", "b": "maybe", "z": "yes"})
        self.assertEqual(
            sorted((r.code, r.field) for r in reasons),
            [("invalid_answer", "b"), ("required", "c"), ("unknown_criterion", "z")],
        )
        self.assertEqual(rules.answer_reasons(THREE, {"a": "yes", "b": "no", "c": "partial"}), [])

    def test_criteria(self) -> None:
        bad = [
            {"code": "ok", "title": "Fine", "weight": 2},
            {"code": "ok", "title": "Again", "weight": 2},
            {"code": "Bad Code", "title": "", "weight": 0},
        ]
        codes = sorted(r.code for r in rules.criteria_reasons(bad, 120))
        self.assertEqual(
            codes,
            [
                "duplicate_code",
                "invalid_code",
                "invalid_pass_mark",
                "invalid_weight",
                "title_required",
            ],
        )
        self.assertEqual(
            rules.criteria_reasons([{"code": "ok", "title": "T", "weight": 1}], 80), []
        )

    def test_the_builtins_are_valid(self) -> None:
        self.assertEqual(
            [b.code for b in BUILTINS],
            [
                "handoff-audit",
                "documentation-spot-check",
                "urgent-visit-review",
                "safeguarding-case-sample",
            ],
        )
        for b in BUILTINS:
            with self.subTest(b.code):
                self.assertEqual(
                    rules.criteria_reasons([c.as_dict() for c in b.criteria], b.pass_mark), []
                )


def population(per_stratum: dict[str, int]) -> list[tuple[str, str]]:
    return [(f"{s}-{i:03d}", s) for s, n in per_stratum.items() for i in range(n)]


class SampleTests(SimpleTestCase):
    POP = population({"discharge": 40, "crisis": 15, "housing": 5})

    def test_the_same_seed_draws_the_same_sample(self) -> None:
        first = rules.draw_sample(1234, self.POP, 12)
        # ... whatever order the records come in.
        again = rules.draw_sample(1234, list(reversed(self.POP)), 12)
        self.assertEqual(first, again)
        self.assertEqual(len(first), 12)

    def test_another_seed_draws_another(self) -> None:
        self.assertNotEqual(
            rules.draw_sample(1234, self.POP, 12), rules.draw_sample(1235, self.POP, 12)
        )

    def test_stratified_by_pathway_in_proportion(self) -> None:
        counts = Counter(s for _, s in rules.draw_sample(7, self.POP, 12))
        # In proportion to the records (40:15:5 of 60).
        self.assertEqual(counts, {"discharge": 8, "crisis": 3, "housing": 1})
        self.assertEqual(sum(rules.allocate({"a": 1, "b": 1, "c": 8}, 2).values()), 2)

    def test_allocate(self) -> None:
        table = [
            ({"a": 10, "b": 10}, 4, {"a": 2, "b": 2}),
            ({"a": 30, "b": 10}, 4, {"a": 3, "b": 1}),
            ({"a": 2, "b": 1}, 10, {"a": 2, "b": 1}),  # everyone
            ({"a": 1, "b": 50}, 5, {"a": 1, "b": 4}),  # a small pathway is still seen
            ({"a": 4, "b": 2}, 4, {"a": 3, "b": 1}),
            ({"a": 5, "b": 5, "c": 5}, 2, {"a": 1, "b": 1, "c": 0}),  # ties: code order
            ({"a": 0, "b": 3}, 2, {"b": 2}),
        ]
        for sizes, n, expected in table:
            with self.subTest(sizes=sizes, n=n):
                self.assertEqual(rules.allocate(sizes, n), expected)

    def test_a_sample_never_repeats_a_record(self) -> None:
        drawn = rules.draw_sample(99, self.POP, 30)
        self.assertEqual(len(drawn), len(set(drawn)))

    def test_digest_ignores_order(self) -> None:
        self.assertEqual(rules.digest(self.POP), rules.digest(list(reversed(self.POP))))
        self.assertNotEqual(rules.digest(self.POP), rules.digest(self.POP[1:]))

    def test_sample_reasons(self) -> None:
        codes = [r.code for r in rules.sample_reasons(0, date(2026, 2, 1), date(2026, 1, 1))]
        self.assertEqual(codes, ["invalid_size", "period_order"])
        self.assertEqual(rules.sample_reasons(5, date(2026, 1, 1), date(2026, 1, 31)), [])


class StageTests(SimpleTestCase):
    def test_moves(self) -> None:
        table = [
            ("not_started", "in_progress", "Started", []),
            ("in_progress", "completed", "Done", []),
            ("not_started", "completed", "Done", ["start_first"]),
            ("in_progress", "not_started", "Back", ["no_going_back"]),
            ("in_progress", "in_progress", "Again", ["no_going_back"]),
            ("completed", "in_progress", "Reopen", ["completed_locked"]),
            ("not_started", "in_progress", " ", ["evidence_required"]),
        ]
        for current, wanted, evidence, expected in table:
            with self.subTest(current=current, wanted=wanted):
                got = [r.code for r in rules.move_reasons(current, wanted, evidence)]
                self.assertEqual(got, expected)

    def test_overdue(self) -> None:
        today = date(2026, 11, 23)
        self.assertTrue(rules.is_overdue("in_progress", date(2026, 11, 22), today))
        self.assertFalse(rules.is_overdue("in_progress", today, today))
        self.assertFalse(rules.is_overdue("completed", date(2026, 11, 1), today))
