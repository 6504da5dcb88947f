"""The pure rules of calibration: answers, bands, Fleiss' kappa, agreement, consensus, drift."""

from __future__ import annotations

from django.test import SimpleTestCase

from seamline.quality import rules
from seamline.quality.rules import Rating

# Fleiss (1971) as worked in the Wikipedia article "Fleiss' kappa": 10 subjects, 14 raters,
# 5 categories. P-bar = 0.378, P_e = 0.213, kappa = 0.210 (to three places).
PUBLISHED = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def as_items(table: list[list[int]]) -> list[dict[str, int]]:
    return [{str(j): n for j, n in enumerate(row) if n} for row in table]


class FleissKappaTests(SimpleTestCase):
    def test_published_example(self) -> None:
        items = as_items(PUBLISHED)
        self.assertAlmostEqual(rules.percent_agreement(items) or 0, 0.378, places=3)
        self.assertAlmostEqual(rules.fleiss_kappa(items) or 0, 0.210, places=3)

    def test_small_example_worked_by_hand(self) -> None:
        # Five vignettes, three raters each, categories A, B, C:
        #   1: A A A   sum n^2 = 9  P1 = (9 - 3) / (3 * 2) = 1
        #   2: A A B   sum n^2 = 5  P2 = (5 - 3) / 6       = 1/3
        #   3: B B C   sum n^2 = 5  P3                      = 1/3
        #   4: A B C   sum n^2 = 3  P4 = 0
        #   5: C C C                P5                      = 1
        # P-bar = (1 + 1/3 + 1/3 + 0 + 1) / 5 = 8/15
        # A: 6 of 15 ratings, B: 4, C: 5 -> P_e = (36 + 16 + 25) / 225 = 77/225
        # kappa = (8/15 - 77/225) / (1 - 77/225) = (120 - 77) / (225 - 77) = 43/148
        items = [{"A": 3}, {"A": 2, "B": 1}, {"B": 2, "C": 1}, {"A": 1, "B": 1, "C": 1}, {"C": 3}]
        self.assertAlmostEqual(rules.percent_agreement(items) or 0, 8 / 15)
        self.assertAlmostEqual(rules.fleiss_kappa(items) or 0, 43 / 148)

    def test_perfect_agreement_over_several_categories_is_one(self) -> None:
        items = [{"yes": 4}, {"no": 4}, {"yes": 4}]
        self.assertEqual(rules.fleiss_kappa(items), 1.0)
        self.assertEqual(rules.percent_agreement(items), 1.0)

    def test_one_category_only_leaves_kappa_undefined(self) -> None:
        # P_e = 1: chance alone would agree every time, so kappa says nothing (None, shown
        # "n/a"), while the raters did agree every time.
        items = [{"yes": 3}, {"yes": 3}]
        self.assertIsNone(rules.fleiss_kappa(items))
        self.assertEqual(rules.percent_agreement(items), 1.0)

    def test_unequal_raters_per_item(self) -> None:
        # {yes: 2}: P = 1; {yes: 2, no: 1}: P = 1/3; {no: 1}: one rating, left out.
        # p_yes = 4/5, p_no = 1/5 -> P_e = 17/25; P-bar = 2/3
        # kappa = (2/3 - 17/25) / (8/25) = (50 - 51) / 24 = -1/24
        items = [{"yes": 2}, {"yes": 2, "no": 1}, {"no": 1}]
        self.assertAlmostEqual(rules.fleiss_kappa(items) or 0, -1 / 24)
        self.assertAlmostEqual(rules.percent_agreement(items) or 0, 2 / 3)

    def test_nothing_to_compare(self) -> None:
        self.assertIsNone(rules.fleiss_kappa([]))
        self.assertIsNone(rules.fleiss_kappa([{"yes": 1}]))
        self.assertIsNone(rules.percent_agreement([{"yes": 1}]))

    def test_worse_than_chance_is_negative(self) -> None:
        self.assertLess(rules.fleiss_kappa([{"yes": 1, "no": 1}, {"yes": 1, "no": 1}]) or 0, 0)


