"""Table tests of the pure workforce rules (`workforce.rules`, SPEC C3)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.test import SimpleTestCase

from seamline.workforce import rules
from seamline.workforce.authorization import Attainment
from seamline.workforce.rules import AssessorPeriod, EvidenceFact

AT = datetime(2026, 3, 2, 10, tzinfo=UTC)
SIGNED = datetime(2025, 6, 1, 9, tzinfo=UTC)


def held(
    stage: str,
    review_due: date = date(2026, 6, 1),
    *,
    signed_at: datetime = SIGNED,
    revoked_at: datetime | None = None,
) -> Attainment:
    return Attainment(
        competency="safeguarding",
        stage=stage,
        signed_at=signed_at,
        review_due=review_due,
        revoked_at=revoked_at,
    )


def signer_codes(
    *,
    signer: str = "lead",
    signer_org: str = "riverside",
    attainments: tuple[Attainment, ...] = (),
    periods: tuple[AssessorPeriod, ...] = (),
) -> list[str]:
    return [
        r.code
        for r in rules.signer_reasons(
            worker="w1",
            signer=signer,
            signer_name="Lee Lead",
            competency="safeguarding",
            competency_title="Safeguarding",
            worker_organisation="riverside",
            signer_organisation=signer_org,
            prime_organisation="northbridge",
            signer_attainments=attainments,
            assessor_periods=periods,
            at=AT,
        )
    ]


class SignerReasonsTests(SimpleTestCase):
    def test_table(self) -> None:
        independent = (held("independent"),)
        cases = [
            ("holds independent, same organisation", {"attainments": independent}, []),
            ("holds enhanced", {"attainments": (held("enhanced"),)}, []),
            (
                "signer from the prime",
                {"attainments": independent, "signer_org": "northbridge"},
                [],
            ),
            (
                "the worker signs",
                {"signer": "w1", "attainments": independent},
                ["signer_is_worker"],
            ),
            (
                "holds supervised only",
                {"attainments": (held("supervised"),)},
                ["signer_not_entitled"],
            ),
            ("holds nothing", {}, ["signer_not_entitled"]),
            (
                "independent past its review date",
                {"attainments": (held("independent", date(2026, 3, 1)),)},
                ["signer_not_entitled"],
            ),
            (
                "independent revoked before signing",
                {
                    "attainments": (
                        held("independent", revoked_at=datetime(2026, 1, 1, tzinfo=UTC)),
                    )
                },
                ["signer_not_entitled"],
            ),
            (
                "independent signed after the signing instant",
                {"attainments": (held("independent", signed_at=datetime(2026, 4, 1, tzinfo=UTC)),)},
                ["signer_not_entitled"],
            ),
            (
                "another competency at independent",
                {
                    "attainments": (
                        Attainment("medication", "independent", SIGNED, date(2026, 6, 1)),
                    )
                },
                ["signer_not_entitled"],
            ),
            ("designated assessor", {"periods": (AssessorPeriod(date(2026, 1, 1)),)}, []),
            (
                "designation ended before signing",
                {"periods": (AssessorPeriod(date(2025, 1, 1), date(2026, 2, 1)),)},
                ["signer_not_entitled"],
            ),
            (
                "designation starts after signing",
                {"periods": (AssessorPeriod(date(2026, 4, 1)),)},
                ["signer_not_entitled"],
            ),
            (
                "another partner's signer",
                {"attainments": independent, "signer_org": "swiftstaff"},
                ["signer_wrong_organisation"],
            ),
            (
                "another partner's unentitled signer",
                {"signer_org": "swiftstaff"},
                ["signer_not_entitled", "signer_wrong_organisation"],
            ),
        ]
        for name, kwargs, expected in cases:
            with self.subTest(name):
                self.assertEqual(signer_codes(**kwargs), expected)  # type: ignore[arg-type]

    def test_basis(self) -> None:
        self.assertEqual(
            rules.signer_basis(
                competency="safeguarding",
                signer_attainments=[held("independent")],
                assessor_periods=[AssessorPeriod(date(2026, 1, 1))],
                at=AT,
            ),
            "holds_independent",
        )
        self.assertEqual(
            rules.signer_basis(
                competency="safeguarding",
                signer_attainments=[held("supervised")],
                assessor_periods=[AssessorPeriod(date(2026, 1, 1))],
                at=AT,
            ),
            "designated_assessor",
        )


STAGES = {
    "induction": ["module"],
    "supervised": ["module", "observed_practice"],
    "independent": ["observed_practice", "assessment"],
}
SIGN_DAY = date(2026, 3, 2)


def evidence_codes(
    stage: str, *facts: EvidenceFact, stages: dict[str, list[str]] | None = None
) -> list[str]:
    return [
        r.code
        for r in rules.stage_evidence_reasons(
            competency_title="Safeguarding",
            stage=stage,
            stage_evidence=STAGES if stages is None else stages,
            evidence=facts,
            signed_on=SIGN_DAY,
        )
    ]


class StageEvidenceTests(SimpleTestCase):
    def test_table(self) -> None:
        module = EvidenceFact("module", date(2026, 1, 10), date(2027, 1, 10))
        observed = EvidenceFact("observed_practice", date(2026, 2, 1))
        assessment = EvidenceFact("assessment", date(2026, 2, 2))
        cases = [
            ("induction on a module", "induction", [module], None, []),
            ("induction without evidence", "induction", [], None, ["evidence_missing"]),
            ("supervised with both kinds", "supervised", [module, observed], None, []),
            (
                "supervised with a module only",
                "supervised",
                [module],
                None,
                ["evidence_missing", "modules_only"],
            ),
            (
                "independent missing both kinds",
                "independent",
                [module],
                None,
                ["evidence_missing", "evidence_missing", "modules_only"],
            ),
            ("independent complete", "independent", [observed, assessment], None, []),
            (
                "observed practice dated after signing",
                "independent",
                [EvidenceFact("observed_practice", date(2026, 3, 3)), assessment],
                None,
                ["evidence_out_of_date"],
            ),
            (
                "module expired before signing",
                "supervised",
                [EvidenceFact("module", date(2024, 1, 1), date(2025, 1, 1)), observed],
                None,
                ["evidence_out_of_date"],
            ),
            (
                "evidence valid until the signing day itself",
                "supervised",
                [EvidenceFact("module", date(2025, 3, 2), SIGN_DAY), observed],
                None,
                [],
            ),
            (
                "misconfigured: independent needs modules only",
                "independent",
                [module],
                {"independent": ["module"]},
                ["modules_only"],
            ),
            (
                "misconfigured: nothing required and nothing given",
                "supervised",
                [],
                {},
                ["evidence_missing"],
            ),
            (
                "nothing in date: named as missing and out of date, not as modules only",
                "supervised",
                [EvidenceFact("observed_practice", date(2026, 3, 3))],
                None,
                ["evidence_missing", "evidence_out_of_date"],
            ),
            (
                "misconfigured: nothing required above induction",
                "supervised",
                [module],
                {},
                ["modules_only"],
            ),
        ]
        for name, stage, facts, stages, expected in cases:
            with self.subTest(name):
                self.assertEqual(evidence_codes(stage, *facts, stages=stages), expected)

    def test_missing_names_each_kind(self) -> None:
        reasons = rules.stage_evidence_reasons(
            competency_title="Safeguarding",
            stage="independent",
            stage_evidence=STAGES,
            evidence=[],
            signed_on=SIGN_DAY,
        )
        missing = [r.message for r in reasons if r.code == "evidence_missing"]
        self.assertEqual(len(missing), 2)
        self.assertIn("observed practice", missing[0])
        self.assertIn("assessment", missing[1])


class ReviewDueTests(SimpleTestCase):
    def test_table(self) -> None:
        cases = [
            (
                "employed: the competency's interval",
                date(2026, 3, 2),
                12,
                False,
                3,
                date(2027, 3, 2),
            ),
            ("temporary: three-monthly re-check", date(2026, 3, 2), 12, True, 3, date(2026, 6, 2)),
            ("temporary: shorter interval wins", date(2026, 3, 2), 2, True, 3, date(2026, 5, 2)),
            ("temporary: the network's months", date(2026, 3, 2), 12, True, 6, date(2026, 9, 2)),
            ("end of month clamps", date(2026, 1, 31), 1, False, 3, date(2026, 2, 28)),
            ("leap year", date(2027, 11, 30), 3, False, 3, date(2028, 2, 29)),
            ("over the year end", date(2026, 11, 15), 3, True, 3, date(2027, 2, 15)),
        ]
        for name, signed, interval, temporary, months, expected in cases:
            with self.subTest(name):
                self.assertEqual(rules.review_due(signed, interval, temporary, months), expected)

    def test_temporary_default_is_three_months(self) -> None:
        self.assertEqual(rules.review_due(date(2026, 3, 2), 12, True), date(2026, 6, 2))


class PauseLiftTests(SimpleTestCase):
    def test_table(self) -> None:
        started = datetime(2026, 3, 2, 14, tzinfo=UTC)
        cases = [
            ("held and observed after", date(2026, 3, 5), date(2026, 3, 6), []),
            ("held the same day, observed next day", date(2026, 3, 2), date(2026, 3, 3), []),
            ("not held", None, date(2026, 3, 6), ["remedial_not_held"]),
            ("held before the pause", date(2026, 3, 1), date(2026, 3, 6), ["remedial_not_held"]),
            ("no observation", date(2026, 3, 5), None, ["observation_missing"]),
            (
                "observation on the pause day",
                date(2026, 3, 5),
                date(2026, 3, 2),
                ["observation_missing"],
            ),
            (
                "observation before the pause",
                date(2026, 3, 5),
                date(2026, 2, 20),
                ["observation_missing"],
            ),
            ("neither", None, None, ["remedial_not_held", "observation_missing"]),
        ]
        for name, held_on, observed_on, expected in cases:
            with self.subTest(name):
                codes = [r.code for r in rules.pause_lift_reasons(started, held_on, observed_on)]
                self.assertEqual(codes, expected)


class EnhancedAndSupervisionTests(SimpleTestCase):
    def test_enhanced_period(self) -> None:
        self.assertEqual(
            rules.enhanced_period(date(2026, 3, 2), 28), (date(2026, 3, 2), date(2026, 3, 30))
        )

    def test_in_enhanced_period(self) -> None:
        periods = [(date(2026, 3, 2), date(2026, 3, 30))]
        cases = [
            (date(2026, 3, 1), False),
            (date(2026, 3, 2), True),
            (date(2026, 3, 29), True),
            (date(2026, 3, 30), False),
        ]
        for day, expected in cases:
            with self.subTest(day=day):
                self.assertEqual(rules.in_enhanced_period(periods, day), expected)

    def test_supervision_overdue(self) -> None:
        cases = [
            ("held within frequency", date(2026, 3, 1), 28, date(2026, 3, 29), False),
            ("one day over", date(2026, 3, 1), 28, date(2026, 3, 30), True),
            ("never held, no start", None, 28, date(2026, 3, 30), True),
        ]
        for name, last, days, on, expected in cases:
            with self.subTest(name):
                self.assertEqual(rules.supervision_overdue(last, days, on), expected)
        self.assertFalse(
            rules.supervision_overdue(None, 28, date(2026, 3, 10), since=date(2026, 3, 1))
        )
        self.assertTrue(
            rules.supervision_overdue(None, 28, date(2026, 4, 10), since=date(2026, 3, 1))
        )


class RevalidationTests(SimpleTestCase):
    def test_table(self) -> None:
        def crisis(pathway: str | None, revoked_at: datetime | None = None) -> Attainment:
            return Attainment(
                "crisis", "independent", SIGNED, date(2026, 6, 1), pathway, revoked_at=revoked_at
            )

        moved = [("discharge", date(2025, 1, 1)), ("reablement", date(2026, 2, 1))]
        cases = [
            (
                "held on the old pathway only",
                moved,
                [crisis("discharge")],
                [("reablement", "crisis")],
            ),
            (
                "re-signed on the new pathway",
                moved,
                [crisis("discharge"), crisis("reablement")],
                [],
            ),
            ("one pathway only", moved[:1], [crisis("discharge")], []),
            (
                "old sign-off lapsed: nothing to re-validate",
                moved,
                [crisis("discharge", revoked_at=datetime(2026, 1, 1, tzinfo=UTC))],
                [],
            ),
        ]
        for name, pathways, attainments, expected in cases:
            with self.subTest(name):
                due = rules.revalidation_due(
                    pathways=pathways,
                    pathway_specific=["crisis"],
                    attainments=attainments,
                    at=AT,
                )
                self.assertEqual([(d.pathway, d.competency) for d in due], expected)

    def test_not_pathway_specific_never_due(self) -> None:
        due = rules.revalidation_due(
            pathways=[("discharge", date(2025, 1, 1)), ("reablement", date(2026, 2, 1))],
            pathway_specific=[],
            attainments=[
                Attainment("crisis", "independent", SIGNED, date(2026, 6, 1), "discharge")
            ],
            at=AT,
        )
        self.assertEqual(due, [])
