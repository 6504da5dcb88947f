"""Reading a partner's caseload list with its saved mapping: every field mapped from the
partner's own columns, and every bad value reported with its row and the partner's column."""

from __future__ import annotations

from datetime import date

from django.test import SimpleTestCase
from django.utils import timezone

from seamline.cases.reconciliation.caseload import (
    ListMapping,
    Parsed,
    mapping_reasons,
    parse,
    row_key,
)
from seamline.cases.reconciliation.testing import HEADERS, caseload_csv
from seamline.cases.testing import synthetic_nhs

PATHWAYS = {"discharge": 1, "Hospital discharge to community": 1, "crisis": 2}
MAPPING = ListMapping(
    columns=HEADERS,
    date_format="%d/%m/%Y",
    open_values=("open", "active"),
    pathway_values={"D2A": "discharge"},
)
GOOD = {
    "local_id": "RHS001",
    "nhs_number": "999 000 0018",
    "given_name": "Ada",
    "family_name": "Lovelace",
    "date_of_birth": "17/05/1946",
    "postcode": "ns14ab",
    "address": "3 Mill Lane",
    "pathway": "D2A",
    "status": "Open",
    "referral_received": "01/11/2026 09:30",
    "first_contact": "01/11/2026 14:00",
}


def read(*rows: dict[str, str], mapping: ListMapping = MAPPING) -> Parsed:
    return parse(caseload_csv(rows), mapping, PATHWAYS, today=date(2026, 11, 22))


class MappedFieldsTests(SimpleTestCase):
    def test_a_good_row_is_read_onto_our_fields(self) -> None:
        parsed = read(GOOD)
        self.assertEqual(parsed.errors, [])
        row = parsed.rows[0]
        self.assertEqual(row.row, 2)
        self.assertEqual(row.nhs_number, "9990000018")
        self.assertEqual(row.date_of_birth, date(1946, 5, 17))
        self.assertEqual(row.postcode, "NS1 4AB")
        self.assertEqual(row.pathway, 1, "the partner's own pathway name, mapped")
        self.assertTrue(row.is_open)
        assert row.received_at is not None
        self.assertEqual(timezone.localtime(row.received_at).hour, 9)
        self.assertEqual(row.key, "id:RHS001")

    def test_a_status_outside_the_open_values_is_closed(self) -> None:
        parsed = read({**GOOD, "status": "Discharged", "discharge": "20/11/2026"})
        self.assertFalse(parsed.rows[0].is_open)

    def test_without_a_status_column_a_discharge_date_closes_the_row(self) -> None:
        columns = {k: v for k, v in HEADERS.items() if k != "status"}
        mapping = ListMapping(
            columns=columns, date_format="%d/%m/%Y", pathway_values={"D2A": "discharge"}
        )
        rows = [{**GOOD, "local_id": "A"}, {**GOOD, "local_id": "B", "discharge": "20/11/2026"}]
        parsed = parse(caseload_csv(rows, columns), mapping, PATHWAYS, today=date(2026, 11, 22))
        self.assertEqual([r.is_open for r in parsed.rows], [True, False])

    def test_an_nhs_number_failing_its_check_digit_is_kept_and_listed(self) -> None:
        wrong = synthetic_nhs(0)[:9] + str((int(synthetic_nhs(0)[9]) + 1) % 10)
        parsed = read({**GOOD, "nhs_number": wrong})
        self.assertEqual(parsed.errors, [])
        self.assertEqual(parsed.nhs_failing, [2])

    def test_a_row_without_local_id_is_known_by_names_and_birth(self) -> None:
        self.assertEqual(row_key("", "Ada", "Lovelace", "1946-05-17")[:2], "p:")
        self.assertEqual(
            row_key("", "ADA", "Lovelace", "1946-05-17"),
            row_key("", "ada", "lovelace", "1946-05-17"),
        )


class BadRowTests(SimpleTestCase):
    """Each problem names the row (the header is row 1) and the partner's own column."""

    def problems(self, *rows: dict[str, str]) -> list[tuple[int, str, str]]:
        parsed = read(*rows)
        return [(e.row, e.column, e.reason) for e in parsed.errors]

    def test_every_bad_value_is_reported_with_row_and_column(self) -> None:
        found = self.problems(
            GOOD,
            {**GOOD, "local_id": "RHS002", "date_of_birth": "1946-05-17"},
            {**GOOD, "local_id": "RHS003", "nhs_number": "12345"},
            {**GOOD, "local_id": "RHS004", "pathway": "Bus route"},
            {**GOOD, "local_id": "RHS005", "first_contact": "31/10/2026"},
            {**GOOD, "local_id": "RHS007", "given_name": "", "family_name": ""},
            {**GOOD, "local_id": "RHS008", "date_of_birth": "01/01/2030"},
        )
        self.assertEqual(
            [(row, column) for row, column, _reason in found],
            [
                (3, "DOB"),
                (4, "NHS No"),
                (5, "Service"),
                (6, "First Seen"),
                (7, "Surname"),
                (8, "DOB"),
            ],
        )
        self.assertIn("is not a date like 31/03/2026", found[0][2])
        self.assertIn("before the referral", found[3][2])

    def test_a_mapped_column_missing_from_the_file_is_a_header_error(self) -> None:
        mapping = ListMapping(columns={**HEADERS, "outcome": "Reason Closed"})
        parsed = read(GOOD, mapping=mapping)
        self.assertEqual([(e.row, e.column) for e in parsed.errors], [(1, "Reason Closed")])
        self.assertEqual(parsed.rows, [])

    def test_an_empty_file_says_so(self) -> None:
        parsed = parse(b"", MAPPING, PATHWAYS)
        self.assertEqual(len(parsed.errors), 1)
        self.assertIn("empty", parsed.errors[0].reason)


class MappingRulesTests(SimpleTestCase):
    def test_names_and_date_of_birth_must_be_mapped(self) -> None:
        problems = mapping_reasons({"local_id": "Client No"}, "%d/%m/%Y")
        self.assertEqual(
            sorted(field for field, _ in problems), ["date_of_birth", "family_name", "given_name"]
        )

    def test_one_column_cannot_hold_two_fields_and_formats_are_offered_ones(self) -> None:
        problems = mapping_reasons(
            {"given_name": "Name", "family_name": "name", "date_of_birth": "DOB"}, "%B %Y"
        )
        self.assertEqual(sorted(f for f, _ in problems), ["date_format", "family_name"])
