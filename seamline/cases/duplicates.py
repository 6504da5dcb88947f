"""Candidate duplicate participants, among the records the reviewer can see (SPEC C5).

Two active records are proposed as one person when they share an NHS number, or a Medicaid
member id with its state, or a date of birth and postcode with names that could be the same
person's (`rules.similar_names`). A pair someone decided is not the same person is never
proposed again. Three queries, whatever the number of records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import combinations

from seamline.access import Actor

from .choices import DuplicateBasis
from .models import NotDuplicate, Participant
from .rules import similar_names, unordered

ORDER = {DuplicateBasis.NHS_NUMBER: 0, DuplicateBasis.MEDICAID: 1, DuplicateBasis.DETAILS: 2}


@dataclass(frozen=True)
class Candidate:
    first: Participant
    second: Participant
    basis: str

    @property
    def basis_label(self) -> str:
        return DuplicateBasis(self.basis).label


@dataclass(frozen=True)
class _Row:
    pk: int
    given_name: str
    family_name: str
    date_of_birth: date
    postcode: str
    nhs_number: str
    medicaid_state: str
    medicaid_id: str


def _pairs(groups: Iterable[list[_Row]]) -> Iterable[tuple[_Row, _Row]]:
    for members in groups:
        if len(members) > 1:
            yield from combinations(members, 2)


def candidates(actor: Actor) -> list[Candidate]:
    """Pairs of visible, active records that may be one person, strongest evidence first."""
    rows = [
        _Row(*values)
        for values in Participant.objects.visible_to(actor)
        .active()
        .values_list(
            "pk",
            "given_name",
            "family_name",
            "date_of_birth",
            "postcode",
            "nhs_number",
            "medicaid_state",
            "medicaid_id",
        )
    ]
    by_nhs: dict[str, list[_Row]] = defaultdict(list)
    by_medicaid: dict[tuple[str, str], list[_Row]] = defaultdict(list)
    by_details: dict[tuple[date, str], list[_Row]] = defaultdict(list)
    for row in rows:
        if row.nhs_number:
            by_nhs[row.nhs_number].append(row)
        if row.medicaid_id and row.medicaid_state:
            by_medicaid[(row.medicaid_state, row.medicaid_id)].append(row)
        if row.postcode:
            by_details[(row.date_of_birth, row.postcode)].append(row)
    found: dict[tuple[int, int], str] = {}

    def add(a: _Row, b: _Row, basis: str) -> None:
        key = unordered(a.pk, b.pk)
        if key not in found or ORDER[DuplicateBasis(basis)] < ORDER[DuplicateBasis(found[key])]:
            found[key] = basis

    for a, b in _pairs(by_nhs.values()):
        add(a, b, DuplicateBasis.NHS_NUMBER)
    for a, b in _pairs(by_medicaid.values()):
        add(a, b, DuplicateBasis.MEDICAID)
    for a, b in _pairs(by_details.values()):
        if similar_names(a.given_name, a.family_name, b.given_name, b.family_name):
            add(a, b, DuplicateBasis.DETAILS)
    if not found:
        return []
    ids = {pk for pair in found for pk in pair}
    decided = set(
        NotDuplicate.objects.filter(first_id__in=ids, second_id__in=ids).values_list(
            "first_id", "second_id"
        )
    )
    open_pairs = {pair: basis for pair, basis in found.items() if pair not in decided}
    records = Participant.objects.in_bulk({pk for pair in open_pairs for pk in pair})
    result = [
        Candidate(records[a], records[b], basis)
        for (a, b), basis in open_pairs.items()
        if a in records and b in records
    ]
    result.sort(key=lambda c: (ORDER[DuplicateBasis(c.basis)], c.first.code, c.second.code))
    return result
