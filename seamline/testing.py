"""The named cast every test uses: a small network with a person in every role.

    class PeoplePageTests(CastTestCase):  # builds self.cast once per class
        def test_...(self):
            self.client.force_login(self.cast.river_admin)

Elsewhere, `cast = build_cast()` gives the same cast.

Fixed, readable values only; nothing random in anything a test asserts on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.test import TestCase, TransactionTestCase
from django.utils import timezone

from seamline.access import Actor, actor_for
from seamline.audit.db import triggers_suspended
from seamline.network.choices import ActionKind, ClockStart, OrgKind, OrgStatus, RaciLetter, Role
from seamline.network.models import (
    DecisionRight,
    Membership,
    Network,
    Organisation,
    OrganisationStatusChange,
    Pathway,
    PathwayStep,
    RaciAssignment,
    RoleGrant,
    User,
)

PASSWORD = "Plenty-of-entropy-2026"


def make_org(
    code: str, kind: str = OrgKind.SUBCONTRACTOR, status: str = OrgStatus.ACTIVE, name: str = ""
) -> Organisation:
    org = Organisation.objects.create(
        code=code, name=name or code.replace("-", " ").title(), kind=kind, status=status
    )
    OrganisationStatusChange.objects.create(organisation=org, to_status=status, reason="test cast")
    return org


def make_user(
    username: str,
    org: Organisation,
    roles: list[str],
    *,
    expires_at: datetime | None = None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        email=f"{username}@example.org",
        first_name=first_name or username.split("_")[0].title(),
        last_name=last_name or "Tester",
    )
    membership = Membership.objects.create(user=user, organisation=org)
    for role in roles:
        RoleGrant.objects.create(membership=membership, role=role, expires_at=expires_at)
    return user


def make_pathway(code: str, lead: Organisation, name: str = "", steps: int = 2) -> Pathway:
    pathway = Pathway.objects.create(code=code, name=name or code.title(), lead_organisation=lead)
    for i in range(1, steps + 1):
        step = PathwayStep.objects.create(
            pathway=pathway,
            position=i,
            code=f"step-{i}",
            name=f"Step {i}",
            time_standard_hours=24 * i,
            clock_starts=ClockStart.REFERRAL_RECEIVED if i == 1 else ClockStart.PREVIOUS_STEP,
        )
        RaciAssignment.objects.create(step=step, letter=RaciLetter.ACCOUNTABLE, organisation=lead)
        RaciAssignment.objects.create(
            step=step, letter=RaciLetter.RESPONSIBLE, role=Role.COORDINATOR
        )
    return pathway


@dataclass
class Cast:
    network: Network
    prime: Organisation
    riverside: Organisation
    swift: Organisation
    icb: Organisation
    net_admin: User
    quality: User
    prime_worker: User
    river_admin: User
    river_supervisor: User
    river_coordinator: User
    river_scheduler: User
    river_worker: User
    swift_admin: User
    swift_worker: User
    commissioner: User
    inspector: User
    discharge: Pathway

    def actor(self, user: User) -> Actor:
        user.__dict__.pop("_seamline_actor", None)
        return actor_for(user)

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)


def build_cast() -> Cast:
    network = Network.current()
    prime = make_org("northbridge", OrgKind.PRIME, name="Northbridge Community Care")
    riverside = make_org("riverside", OrgKind.SUBCONTRACTOR, name="Riverside Home Support")
    swift = make_org("swiftstaff", OrgKind.STAFFING_AGENCY, name="SwiftStaff Agency")
    icb = make_org("icb", OrgKind.COMMISSIONER, name="County Integrated Care Board")
    discharge = make_pathway("discharge", prime, name="Hospital discharge to community")
    DecisionRight.objects.create(
        action_kind=ActionKind.CRISIS_ESCALATION, organisation=riverside, role=Role.SUPERVISOR
    )
    return Cast(
        network=network,
        prime=prime,
        riverside=riverside,
        swift=swift,
        icb=icb,
        net_admin=make_user("net_admin", prime, [Role.NETWORK_ADMIN]),
        quality=make_user("quality", prime, [Role.QUALITY_LEAD]),
        prime_worker=make_user("prime_worker", prime, [Role.WORKER]),
        river_admin=make_user("river_admin", riverside, [Role.PARTNER_ADMIN]),
        river_supervisor=make_user("river_supervisor", riverside, [Role.SUPERVISOR]),
        river_coordinator=make_user("river_coordinator", riverside, [Role.COORDINATOR]),
        river_scheduler=make_user("river_scheduler", riverside, [Role.SCHEDULER]),
        river_worker=make_user("river_worker", riverside, [Role.WORKER]),
        swift_admin=make_user("swift_admin", swift, [Role.PARTNER_ADMIN]),
        swift_worker=make_user("swift_worker", swift, [Role.WORKER]),
        commissioner=make_user("commissioner", icb, [Role.COMMISSIONER]),
        inspector=make_user(
            "inspector", prime, [Role.INSPECTOR], expires_at=timezone.now() + timedelta(days=30)
        ),
        discharge=discharge,
    )


class CastTestCase(TestCase):
    """A TestCase with the named cast built once per class as `self.cast`. Subclasses that
    add data of their own call `super().setUpTestData()` first."""

    cast: Cast

    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()


class ConcurrentTestCase(TransactionTestCase):
    """Real commits from several threads. The flush at teardown lifts the audit log's
    append-only triggers for the moment it takes, then puts them back."""

    # django-stubs leaves out TransactionTestCase's private fixture hooks, which Django does
    # define, hence the two ignores below.
    def _fixture_teardown(self) -> None:
        with triggers_suspended():
            super()._fixture_teardown()  # type: ignore[misc]
        connection.close()

    @classmethod
    def _fixture_setup(cls) -> None:
        super()._fixture_setup()  # type: ignore[misc]
        # The flush emptied the chain head too: put the genesis row back.
        from seamline.audit.chain import GENESIS
        from seamline.audit.models import ChainHead

        ChainHead.objects.get_or_create(singleton=True, defaults={"seq": 0, "hash": GENESIS})
