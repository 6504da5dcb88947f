"""The network app's part of the demo: organisations, people, pathways and decision rights.

A fictional county, Northshire, whose care network is led by Northbridge Community Care. What
this step leaves in `ctx.objects` for the steps after it:

* ``network_admin`` (User) and ``admin_actor`` (Actor): the prime's network admin;
* ``quality_actor`` (Actor): the prime's quality lead, who designs pathways;
* ``organisations``: {code: Organisation};
* ``people``: {organisation code: [User, ...]} in the order they were added;
* ``by_role``: {role: [User, ...]} across the network;
* ``pathways``: {code: Pathway};
* ``joining``: {organisation code: when it joined} for the partners that are active in the
  story. Every partner is added onboarding, as a real one is; a second step (`joining`, after
  the quality app's due-diligence reviews) makes those active, dated `REVIEW_DAYS` after they
  joined, and then tells the rest of their status history.

Names of people come from the step's own seeded generator; everything else is fixed.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from seamline.access import Actor, actor_for
from seamline.demo.registry import DemoContext, demo_step

from . import actions
from .choices import ActionKind, ClockStart, OrgKind, OrgStatus, RaciLetter, Role
from .models import Organisation, Pathway, PathwayStep, User

PRIME = "northbridge"
INSPECTOR_DAYS = 14
# The network was set up, and its partners joined, this long before the demo's `now`, so that
# the history other apps tell (eighteen months of sign-offs) finds every partner active; a
# partner still onboarding joined recently.
JOINED_DAYS = 730
ONBOARDING_DAYS = 45
# A partner reviewed before it works (due diligence) became active this long after it joined.
REVIEW_DAYS = 21

OrgMap = dict[str, Organisation]

# --- organisations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgPlan:
    code: str
    name: str
    kind: str
    domain: str
    address: str
    phone: str
    joined: str  # why it joined (the first entry of its status history)
    story: tuple[tuple[str, str], ...] = ()  # later status changes: (new status, reason)
    starts: str = OrgStatus.ACTIVE


# Telephone numbers are from the ranges set aside for drama; addresses are invented.
ORGANISATIONS: tuple[OrgPlan, ...] = (
    OrgPlan(
        PRIME,
        "Northbridge Community Care",
        OrgKind.PRIME,
        "northbridge-care.example",
        "Canal Wharf House, 12 Mill Lane, Northbridge NS1 4AB",
        "01632 960 100",
        "Prime provider holding the Northshire community care contract for the integrated "
        "care board; single point of accountability for the network's pathways.",
    ),
    OrgPlan(
        "riverside",
        "Riverside Home Support",
        OrgKind.SUBCONTRACTOR,
        "riverside-homesupport.example",
        "Unit 4, Weaver's Yard, Eastwick NS4 2QT",
        "01632 960 214",
        "Home-care subcontract for the north and east localities, including double-handed "
        "and end-of-life visits.",
    ),
    OrgPlan(
        "swiftstaff",
        "SwiftStaff Care Agency",
        OrgKind.STAFFING_AGENCY,
        "swiftstaff.example",
        "2nd floor, 88 Station Road, Northbridge NS1 7JD",
        "01632 960 377",
        "Framework staffing agency supplying carers at short notice for cover and bridging care.",
        story=(
            (
                OrgStatus.SUSPENDED,
                "Spot-check found two placed carers whose DBS renewals had lapsed; new "
                "placements paused until every placed worker's check is evidenced.",
            ),
            (
                OrgStatus.ACTIVE,
                "DBS renewals evidenced for all 23 placed workers and a repeat spot-check "
                "came back clean; placements resume with monthly checks for six months.",
            ),
        ),
    ),
    OrgPlan(
        "hearth",
        "Hearth & Home Neighbours",
        OrgKind.VCSE,
        "hearthandhome.example",
        "The Old Chapel, Church Street, Lowmoor NS6 1EF",
        "01632 960 452",
        "Voluntary-sector partner for settling-in support, befriending, shopping and "
        "housing advice after discharge.",
    ),
    OrgPlan(
        "northshire-asc",
        "Northshire County Council Adult Social Care",
        OrgKind.LOCAL_AUTHORITY,
        "northshire.gov.example",
        "County Hall, Market Square, Northbridge NS1 1AA",
        "01632 960 500",
        "County adult social care team: Care Act assessments, safeguarding enquiries and the "
        "community equipment service.",
    ),
    OrgPlan(
        "northshire-hospitals",
        "Northshire Hospitals NHS Foundation Trust",
        OrgKind.NHS_TRUST,
        "northshire-hospitals.nhs.example",
        "Northshire General Hospital, Infirmary Road, Northbridge NS2 8HX",
        "01632 960 600",
        "Acute trust discharging patients into the network; ward discharge coordinators and "
        "the pharmacy's medicines reconciliation team take part in the discharge pathway.",
    ),
    OrgPlan(
        "northshire-icb",
        "NHS Northshire Integrated Care Board",
        OrgKind.COMMISSIONER,
        "northshire-icb.nhs.example",
        "Riverside House, 3 Quay Street, Northbridge NS1 3PL",
        "01632 960 700",
        "Commissioner of the network contract; receives the monthly assurance pack.",
    ),
    OrgPlan(
        "oakleaf",
        "Oakleaf Therapy Partners",
        OrgKind.SUBCONTRACTOR,
        "oakleaf-therapy.example",
        "14 Orchard Court, Westford NS5 9LR",
        "01632 960 815",
        "New community therapy subcontractor (physiotherapy and occupational therapy). Due "
        "diligence in progress: insurance and clinical governance documents received, DBS "
        "audit booked.",
        starts=OrgStatus.ONBOARDING,
    ),
    OrgPlan(
        "brightwater",
        "Brightwater Care",
        OrgKind.SUBCONTRACTOR,
        "brightwater-care.example",
        "7 Harbour Street, Saltmarsh NS7 3DD",
        "01632 960 933",
        "Home-care subcontract for the coastal locality.",
        story=(
            (
                OrgStatus.EXITED,
                "Contract ended by mutual agreement at the end of its term; every open case "
                "was handed to Riverside Home Support through the handoff process.",
            ),
        ),
    ),
)

# --- people ----------------------------------------------------------------------------------

# Who works where: (roles, job title). Names are drawn from the seed; the first holder of each
# role in this order is the login `seamline demo` prints for that role.
STAFF: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    PRIME: (
        ((Role.NETWORK_ADMIN,), "Head of network operations"),
        ((Role.QUALITY_LEAD,), "Network quality and governance lead"),
        ((Role.SUPERVISOR,), "Clinical lead, community nursing"),
        ((Role.COORDINATOR,), "Discharge care coordinator"),
        ((Role.SCHEDULER,), "Rota coordinator"),
        ((Role.WORKER,), "Senior community support worker"),
        ((Role.WORKER,), "Community support worker"),
        ((Role.WORKER,), "Community support worker"),
    ),
    "riverside": (
        ((Role.PARTNER_ADMIN,), "Registered manager"),
        ((Role.SUPERVISOR,), "Care supervisor"),
        ((Role.COORDINATOR,), "Care coordinator"),
        ((Role.SCHEDULER,), "Scheduler"),
        ((Role.WORKER,), "Senior carer"),
        ((Role.WORKER,), "Home carer"),
        ((Role.WORKER,), "Home carer"),
        ((Role.WORKER,), "Home carer"),
        ((Role.WORKER,), "Home carer (nights)"),
    ),
    "swiftstaff": (
        ((Role.PARTNER_ADMIN,), "Branch manager"),
        ((Role.SCHEDULER,), "Placement consultant"),
        ((Role.WORKER,), "Agency carer"),
        ((Role.WORKER,), "Agency carer"),
        ((Role.WORKER,), "Agency carer"),
        ((Role.WORKER,), "Agency carer"),
    ),
    "hearth": (
        ((Role.PARTNER_ADMIN,), "Services manager"),
        ((Role.COORDINATOR,), "Volunteer coordinator"),
        ((Role.WORKER,), "Settling-in support worker"),
        ((Role.WORKER,), "Housing advice worker"),
    ),
    "northshire-asc": (
        ((Role.PARTNER_ADMIN,), "Team manager, hospital and community social work"),
        ((Role.SUPERVISOR,), "Senior practitioner"),
        ((Role.COORDINATOR,), "Social worker"),
    ),
    "northshire-hospitals": (
        ((Role.PARTNER_ADMIN,), "Head of patient flow"),
        ((Role.SUPERVISOR,), "Lead pharmacist, medicines reconciliation"),
        ((Role.COORDINATOR,), "Ward discharge coordinator"),
        ((Role.WORKER,), "Discharge liaison nurse"),
    ),
    "northshire-icb": (
        ((Role.COMMISSIONER,), "Senior commissioning manager, community services"),
        ((Role.COMMISSIONER,), "Contract and quality manager"),
    ),
    "oakleaf": (
        ((Role.PARTNER_ADMIN,), "Practice manager"),
        ((Role.SUPERVISOR,), "Clinical lead physiotherapist"),
        ((Role.WORKER,), "Occupational therapist"),
        ((Role.WORKER,), "Therapy assistant"),
    ),
}
# The printed logins show the network from the prime and from one partner's side.
LOGIN_ORG: dict[str, str] = {
    Role.PARTNER_ADMIN: "riverside",
    Role.SUPERVISOR: "riverside",
    Role.COORDINATOR: "riverside",
    Role.SCHEDULER: "riverside",
    Role.WORKER: "riverside",
    Role.COMMISSIONER: "northshire-icb",
}
# Time-boxed, read-only access for a visiting inspector, granted by the network admin.
INSPECTOR = (PRIME, "Inspector, Care Quality Commission (visiting)")

FIRST_NAMES = (
    "Aisha", "Amara", "Anil", "Bethan", "Callum", "Chidi", "Chloe", "Daniel", "Deepa", "Eilidh",
    "Emeka", "Fatima", "Gareth", "Grace", "Hannah", "Harpreet", "Imran", "Isla", "Jack", "Jasmin",
    "Joanna", "Kwame", "Laura", "Liam", "Lucy", "Marek", "Maryam", "Megan", "Mohammed", "Nadia",
    "Niamh", "Oliver", "Olumide", "Priya", "Rhys", "Rosa", "Ruth", "Sam", "Sana", "Sean",
    "Sofia", "Tariq", "Thomas", "Tomasz", "Vikram", "Wei", "Yasmin", "Zainab", "Zofia", "Ellis",
)  # fmt: skip
LAST_NAMES = (
    "Adeyemi", "Ahmed", "Akhtar", "Bailey", "Begum", "Bennett", "Brown", "Campbell", "Chen",
    "Clarke", "Davies", "Edwards", "Evans", "Fletcher", "Gallagher", "Green", "Hall", "Hughes",
    "Hussain", "Jones", "Kaur", "Kowalski", "Lewis", "Lloyd", "Macdonald", "Mensah", "Murphy",
    "Nowak", "Okafor", "O'Neill", "Osei", "Owen", "Patel", "Phillips", "Rahman", "Roberts",
    "Robinson", "Shah", "Singh", "Taylor", "Thomas", "Walker", "Ward", "Watson", "Williams",
    "Wilson", "Wright", "Yilmaz", "Young", "Zielinski",
)  # fmt: skip


@dataclass(frozen=True)
class PersonPlan:
    org: str
    roles: tuple[str, ...]
    job_title: str
    first_name: str
    last_name: str
    username: str


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def plan_people(rng: random.Random) -> list[PersonPlan]:
    """Everyone in the demo network, with names drawn from `rng` (no two people alike)."""
    slots = [(org, roles, title) for org, staff in STAFF.items() for roles, title in staff]
    slots.append((INSPECTOR[0], (Role.INSPECTOR,), INSPECTOR[1]))
    pairs = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
    chosen = rng.sample(pairs, len(slots))
    people, taken = [], set()
    for (org, roles, title), (first, last) in zip(slots, chosen, strict=True):
        base = f"{_ascii(first)}.{_ascii(last)}"
        username, n = base, 1
        while username in taken:
            n += 1
            username = f"{base}{n}"
        taken.add(username)
        people.append(PersonPlan(org, roles, title, first, last, username))
    return people


# --- pathways --------------------------------------------------------------------------------

Party = tuple[str, str]  # ("org", code) or ("role", role)


def org(code: str) -> Party:
    return ("org", code)


def role(name: str) -> Party:
    return ("role", name)


@dataclass(frozen=True)
class StepPlan:
    code: str
    name: str
    hours: int
    clock: str
    description: str
    responsible: tuple[Party, ...]
    accountable: Party
    consulted: tuple[Party, ...] = ()
    informed: tuple[Party, ...] = ()


@dataclass(frozen=True)
class PathwayPlan:
    code: str
    name: str
    description: str
    steps: tuple[StepPlan, ...]


DAY = 24
PATHWAYS: tuple[PathwayPlan, ...] = (
    PathwayPlan(
        "discharge",
        "Hospital discharge to community",
        "Discharge to assess: people leave hospital as soon as they are medically fit, with "
        "care at home starting within two days and a review within a week.",
        (
            StepPlan(
                "triage",
                "Triage the discharge referral",
                4,
                ClockStart.REFERRAL_RECEIVED,
                "Check the referral is complete (medication list, mobility, home situation, "
                "consent) and agree the discharge date with the ward.",
                responsible=(role(Role.COORDINATOR),),
                accountable=org(PRIME),
                consulted=(org("northshire-hospitals"),),
                informed=(org("northshire-asc"),),
            ),
            StepPlan(
                "first-contact",
                "First contact with the person or their representative",
                DAY,
                ClockStart.REFERRAL_RECEIVED,
                "Two-way contact, by phone or on the ward, to explain what will happen at home "
                "and who will visit.",
                responsible=(role(Role.COORDINATOR),),
                accountable=org(PRIME),
                consulted=(org("northshire-hospitals"),),
                informed=(org("riverside"),),
            ),
            StepPlan(
                "package",
                "Agree the package of care and start date",
                DAY,
                ClockStart.PREVIOUS_STEP,
                "Hours, visit times and tasks agreed and assigned to a provider that has "
                "cleared workers for them.",
                responsible=(org(PRIME), role(Role.SCHEDULER)),
                accountable=org(PRIME),
                consulted=(org("northshire-asc"), org("riverside")),
                informed=(org("northshire-icb"),),
            ),
            StepPlan(
                "first-visit",
                "First visit at home",
                2 * DAY,
                ClockStart.DISCHARGE,
                "The first care visit after the person gets home, with a check that the home "
                "is safe and equipment is in place.",
                responsible=(org("riverside"),),
                accountable=org(PRIME),
                consulted=(role(Role.SUPERVISOR),),
                informed=(org("northshire-hospitals"), org("hearth")),
            ),
            StepPlan(
                "medicines",
                "Reconcile medicines after discharge",
                3 * DAY,
                ClockStart.DISCHARGE,
                "The discharge medication list checked against what is in the home and on the "
                "care plan; discrepancies resolved with the pharmacist.",
                responsible=(org("northshire-hospitals"),),
                accountable=org(PRIME),
                consulted=(role(Role.SUPERVISOR),),
                informed=(org("riverside"), role(Role.WORKER)),
            ),
            StepPlan(
                "review",
                "Seven-day review",
                7 * DAY,
                ClockStart.DISCHARGE,
                "Is the package right? Adjust hours, add settling-in support or refer on.",
                responsible=(role(Role.COORDINATOR),),
                accountable=org(PRIME),
                consulted=(org("riverside"), org("hearth")),
                informed=(org("northshire-asc"),),
            ),
            StepPlan(
                "close",
                "Discharge from the pathway",
                42 * DAY,
                ClockStart.EPISODE_START,
                "The episode ends with an outcome code: independent, long-term care, "
                "readmitted or died.",
                responsible=(role(Role.COORDINATOR),),
                accountable=org(PRIME),
                consulted=(org("northshire-asc"),),
                informed=(org("northshire-icb"), org("northshire-hospitals")),
            ),
        ),
    ),
    PathwayPlan(
        "crisis",
        "Crisis response",
        "Urgent community response: a visit within two hours for someone at risk of going "
        "into hospital, and bridging care until they are stable.",
        (
            StepPlan(
                "crisis-call",
                "Take the crisis call and triage",
                1,
                ClockStart.REFERRAL_RECEIVED,
                "Decide the response tier and who goes; raise safeguarding at once if anyone "
                "is at risk of harm.",
                responsible=(role(Role.COORDINATOR),),
                accountable=org(PRIME),
                consulted=(role(Role.SUPERVISOR),),
                informed=(org("northshire-asc"),),
            ),
            StepPlan(
                "urgent-visit",
                "Urgent response visit",
                2,
                ClockStart.REFERRAL_RECEIVED,
                "A cleared worker with the person within two hours of the referral.",
                responsible=(org("riverside"), org("swiftstaff")),
                accountable=org(PRIME),
                consulted=(role(Role.SUPERVISOR),),
                informed=(org("northshire-hospitals"),),
            ),
            StepPlan(
                "safety-plan",
                "Agree a safety plan",
                4,
                ClockStart.PREVIOUS_STEP,
                "What happens tonight and tomorrow, who is on call, and when the person or "
                "family should ring 999.",
                responsible=(role(Role.SUPERVISOR),),
                accountable=org(PRIME),
                consulted=(org("northshire-asc"), role(Role.COORDINATOR)),
                informed=(org("hearth"),),
            ),
            StepPlan(
                "bridging",
                "Bridging care until stable",
                3 * DAY,
                ClockStart.EPISODE_START,
                "Extra visits from the agency or the home-care provider while the person recovers.",
                responsible=(org("swiftstaff"), org("riverside")),
                accountable=org(PRIME),
                consulted=(role(Role.SCHEDULER),),
                informed=(role(Role.COORDINATOR),),
            ),
            StepPlan(
                "step-down",
                "Step down or refer on",
                7 * DAY,
                ClockStart.EPISODE_START,
                "Close the crisis episode, or refer into discharge, therapy or long-term care.",
                responsible=(role(Role.COORDINATOR),),
                accountable=org(PRIME),
                consulted=(org("northshire-asc"), org("northshire-hospitals")),
                informed=(org("northshire-icb"),),
            ),
        ),
    ),
    PathwayPlan(
        "therapy",
        "Community therapy",
        "Reablement therapy at home: physiotherapy and occupational therapy towards goals the "
        "person sets, with equipment and a home exercise programme.",
        (
            StepPlan(
                "therapy-triage",
                "Therapy triage",
                3 * DAY,
                ClockStart.REFERRAL_RECEIVED,
                "Urgency and the right therapist decided from the referral.",
                responsible=(org("oakleaf"),),
                accountable=org(PRIME),
                consulted=(org("northshire-hospitals"),),
                informed=(role(Role.COORDINATOR),),
            ),
            StepPlan(
                "assessment",
                "Initial assessment at home",
                5 * DAY,
                ClockStart.REFERRAL_RECEIVED,
                "Mobility, transfers, falls risk and daily living assessed where the person lives.",
                responsible=(org("oakleaf"), role(Role.SUPERVISOR)),
                accountable=org(PRIME),
                consulted=(org("riverside"),),
                informed=(role(Role.WORKER),),
            ),
            StepPlan(
                "goals",
                "Agree goals with the person",
                2 * DAY,
                ClockStart.PREVIOUS_STEP,
                "Goals in the person's own words, each with how progress will be measured.",
                responsible=(role(Role.SUPERVISOR),),
                accountable=org(PRIME),
                consulted=(role(Role.COORDINATOR),),
                informed=(org("riverside"), org("hearth")),
            ),
            StepPlan(
                "equipment",
                "Order and fit equipment",
                7 * DAY,
                ClockStart.PREVIOUS_STEP,
                "Equipment from the community equipment service, fitted and demonstrated.",
                responsible=(org("northshire-asc"),),
                accountable=org(PRIME),
                consulted=(org("oakleaf"),),
                informed=(org("hearth"), role(Role.COORDINATOR)),
            ),
            StepPlan(
                "programme",
                "Home exercise programme",
                42 * DAY,
                ClockStart.EPISODE_START,
                "Carers support the exercises between therapy visits; progress reviewed weekly.",
                responsible=(role(Role.WORKER), org("oakleaf")),
                accountable=org(PRIME),
                consulted=(role(Role.SUPERVISOR),),
                informed=(role(Role.COORDINATOR),),
            ),
            StepPlan(
                "therapy-discharge",
                "Review and discharge",
                56 * DAY,
                ClockStart.EPISODE_START,
                "Goals reviewed; discharged with advice, or referred on.",
                responsible=(org("oakleaf"),),
                accountable=org(PRIME),
                consulted=(role(Role.COORDINATOR),),
                informed=(org("northshire-icb"), org("riverside")),
            ),
        ),
    ),
)

# --- decision rights -------------------------------------------------------------------------


@dataclass(frozen=True)
class RightPlan:
    action_kind: str
    organisation: str | None
    role: str
    pathway: str | None
    conditions: str
    reason: str


RIGHTS: tuple[RightPlan, ...] = (
    RightPlan(
        ActionKind.AUTHORISE_SERVICE,
        PRIME,
        Role.COORDINATOR,
        None,
        "Packages of up to 14 hours a week for up to six weeks; larger packages go to the "
        "weekly funding panel.",
        "Discharges must not wait for the weekly panel.",
    ),
    RightPlan(
        ActionKind.AUTHORISE_SERVICE,
        "northshire-asc",
        "",
        None,
        "Long-term packages following a Care Act assessment.",
        "The county holds the statutory duty for long-term care.",
    ),
    RightPlan(
        ActionKind.REFER,
        None,
        Role.COORDINATOR,
        None,
        "Onward referral to any partner in the network, with the person's consent.",
        "Any coordinator may refer on without a meeting.",
    ),
    RightPlan(
        ActionKind.REFER,
        "northshire-hospitals",
        "",
        "discharge",
        "Referral into the discharge pathway once the person is medically fit.",
        "The ward starts the discharge pathway.",
    ),
    RightPlan(
        ActionKind.CRISIS_ESCALATION,
        None,
        Role.SUPERVISOR,
        None,
        "The on-call supervisor of any provider, day or night.",
        "Crisis escalation cannot wait for office hours.",
    ),
    RightPlan(
        ActionKind.CRISIS_ESCALATION,
        "riverside",
        Role.WORKER,
        "crisis",
        "When the person is at immediate risk; tell the on-call supervisor within the hour.",
        "Carers on the visit see the crisis first.",
    ),
    RightPlan(
        ActionKind.HOUSING_ACTION,
        "hearth",
        Role.COORDINATOR,
        None,
        "Emergency housing referrals, and minor adaptations up to £500.",
        "Hearth & Home runs the housing advice service.",
    ),
    RightPlan(
        ActionKind.HOUSING_ACTION,
        "northshire-asc",
        "",
        None,
        "Disabled facilities grants and statutory homelessness duties.",
        "Statutory housing duties sit with the county.",
    ),
    RightPlan(
        ActionKind.MEDICATION_RECONCILIATION,
        "northshire-hospitals",
        Role.SUPERVISOR,
        "discharge",
        "The trust's pharmacist reconciles the discharge list within 72 hours.",
        "Pharmacy owns the discharge medication list.",
    ),
    RightPlan(
        ActionKind.MEDICATION_RECONCILIATION,
        PRIME,
        Role.SUPERVISOR,
        None,
        "The prime's clinical lead, when the trust's pharmacist is not available.",
        "Cover for weekends and bank holidays.",
    ),
    RightPlan(
        ActionKind.SAFEGUARDING_REFERRAL,
        None,
        Role.WORKER,
        None,
        "Anyone may raise a safeguarding referral at once; tell your supervisor the same day.",
        "Safeguarding is everyone's business.",
    ),
    RightPlan(
        ActionKind.SAFEGUARDING_REFERRAL,
        None,
        Role.SUPERVISOR,
        None,
        "Supervisors raise referrals and decide on immediate protection measures.",
        "Supervisors act on what workers report.",
    ),
    RightPlan(
        ActionKind.EMERGENCY_COVER,
        "swiftstaff",
        Role.SCHEDULER,
        None,
        "Agency cover for a missed or at-risk visit, filled within two hours by a cleared worker.",
        "The agency fills short-notice gaps.",
    ),
    RightPlan(
        ActionKind.EMERGENCY_COVER,
        PRIME,
        Role.SCHEDULER,
        None,
        "Moving visits between providers for the next 48 hours.",
        "The prime's rota desk balances the network.",
    ),
    RightPlan(
        ActionKind.EQUIPMENT_ORDER,
        "oakleaf",
        Role.SUPERVISOR,
        "therapy",
        "Equipment up to £250 per person from the community equipment catalogue.",
        "Therapists order what their assessment shows is needed.",
    ),
    RightPlan(
        ActionKind.EQUIPMENT_ORDER,
        "northshire-asc",
        "",
        None,
        "Any item in the community equipment catalogue.",
        "The county runs the community equipment service.",
    ),
    RightPlan(
        ActionKind.DISCHARGE_FROM_PATHWAY,
        PRIME,
        Role.COORDINATOR,
        None,
        "When every goal is met, or the person declines further support.",
        "The prime holds accountability for every pathway episode.",
    ),
    RightPlan(
        ActionKind.DISCHARGE_FROM_PATHWAY,
        "oakleaf",
        Role.SUPERVISOR,
        "therapy",
        "Discharge from therapy once goals are reviewed.",
        "Therapists close their own episodes.",
    ),
)

# --- the step --------------------------------------------------------------------------------

PEOPLE = sum(len(staff) for staff in STAFF.values()) + 1  # and the inspector
# One unit per organisation, person, pathway step and decision right.
UNITS = len(ORGANISATIONS) + PEOPLE + sum(len(p.steps) for p in PATHWAYS) + len(RIGHTS)


def _fresh(user: User) -> Actor:
    user.__dict__.pop("_seamline_actor", None)
    return actor_for(user)


def _org_details(plan: OrgPlan) -> dict[str, str]:
    return {
        "contact_email": f"office@{plan.domain}",
        "contact_phone": plan.phone,
        "address": plan.address,
    }


def _email(person: PersonPlan) -> str:
    domain = next(p.domain for p in ORGANISATIONS if p.code == person.org)
    return f"{person.username}@{domain}"


def _add_org(actor: Actor, plan: OrgPlan, ctx: DemoContext) -> Organisation:
    days = ONBOARDING_DAYS if plan.starts == OrgStatus.ONBOARDING else JOINED_DAYS
    return actions.create_organisation(
        actor,
        code=plan.code,
        name=plan.name,
        kind=plan.kind,
        status=OrgStatus.ONBOARDING,
        reason=plan.joined,
        joined_at=ctx.now - timedelta(days=days),
        **_org_details(plan),
    )


def _add_person(actor: Actor, org_: Organisation, person: PersonPlan, ctx: DemoContext) -> User:
    expires = ctx.now + timedelta(days=INSPECTOR_DAYS) if Role.INSPECTOR in person.roles else None
    return actions.add_person(
        actor,
        org_,
        username=person.username,
        first_name=person.first_name,
        last_name=person.last_name,
        email=_email(person),
        password=ctx.password,
        roles=list(person.roles),
        job_title=person.job_title,
        expires_at=expires,
        reason=(
            f"Inspection of the network's evidence, access ending in {INSPECTOR_DAYS} days."
            if expires
            else f"Joined as {person.job_title.lower()}."
        ),
    )


def _add_raci(actor: Actor, step: PathwayStep, letter: str, party: Party, orgs: OrgMap) -> None:
    kind, value = party
    if kind == "org":
        actions.add_raci(actor, step, letter=letter, organisation=orgs[value])
    else:
        actions.add_raci(actor, step, letter=letter, role=value)


@demo_step("network", order=10, units=UNITS)
def build(ctx: DemoContext) -> None:
    people_plan = plan_people(ctx.rng)
    prime_plan, admin_plan = ORGANISATIONS[0], people_plan[0]
    assert prime_plan.code == PRIME and Role.NETWORK_ADMIN in admin_plan.roles

    # A network starts the way a real one does: `seamline setup` makes the prime provider and
    # its first network admin; from there on people do the work, each under their own name.
    network_admin = actions.bootstrap_network(
        network_name="Northshire Care Network",
        prime_code=PRIME,
        prime_name=prime_plan.name,
        admin_username=admin_plan.username,
        admin_first_name=admin_plan.first_name,
        admin_last_name=admin_plan.last_name,
        admin_email=_email(admin_plan),
        admin_password=ctx.password,
        set_up_at=ctx.now - timedelta(days=JOINED_DAYS),
    )
    admin = _fresh(network_admin)
    actions.update_person(
        admin, network_admin, {"job_title": admin_plan.job_title}, reason="Own profile."
    )
    prime = Organisation.objects.get(code=PRIME)
    actions.update_organisation(
        admin,
        prime,
        _org_details(prime_plan),
        version=prime.version,
        reason="Contact details for the network directory.",
    )
    orgs: OrgMap = {PRIME: prime}
    ctx.progress(2)

    for plan in ORGANISATIONS:
        if plan.code != PRIME:
            orgs[plan.code] = _add_org(admin, plan, ctx)
            ctx.progress()

    # The network admin adds the prime's staff, each partner's admin, the commissioners and
    # the inspector; each partner admin then adds their own people.
    people: dict[str, list[User]] = {code: [] for code in orgs}
    people[PRIME].append(network_admin)
    by_role: dict[str, list[User]] = {r: [] for r in Role.values}
    by_role[Role.NETWORK_ADMIN].append(network_admin)
    partner_admins: dict[str, Actor] = {}
    for person in people_plan:
        if person is admin_plan:
            continue
        by_partner = person.org != PRIME and Role.PARTNER_ADMIN not in person.roles
        granter = partner_admins.get(person.org, admin) if by_partner else admin
        user = _add_person(granter, orgs[person.org], person, ctx)
        if Role.PARTNER_ADMIN in person.roles:
            partner_admins[person.org] = _fresh(user)
        people[person.org].append(user)
        for r in person.roles:
            by_role[r].append(user)
        ctx.progress()

    for r in Role.values:
        wanted = orgs[LOGIN_ORG.get(r, PRIME)]
        holders = [u for u in by_role[r] if u in people[wanted.code]] or by_role[r]
        holder = holders[0]
        membership = holder.current_membership()
        assert membership is not None
        ctx.add_login(
            r, Role(r).label, holder.username, holder.display_name, membership.organisation.name
        )

    quality = _fresh(by_role[Role.QUALITY_LEAD][0])
    pathways: dict[str, Pathway] = {}
    for pathway_plan in PATHWAYS:
        pathway = actions.create_pathway(
            quality,
            code=pathway_plan.code,
            name=pathway_plan.name,
            lead=orgs[PRIME],
            description=pathway_plan.description,
            reason="Agreed at the network governance board.",
        )
        for step_plan in pathway_plan.steps:
            step = actions.add_step(
                quality,
                pathway,
                code=step_plan.code,
                name=step_plan.name,
                time_standard_hours=step_plan.hours,
                clock_starts=step_plan.clock,
                description=step_plan.description,
            )
            letters = (
                [(RaciLetter.RESPONSIBLE, p) for p in step_plan.responsible]
                + [(RaciLetter.ACCOUNTABLE, step_plan.accountable)]
                + [(RaciLetter.CONSULTED, p) for p in step_plan.consulted]
                + [(RaciLetter.INFORMED, p) for p in step_plan.informed]
            )
            for letter, party in letters:
                _add_raci(quality, step, letter, party, orgs)
            ctx.progress()
        pathways[pathway.code] = pathway

    for right in RIGHTS:
        actions.add_decision_right(
            admin,
            action_kind=right.action_kind,
            pathway=pathways[right.pathway] if right.pathway else None,
            organisation=orgs[right.organisation] if right.organisation else None,
            role=right.role,
            conditions=right.conditions,
            reason=right.reason,
        )
        ctx.progress()

    ctx.objects.update(
        network_admin=network_admin,
        admin_actor=admin,
        quality_actor=quality,
        organisations=orgs,
        people=people,
        by_role=by_role,
        pathways=pathways,
        joining={p.code: ctx.now - timedelta(days=JOINED_DAYS) for p in JOINING},
    )


JOINING = tuple(p for p in ORGANISATIONS if p.code != PRIME and p.starts == OrgStatus.ACTIVE)


@demo_step("joining", order=12, units=len(JOINING))
def join(ctx: DemoContext) -> None:
    """The partners of the story become active once their due diligence was decided (the
    quality app's step before this one records it; every check registered with
    `network.activation` asks), then the rest of their status history happens."""
    admin: Actor = ctx.objects["admin_actor"]
    orgs: OrgMap = ctx.objects["organisations"]
    for plan in JOINING:
        org_ = orgs[plan.code]
        actions.change_organisation_status(
            admin,
            org_,
            OrgStatus.ACTIVE,
            reason="Contract signed; ready to take work.",
            at=ctx.now - timedelta(days=JOINED_DAYS - REVIEW_DAYS),
        )
        for new_status, why in plan.story:
            actions.change_organisation_status(admin, org_, new_status, reason=why)
        ctx.progress()