class AnswerTests(SimpleTestCase):
    def test_answers_are_normalised_or_refused(self) -> None:
        cases = [
            ("escalate", "Yes", "yes", []),
            ("escalate", "n", "no", []),
            ("safeguarding", "TRUE", "yes", []),
            ("tier", "Same day", "same_day", []),
            ("tier", "review-24-72h", "review_24_72h", []),
            ("tier", "soon", "", ["unknown_answer"]),
            ("hours", "4.50", "4.5", []),
            ("hours", "-1", "", ["hours_range"]),
            ("hours", "9999", "", ["hours_range"]),
            ("hours", "nan", "", ["hours_range"]),
            ("hours", "few", "", ["not_a_number"]),
            ("mood", "good", "", ["unknown_question"]),
        ]
        for question, raw, value, codes in cases:
            with self.subTest(question=question, raw=raw):
                got, reasons = rules.parse_answer(question, raw)
                self.assertEqual(got, value)
                self.assertEqual([r.code for r in reasons], codes)

    def test_hours_fall_in_tier_bands(self) -> None:
        for hours, band in [
            (0, "immediate"),
            (1, "immediate"),
            (1.5, "same_day"),
            (24, "same_day"),
            (48, "review_24_72h"),
            (72, "review_24_72h"),
            (96, "later"),
        ]:
            with self.subTest(hours=hours):
                self.assertEqual(rules.hours_band(hours), band)
        self.assertEqual(rules.tier_for_hours(200), "review_24_72h")

    def test_round_and_guidance_reasons(self) -> None:
        self.assertEqual(rules.round_reasons("r1", "R", 1, 2), [])
        codes = [r.code for r in rules.round_reasons("Bad Code", "", 0, 1)]
        self.assertEqual(codes, ["bad_code", "title_required", "no_vignettes", "too_few_partners"])
        codes = [r.code for r in rules.guidance_reasons("", 9999, " ")]
        self.assertEqual(codes, ["condition_required", "hours_range", "reason_required"])
        codes = [r.code for r in rules.vignette_reasons("v1", "", "")]
        self.assertEqual(codes, ["title_required", "text_required"])


def ratings(rows: list[tuple[str, str, str]]) -> list[Rating]:
    return [Rating(v, p, f"{p}-{i}", a) for i, (v, p, a) in enumerate(rows)]


class ConsensusAndDriftTests(SimpleTestCase):
    def test_consensus_is_the_mode_and_none_on_a_tie(self) -> None:
        got = rules.consensus(
            "escalate",
            ratings(
                [
                    ("v1", "a", "yes"),
                    ("v1", "b", "yes"),
                    ("v1", "c", "no"),
                    ("v2", "a", "yes"),
                    ("v2", "b", "no"),
                ]
            ),
        )
        self.assertEqual(got, {"v1": "yes", "v2": None})

    def test_drift_counts_answers_off_the_consensus_and_which_way(self) -> None:
        rows = ratings(
            [
                ("v1", "a", "yes"),
                ("v1", "b", "yes"),
                ("v1", "c", "no"),
                ("v2", "a", "yes"),
                ("v2", "b", "yes"),
                ("v2", "c", "no"),
                ("v3", "a", "no"),
                ("v3", "b", "no"),
                ("v3", "c", "no"),
            ]
        )
        drift = rules.drift("escalate", rows)
        self.assertEqual(drift["a"]["disagreement"], 0.0)
        self.assertAlmostEqual(float(str(drift["c"]["disagreement"])), 2 / 3)
        self.assertEqual(drift["c"]["no_where_consensus_yes"], 2)
        self.assertEqual(drift["c"]["yes_where_consensus_no"], 0)

    def test_hours_drift_is_the_median_gap_from_the_consensus_median(self) -> None:
        rows = ratings(
            [
                ("v1", "a", "2"),
                ("v1", "b", "4"),
                ("v1", "c", "24"),
                ("v2", "a", "1"),
                ("v2", "b", "1"),
                ("v2", "c", "10"),
            ]
        )
        drift = rules.drift("hours", rows)
        # Consensus: v1 median 4, v2 median 1. c is 20 and 9 hours later: median 14.5.
        self.assertEqual(drift["c"]["median_hours_from_consensus"], 14.5)
        self.assertEqual(drift["b"]["median_hours_from_consensus"], 0)
        stats = rules.question_stats("hours", rows)
        self.assertEqual(stats["spread"], {"median": 3.0, "lowest": 1.0, "highest": 24.0})
        # Binned: v1 same_day, same_day, same_day; v2 immediate, immediate, same_day.
        self.assertAlmostEqual(float(str(stats["percent_agreement"])), (1 + 1 / 3) / 2)
