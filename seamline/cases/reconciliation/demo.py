"""The demo's caseload lists: each partner's own list, in its own columns, with the noise real
lists carry, so that anyone can try the upload (`seamline demo` writes today's list of each
partner to `demo-data/caseload-<partner code>.csv`).

For each partner that owns cases in the demo register (the prime, Riverside, Hearth and the
county's adult social care team):

* its column mapping is saved (each partner names its columns and writes its dates its own way);
* its lists as of eight and four weeks ago are reconciled and stored, so the runs page has a
  trend (the older lists are noisier: the partners' data improves);
* today's list is written to `demo-data/` for people to upload.

A list holds the partner's open cases and those it closed in the last month, and the noise of
real lists: typing slips, swapped given and family names, nicknames, missing or mistyped NHS
numbers (failing their check digit), transposed birth dates, people who moved house, cases the
partner forgot, people it still lists as open though the register discharged them (stale
discharges), people another provider has open on the same pathway (duplicates across
providers), new people the register does not know yet, and discharges without an outcome.

Seeded from the step's own generator: the same seed always writes the same files.
"""

from __future__ import annotations

import csv
import io
import os
import random
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from seamline.access import Actor, actor_for
from seamline.cases.choices import Outcome
from seamline.cases.models import LocalId, Ownership, Participant, Referral
from seamline.cases.rules import is_valid_nhs_number
from seamline.demo.registry import DemoContext, demo_step
from seamline.network.choices import Role
from seamline.network.models import Organisation, User

from . import actions


# Each partner's own file: its headers for our fields, how it writes dates, its words.
@dataclass(frozen=True)
class Layout:
    columns: dict[str, str]
    date_format: str
    open_word: str
    closed_word: str
    pathways: dict[str, str]  # our pathway code -> the partner's name for it
    id_prefix: str


LAYOUTS = {
    "northbridge": Layout(
        columns={
            "local_id": "Client ID",
            "nhs_number": "NHS Number",
            "given_name": "First Name",
            "family_name": "Last Name",
            "date_of_birth": "Date of Birth",
            "postcode": "Postcode",
            "address": "Address",
            "pathway": "Pathway",
            "status": "Status",
            "referral_received": "Referral Received",
            "first_contact": "First Contact",
            "discharge": "Discharged",
            "outcome": "Outcome",
        },
        date_format="%Y-%m-%d",
        open_word="Open",
        closed_word="Closed",
        pathways={"discharge": "discharge", "crisis": "crisis", "therapy": "therapy"},
        id_prefix="NCC-",
    ),
    "riverside": Layout(
        columns={
            "local_id": "RHS No",
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
        },
        date_format="%d/%m/%Y",
        open_word="Active",
        closed_word="Closed",
        pathways={"discharge": "Discharge to assess", "crisis": "Rapid response"},
        id_prefix="RHS",
    ),
    "hearth": Layout(
        columns={
            "local_id": "Ref",
            "nhs_number": "NHS",
            "given_name": "Given",
            "family_name": "Family",
            "date_of_birth": "Born",
            "postcode": "PC",
            "address": "Street",
            "pathway": "Programme",
            "status": "Open?",
            "referral_received": "Received",
            "first_contact": "Contacted",
            "discharge": "Ended",
            "outcome": "Result",
        },
        date_format="%d.%m.%Y",
        open_word="yes",
        closed_word="no",
        pathways={"discharge": "Home from hospital"},
        id_prefix="HH/",
    ),
    "northshire-asc": Layout(
        columns={
            "local_id": "Person ID",
            "nhs_number": "NHS number",
            "given_name": "Forename(s)",
            "family_name": "Surname",
            "date_of_birth": "D.O.B.",
            "postcode": "Postcode",
            "address": "Address line 1",
            "pathway": "Team",
            "status": "Case status",
            "referral_received": "Date referred",
            "first_contact": "Date first seen",
            "discharge": "Date closed",
            "outcome": "Closure reason",
        },
        date_format="%d/%m/%Y",
        open_word="Allocated",
        closed_word="Closed",
        pathways={"discharge": "Reablement"},
        id_prefix="ASC",
    ),
}
# How the list of `weeks` ago is made noisier than today's (the partners' data improves).
HISTORY = ((8, 1.6), (4, 1.25))
RECENTLY_CLOSED = timedelta(days=30)
STALE_WITHIN = timedelta(days=80)
NICKNAMES = {
    "Robert": "Bob",
    "William": "Bill",
    "Elizabeth": "Liz",
    "James": "Jim",
    "Margaret": "Maggie",
    "Katherine": "Kate",
    "Thomas": "Tom",
    "Anthony": "Tony",
    "Susan": "Sue",
    "David": "Dave",
    "Michael": "Mike",
    "Christopher": "Chris",
    "Patricia": "Pat",
    "Richard": "Rick",
    "Jennifer": "Jenny",
}


