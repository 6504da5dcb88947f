"""The linkage engine on small, seeded sets: exact links on identifiers that prove themselves,
probabilistic links that survive the usual errors, one to one, and people's decisions."""

from __future__ import annotations

import random
from dataclasses import replace

from django.test import SimpleTestCase

from seamline.cases.reconciliation.linkage import (
    BY_LOCAL_ID,
    BY_MEDICAID,
    BY_NHS,
    MATCH,
    PROBABILISTIC,
    UNCERTAIN,
    Person,
    canonical_given,
    corroborated,
    link,
    prepare,
)
from seamline.cases.testing import synthetic_nhs

FIRST = ["Margaret", "Robert", "Elizabeth", "William", "Susan", "Thomas", "Anne", "James"]
FAMILY = ["Hughes", "Okafor", "Patel", "Lindqvist", "Byrne", "Achebe", "Morgan", "Fairley"]


STREETS = ["Mill Lane", "High Street", "Church Road", "Station Road"]


def seeded(rng: random.Random, uid: str, given: str, family: str, years: tuple[int, int]) -> Person:
    """A person with a seeded date of birth and address (no identifiers)."""
    born = f"19{rng.randint(*years)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    inward = f"{rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}"
    return Person(
        uid=uid,
        given_name=given,
        family_name=family,
        date_of_birth=born,
        postcode=f"NS{rng.randint(1, 9)} {inward}",
        address=f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
    )


