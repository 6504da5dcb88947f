"""Object-level access as permission matrices over the cast.

Loaders answer 200 (returned), 403 (`ReadOnly`: visible, not yours to change) or 404
(`NotFound`: missing or not yours, the same answer for both). Querysets answer with the set of
records each member of the cast sees.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial

import time_machine
from django.utils import timezone

from seamline.access import Actor, NotFound, ReadOnly
from seamline.audit import access as audit_access
from seamline.audit.models import AuditEntry, EntryKind
from seamline.network import access, actions
from seamline.network.choices import Role
from seamline.network.models import Organisation, Pathway, User
from seamline.testing import CastTestCase, make_user

CAST = (
    "net_admin",
    "quality",
    "prime_worker",
    "river_admin",
    "river_supervisor",
    "river_coordinator",
    "river_scheduler",
    "river_worker",
    "swift_admin",
    "swift_worker",
    "commissioner",
    "inspector",
)
ORGS = ("northbridge", "riverside", "swiftstaff", "icb")


def outcome(call: Callable[[], object]) -> str:
    try:
        call()
    except NotFound:
        return "404"
    except ReadOnly:
        return "403"
    return "200"


class AccessTestCase(CastTestCase):
    def actor(self, name: str) -> Actor:
        return self.cast.actor(self.cast[name])

    def assertMatrix(
        self,
        table: dict[str, str],
        columns: tuple[str, ...],
        call: Callable[[Actor, str], object],
    ) -> None:
        """`table` maps each cast member to one outcome per column, separated by spaces."""
        self.assertEqual(tuple(table), CAST)
        for who, row in table.items():
            expected = row.split()
            self.assertEqual(len(expected), len(columns), who)
            for column, want in zip(columns, expected, strict=True):
                with self.subTest(who=who, target=column):
                    self.assertEqual(outcome(partial(call, self.actor(who), column)), want)


class NetworkLoaderTests(AccessTestCase):
    def test_matrix(self):
        # columns: read, write
        table = {
            "net_admin": "200 200",
            "quality": "200 403",
            "prime_worker": "200 403",
            "river_admin": "200 403",
            "river_supervisor": "200 403",
            "river_coordinator": "200 403",
            "river_scheduler": "200 403",
            "river_worker": "200 403",
            "swift_admin": "200 403",
            "swift_worker": "200 403",
            "commissioner": "200 403",
            "inspector": "200 403",
        }
        self.assertMatrix(
            table,
            ("read", "write"),
            lambda actor, mode: access.get_network_for_user(actor, write=mode == "write"),
        )


class OrganisationLoaderTests(AccessTestCase):
    COLUMNS = (*ORGS, "atlantis")

    def test_read_matrix(self):
        # The directory of partners is shared knowledge: every member reads every organisation.
        table = dict.fromkeys(CAST, "200 200 200 200 404")
        self.assertMatrix(table, self.COLUMNS, access.get_organisation_for_user)

    def test_write_matrix(self):
        #             northbridge riverside swiftstaff icb atlantis
        table = {
            "net_admin": "200 200 200 200 404",
            "quality": "403 403 403 403 404",
            "prime_worker": "403 403 403 403 404",
            "river_admin": "403 200 403 403 404",
            "river_supervisor": "403 403 403 403 404",
            "river_coordinator": "403 403 403 403 404",
            "river_scheduler": "403 403 403 403 404",
            "river_worker": "403 403 403 403 404",
            "swift_admin": "403 403 200 403 404",
            "swift_worker": "403 403 403 403 404",
            "commissioner": "403 403 403 403 404",
            "inspector": "403 403 403 403 404",
        }
        self.assertMatrix(
            table,
            self.COLUMNS,
            lambda actor, code: access.get_organisation_for_user(actor, code, write=True),
        )


class PeoplePageLoaderTests(AccessTestCase):
    def test_staff_list_matrix(self):
        #             northbridge riverside swiftstaff icb
        table = {
            "net_admin": "200 200 200 200",
            "quality": "200 200 200 200",
            "prime_worker": "404 404 404 404",
            "river_admin": "404 200 404 404",
            "river_supervisor": "404 200 404 404",
            "river_coordinator": "404 200 404 404",
            "river_scheduler": "404 200 404 404",
            "river_worker": "404 404 404 404",
            "swift_admin": "404 404 200 404",
            "swift_worker": "404 404 404 404",
            "commissioner": "404 404 404 404",
            "inspector": "200 200 200 200",
        }
        self.assertMatrix(table, ORGS, access.get_people_page_for_user)


class PersonLoaderTests(AccessTestCase):
    TARGETS = ("river_worker", "river_supervisor", "swift_worker", "net_admin", "commissioner")

    def person(self, actor: Actor, target: str, write: bool = False) -> User:
        return access.get_person_for_user(actor, str(self.cast[target].uuid), write=write)

    def test_read_matrix(self):
        #           river_worker river_supervisor swift_worker net_admin commissioner
        table = {
            "net_admin": "200 200 200 200 200",
            "quality": "200 200 200 200 200",
            "prime_worker": "404 404 404 404 404",
            "river_admin": "200 200 404 404 404",
            "river_supervisor": "200 200 404 404 404",
            "river_coordinator": "200 200 404 404 404",
            "river_scheduler": "200 200 404 404 404",
            "river_worker": "200 404 404 404 404",
            "swift_admin": "404 404 200 404 404",
            "swift_worker": "404 404 200 404 404",
            "commissioner": "404 404 404 404 200",
            "inspector": "200 200 200 200 200",
        }
        self.assertMatrix(table, self.TARGETS, self.person)

    def test_write_matrix(self):
        #           river_worker river_supervisor swift_worker net_admin commissioner
        table = {
            "net_admin": "200 200 200 200 200",
            "quality": "403 403 403 403 403",
            "prime_worker": "404 404 404 404 404",
            "river_admin": "200 200 404 404 404",
            "river_supervisor": "403 403 404 404 404",
            "river_coordinator": "403 403 404 404 404",
            "river_scheduler": "403 403 404 404 404",
            "river_worker": "403 404 404 404 404",
            "swift_admin": "404 404 200 404 404",
            "swift_worker": "404 404 403 404 404",
            "commissioner": "404 404 404 404 403",
            "inspector": "403 403 403 403 403",
        }
        self.assertMatrix(
            table, self.TARGETS, lambda actor, target: self.person(actor, target, write=True)
        )

    def test_malformed_and_unknown_ids_are_not_found(self):
        actor = self.actor("net_admin")
        self.assertEqual(outcome(lambda: access.get_person_for_user(actor, "not-a-uuid")), "404")
        unknown = "00000000-0000-4000-8000-000000000000"
        self.assertEqual(outcome(lambda: access.get_person_for_user(actor, unknown)), "404")


class PathwayLoaderTests(AccessTestCase):
    def test_matrix(self):
        # columns: read discharge, write discharge, read atlantis
        table = dict.fromkeys(CAST, "200 403 404")
        table["net_admin"] = "200 200 404"
        table["quality"] = "200 200 404"
        self.assertMatrix(
            table,
            ("read", "write", "atlantis"),
            lambda actor, col: access.get_pathway_for_user(
                actor, "atlantis" if col == "atlantis" else "discharge", write=col == "write"
            ),
        )

    def test_a_partner_leading_a_pathway_still_needs_the_prime_to_design_it(self):
        pathway = Pathway.objects.create(
            code="reablement", name="Reablement", lead_organisation=self.cast.riverside
        )
        self.assertFalse(access.can_design_pathways(self.actor("river_admin"), pathway))
        self.assertTrue(access.can_design_pathways(self.actor("quality"), pathway))


class EndedAccessTests(AccessTestCase):
    """Expired inspectors, leavers and people without roles get 404 for everything."""

    def all_loaders(self, actor: Actor) -> dict[str, str]:
        person = str(self.cast.river_worker.uuid)
        return {
            "network": outcome(lambda: access.get_network_for_user(actor)),
            "organisation": outcome(lambda: access.get_organisation_for_user(actor, "riverside")),
            "people page": outcome(lambda: access.get_people_page_for_user(actor, "riverside")),
            "person": outcome(lambda: access.get_person_for_user(actor, person)),
            "pathway": outcome(lambda: access.get_pathway_for_user(actor, "discharge")),
        }

    def assertShutOut(self, actor: Actor) -> None:
        self.assertEqual(set(self.all_loaders(actor).values()), {"404"})
        self.assertEqual(Organisation.objects.visible_to(actor).count(), 0)
        self.assertEqual(User.objects.visible_to(actor).count(), 0)
        self.assertEqual(Pathway.objects.visible_to(actor).count(), 0)
        self.assertEqual(AuditEntry.objects.visible_to(actor).count(), 0)

    def test_inspector_inside_the_window_reads_everything(self):
        self.assertEqual(set(self.all_loaders(self.actor("inspector")).values()), {"200"})

    def test_inspector_after_the_end_date_is_shut_out(self):
        with time_machine.travel(timezone.now() + timedelta(days=31)):
            actor = self.actor("inspector")
            self.assertEqual(actor.roles, frozenset())
            self.assertShutOut(actor)

    def test_leaver_is_shut_out(self):
        actions.end_membership(
            self.actor("river_admin"), self.cast.river_worker, reason="Left for university"
        )
        self.assertShutOut(self.actor("river_worker"))

    def test_anonymous_and_system_are_shut_out(self):
        self.assertShutOut(Actor(user=None, organisation=None, label="anonymous"))
        self.assertShutOut(Actor.system("tests"))


class RefusalsAreLoggedTests(AccessTestCase):
    def refused_entries(self):
        return AuditEntry.objects.filter(action="access.refused").order_by("seq")

    def test_not_found_appends_one_entry_without_the_record(self):
        target = str(self.cast.swift_worker.uuid)
        with self.assertRaises(NotFound):
            access.get_person_for_user(self.actor("river_admin"), target)
        [entry] = self.refused_entries()
        self.assertEqual(
            (
                entry.kind,
                entry.actor_label,
                entry.organisation_code,
                entry.object_type,
                entry.object_id,
                entry.object_label,
                entry.object_organisation_code,
                entry.reason,
            ),
            (EntryKind.REFUSED, "river_admin", "riverside", "network.user", target, "", "", ""),
        )

    def test_unknown_code_appends_one_entry_too(self):
        with self.assertRaises(NotFound):
            access.get_organisation_for_user(self.actor("river_worker"), "atlantis")
        [entry] = self.refused_entries()
        self.assertEqual((entry.object_type, entry.object_id), ("network.organisation", "atlantis"))

    def test_read_only_appends_one_entry_with_the_reason(self):
        with self.assertRaises(ReadOnly):
            access.get_organisation_for_user(self.actor("river_admin"), "swiftstaff", write=True)
        [entry] = self.refused_entries()
        self.assertEqual(
            (entry.kind, entry.actor_label, entry.object_type, entry.object_id, entry.reason),
            (
                EntryKind.REFUSED,
                "river_admin",
                "network.organisation",
                "swiftstaff",
                "Only this organisation's partner admin or the network admin can change it.",
            ),
        )

    def test_granted_access_appends_nothing(self):
        before = AuditEntry.objects.count()
        access.get_organisation_for_user(self.actor("river_admin"), "riverside", write=True)
        access.get_people_page_for_user(self.actor("river_admin"), "riverside")
        self.assertEqual(AuditEntry.objects.count(), before)


class QuerysetTests(AccessTestCase):
    def usernames(self, who: str) -> set[str]:
        return set(User.objects.visible_to(self.actor(who)).values_list("username", flat=True))

    def test_people_each_member_sees(self):
        everyone = set(CAST)
        riverside = {
            "river_admin",
            "river_supervisor",
            "river_coordinator",
            "river_scheduler",
            "river_worker",
        }
        expected = {
            "net_admin": everyone,
            "quality": everyone,
            "prime_worker": {"prime_worker"},
            "river_admin": riverside,
            "river_supervisor": riverside,
            "river_coordinator": riverside,
            "river_scheduler": riverside,
            "river_worker": {"river_worker"},
            "swift_admin": {"swift_admin", "swift_worker"},
            "swift_worker": {"swift_worker"},
            "commissioner": {"commissioner"},
            "inspector": everyone,
        }
        self.assertEqual(tuple(expected), CAST)
        for who, names in expected.items():
            with self.subTest(who=who):
                self.assertEqual(self.usernames(who), names)

    def test_leavers_drop_out_of_their_organisations_list(self):
        actions.end_membership(self.actor("river_admin"), self.cast.river_worker, reason="Left")
        self.assertNotIn("river_worker", self.usernames("river_admin"))
        self.assertIn("river_worker", self.usernames("net_admin"))

    def test_organisations_and_pathways_are_shared_with_every_member(self):
        for who in CAST:
            with self.subTest(who=who):
                actor = self.actor(who)
                self.assertEqual(
                    set(Organisation.objects.visible_to(actor).values_list("code", flat=True)),
                    set(ORGS),
                )
                self.assertEqual(
                    list(Pathway.objects.visible_to(actor).values_list("code", flat=True)),
                    ["discharge"],
                )

    def test_roles_each_admin_may_grant(self):
        partner_roles: list[str] = [
            Role.PARTNER_ADMIN,
            Role.SUPERVISOR,
            Role.COORDINATOR,
            Role.SCHEDULER,
            Role.WORKER,
            Role.QUALITY_LEAD,
        ]
        table: list[tuple[str, str, list[str]]] = [
            ("net_admin", "northbridge", [r for r in Role.values if r != Role.COMMISSIONER]),
            ("net_admin", "riverside", [*partner_roles, Role.INSPECTOR]),
            ("net_admin", "icb", [*partner_roles, Role.COMMISSIONER, Role.INSPECTOR]),
            ("river_admin", "riverside", partner_roles),
            ("river_admin", "swiftstaff", []),
            ("river_supervisor", "riverside", []),
            ("quality", "northbridge", []),
            ("inspector", "northbridge", []),
        ]
        for who, code, roles in table:
            with self.subTest(who=who, org=code):
                org = Organisation.objects.get(code=code)
                self.assertEqual(
                    sorted(access.grantable_roles(self.actor(who), org)), sorted(roles)
                )


class AuditLogVisibilityTests(AccessTestCase):
    river_quality: User
    by_riverside: AuditEntry
    by_swift: AuditEntry
    about_riverside: AuditEntry
    prime_only: AuditEntry

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.river_quality = make_user("river_quality", cls.cast.riverside, [Role.QUALITY_LEAD])
        admin = cls.cast.actor(cls.cast.net_admin)
        river_admin = cls.cast.actor(cls.cast.river_admin)
        swift_admin = cls.cast.actor(cls.cast.swift_admin)
        actions.update_person(river_admin, cls.cast.river_worker, {"job_title": "Senior carer"})
        cls.by_riverside = AuditEntry.objects.latest("seq")
        actions.update_person(swift_admin, cls.cast.swift_worker, {"job_title": "Bank carer"})
        cls.by_swift = AuditEntry.objects.latest("seq")
        actions.grant_role(admin, cls.cast.river_worker, Role.COORDINATOR, reason="Cover")
        cls.about_riverside = AuditEntry.objects.latest("seq")
        actions.update_network_settings(admin, {"expiring_days": 45}, version=1, reason="Notice")
        cls.prime_only = AuditEntry.objects.latest("seq")

    def visible(self, actor: Actor) -> set[str]:
        names = {
            self.by_riverside.pk: "by_riverside",
            self.by_swift.pk: "by_swift",
            self.about_riverside.pk: "about_riverside",
            self.prime_only.pk: "prime_only",
        }
        return {
            names[pk] for pk in AuditEntry.objects.visible_to(actor).values_list("pk", flat=True)
        }

    def test_who_reads_which_entries(self):
        everything = {"by_riverside", "by_swift", "about_riverside", "prime_only"}
        riverside = {"by_riverside", "about_riverside"}
        expected = {
            "net_admin": everything,
            "quality": everything,
            "prime_worker": set(),
            "river_admin": riverside,
            "river_supervisor": set(),
            "river_coordinator": set(),
            "river_scheduler": set(),
            "river_worker": set(),
            "swift_admin": {"by_swift"},
            "swift_worker": set(),
            "commissioner": set(),
            "inspector": everything,
        }
        self.assertEqual(tuple(expected), CAST)
        for who, names in expected.items():
            with self.subTest(who=who):
                actor = self.actor(who)
                self.assertEqual(self.visible(actor), names)
                self.assertEqual(audit_access.can_read_log(actor), bool(names))

    def test_a_partner_quality_lead_reads_their_own_organisations_entries(self):
        actor = self.cast.actor(self.river_quality)
        self.assertTrue(audit_access.can_read_log(actor))
        self.assertEqual(self.visible(actor), {"by_riverside", "about_riverside"})