def demo_data_dir() -> Path:
    """Where `seamline demo` writes the lists: `demo-data/` in the folder it runs in (a test
    run that builds the whole demo writes to the temporary folder, never the working copy)."""
    if "SEAMLINE_DEMO_DATA" in os.environ:
        return Path(os.environ["SEAMLINE_DEMO_DATA"])
    if settings.RUNNING_TESTS:
        return Path(tempfile.gettempdir()) / f"seamline-demo-data-{os.getpid()}"
    return Path(settings.WORK_DIR) / "demo-data"


@dataclass
class Episode:
    participant: Participant
    referral: Referral
    owner_then: int


class Lists:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng: random.Random = ctx.rng
        self.now: datetime = ctx.now
        self.orgs: dict[str, Organisation] = {o.code: o for o in Organisation.objects.all()}
        self.referrals = list(
            Referral.objects.select_related("participant", "pathway").order_by("received_at", "pk")
        )
        self.owners: dict[int, list[tuple[datetime, int]]] = {}
        for referral_id, started, organisation in Ownership.objects.order_by(
            "referral_id", "seq"
        ).values_list("referral_id", "started_at", "organisation_id"):
            self.owners.setdefault(referral_id, []).append((started, organisation))
        self.local_ids: dict[tuple[int, int], str] = {
            (p, o): v
            for p, o, v in LocalId.objects.values_list("participant_id", "organisation_id", "value")
        }
        self.made_ids: dict[tuple[int, int], str] = {}
        # Who each organisation has worked with: it sees them, so its list can name them.
        self.worked_with: dict[int, set[int]] = {}
        for referral in self.referrals:
            self.worked_with.setdefault(referral.receiving_organisation_id, set()).add(
                referral.participant_id
            )

    def owner_at(self, referral: Referral, at: datetime) -> int | None:
        found = None
        for started, organisation in self.owners.get(referral.pk, []):
            if started <= at:
                found = organisation
        return found

    def local_id(self, participant: Participant, org: Organisation, layout: Layout) -> str:
        key = (participant.pk, org.pk)
        if key in self.local_ids:
            return self.local_ids[key]
        if key not in self.made_ids:
            self.made_ids[key] = f"{layout.id_prefix}{self.rng.randrange(10**5, 10**6)}"
        return self.made_ids[key]

    # -- one list ------------------------------------------------------------------------------

    def rows(self, code: str, at: datetime, noise: float) -> list[dict[str, str]]:
        org, layout = self.orgs[code], LAYOUTS[code]
        rng = self.rng
        rows: list[dict[str, str]] = []
        others_open: list[Referral] = []
        for referral in self.referrals:
            if referral.received_at > at:
                continue
            owner = self.owner_at(referral, at)
            discharged = (
                referral.discharged_at
                if referral.discharged_at and referral.discharged_at <= at
                else None
            )
            if owner != org.pk:
                known = referral.participant_id in self.worked_with.get(org.pk, set())
                if discharged is None and known and referral.pathway.code in layout.pathways:
                    others_open.append(referral)
                continue
            if discharged is not None and at - discharged > RECENTLY_CLOSED:
                # A stale discharge: closed in the register in the last three months (so the
                # partner still sees the record), still open on the partner's list.
                stale = at - discharged < STALE_WITHIN and rng.random() < 0.08 * noise
                if stale and referral.pathway.code in layout.pathways:
                    rows.append(self.row(referral, org, layout, at, noise, force_open=True))
                continue
            if discharged is None and rng.random() < 0.03 * noise:
                continue  # forgotten: open in the register, missing from their list
            if referral.pathway.code not in layout.pathways:
                continue
            rows.append(self.row(referral, org, layout, at, noise))
        for referral in rng.sample(
            others_open, min(len(others_open), max(1, int(len(rows) * 0.02)))
        ):
            rows.append(self.row(referral, org, layout, at, noise, force_open=True))
        for _ in range(max(1, int(len(rows) * 0.02 * noise))):
            rows.append(self.stranger(layout, at))
        rng.shuffle(rows)
        return rows

    def row(
        self,
        referral: Referral,
        org: Organisation,
        layout: Layout,
        at: datetime,
        noise: float,
        force_open: bool = False,
    ) -> dict[str, str]:
        rng = self.rng
        p = referral.participant
        given, family = p.given_name, p.family_name
        if rng.random() < 0.04 * noise and given in NICKNAMES:
            given = NICKNAMES[given]
        if rng.random() < 0.04 * noise:
            family = _typo(rng, family)
        if rng.random() < 0.02 * noise:
            given, family = family, given
        born = p.date_of_birth
        if rng.random() < 0.015 * noise and born.day <= 12 and born.day != born.month:
            born = born.replace(month=born.day, day=born.month)
        nhs = p.nhs_number
        roll = rng.random()
        if roll < 0.2 * noise:
            nhs = ""
        elif roll < 0.2 * noise + 0.02 * noise and nhs:
            nhs = _mistype(rng, nhs)
        postcode, address = p.postcode, p.address.split("\n")[0]
        if rng.random() < 0.03 * noise:
            postcode, address = f"NS{rng.randint(1, 7)} {rng.randint(1, 9)}XY", "1 New Court"
        if rng.random() < 0.02 * noise:
            # A hard one for clerical review: no NHS number, moved house, a day out on the
            # birth date; only the names agree.
            given, family, nhs = p.given_name, p.family_name, ""
            born = born + timedelta(days=1 if born.day < 28 else -1)
            postcode, address = f"NS{rng.randint(1, 7)} {rng.randint(1, 9)}XY", "1 New Court"
        discharged = (
            referral.discharged_at
            if referral.discharged_at and referral.discharged_at <= at
            else None
        )
        contact = (
            referral.first_contact_at
            if referral.first_contact_at and referral.first_contact_at <= at
            else None
        )
        is_open = force_open or discharged is None
        outcome = ""
        if not is_open and discharged is not None and rng.random() > 0.05 * noise:
            outcome = Outcome(referral.outcome).label if referral.outcome else ""
        fmt = layout.date_format
        return {
            "local_id": self.local_id(p, org, layout),
            "nhs_number": _spaced(nhs) if nhs and rng.random() < 0.5 else nhs,
            "given_name": given,
            "family_name": family,
            "date_of_birth": born.strftime(fmt),
            "postcode": postcode,
            "address": address,
            "pathway": layout.pathways.get(referral.pathway.code, ""),
            "status": layout.open_word if is_open else layout.closed_word,
            "referral_received": _local(referral.received_at).strftime(fmt),
            "first_contact": _local(contact).strftime(fmt) if contact else "",
            "discharge": _local(discharged).strftime(fmt) if discharged and not is_open else "",
            "outcome": outcome if not is_open else "",
        }

    def stranger(self, layout: Layout, at: datetime) -> dict[str, str]:
        """A new referral the partner has but the register does not know yet."""
        rng = self.rng
        born = (at - timedelta(days=int(365.25 * rng.randint(60, 95)) + rng.randrange(365))).date()
        return {
            "local_id": f"{layout.id_prefix}{rng.randrange(10**6, 10**7)}",
            "nhs_number": "",
            "given_name": rng.choice(["Alma", "Cyril", "Edna", "Percy", "Vera", "Wilfred", "Ida"]),
            "family_name": rng.choice(
                ["Ashdown", "Brierley", "Cattermole", "Dunstan", "Frobisher"]
            ),
            "date_of_birth": born.strftime(layout.date_format),
            "postcode": f"NS{rng.randint(1, 7)} {rng.randint(1, 9)}QZ",
            "address": f"{rng.randint(1, 90)} Quarry Road",
            "pathway": next(iter(layout.pathways.values())),
            "status": layout.open_word,
            "referral_received": _local(at - timedelta(days=rng.randint(1, 6))).strftime(
                layout.date_format
            ),
            "first_contact": "",
            "discharge": "",
            "outcome": "",
        }


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _mistype(rng: random.Random, nhs: str) -> str:
    for _ in range(10):
        i = rng.randrange(10)
        changed = nhs[:i] + str((int(nhs[i]) + rng.randint(1, 9)) % 10) + nhs[i + 1 :]
        if not is_valid_nhs_number(changed):
            return changed
    return nhs


