"""The pure rules of a reconciliation report: each category from plain facts, in tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.test import SimpleTestCase

from seamline.cases.reconciliation.choices import Category, LinkState
from seamline.cases.reconciliation.rules import (
    Names,
    ReferralFacts,
    RowFacts,
    as_of,
    classify,
    counts,
    reconciliation_rate,
)

AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
RIVER, SWIFT = 1, 2
DISCHARGE, CRISIS = 10, 11
NAMES = Names({RIVER: "Riverside", SWIFT: "SwiftStaff"}, {DISCHARGE: "Discharge", CRISIS: "Crisis"})
STANDARDS = {DISCHARGE: 24, CRISIS: 2}


def ago(days: float = 0, hours: float = 0) -> datetime:
    return AT - timedelta(days=days, hours=hours)


def referral(pk: int, participant: int, **kw: object) -> ReferralFacts:
    fields: dict[str, object] = {
        "id": pk,
        "code": f"R-{pk}",
        "participant": participant,
        "pathway": DISCHARGE,
        "owner": RIVER,
        "received_at": ago(days=10),
        "first_contact_at": ago(days=9),
        "discharged_at": None,
    }
    fields.update(kw)
    return ReferralFacts(**fields)  # type: ignore[arg-type]


def row(n: int, participant: int | None, **kw: object) -> RowFacts:
    fields: dict[str, object] = {
        "row": n,
        "state": LinkState.MATCHED if participant else LinkState.UNKNOWN,
        "participant": participant,
        "pathway": DISCHARGE,
        "is_open": True,
    }
    fields.update(kw)
    return RowFacts(**fields)  # type: ignore[arg-type]


def found(
    rows: list[RowFacts], referrals: list[ReferralFacts]
) -> list[tuple[str, int | None, int | None]]:
    return [
        (f.category, f.row, f.referral)
        for f in classify(RIVER, rows, referrals, STANDARDS, AT, NAMES)
    ]


class CategoryTests(SimpleTestCase):
    def test_matched_and_in_order_reports_nothing(self) -> None:
        self.assertEqual(found([row(2, 100)], [referral(1, 100)]), [])

    def test_open_in_the_register_missing_from_the_owners_list(self) -> None:
        self.assertEqual(
            found([row(2, 100)], [referral(1, 100), referral(2, 200)]),
            [(Category.MISSING, None, 2)],
        )

    def test_a_referral_owned_by_another_organisation_is_not_missing_from_this_list(self) -> None:
        self.assertEqual(found([], [referral(2, 200, owner=SWIFT)]), [])

    def test_a_row_pending_review_keeps_its_participant_off_the_missing_list(self) -> None:
        pending = row(2, 200, state=LinkState.UNCERTAIN)
        self.assertEqual(found([pending], [referral(2, 200)]), [])

    def test_duplicated_across_providers_on_the_same_pathway(self) -> None:
        other = referral(3, 100, owner=SWIFT)
        self.assertEqual(
            found([row(2, 100)], [referral(1, 100), other]), [(Category.DUPLICATED, 2, 3)]
        )

    def test_another_provider_on_another_pathway_is_no_duplicate(self) -> None:
        crisis = referral(3, 100, owner=SWIFT, pathway=CRISIS)
        self.assertEqual(found([row(2, 100)], [referral(1, 100), crisis]), [])

    def test_without_an_owner_when_the_register_discharged_the_case(self) -> None:
        closed = referral(1, 100, discharged_at=ago(days=3))
        result = classify(RIVER, [row(2, 100)], [closed], STANDARDS, AT, NAMES)
        self.assertEqual([(f.category, f.row) for f in result], [(Category.WITHOUT_OWNER, 2)])
        self.assertIn("discharged R-1", result[0].detail)

    def test_without_an_owner_when_the_register_has_no_referral_at_all(self) -> None:
        self.assertEqual(found([row(2, 100)], []), [(Category.WITHOUT_OWNER, 2, None)])

    def test_outcome_missing_when_closed_on_the_list_without_one(self) -> None:
        closed = row(2, 100, is_open=False, discharged_at=ago(days=1))
        self.assertEqual(found([closed], [referral(1, 100)]), [(Category.OUTCOME_MISSING, 2, None)])

    def test_outcome_missing_when_closed_on_the_list_but_open_in_the_register(self) -> None:
        closed = row(2, 100, is_open=False, discharged_at=ago(days=1), outcome="goals met")
        self.assertEqual(found([closed], [referral(1, 100)]), [(Category.OUTCOME_MISSING, 2, 1)])

    def test_closed_in_both_with_an_outcome_reports_nothing(self) -> None:
        closed = row(2, 100, is_open=False, discharged_at=ago(days=1), outcome="goals met")
        self.assertEqual(found([closed], [referral(1, 100, discharged_at=ago(days=1))]), [])

    def test_long_wait_in_the_register_past_the_pathway_standard(self) -> None:
        waiting = referral(1, 100, received_at=ago(hours=30), first_contact_at=None)
        self.assertEqual(found([row(2, 100)], [waiting]), [(Category.LONG_WAIT, None, 1)])

    def test_within_the_standard_is_no_long_wait(self) -> None:
        waiting = referral(1, 100, received_at=ago(hours=20), first_contact_at=None)
        self.assertEqual(found([row(2, 100)], [waiting]), [])

    def test_long_wait_on_the_list_the_register_does_not_show(self) -> None:
        late = row(2, None, received_at=ago(hours=5), pathway=CRISIS)
        self.assertEqual(found([late], []), [(Category.LONG_WAIT, 2, None)])

    def test_a_long_wait_in_both_is_reported_once(self) -> None:
        waiting = referral(1, 100, received_at=ago(hours=30), first_contact_at=None)
        late = row(2, 100, received_at=ago(hours=30))
        self.assertEqual(found([late], [waiting]), [(Category.LONG_WAIT, None, 1)])


class AsOfTests(SimpleTestCase):
    def test_what_happened_after_the_instant_had_not_happened_then(self) -> None:
        fact = as_of(
            id=1,
            code="R-1",
            participant=100,
            pathway=DISCHARGE,
            owner=RIVER,
            received_at=ago(days=5),
            first_contact_at=AT + timedelta(hours=1),
            discharged_at=AT + timedelta(days=1),
            at=AT,
        )
        assert fact is not None
        self.assertIsNone(fact.first_contact_at)
        self.assertTrue(fact.is_open)

    def test_a_referral_received_later_did_not_exist(self) -> None:
        self.assertIsNone(
            as_of(
                id=1,
                code="R-1",
                participant=100,
                pathway=DISCHARGE,
                owner=RIVER,
                received_at=AT + timedelta(minutes=1),
                first_contact_at=None,
                discharged_at=None,
                at=AT,
            )
        )


class FigureTests(SimpleTestCase):
    def test_rate_is_matched_over_list_rows(self) -> None:
        self.assertEqual(reconciliation_rate(7, 8), 0.875)
        self.assertEqual(reconciliation_rate(0, 0), 0.0)

    def test_counts_take_rows_by_link_state_and_findings_by_category(self) -> None:
        totals = counts(
            [LinkState.MATCHED, LinkState.MATCHED, LinkState.UNCERTAIN, LinkState.UNKNOWN],
            [Category.MISSING, Category.MISSING],
        )
        self.assertEqual(totals[Category.MATCHED], 2)
        self.assertEqual(totals[Category.REVIEW], 1)
        self.assertEqual(totals[Category.UNKNOWN], 1)
        self.assertEqual(totals[Category.MISSING], 2)
        self.assertEqual(totals[Category.LONG_WAIT], 0)
