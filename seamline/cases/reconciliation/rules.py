"""The pure rules of caseload reconciliation: what a run reports, from plain facts (SPEC C5).

`classify` takes the partner's rows (with the participant each was linked to), the register's
referrals of those participants and of the partner's own cases, as they stood at the instant
judged, and answers the findings of each category:

* **duplicated across providers**: a row open on the partner's list whose participant also has
  an open referral owned by another organisation on the same pathway (any pathway when the
  list does not say);
* **without an owner**: a row open on the list, linked to a participant with no open referral
  in the register on that pathway: the partner works the case but nobody owns it (often a
  discharge recorded in the register while the partner carries on: a stale discharge);
* **open in the register but missing from the owner's list**: a referral the partner owns,
  open, whose participant no row of the list is linked to;
* **outcome missing**: a row discharged on the list without an outcome, or discharged on the
  list while the register still holds the partner's referral open (the register lacks the
  discharge and its outcome);
* **long wait**: a referral the partner owns, open, with no first contact once its pathway's
  standard has run out; and a row open on the list with the same story that the register
  does not already show.

Matched, unknown and awaiting review are read off the rows' link state. Nothing here touches
the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from .choices import Category, LinkState


@dataclass(frozen=True)
class RowFacts:
    row: int
    state: str
    participant: int | None
    pathway: int | None
    is_open: bool
    received_at: datetime | None = None
    first_contact_at: datetime | None = None
    discharged_at: datetime | None = None
    outcome: str = ""


@dataclass(frozen=True)
class ReferralFacts:
    """A referral as it stood at the instant judged (see `as_of`)."""

    id: int
    code: str
    participant: int
    pathway: int
    owner: int | None
    received_at: datetime
    first_contact_at: datetime | None
    discharged_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.discharged_at is None


@dataclass(frozen=True)
class FindingFacts:
    category: str
    row: int | None
    participant: int | None
    referral: int | None
    detail: str


@dataclass(frozen=True)
class Names:
    organisations: Mapping[int, str]
    pathways: Mapping[int, str]

    def org(self, pk: int | None) -> str:
        return self.organisations.get(pk, "another organisation") if pk else "nobody"

    def pathway(self, pk: int | None) -> str:
        return self.pathways.get(pk, "its pathway") if pk else "any pathway"


def as_of(
    *,
    id: int,
    code: str,
    participant: int,
    pathway: int,
    owner: int | None,
    received_at: datetime,
    first_contact_at: datetime | None,
    discharged_at: datetime | None,
    at: datetime,
) -> ReferralFacts | None:
    """The referral as it stood at `at` (None when it was not yet received): a first contact
    or discharge recorded later had not happened then. `owner` is the owner at `at`."""
    if received_at > at:
        return None
    return ReferralFacts(
        id=id,
        code=code,
        participant=participant,
        pathway=pathway,
        owner=owner,
        received_at=received_at,
        first_contact_at=first_contact_at if first_contact_at and first_contact_at <= at else None,
        discharged_at=discharged_at if discharged_at and discharged_at <= at else None,
    )


def _day(moment: datetime) -> str:
    return (
        f"{timezone.localtime(moment):%d %b %Y}"
        if timezone.is_aware(moment)
        else f"{moment:%d %b %Y}"
    )


def _late(received: datetime, standard: int | None, at: datetime) -> bool:
    return standard is not None and at - received > timedelta(hours=standard)


def reconciliation_rate(matched: int, rows: int) -> float:
    """Matched rows over list rows; an empty list reconciles nothing (0)."""
    return round(matched / rows, 4) if rows else 0.0


def classify(
    partner: int,
    rows: Sequence[RowFacts],
    referrals: Iterable[ReferralFacts],
    standards: Mapping[int, int],
    at: datetime,
    names: Names,
) -> list[FindingFacts]:
    """The findings of every category kept as findings (see the module docstring)."""
    by_participant: dict[int, list[ReferralFacts]] = defaultdict(list)
    own_open: list[ReferralFacts] = []
    for referral in referrals:
        by_participant[referral.participant].append(referral)
        if referral.is_open and referral.owner == partner:
            own_open.append(referral)
    linked = {
        r.participant for r in rows if r.participant is not None and r.state != LinkState.UNKNOWN
    }
    found: list[FindingFacts] = []

    def add(category: str, row: RowFacts | None, ref: ReferralFacts | None, detail: str) -> None:
        who = row.participant if row is not None else (ref.participant if ref else None)
        found.append(
            FindingFacts(
                str(category), row.row if row else None, who, ref.id if ref else None, detail
            )
        )

    register_waits: set[tuple[int, int]] = set()
    for referral in sorted(own_open, key=lambda r: (r.received_at, r.id)):
        if referral.participant not in linked:
            add(
                Category.MISSING,
                None,
                referral,
                f"{referral.code} on {names.pathway(referral.pathway)}, open since "
                f"{_day(referral.received_at)} and owned by {names.org(partner)} in the register, "
                "is not on the list.",
            )
        standard = standards.get(referral.pathway)
        if referral.first_contact_at is None and _late(referral.received_at, standard, at):
            register_waits.add((referral.participant, referral.pathway))
            add(
                Category.LONG_WAIT,
                None,
                referral,
                f"{referral.code}: received {_day(referral.received_at)}, no first contact after "
                f"the {names.pathway(referral.pathway)} standard of {standard} h.",
            )

    for row in rows:
        on_pathway = [
            r
            for r in by_participant.get(row.participant or 0, [])
            if row.pathway is None or r.pathway == row.pathway
        ]
        matched = row.state == LinkState.MATCHED and row.participant is not None
        if not row.is_open:
            if not row.outcome:
                when = f" on {_day(row.discharged_at)}" if row.discharged_at else ""
                add(
                    Category.OUTCOME_MISSING,
                    row,
                    None,
                    f"Closed on the list{when} without an outcome.",
                )
            elif matched:
                still = [r for r in on_pathway if r.is_open and r.owner == partner]
                for referral in still:
                    when = f" on {_day(row.discharged_at)}" if row.discharged_at else ""
                    add(
                        Category.OUTCOME_MISSING,
                        row,
                        referral,
                        f"Closed on the list{when}; the register still holds {referral.code} "
                        "open, with no discharge or outcome.",
                    )
            continue
        if matched:
            others = [r for r in on_pathway if r.is_open and r.owner != partner]
            for referral in others:
                add(
                    Category.DUPLICATED,
                    row,
                    referral,
                    f"Also open with {names.org(referral.owner)} on "
                    f"{names.pathway(referral.pathway)} ({referral.code}, received "
                    f"{_day(referral.received_at)}).",
                )
            if not any(r.is_open for r in on_pathway):
                closed = [r for r in on_pathway if r.discharged_at is not None]
                if closed:
                    last = max(closed, key=lambda r: r.discharged_at or r.received_at)
                    assert last.discharged_at is not None
                    detail = (
                        f"Open on the list, but the register discharged {last.code} on "
                        f"{_day(last.discharged_at)}: nobody owns the case."
                    )
                else:
                    detail = (
                        f"Open on the list, but the register has no referral on "
                        f"{names.pathway(row.pathway)}: nobody owns the case."
                    )
                add(Category.WITHOUT_OWNER, row, None, detail)
        if row.received_at is not None and row.first_contact_at is None and row.pathway:
            standard = standards.get(row.pathway)
            known = row.participant is not None and (row.participant, row.pathway) in register_waits
            if not known and _late(row.received_at, standard, at):
                add(
                    Category.LONG_WAIT,
                    row,
                    None,
                    f"Received {_day(row.received_at)} on the list, no first contact after the "
                    f"{names.pathway(row.pathway)} standard of {standard} h.",
                )
    return found


def counts(states: Iterable[str], findings: Iterable[FindingFacts | str]) -> dict[str, int]:
    """The number of records in each category: rows by link state, findings by category."""
    totals = {str(c): 0 for c in Category}
    state_category = {
        LinkState.MATCHED: Category.MATCHED,
        LinkState.UNKNOWN: Category.UNKNOWN,
        LinkState.UNCERTAIN: Category.REVIEW,
    }
    for state in states:
        totals[str(state_category[LinkState(state)])] += 1
    for finding in findings:
        totals[finding if isinstance(finding, str) else finding.category] += 1
    return totals