def _spaced(nhs: str) -> str:
    return f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"


def to_csv(rows: list[dict[str, str]], layout: Layout) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    fields = list(layout.columns)
    writer.writerow([layout.columns[f] for f in fields])
    for row in rows:
        writer.writerow([row.get(f, "") for f in fields])
    return out.getvalue().encode()


def _uploader(ctx: DemoContext, code: str) -> Actor:
    """The partner's quality lead, coordinator or partner admin (the network admin when it
    has none)."""
    people: list[User] = ctx.objects["people"].get(code, [])
    by_role: dict[str, list[User]] = ctx.objects["by_role"]
    roles = (Role.QUALITY_LEAD, Role.COORDINATOR, Role.PARTNER_ADMIN)
    holder = next((u for r in roles for u in by_role.get(r, []) if u in people), None)
    if holder is None:
        admin: Actor = ctx.objects["admin_actor"]
        return admin
    holder.__dict__.pop("_seamline_actor", None)
    return actor_for(holder)


def populate(ctx: DemoContext, folder: Path | None = None) -> dict[str, Any]:
    """Mappings, the stored runs of eight and four weeks ago, and today's files."""
    lists = Lists(ctx)
    folder = folder or demo_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Any] = {"files": [], "runs": []}
    for code, layout in LAYOUTS.items():
        if code not in lists.orgs:
            continue
        org = lists.orgs[code]
        actor = _uploader(ctx, code)
        actions.save_mapping(
            actor,
            org,
            columns=layout.columns,
            date_format=layout.date_format,
            open_values=layout.open_word,
            pathway_values={
                theirs: ours for ours, theirs in layout.pathways.items() if theirs != ours
            },
        )
        for weeks, noise in HISTORY:
            at = ctx.now - timedelta(weeks=weeks)
            data = to_csv(lists.rows(code, at, noise), layout)
            outcome = actions.reconcile(
                actor, org, data, file_name=f"caseload-{code}-{at:%Y%m%d}.csv", at=at
            )
            if outcome.errors:
                raise ValueError(f"demo list of {code} has errors: {outcome.errors[:3]}")
            written["runs"].append(outcome.run)
        path = folder / f"caseload-{code}.csv"
        path.write_bytes(to_csv(lists.rows(code, ctx.now, 1.0), layout))
        written["files"].append(path)
        ctx.progress()
    ctx.objects["caseload_files"] = written["files"]
    return written


@demo_step("reconciliation", order=45, units=len(LAYOUTS))
def build(ctx: DemoContext) -> None:
    populate(ctx)
