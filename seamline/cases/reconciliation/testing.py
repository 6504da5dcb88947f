"""Helpers for tests of caseload reconciliation: a partner's mapping, a CSV file in the
partner's own columns, and a named scene with one participant per category.

    scene = build_scene(cast)             # Riverside's caseload and register, fixed values
    data = caseload_csv(scene.rows)       # the list Riverside would upload

Fixed, readable values only; nothing random in anything a test asserts on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from seamline.cases.choices import CareReason
from seamline.cases.models import Participant, Referral
from seamline.cases.testing import (
    add_to_care_team,
    ago,
    make_participant,
    make_referral,
    synthetic_nhs,
)
from seamline.network.models import Organisation
from seamline.testing import Cast

from .models import ColumnMapping

# Riverside's own column headers.
HEADERS = {
    "local_id": "Client No",
    "nhs_number": "NHS No",
    "given_name": "Forename",
    "family_name": "Surname",
    "date_of_birth": "DOB",
    "postcode": "Post Code",
    "address": "Address 1",
    "pathway": "Service",
    "status": "Status",
    "referral_received": "Referral Date",
    "first_contact": "First Seen",
    "discharge": "Closed",
    "outcome": "Closure Reason",
}
ORDER = list(HEADERS)


def make_mapping(organisation: Organisation, **overrides: object) -> ColumnMapping:
    fields: dict[str, object] = {
        "columns": dict(HEADERS),
        "date_format": "%d/%m/%Y",
        "open_values": "open, active",
        "pathway_values": {"Discharge to assess": "discharge"},
    }
    fields.update(overrides)
    return ColumnMapping.objects.create(organisation=organisation, **fields)


def uk(day: date | datetime | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def caseload_csv(rows: Iterable[Mapping[str, str]], headers: Mapping[str, str] = HEADERS) -> bytes:
    """A CSV file in the partner's own headers; each row names our fields."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([headers[name] for name in ORDER if name in headers])
    for row in rows:
        writer.writerow([row.get(name, "") for name in ORDER if name in headers])
    return out.getvalue().encode()


def row_of(p: Participant, **fields: str) -> dict[str, str]:
    """A list row for participant `p` as Riverside would write it."""
    row = {
        "given_name": p.given_name,
        "family_name": p.family_name,
        "date_of_birth": uk(p.date_of_birth),
        "postcode": p.postcode,
        "address": p.address,
        "nhs_number": p.nhs_number,
        "pathway": "discharge",
        "status": "Open",
    }
    row.update(fields)
    return row


@dataclass
class Scene:
    """Riverside's caseload: who is who, and the rows of its list."""

    people: dict[str, Participant] = field(default_factory=dict)
    referrals: dict[str, Referral] = field(default_factory=dict)
    rows: list[dict[str, str]] = field(default_factory=list)


def build_scene(cast: Cast) -> Scene:
    """One participant per category, each in Riverside's sight:

    * ada: on the list with her NHS number, open with Riverside: matched, nothing else;
    * bob: on the list as "Bob" (Robert in the register), no NHS number: matched by names,
      date of birth and address;
    * cara: open with Riverside in the register, not on the list: missing from the list;
    * dan: on the list, open with SwiftStaff on the same pathway: duplicated across providers;
    * eve: on the list, but the register discharged her ten days ago: without an owner;
    * fay: closed on the list without an outcome: outcome missing;
    * gus: closed on the list with an outcome, still open in the register: outcome missing;
    * hal: open with Riverside for three days, no first contact (standard 24 h): long wait;
    * ivy: on the list, unknown to the register.
    """
    river, swift, discharge = cast.riverside, cast.swift, cast.discharge
    owner = cast.river_coordinator
    scene = Scene()

    def person(
        key: str, given: str, family: str, born: date, postcode: str, n: int | None
    ) -> Participant:
        p = make_participant(
            river,
            given_name=given,
            family_name=family,
            date_of_birth=born,
            postcode=postcode,
            address=f"{10 + len(scene.people)} Mill Lane, Northbridge",
            nhs_number=synthetic_nhs(n) if n is not None else "",
        )
        scene.people[key] = p
        return p

    ada = person("ada", "Ada", "Lovelace", date(1946, 5, 17), "NS1 4AB", 0)
    bob = person("bob", "Robert", "Brown", date(1939, 2, 3), "NS2 7QT", None)
    cara = person("cara", "Cara", "Fielding", date(1951, 8, 30), "NS3 1AA", 2)
    dan = person("dan", "Daniel", "Okafor", date(1948, 11, 12), "NS4 2BB", 3)
    eve = person("eve", "Evelyn", "Marsh", date(1944, 1, 25), "NS5 3CC", 4)
    fay = person("fay", "Fay", "Whitlock", date(1950, 6, 6), "NS6 4DD", 5)
    gus = person("gus", "Angus", "Reid", date(1936, 9, 14), "NS7 5EE", 6)
    hal = person("hal", "Harold", "Penrose", date(1941, 3, 21), "NS1 6FF", 7)
    seen = ago(days=9)
    for key, p in (("ada", ada), ("bob", bob), ("cara", cara), ("fay", fay), ("gus", gus)):
        scene.referrals[key] = make_referral(
            p, discharge, river, owner, received_at=ago(days=10), first_contact_at=seen
        )
    scene.referrals["dan"] = make_referral(
        dan,
        discharge,
        swift,
        cast.swift_admin,
        received_at=ago(days=5),
        first_contact_at=ago(days=4),
    )
    add_to_care_team(dan, river, CareReason.HANDOFF)
    scene.referrals["eve"] = make_referral(
        eve,
        discharge,
        river,
        owner,
        received_at=ago(days=40),
        first_contact_at=ago(days=39),
        discharged_at=ago(days=10),
        outcome="goals_met",
    )
    scene.referrals["hal"] = make_referral(hal, discharge, river, owner, received_at=ago(days=3))
    received = uk(ago(days=10))
    scene.rows = [
        row_of(ada, local_id="RHS001", referral_received=received, first_contact=uk(seen)),
        row_of(
            bob,
            local_id="RHS002",
            given_name="Bob",
            referral_received=received,
            first_contact=uk(seen),
        ),
        row_of(dan, local_id="RHS004", pathway="Discharge to assess"),
        row_of(eve, local_id="RHS005"),
        row_of(fay, local_id="RHS006", status="Closed", discharge=uk(ago(days=2))),
        row_of(
            gus,
            local_id="RHS007",
            status="Closed",
            discharge=uk(ago(days=1)),
            outcome="Goals met",
        ),
        row_of(hal, local_id="RHS008"),
        {
            "local_id": "RHS009",
            "given_name": "Ivy",
            "family_name": "Quennell",
            "date_of_birth": "02/04/1955",
            "postcode": "NS2 9ZZ",
            "address": "4 Orchard Row, Northbridge",
            "pathway": "discharge",
            "status": "Open",
        },
    ]
    return scene


def rows_named(rows: Sequence[dict[str, str]], given: str) -> dict[str, str]:
    return next(r for r in rows if r.get("given_name") == given)