def register_of(n: int, seed: int = 7) -> list[Person]:
    """`n` distinct people, seeded: the same seed always gives the same register."""
    rng = random.Random(seed)
    return [
        replace(
            seeded(
                rng,
                f"R{i}",
                FIRST[i % len(FIRST)],
                FAMILY[(i // len(FIRST)) % len(FAMILY)],
                (30, 60),
            ),
            nhs_number=synthetic_nhs(i),
        )
        for i in range(n)
    ]


class ExactLinkTests(SimpleTestCase):
    def setUp(self) -> None:
        self.register = register_of(40)
        self.ada = self.register[0]

    def test_a_valid_nhs_number_links_exactly(self) -> None:
        row = replace(self.ada, uid="L1", address="", postcode="")
        found = link(self.register, [row]).by_incoming()["L1"]
        self.assertEqual((found.register, found.method, found.band), ("R0", BY_NHS, MATCH))

    def test_an_nhs_number_failing_its_check_digit_never_links_exactly(self) -> None:
        wrong = self.ada.nhs_number[:9] + str((int(self.ada.nhs_number[9]) + 1) % 10)
        row = replace(self.ada, uid="L1", nhs_number=wrong)
        found = link(self.register, [row]).by_incoming()["L1"]
        self.assertEqual(found.register, "R0")
        self.assertEqual(found.method, PROBABILISTIC)

    def test_a_shared_number_with_another_persons_details_is_not_trusted(self) -> None:
        stranger = Person(
            "L1", "Zebedee", "Quartermaine", "2001-01-01", "XX1 1XX", "", self.ada.nhs_number
        )
        self.assertFalse(corroborated(stranger, self.ada))
        links = link(self.register, [stranger]).links
        self.assertNotIn(BY_NHS, [x.method for x in links])

    def test_the_partners_id_known_to_the_register_links_first(self) -> None:
        row = Person("L1", "Someone", "Else", "1990-01-01", local_id="id:RHS123")
        found = link(self.register, [row], known_local={"id:RHS123": "R5"}).by_incoming()["L1"]
        self.assertEqual((found.register, found.method), ("R5", BY_LOCAL_ID))

    def test_a_member_id_links_exactly(self) -> None:
        register = [replace(self.ada, nhs_number="", medicaid_id="AB12345C"), *self.register[1:]]
        row = replace(self.ada, uid="L1", nhs_number="", medicaid_id="ab 12345 c")
        found = link(register, [row]).by_incoming()["L1"]
        self.assertEqual(found.method, BY_MEDICAID)


class ProbabilisticLinkTests(SimpleTestCase):
    """Rows without identifiers, each carrying one of the errors real lists carry."""

    def setUp(self) -> None:
        self.register = register_of(40)

    def check(self, row: Person, expected: str) -> None:
        row = replace(row, uid="L1", nhs_number="")
        found = link(self.register, [row]).by_incoming().get("L1")
        self.assertIsNotNone(found, f"{row} was not linked")
        assert found is not None
        self.assertEqual(found.register, expected)
        self.assertEqual(found.band, MATCH)

    def test_a_nickname(self) -> None:
        margaret = self.register[0]
        self.assertEqual(canonical_given("maggie"), "margaret")
        self.check(replace(margaret, given_name="Maggie"), "R0")

    def test_swapped_given_and_family_names(self) -> None:
        robert = self.register[1]
        self.check(replace(robert, given_name=robert.family_name, family_name="Robert"), "R1")

    def test_a_typing_slip_in_the_family_name(self) -> None:
        self.check(replace(self.register[2], family_name="Hguhes"), "R2")

    def test_transposed_date_digits(self) -> None:
        person = self.register[3]
        y, m, d = person.date_of_birth.split("-")
        transposed = f"{y[:2]}{y[3]}{y[2]}-{m}-{d}"
        self.check(replace(person, date_of_birth=transposed), "R3")

    def test_day_and_month_swapped(self) -> None:
        person = replace(self.register[4], date_of_birth="1950-03-11")
        self.register[4] = person
        self.check(replace(person, date_of_birth="1950-11-03"), "R4")

    def test_moved_house(self) -> None:
        self.check(replace(self.register[5], postcode="ZZ9 9ZZ", address="1 Far Away"), "R5")

    def test_weak_evidence_goes_to_review_and_none_is_unknown(self) -> None:
        # A small register: the prior that a row is any one record is 1 in 10 here.
        self.register = register_of(10)
        margaret = self.register[0]
        weak = replace(
            margaret, uid="L1", nhs_number="", given_name="M", postcode="ZZ9 9ZZ", address=""
        )
        y, m, d = margaret.date_of_birth.split("-")
        weak = replace(weak, date_of_birth=f"{y}-{m}-{int(d) % 28 + 1:02d}")
        stranger = Person("L2", "Ottoline", "Vance", "1999-09-09", "QQ1 1QQ", "9 Nowhere")
        links = link(self.register, [weak, stranger]).by_incoming()
        self.assertEqual(links["L1"].band, UNCERTAIN)
        self.assertEqual(links["L1"].register, "R0")
        self.assertNotIn("L2", links)


class OneToOneTests(SimpleTestCase):
    def test_each_register_record_is_used_once_strongest_first(self) -> None:
        register = register_of(10)
        exact = replace(register[0], uid="L1")
        weaker = replace(register[0], uid="L2", nhs_number="", given_name="Maggie")
        links = link(register, [weaker, exact]).links
        self.assertEqual([(x.incoming, x.register) for x in links], [("L1", "R0")])

    def test_a_pair_declared_apart_is_never_linked(self) -> None:
        register = register_of(10)
        row = replace(register[0], uid="L1")
        self.assertEqual(link(register, [row]).by_incoming()["L1"].register, "R0")
        self.assertNotIn("L1", link(register, [row], apart={("L1", "R0")}).by_incoming())


class PreparedColumnsTests(SimpleTestCase):
    def test_names_dates_postcodes_and_identifiers_are_normalised(self) -> None:
        table = prepare(
            [Person("1", " Zoë ", "O'Brien", "1950-02-03", "ns12ab", "Flat 2, 14 High St\nTown")],
            "r:",
        )
        self.assertEqual(table["uid"], ["r:1"])
        self.assertEqual(table["given"], ["zoe"])
        self.assertEqual(table["family"], ["obrien"])
        self.assertEqual(table["postcode"], ["NS1 2AB"])
        self.assertEqual(table["pc_district"], ["NS1"])
        self.assertEqual(table["house"], ["2"])
        self.assertEqual(table["nhs"], [None])


class TrainedModelTests(SimpleTestCase):
    """With lists big enough, the model learns its parameters from the data (u by random
    sampling, m by expectation maximisation) and still links the errors it should."""

    def test_training_on_a_seeded_list_keeps_precision_and_recall(self) -> None:
        rng = random.Random(11)
        firsts = [*FIRST, "Oliver", "Amelia", "Harry", "Isla", "Jack"]
        families = [*FAMILY, "Singh", "Evans", "Khan", "Walsh", "Reid"]
        register = [
            replace(
                seeded(rng, f"R{i}", rng.choice(firsts), rng.choice(families), (20, 99)),
                nhs_number=synthetic_nhs(i) if rng.random() < 0.7 else "",
            )
            for i in range(1200)
        ]
        incoming, truth = [], {}
        for i, person in enumerate(register[:1000]):
            row = replace(person, uid=f"L{i}")
            if i % 5 == 0:
                row = replace(row, nhs_number="", family_name=row.family_name[:-1] + "x")
            if i % 7 == 0:
                row = replace(row, postcode="ZZ9 9ZZ", address="1 New Road")
            incoming.append(row)
            truth[row.uid] = person.uid
        result = link(register, incoming, train=True)
        self.assertTrue(result.trained)
        matched = {(x.incoming, x.register) for x in result.links if x.band == MATCH}
        right = sum(1 for a, b in matched if truth[a] == b)
        self.assertGreaterEqual(right / len(matched), 0.99, "precision")
        self.assertGreaterEqual(right / len(truth), 0.97, "recall")
