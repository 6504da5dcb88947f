"""The demo participants and referral register: about 2,000 people of Northshire and their
pathway episodes over the past year.

What it makes, as of the demo's fixed `ctx.now`:

* participants with synthetic NHS numbers (the never-issued 999 range, valid check digits;
  a few have none), a handful with US Medicaid ids, and partners' own ids;
* referrals on the discharge, crisis and therapy pathways, received by the prime and its
  partners, most discharged with an outcome, the rest open with a named owner; a few open
  ones have waited past their pathway's first-contact standard with no contact;
* consent: most share with everyone in the care, some only with named organisations, a few
  withdrawn, some never recorded;
* risk flags of every kind (some high, some resolved), preferences, declined workers;
* a few reassignments made today by the network admin through `cases.actions.reassign`;
* a handful of duplicate records for the duplicates page (one already merged, one pair
  marked "not the same person").

The bulk is written with `bulk_create` (the whole demo must build in about a minute), standing
for the register the network brought with it: one audit entry, by the network admin, says what
was imported; the stories at the end go through
`cases.actions`, each with its own audit entry. Names come from Faker (en_GB), seeded from the
step's own generator, so the same seed always builds the same people.

`ctx.objects` gains `participants` ([Participant]) and `cases_story` (the records the stories
picked, by name).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from faker import Faker

from seamline.access import Actor, actor_for
from seamline.audit.actions import record
from seamline.demo.registry import DemoContext, demo_step
from seamline.network.choices import Role
from seamline.network.models import Organisation, Pathway, User
from seamline.workforce.models import Worker

from . import actions
from .choices import CareReason, ConsentScope, Outcome, OwnershipHow, RiskKind, Severity
from .codes import PARTICIPANTS, referrals_counter, reserve
from .models import (
    CareTeamMember,
    Consent,
    LocalId,
    Ownership,
    Participant,
    Referral,
    RiskFlag,
)
from .rules import CLOSED_CASE_VISIBILITY, participant_code, referral_code, with_check_digit

SIZE = 2000
PRIME = "northbridge"

# Who receives and owns each pathway's referrals, with weights. Oakleaf is still onboarding,
# so the prime's own therapists carry the therapy pathway for now.
RECEIVERS: dict[str, tuple[tuple[str, float], ...]] = {
    "discharge": (
        ("riverside", 0.45),
        (PRIME, 0.3),
        ("hearth", 0.1),
        ("northshire-asc", 0.15),
    ),
    "crisis": ((PRIME, 0.6), ("riverside", 0.4)),
    "therapy": ((PRIME, 1.0),),
}
PATHWAY_WEIGHTS = (("discharge", 0.6), ("crisis", 0.25), ("therapy", 0.15))
# Each partner's own id for the people it receives: (prefix, digits).
LOCAL_IDS = {
    PRIME: ("NCC-", 6),
    "riverside": ("RHS", 5),
    "hearth": ("HH/", 4),
    "northshire-asc": ("ASC", 7),
}
REFERRERS: dict[str, tuple[tuple[str | None, str], ...]] = {
    "discharge": (
        ("northshire-hospitals", "Ward 7 discharge team"),
        ("northshire-hospitals", "Ward 12 (elderly care) discharge coordinator"),
        ("northshire-hospitals", "Acute medical unit"),
        ("northshire-hospitals", "Orthopaedic ward discharge team"),
    ),
    "crisis": (
        (None, "GP practice, Mill Lane Surgery"),
        (None, "NHS 111"),
        (None, "Daughter, by telephone"),
        ("northshire-asc", "Adult social care duty team"),
        (None, "Ambulance crew (see and treat)"),
    ),
    "therapy": (
        ("northshire-hospitals", "Inpatient therapy team"),
        (None, "GP practice, Eastwick Health Centre"),
        ("northshire-asc", "Occupational therapy, adult social care"),
    ),
}
OUTCOMES = (
    (Outcome.GOALS_MET, 0.42),
    (Outcome.ONGOING_CARE, 0.18),
    (Outcome.REFERRED_ON, 0.08),
    (Outcome.READMITTED, 0.1),
    (Outcome.RESIDENTIAL, 0.05),
    (Outcome.DECLINED, 0.06),
    (Outcome.NOT_ELIGIBLE, 0.03),
    (Outcome.NO_CONTACT, 0.02),
    (Outcome.MOVED_AWAY, 0.02),
    (Outcome.DIED, 0.04),
)
# How long an episode lasts on each pathway (days): typical, longest.
EPISODE_DAYS = {"discharge": (21, 56), "crisis": (5, 14), "therapy": (35, 70)}
TOWNS = (
    ("Northbridge", ("NS1", "NS2", "NS3")),
    ("Eastwick", ("NS4",)),
    ("Westford", ("NS5",)),
    ("Lowmoor", ("NS6",)),
    ("Saltmarsh", ("NS7",)),
)
PREFERENCES = (
    "Prefers female carers for personal care.",
    "Speaks Polish; her son interprets on the phone if needed.",
    "Morning visits after 9:00: takes a while to get going.",
    "Deaf in the left ear: sit on the right and face her.",
    "Has a dog that must be shut in the kitchen before care.",
    "Wants his wife present when medication is discussed.",
    "Key safe by the back door; please knock loudly first.",
    "Prefers to be called by his middle name, Jim.",
    "Muslim; no pork products when preparing meals.",
    "Likes to shower in the evening rather than the morning.",
)
FLAG_WEIGHTS = (
    (RiskKind.MISSED_VISITS, 0.16),
    (RiskKind.RECENT_ED_CONTACT, 0.16),
    (RiskKind.HOUSING_INSTABILITY, 0.08),
    (RiskKind.MEDICATION_CHANGE, 0.2),
    (RiskKind.BEHAVIOURAL_ESCALATION, 0.06),
    (RiskKind.CAREGIVER_STRESS, 0.12),
    (RiskKind.SAFEGUARDING, 0.08),
    (RiskKind.DETERIORATION, 0.14),
)
SEVERITIES = ((Severity.LOW, 0.35), (Severity.MEDIUM, 0.45), (Severity.HIGH, 0.2))
MEDICAID = (("NY", "AB{d5}C"), ("CA", "{d8}A"), ("TX", "{d9}"), ("FL", "{d10}"), ("OR", "{d7}"))
REASSIGN_REASONS = (
    "Coordinator on long-term sick leave: caseload shared across the team.",
    "Riverside at capacity in the east locality this week; prime's team picks up.",
    "Person moved to the north locality: the local team takes over.",
    "Complex medication regime: moved to the clinical lead's caseload.",
    "Family asked for a coordinator who speaks Urdu.",
)
# (how the duplicate differs, whether it keeps the NHS number)
DUPLICATE_KINDS = (
    ("typo", True),
    ("nickname", True),
    ("swapped", False),
    ("typo", False),
    ("nickname", False),
    ("upper", True),
    ("typo", True),
    ("swapped", True),
)
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
}


def clear_of_sprint_edge(age: timedelta) -> timedelta:
    """A discharge referral recorded while its 72 hours run starts its sprint, and the clock
    runs on while the demo builds: an age just under 72 hours is made 70, so that what the
    demo holds does not depend on how long the build took to reach it."""
    edge = timedelta(hours=72)
    return edge - timedelta(hours=2) if edge - timedelta(hours=2) <= age < edge else age


def _choose(rng: random.Random, weighted: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def synthetic_nhs_numbers(rng: random.Random, count: int) -> list[str]:
    """`count` distinct NHS numbers from the never-issued 999 range, each with a valid check
    digit, in a shuffled order."""
    found: set[str] = set()
    while len(found) < count:
        number = with_check_digit(f"999{rng.randrange(1_000_000):06d}")
        if number is not None:
            found.add(number)
    numbers = sorted(found)
    rng.shuffle(numbers)
    return numbers


@dataclass
class Plan:
    """One participant to be: details, referrals (as dicts) and the rest, before writing."""

    given: str
    family: str
    born: date
    postcode: str
    address: str
    nhs: str
    medicaid: tuple[str, str] = ("", "")
    preferences: str = ""
    referrals: list[dict[str, Any]] = field(default_factory=list)


class Builder:
    def __init__(self, ctx: DemoContext, size: int = SIZE) -> None:
        self.ctx = ctx
        self.size = size
        self.rng = ctx.rng
        self.now: datetime = ctx.now
        self.orgs: dict[str, Organisation] = ctx.objects["organisations"]
        self.pathways: dict[str, Pathway] = ctx.objects["pathways"]
        self.admin: Actor = ctx.objects["admin_actor"]
        self.fake = Faker("en_GB")
        self.fake.seed_instance(self.rng.randrange(2**32))
        people: dict[str, list[User]] = ctx.objects["people"]
        by_role: dict[str, list[User]] = ctx.objects["by_role"]
        owners_by_role = (Role.COORDINATOR, Role.SUPERVISOR, Role.PARTNER_ADMIN)
        self.owners: dict[str, list[User]] = {}
        for code, members in people.items():
            ranked = [u for r in owners_by_role for u in by_role[r] if u in members]
            if ranked:
                self.owners[code] = list(dict.fromkeys(ranked))
        self.standard = {"discharge": 24, "crisis": 2, "therapy": 120}
        self.story: dict[str, Any] = {}

    # -- planning ---------------------------------------------------------------------------

    def _address(self) -> tuple[str, str]:
        town, districts = self.rng.choice(TOWNS)
        district = self.rng.choice(districts)
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        postcode = f"{district} {self.rng.randint(1, 9)}{self.rng.choice(letters)}"
        postcode += self.rng.choice(letters)
        number = self.rng.randint(1, 140)
        street = f"{self.fake.street_name()}"
        if self.rng.random() < 0.12:
            return postcode, f"Flat {self.rng.randint(1, 24)}, {number} {street}\n{town}"
        return postcode, f"{number} {street}\n{town}"

    def _born(self) -> date:
        age = min(101, max(19, int(self.rng.gauss(76, 12))))
        return (self.now - timedelta(days=int(age * 365.25) + self.rng.randrange(365))).date()

    def _episode(self, pathway: str, received: datetime) -> dict[str, Any]:
        code = _choose(self.rng, RECEIVERS[pathway])
        org_ref, name = self.rng.choice(REFERRERS[pathway])
        episode: dict[str, Any] = {
            "pathway": pathway,
            "receiving": code,
            "owner_org": code,
            "owner": self.rng.choice(self.owners[code]),
            "referrer_org": org_ref,
            "referrer_name": name,
            "received": received,
            "first_contact": None,
            "discharged": None,
            "outcome": "",
        }
        hours = self.standard[pathway] * self.rng.uniform(0.2, 1.3)
        contact = received + timedelta(hours=hours)
        if contact < self.now:
            episode["first_contact"] = contact
        typical, longest = EPISODE_DAYS[pathway]
        days = min(longest, max(1.0, self.rng.gauss(typical, typical / 3)))
        ends = max(received + timedelta(days=days), contact)
        if ends < self.now - timedelta(hours=2):
            outcome = _choose(self.rng, OUTCOMES)
            if outcome == Outcome.NO_CONTACT:
                episode["first_contact"] = None
            episode["discharged"] = ends
            episode["outcome"] = outcome
        return episode

    def plan(self) -> list[Plan]:
        numbers = synthetic_nhs_numbers(self.rng, self.size)
        plans = []
        for i in range(self.size):
            postcode, address = self._address()
            plan = Plan(
                given=self.fake.first_name(),
                family=self.fake.last_name(),
                born=self._born(),
                postcode=postcode,
                address=address,
                nhs=numbers[i] if self.rng.random() < 0.93 else "",
            )
            if self.rng.random() < 0.02:
                state, pattern = self.rng.choice(MEDICAID)
                plan.medicaid = (
                    state,
                    pattern.format(
                        d5=_digits(self.rng, 5),
                        d7=_digits(self.rng, 7),
                        d8=_digits(self.rng, 8),
                        d9=_digits(self.rng, 9),
                        d10=_digits(self.rng, 10),
                    ),
                )
            if self.rng.random() < 0.1:
                plan.preferences = self.rng.choice(PREFERENCES)
            episodes = 1 + (self.rng.random() < 0.22) + (self.rng.random() < 0.05)
            start = self.now - timedelta(days=self.rng.uniform(0, 365))
            for _ in range(episodes):
                pathway = _choose(self.rng, PATHWAY_WEIGHTS)
                episode = self._episode(pathway, start)
                plan.referrals.append(episode)
                end = episode["discharged"]
                if end is None:
                    break
                start = end + timedelta(days=self.rng.uniform(5, 120))
                if start > self.now - timedelta(hours=3):
                    break
            plans.append(plan)
        self._long_waits(plans)
        return plans

    def _long_waits(self, plans: list[Plan]) -> None:
        """A few open referrals past their first-contact standard with no contact yet."""
        open_ones = [r for p in plans for r in p.referrals if r["discharged"] is None]
        for episode in self.rng.sample(open_ones, min(14, len(open_ones))):
            hours = self.standard[episode["pathway"]]
            episode["received"] = self.now - timedelta(hours=hours * self.rng.uniform(1.5, 3))
            episode["first_contact"] = None

    # -- writing ------------------------------------------------------------------------------

    def write(self, plans: list[Plan]) -> list[Participant]:
        first = reserve(PARTICIPANTS, len(plans))
        participants = Participant.objects.bulk_create(
            Participant(
                code=participant_code(first + i),
                given_name=plan.given,
                family_name=plan.family,
                date_of_birth=plan.born,
                postcode=plan.postcode,
                address=plan.address,
                nhs_number=plan.nhs,
                medicaid_state=plan.medicaid[0],
                medicaid_id=plan.medicaid[1],
                medicaid_checked=plan.medicaid[0] in ("NY", "CA", "TX", "FL"),
                preferences=plan.preferences,
                registered_by=self.orgs[plan.referrals[0]["receiving"]],
                created_at=plan.referrals[0]["received"],
            )
            for i, plan in enumerate(plans)
        )
        self._referrals(plans, participants)
        self._local_ids(plans, participants)
        self._consents(plans, participants)
        self._flags(participants)
        return participants

    def _referrals(self, plans: list[Plan], participants: list[Participant]) -> None:
        episodes = [
            (p, r) for plan, p in zip(plans, participants, strict=True) for r in plan.referrals
        ]
        episodes.sort(key=lambda pr: pr[1]["received"])
        per_year = Counter(timezone.localtime(r["received"]).year for _p, r in episodes)
        next_number = {year: reserve(referrals_counter(year), n) for year, n in per_year.items()}
        rows = []
        for participant, r in episodes:
            year = timezone.localtime(r["received"]).year
            rows.append(
                Referral(
                    code=referral_code(year, next_number[year]),
                    participant=participant,
                    pathway=self.pathways[r["pathway"]],
                    referrer_organisation=self.orgs[r["referrer_org"]]
                    if r["referrer_org"]
                    else None,
                    referrer_name=r["referrer_name"],
                    receiving_organisation=self.orgs[r["receiving"]],
                    received_at=r["received"],
                    first_contact_at=r["first_contact"],
                    discharged_at=r["discharged"],
                    outcome=r["outcome"],
                    owner_organisation=self.orgs[r["owner_org"]],
                    owner_person=r["owner"],
                    created_at=r["received"] + timedelta(minutes=self.rng.randint(5, 90)),
                )
            )
            next_number[year] += 1
        referrals = Referral.objects.bulk_create(rows, batch_size=500)
        ownerships: list[Ownership] = []
        parts: list[tuple[Participant, str, str, Referral | None, datetime, datetime | None]] = []
        for (participant, r), referral in zip(episodes, referrals, strict=True):
            r["referral"] = referral
            received, discharged = r["received"], r["discharged"]
            closes = discharged + CLOSED_CASE_VISIBILITY if discharged else None
            ownerships.append(
                Ownership(
                    referral=referral,
                    seq=1,
                    organisation=self.orgs[r["owner_org"]],
                    person=r["owner"],
                    started_at=received,
                    how=OwnershipHow.CREATED,
                )
            )
            lead = self.pathways[r["pathway"]].lead_organisation.code
            parts += [
                (participant, r["owner_org"], CareReason.OWNER, referral, received, closes),
                (participant, r["receiving"], CareReason.RECEIVING, referral, received, closes),
                (participant, lead, CareReason.PRIME, referral, received, closes),
            ]
            if r["referrer_org"]:
                parts.append(
                    (
                        participant,
                        r["referrer_org"],
                        CareReason.REFERRER,
                        referral,
                        received,
                        closes,
                    )
                )
        for plan, participant in zip(plans, participants, strict=True):
            first = plan.referrals[0]
            parts.append(
                (
                    participant,
                    first["receiving"],
                    CareReason.REGISTERED,
                    None,
                    first["received"],
                    first["received"] + actions.REGISTRATION_VISIBILITY,
                )
            )
        Ownership.objects.bulk_create(ownerships, batch_size=1000)
        CareTeamMember.objects.bulk_create(
            (
                CareTeamMember(
                    participant=p,
                    organisation=self.orgs[org],
                    reason=reason,
                    referral=referral,
                    started_at=start,
                    ended_at=end,
                )
                for p, org, reason, referral, start, end in parts
            ),
            batch_size=1000,
        )
        self.counts = {"referrals": len(referrals), "ownerships": len(ownerships)}
        self.counts["care_team"] = len(parts)
        self.episodes = episodes

    def _local_ids(self, plans: list[Plan], participants: list[Participant]) -> None:
        rows, used = [], set()
        for plan, participant in zip(plans, participants, strict=True):
            for org in dict.fromkeys(r["receiving"] for r in plan.referrals):
                if org not in LOCAL_IDS or self.rng.random() > 0.8:
                    continue
                prefix, digits = LOCAL_IDS[org]
                value = f"{prefix}{_digits(self.rng, digits)}"
                if (org, value) in used:
                    continue
                used.add((org, value))
                rows.append(
                    LocalId(participant=participant, organisation=self.orgs[org], value=value)
                )
        LocalId.objects.bulk_create(rows, batch_size=1000)
        self.counts["local_ids"] = len(rows)

    def _consents(self, plans: list[Plan], participants: list[Participant]) -> None:
        planned: list[tuple[Participant, str, list[str], date, datetime | None]] = []
        for plan, participant in zip(plans, participants, strict=True):
            roll = self.rng.random()
            if roll < 0.08:
                continue  # never recorded: shared for direct care within the care team
            first = plan.referrals[0]
            given = timezone.localtime(first["received"]).date()
            if roll < 0.83:
                planned.append((participant, ConsentScope.ALL_INVOLVED, [], given, None))
            elif roll < 0.96:
                named = (
                    [first["owner_org"], PRIME] if self.rng.random() < 0.5 else [first["owner_org"]]
                )
                planned.append((participant, ConsentScope.NAMED, named, given, None))
            else:
                withdrawn = self.now - timedelta(days=self.rng.uniform(1, 30))
                planned.append((participant, ConsentScope.ALL_INVOLVED, [], given, withdrawn))
        consents = Consent.objects.bulk_create(
            (
                Consent(
                    participant=p,
                    scope=scope,
                    valid_from=given,
                    withdrawn_at=withdrawn,
                    note="Signed consent form at the first visit."
                    if withdrawn is None
                    else "Withdrew consent by telephone to the coordinator.",
                    recorded_at=self.now - timedelta(days=1),
                )
                for p, scope, _named, given, withdrawn in planned
            ),
            batch_size=1000,
        )
        through = Consent.organisations.through
        through.objects.bulk_create(
            through(consent_id=c.pk, organisation_id=self.orgs[code].pk)
            for c, (_p, _s, named, _g, _w) in zip(consents, planned, strict=True)
            for code in dict.fromkeys(named)
        )
        for consent, (participant, *_rest) in zip(consents, planned, strict=True):
            participant.current_consent = consent
        # One statement instead of an UPDATE per row: each gets its only consent record.
        Participant.objects.filter(pk__in=[p.pk for p, *_r in planned]).update(
            current_consent=Subquery(
                Consent.objects.filter(participant=OuterRef("pk")).order_by("-id").values("pk")[:1]
            )
        )
        self.counts["consents"] = len(consents)

    def _flags(self, participants: list[Participant]) -> None:
        rows = []
        for participant in participants:
            if self.rng.random() > 0.24:
                continue
            for _ in range(1 + (self.rng.random() < 0.25)):
                raised = self.now - timedelta(days=self.rng.uniform(0, 120))
                resolved = None
                if self.rng.random() < 0.45:
                    resolved = min(raised + timedelta(days=self.rng.uniform(1, 30)), self.now)
                rows.append(
                    RiskFlag(
                        participant=participant,
                        kind=_choose(self.rng, FLAG_WEIGHTS),
                        severity=_choose(self.rng, SEVERITIES),
                        source_organisation=participant.registered_by,
                        raised_at=raised,
                        resolved_at=resolved,
                        resolution="Reviewed at the huddle; risk reduced." if resolved else "",
                    )
                )
        RiskFlag.objects.bulk_create(rows, batch_size=1000)
        self.counts["flags"] = len(rows)

    # -- stories through the actions ------------------------------------------------------------

    def declined_workers(self) -> None:
        workers: dict[str, list[Worker]] = self.ctx.objects.get("workers", {})
        coordinator = self._actor_of(Role.COORDINATOR, "riverside")
        rows = 0
        in_care = Participant.objects.visible_to(coordinator).exclude(preferences="")
        for participant in in_care.order_by("pk")[:8]:
            pool = workers.get("riverside", [])
            if not pool:
                break
            actions.decline_worker(
                coordinator,
                participant,
                self.rng.choice(pool),
                reason="Asked not to have this carer again after a disagreement about visit times.",
            )
            rows += 1
        self.counts["declined_workers"] = rows

    def _actor_of(self, role: str, org: str) -> Actor:
        people: list[User] = self.ctx.objects["people"][org]
        holder = next(u for u in self.ctx.objects["by_role"][role] if u in people)
        holder.__dict__.pop("_seamline_actor", None)
        return actor_for(holder)

    def reassignments(self) -> None:
        """Today's reassignments by the network admin, each with its reason."""
        open_referrals = [
            r["referral"]
            for _p, r in self.episodes
            if r["discharged"] is None and r["owner_org"] == "riverside"
        ]
        prime_owners = self.owners[PRIME]
        moved = []
        for referral in self.rng.sample(open_referrals, min(12, len(open_referrals))):
            referral.refresh_from_db()
            actions.reassign(
                self.admin,
                referral,
                self.orgs[PRIME],
                self.rng.choice(prime_owners),
                self.rng.choice(REASSIGN_REASONS),
            )
            moved.append(referral.code)
        self.story["reassigned"] = moved

    def duplicates(self, participants: list[Participant]) -> list[Participant]:
        """A few people registered twice by different partners, with the usual differences."""
        made = []
        # People still in the prime's sight: an open referral, or one closed within weeks.
        recent = self.now - CLOSED_CASE_VISIBILITY + timedelta(days=14)
        current = {
            p.pk for p, r in self.episodes if r["discharged"] is None or r["discharged"] > recent
        }
        sources = [
            p
            for p in participants
            if p.pk in current
            and p.nhs_number
            and p.current_consent is not None
            and p.current_consent.scope == ConsentScope.ALL_INVOLVED
            and p.current_consent.withdrawn_at is None
        ]
        for (kind, keep_nhs), original in zip(
            DUPLICATE_KINDS, self.rng.sample(sources, len(DUPLICATE_KINDS)), strict=True
        ):
            given, family = original.given_name, original.family_name
            if kind == "typo" and len(family) > 4:
                i = self.rng.randrange(1, len(family) - 1)
                family = family[:i] + family[i + 1] + family[i] + family[i + 2 :]
            elif kind == "nickname":
                given = NICKNAMES.get(given, given[:3] if len(given) > 4 else given)
            elif kind == "swapped":
                given, family = family, given
            elif kind == "upper":
                given, family = given.upper(), family.upper()
            receiving = "hearth" if self.rng.random() < 0.5 else "riverside"
            coordinator = self._actor_of(
                Role.COORDINATOR if receiving == "riverside" else Role.PARTNER_ADMIN, receiving
            )
            twin = actions.register_participant(
                coordinator,
                given_name=given,
                family_name=family,
                date_of_birth=original.date_of_birth,
                postcode=original.postcode,
                address=original.address,
                nhs_number=original.nhs_number if keep_nhs else "",
            )
            actions.create_referral(
                coordinator,
                twin,
                pathway=self.pathways["discharge"],
                receiving_organisation=self.orgs[receiving],
                received_at=self.now
                - clear_of_sprint_edge(timedelta(days=self.rng.uniform(2, 20))),
                owner_person=coordinator.user,
                referrer_name="Ward 7 discharge team",
                referrer_organisation=self.orgs["northshire-hospitals"],
            )
            made.append(twin)
        quality = self.ctx.objects["quality_actor"]
        first, second = made[0], made[1]
        actions.merge(
            quality,
            Participant.objects.get(nhs_number=first.nhs_number, pk__lt=first.pk),
            first,
            reason="Same NHS number, date of birth and address: registered twice at discharge.",
            basis="nhs_number",
        )
        lookalike = Participant.objects.get(nhs_number=second.nhs_number, pk__lt=second.pk)
        actions.not_the_same(
            quality,
            lookalike,
            second,
            reason="Checked with the GP practice: a father and son at the same address.",
        )
        self.story["duplicates"] = [p.code for p in made]
        return made


@demo_step("cases", order=40, units=6)
def build(ctx: DemoContext) -> None:
    populate(ctx, SIZE)


def populate(ctx: DemoContext, size: int) -> Builder:
    """The step, at `size` participants (tests build a small network)."""
    builder = Builder(ctx, size)
    plans = builder.plan()
    ctx.progress()
    participants = builder.write(plans)
    ctx.progress(2)
    # The bulk stands for the register the network brought with it: its network admin
    # imported it, and the log says so once, with the counts.
    record(
        builder.admin,
        "cases.import",
        target={
            "object_type": "cases.participant",
            "object_id": f"{len(participants)} loaded",
            "object_label": "",
            "object_organisation_code": "",
        },
        changes={"participants": len(participants), **builder.counts},
        reason="The participant register and a year of referrals, imported when the network "
        "moved onto Seamline.",
    )
    builder.declined_workers()
    builder.reassignments()
    ctx.progress()
    builder.duplicates(participants)
    ctx.progress()
    builder.story["counts"] = builder.counts
    ctx.objects.update(participants=participants, cases_story=builder.story)
    return builder
