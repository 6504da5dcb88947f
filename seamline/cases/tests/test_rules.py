"""The pure rules of participants and referrals, as tables."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from seamline.cases import rules
from seamline.cases.choices import CareReason, ConsentScope
from seamline.cases.rules import ConsentFacts, FlagFacts, OwnershipFacts, Sharing

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)
TODAY = NOW.date()


def codes(reasons: list[rules.Reason]) -> list[str]:
    return [r.code for r in reasons]


class NhsNumberTests(SimpleTestCase):
    def test_check_digit_table(self) -> None:
        table = [
            ("943476591", 9),  # the published worked example
            ("401023213", 7),
            ("999000001", 8),
            ("999000009", 3),
            ("999999999", 9),
            ("000000000", 0),  # 11 - 0 = 11 counts as 0
            ("999000000", None),  # remainder 1: no digit fits, never issued
            ("999123456", None),
        ]
        for nine, expected in table:
            with self.subTest(nine):
                self.assertEqual(rules.nhs_check_digit(nine), expected)

    def test_validation_table(self) -> None:
        table = [
            ("9434765919", []),
            ("943 476 5919", []),
            ("943-476-5919", []),
            ("9990000018", []),
            ("9434765918", ["nhs_number_check_digit"]),  # last digit mistyped
            ("9434765991", ["nhs_number_check_digit"]),  # two digits swapped
            ("9990000000", ["nhs_number_check_digit"]),  # no check digit can fit
            ("943476591", ["nhs_number_format"]),
            ("94347659190", ["nhs_number_format"]),
            ("94347659A9", ["nhs_number_format"]),
            ("", ["nhs_number_format"]),
        ]
        for value, expected in table:
            with self.subTest(value):
                self.assertEqual(codes(rules.nhs_number_reasons(value)), expected)
                self.assertEqual(rules.is_valid_nhs_number(value), not expected)

    def test_reason_names_the_field_and_the_number(self) -> None:
        [reason] = rules.nhs_number_reasons("9434765918", field="nhs")
        self.assertEqual(reason.field, "nhs")
        self.assertIn("943 476 5918", reason.message)

    def test_with_check_digit_completes_or_refuses(self) -> None:
        self.assertEqual(rules.with_check_digit("943476591"), "9434765919")
        self.assertIsNone(rules.with_check_digit("999000000"))

    def test_display(self) -> None:
        self.assertEqual(rules.format_nhs_number("9434765919"), "943 476 5919")
        self.assertEqual(rules.format_nhs_number("123"), "123")


class MedicaidTests(SimpleTestCase):
    def test_table(self) -> None:
        table = [
            ("", "", []),
            ("CA", "12345678A", []),
            ("ca", "1234-5678a", []),
            ("CA", "123456789", ["medicaid_id_format"]),
            ("NY", "AB12345C", []),
            ("NY", "A123456C", ["medicaid_id_format"]),
            ("TX", "123456789", []),
            ("TX", "12345678", ["medicaid_id_format"]),
            ("FL", "1234567890", []),
            ("OR", "anything-goes 1", []),  # format unknown: kept, unchecked
            ("ZZ", "123", ["medicaid_state_unknown"]),
            ("", "123456789", ["required"]),
            ("TX", "", ["required"]),
        ]
        for state, value, expected in table:
            with self.subTest(state=state, value=value):
                self.assertEqual(codes(rules.medicaid_reasons(state, value)), expected)

    def test_unknown_formats_carry_a_note(self) -> None:
        self.assertEqual(rules.medicaid_note("TX"), "")
        self.assertIn("OR member ids", rules.medicaid_note("or"))
        self.assertFalse(rules.medicaid_format_known("OR"))
        self.assertEqual(rules.normalise_medicaid_id(" ab-12345 c "), "AB12345C")


class NormaliseTests(SimpleTestCase):
    def test_postcodes(self) -> None:
        table = [
            ("ns14ab", "NS1 4AB"),
            (" ns1   4ab ", "NS1 4AB"),
            ("SW1A1AA", "SW1A 1AA"),
            ("90210", "90210"),
            ("", ""),
        ]
        for value, expected in table:
            with self.subTest(value):
                self.assertEqual(rules.normalise_postcode(value), expected)

    def test_local_ids(self) -> None:
        self.assertEqual(rules.normalise_local_id("  rhs-0042 "), "RHS-0042")

    def test_codes(self) -> None:
        self.assertEqual(rules.participant_code(4217), "P-004217")
        self.assertEqual(rules.referral_code(2026, 123), "R-2026-000123")


class SimilarNameTests(SimpleTestCase):
    def test_table(self) -> None:
        table = [
            (("Ada", "Lovelace"), ("Ada", "Lovelace"), True),
            (("Ada", "Lovelace"), ("ADA", "LOVELACE"), True),
            (("Ada", "Lovelace"), ("Lovelace", "Ada"), True),  # swapped
            (("Robert", "Hale"), ("Bob", "Hale"), True),  # short form
            (("Amara", "Okafor"), ("A", "Okafor"), True),  # initial
            (("Siobhan", "O'Neill"), ("Siobhan", "ONeill"), True),  # punctuation
            (("Chloé", "Dubois"), ("Chloe", "Dubois"), True),  # accents
            (("Margaret", "Thompson"), ("Margaret", "Thomson"), True),  # typo
            (("Ada", "Lovelace"), ("Grace", "Hopper"), False),
            (("John", "Smith"), ("Mary", "Smith"), False),
            (("Ada", ""), ("Ada", "Lovelace"), False),
        ]
        for (ga, fa), (gb, fb), expected in table:
            with self.subTest(a=(ga, fa), b=(gb, fb)):
                self.assertEqual(rules.similar_names(ga, fa, gb, fb), expected)

    def test_unordered_pairs(self) -> None:
        self.assertEqual(rules.unordered(7, 3), (3, 7))
        self.assertEqual(rules.unordered(3, 7), (3, 7))


class ParticipantReasonTests(SimpleTestCase):
    def test_table(self) -> None:
        table = [
            (("Ada", "Lovelace", date(1946, 5, 17)), []),
            (("", "Lovelace", date(1946, 5, 17)), ["required"]),
            (("Ada", " ", date(1946, 5, 17)), ["required"]),
            (("Ada", "Lovelace", None), ["required"]),
            (("Ada", "Lovelace", TODAY + timedelta(days=1)), ["date_in_future"]),
            (("Ada", "Lovelace", date(1850, 1, 1)), ["date_of_birth_implausible"]),
        ]
        for (given, family, born), expected in table:
            with self.subTest(given=given, family=family, born=born):
                found = rules.participant_reasons(
                    given_name=given, family_name=family, date_of_birth=born, today=TODAY
                )
                self.assertEqual(codes(found), expected)


def consent(
    scope: str = ConsentScope.ALL_INVOLVED,
    orgs: tuple[str, ...] = (),
    valid_from: date = date(2026, 1, 1),
    valid_to: date | None = None,
    withdrawn_at: datetime | None = None,
) -> ConsentFacts:
    return ConsentFacts(scope, valid_from, valid_to, withdrawn_at, frozenset(orgs))


class ConsentTests(SimpleTestCase):
    def test_sharing_table(self) -> None:
        table = [
            (None, Sharing.ALL),
            (consent(), Sharing.ALL),
            (consent(ConsentScope.NAMED, ("riverside",)), Sharing.NAMED),
            (consent(withdrawn_at=NOW - timedelta(hours=1)), Sharing.OWNERS_ONLY),
            (consent(withdrawn_at=NOW + timedelta(hours=1)), Sharing.ALL),
            (consent(valid_to=TODAY - timedelta(days=1)), Sharing.OWNERS_ONLY),
            (consent(valid_to=TODAY), Sharing.ALL),  # the last day still counts
            (consent(valid_from=TODAY + timedelta(days=1)), Sharing.OWNERS_ONLY),
        ]
        for facts, expected in table:
            with self.subTest(facts):
                self.assertEqual(rules.sharing_at(facts, NOW), expected)

    def test_may_see_table(self) -> None:
        named = consent(ConsentScope.NAMED, ("riverside",))
        withdrawn = consent(withdrawn_at=NOW - timedelta(days=1))
        owner, receiving, prime = CareReason.OWNER, CareReason.RECEIVING, CareReason.PRIME
        table = [
            ("riverside", [], None, False),  # no part in the care
            ("riverside", [receiving], None, True),
            ("riverside", [receiving], consent(), True),
            ("riverside", [receiving], named, True),
            ("swiftstaff", [receiving], named, False),  # in the team, not named
            ("swiftstaff", [owner], named, True),  # the owner must deliver the care
            ("northbridge", [prime], named, False),  # consent narrows the prime too
            ("northbridge", [prime], withdrawn, False),
            ("riverside", [receiving], withdrawn, False),
            ("riverside", [owner, receiving], withdrawn, True),
            ("swiftstaff", [], named, False),  # named but no part in the care
        ]
        for org, parts, facts, expected in table:
            with self.subTest(org=org, parts=parts, consent=facts):
                self.assertEqual(rules.may_see(org, parts, facts, NOW), expected)

    def test_consent_reasons(self) -> None:
        table = [
            ((ConsentScope.ALL_INVOLVED, 0, TODAY, None), []),
            ((ConsentScope.NAMED, 0, TODAY, None), ["consent_no_organisations"]),
            ((ConsentScope.NAMED, 2, TODAY, TODAY), []),
            (("everyone", 0, TODAY, None), ["required"]),
            ((ConsentScope.ALL_INVOLVED, 0, None, None), ["required"]),
            ((ConsentScope.ALL_INVOLVED, 0, TODAY + timedelta(days=1), None), ["date_in_future"]),
            (
                (ConsentScope.ALL_INVOLVED, 0, TODAY, TODAY - timedelta(days=1)),
                ["consent_dates"],
            ),
        ]
        for (scope, orgs, start, end), expected in table:
            with self.subTest(scope=scope, orgs=orgs, start=start, end=end):
                found = rules.consent_reasons(
                    scope=scope, organisations=orgs, valid_from=start, valid_to=end, today=TODAY
                )
                self.assertEqual(codes(found), expected)

    def test_wider_consent(self) -> None:
        named_a = consent(ConsentScope.NAMED, ("a",))
        named_ab = consent(ConsentScope.NAMED, ("a", "b"))
        withdrawn = consent(withdrawn_at=NOW - timedelta(days=1))
        table = [
            (consent(), named_a, True),
            (named_a, consent(), False),
            (named_ab, named_a, True),
            (named_a, named_ab, False),
            (None, withdrawn, True),
            (withdrawn, None, False),
            (consent(), None, False),
        ]
        for a, b, expected in table:
            with self.subTest(a=a, b=b):
                self.assertEqual(rules.consent_wider(a, b, NOW), expected)


class ReferralRuleTests(SimpleTestCase):
    received = NOW - timedelta(days=2)

    def test_first_contact_standard(self) -> None:
        rr, prev, dis = "referral_received", "previous_step", "discharge"
        table: list[tuple[list[tuple[str, int | None]], int | None]] = [
            ([(rr, 4), (rr, 24), (prev, 24), (dis, 48)], 24),
            ([(rr, 1), (rr, 2), (prev, 4)], 2),
            ([(rr, 72), (rr, 120), (prev, 48)], 120),
            ([(prev, 24), (rr, 4)], None),  # the clock does not start at the referral
            ([(rr, None), (rr, 6)], 6),
            ([], None),
        ]
        for steps, expected in table:
            with self.subTest(steps):
                self.assertEqual(rules.first_contact_standard_hours(steps), expected)

    def test_long_wait(self) -> None:
        table: list[tuple[dict[str, Any], bool]] = [
            ({"first_contact_at": None, "discharged_at": None, "standard_hours": 24}, True),
            ({"first_contact_at": None, "discharged_at": None, "standard_hours": 72}, False),
            ({"first_contact_at": NOW, "discharged_at": None, "standard_hours": 24}, False),
            ({"first_contact_at": None, "discharged_at": NOW, "standard_hours": 24}, False),
            ({"first_contact_at": None, "discharged_at": None, "standard_hours": None}, False),
        ]
        for facts, expected in table:
            with self.subTest(facts):
                self.assertEqual(
                    rules.is_long_wait(received_at=self.received, at=NOW, **facts), expected
                )

    def test_first_contact_table(self) -> None:
        table: list[tuple[dict[str, Any], list[str]]] = [
            ({"at": NOW}, []),
            ({"at": self.received}, []),
            ({"at": self.received - timedelta(minutes=1)}, ["before_received"]),
            ({"at": NOW + timedelta(minutes=1)}, ["date_in_future"]),
            ({"at": NOW, "recorded": self.received}, ["already_recorded"]),
            (
                {"at": NOW - timedelta(hours=1), "discharged_at": NOW - timedelta(hours=2)},
                ["case_closed"],
            ),
        ]
        for given, expected in table:
            with self.subTest(given):
                facts = {"recorded": None, "discharged_at": None, **given}
                found = rules.first_contact_reasons(received_at=self.received, now=NOW, **facts)
                self.assertEqual(codes(found), expected)

    def test_discharge_table(self) -> None:
        table: list[tuple[dict[str, Any], list[str]]] = [
            ({"at": NOW, "outcome": "goals_met"}, []),
            ({"at": NOW, "outcome": ""}, ["outcome_required"]),
            ({"at": NOW, "outcome": "cured"}, ["outcome_unknown"]),
            ({"at": self.received - timedelta(hours=1), "outcome": "died"}, ["before_received"]),
            (
                {
                    "at": self.received + timedelta(hours=1),
                    "outcome": "goals_met",
                    "first_contact_at": self.received + timedelta(hours=2),
                },
                ["before_received"],
            ),
            ({"at": NOW + timedelta(hours=1), "outcome": "died"}, ["date_in_future"]),
            ({"at": NOW, "outcome": "died", "discharged_at": NOW}, ["already_discharged"]),
        ]
        for given, expected in table:
            with self.subTest(given):
                facts = {"first_contact_at": None, "discharged_at": None, **given}
                found = rules.discharge_reasons(received_at=self.received, now=NOW, **facts)
                self.assertEqual(codes(found), expected)

    def test_owner_table(self) -> None:
        owner_roles = {"coordinator", "worker"}
        table = [
            (("active", "riverside", ["coordinator"]), []),
            (("suspended", "riverside", ["coordinator"]), ["owner_organisation_inactive"]),
            (("active", "swiftstaff", ["coordinator"]), ["owner_not_member"]),
            (("active", None, []), ["owner_not_member"]),
            (("active", "riverside", ["inspector"]), ["owner_role"]),
        ]
        for (status, person_org, roles), expected in table:
            with self.subTest(status=status, person_org=person_org, roles=roles):
                found = rules.owner_reasons(
                    organisation_status=status,
                    person_organisation=person_org,
                    organisation="riverside",
                    person_roles=roles,
                    owner_roles=owner_roles,
                )
                self.assertEqual(codes(found), expected)

    def test_transfer_table(self) -> None:
        table = [
            ((False, False, "Cover for leave", True), []),
            ((False, False, "", False), []),  # a handoff carries its own record
            ((False, False, " ", True), ["reason_required"]),
            ((True, False, "x", True), ["case_closed"]),
            ((False, True, "x", True), ["already_owner"]),
        ]
        for (discharged, same, reason, needed), expected in table:
            with self.subTest(discharged=discharged, same=same, reason=reason):
                found = rules.transfer_reasons(
                    discharged=discharged, same_owner=same, reason=reason, reason_needed=needed
                )
                self.assertEqual(codes(found), expected)


class OwnerAtTests(SimpleTestCase):
    received = datetime(2026, 3, 1, 9, 0, tzinfo=LONDON)
    history = [
        OwnershipFacts(1, received, "riverside", "rosa", "created"),
        OwnershipFacts(
            2, datetime(2026, 3, 3, 9, 0, tzinfo=LONDON), "swiftstaff", "sam", "handoff"
        ),
        OwnershipFacts(
            3, datetime(2026, 3, 5, 15, 30, tzinfo=LONDON), "riverside", "reg", "reassigned"
        ),
    ]

    def owner(self, at: datetime, discharged: datetime | None = None) -> str | None:
        found = rules.owner_at(
            self.history, received_at=self.received, discharged_at=discharged, at=at
        )
        return found.person if found else None

    def test_table(self) -> None:
        day = timedelta(days=1)
        discharged = datetime(2026, 3, 8, 12, 0, tzinfo=LONDON)
        table = [
            (self.received - timedelta(minutes=1), None, None),
            (self.received, None, "rosa"),
            (self.received + day, None, "rosa"),
            (datetime(2026, 3, 3, 9, 0, tzinfo=LONDON), None, "sam"),
            (datetime(2026, 3, 5, 15, 29, tzinfo=LONDON), None, "sam"),
            (datetime(2026, 3, 5, 15, 30, tzinfo=LONDON), None, "reg"),
            (discharged - timedelta(minutes=1), discharged, "reg"),
            (discharged, discharged, None),
            (discharged + day, discharged, None),
        ]
        for at, closed, expected in table:
            with self.subTest(at=at, discharged=closed):
                self.assertEqual(self.owner(at, closed), expected)


class MergeAndRiskTests(SimpleTestCase):
    def test_merge_table(self) -> None:
        ok: dict[str, Any] = {
            "survivor_active": True,
            "absorbed_active": True,
            "same": False,
            "consent_widened": False,
            "reason": "Same NHS number, same address",
        }
        table: list[tuple[dict[str, Any], list[str]]] = [
            ({}, []),
            ({"same": True}, ["merge_same"]),
            ({"absorbed_active": False}, ["merge_inactive"]),
            ({"consent_widened": True}, ["merge_consent"]),
            ({"reason": ""}, ["reason_required"]),
        ]
        for change, expected in table:
            with self.subTest(change):
                self.assertEqual(codes(rules.merge_reasons(**{**ok, **change})), expected)

    def test_high_risk_table(self) -> None:
        day = timedelta(days=1)
        high = FlagFacts("safeguarding", "high", NOW - day)
        resolved = FlagFacts("safeguarding", "high", NOW - 2 * day, NOW - day)
        later = FlagFacts("deterioration", "high", NOW + day)
        medium = FlagFacts("missed_visits", "medium", NOW - day)
        table = [
            ([], (), False),
            ([high], (), True),
            ([resolved], (), False),
            ([later], (), False),
            ([medium], (), False),
            ([medium], ("same_day",), True),
            ([], ("immediate",), True),
            ([], ("review_24_72h",), False),
        ]
        for flags, tiers, expected in table:
            with self.subTest(flags=flags, tiers=tiers):
                self.assertEqual(rules.high_risk(flags, NOW, tiers), expected)

    def test_flag_reasons(self) -> None:
        self.assertEqual(
            rules.flag_reasons(kind="safeguarding", severity="high", raised_at=NOW, now=NOW), []
        )
        self.assertEqual(
            codes(rules.flag_reasons(kind="boredom", severity="dire", raised_at=NOW, now=NOW)),
            ["required", "required"],
        )
        self.assertEqual(
            codes(
                rules.resolve_reasons(
                    raised_at=NOW, resolved_at=None, at=NOW - timedelta(1), now=NOW
                )
            ),
            ["before_raised"],
        )
        self.assertEqual(
            codes(rules.resolve_reasons(raised_at=NOW, resolved_at=NOW, at=NOW, now=NOW)),
            ["flag_resolved"],
        )
