"""Every action in `network.actions`: what it writes, the one audit entry it appends, who it
refuses, which input it refuses (naming the field), and that a refusal writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import time_machine
from django.apps import apps

from seamline.access import Actor, actor_for
from seamline.audit.models import AuditEntry, ChainHead
from seamline.errors import Conflict, RuleViolation
from seamline.network import actions
from seamline.network.choices import ActionKind, ClockStart, OrgKind, OrgStatus, RaciLetter, Role
from seamline.network.models import (
    ApiToken,
    DecisionRight,
    Network,
    Organisation,
    OrganisationStatusChange,
    Pathway,
    PathwayStep,
    RaciAssignment,
    RoleGrant,
    User,
)
from seamline.quality.testing import approve_due_diligence
from seamline.testing import PASSWORD, CastTestCase

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of the network and audit apps (history tables included)."""
    models = [
        *apps.get_app_config("network").get_models(),
        *apps.get_app_config("audit").get_models(),
    ]
    return {m._meta.label: list(m._default_manager.order_by("pk").values()) for m in models}


@time_machine.travel(NOW, tick=False)
class ActionTestCase(CastTestCase):
    head: int

    def setUp(self):
        self.mark()

    def actor(self, name: str) -> Actor:
        return self.cast.actor(self.cast[name])

    def mark(self) -> None:
        """Entries appended after this point are the ones under test."""
        self.head = ChainHead.objects.get().seq

    def assertAudited(
        self,
        action: str,
        *,
        changes: dict[str, Any],
        reason: str = "",
        by: str = "net_admin",
        object_type: str | None = None,
        object_id: str | None = None,
        object_org: str | None = None,
    ) -> AuditEntry:
        entries = list(AuditEntry.objects.filter(seq__gt=self.head).order_by("seq"))
        self.assertEqual(len(entries), 1, [str(e) for e in entries])
        entry = entries[0]
        self.assertEqual(entry.action, action)
        self.assertEqual(entry.changes, changes)
        self.assertEqual(entry.reason, reason)
        self.assertEqual(entry.actor_label, by)
        self.assertEqual(
            entry.organisation_code, self.cast[by].current_membership().organisation.code
        )
        self.assertEqual(entry.at, NOW)
        if object_type is not None:
            self.assertEqual(entry.object_type, object_type)
        if object_id is not None:
            self.assertEqual(entry.object_id, object_id)
        if object_org is not None:
            self.assertEqual(entry.object_organisation_code, object_org)
        return entry

    def assertRefused(
        self, call: Callable[[], object], code: str, field: str | None = None
    ) -> RuleViolation:
        """`call` raises RuleViolation with `code` (on `field`) and changes no row at all."""
        before = snapshot()
        with self.assertRaises(RuleViolation) as caught:
            call()
        reasons = [(r.code, r.field) for r in caught.exception.reasons]
        self.assertIn(code, [c for c, _ in reasons], reasons)
        if field is not None:
            self.assertIn((code, field), reasons)
        self.assertEqual(snapshot(), before)
        return caught.exception

    def assertNotPermitted(self, call: Callable[[], object]) -> None:
        error = self.assertRefused(call, "not_permitted")
        self.assertEqual(error.codes, ["not_permitted"])


# --- network settings ----------------------------------------------------------------------


class UpdateNetworkSettingsTests(ActionTestCase):
    def update(self, who="net_admin", changes=None, version=1, reason="Winter pressures"):
        return actions.update_network_settings(
            self.actor(who),
            {"cap_enhanced": 12, "expiring_days": 45} if changes is None else changes,
            version=version,
            reason=reason,
        )

    def test_writes_the_settings_and_one_entry(self):
        self.update()
        network = Network.current()
        self.assertEqual(
            (network.cap_enhanced, network.expiring_days, network.version), (12, 45, 2)
        )
        self.assertAudited(
            "network.settings.update",
            changes={"cap_enhanced": [10, 12], "expiring_days": [30, 45]},
            reason="Winter pressures",
            object_type="network.network",
        )

    def test_no_change_writes_nothing(self):
        before = snapshot()
        self.update(changes={"cap_enhanced": 10})
        self.assertEqual(snapshot(), before)

    def test_only_the_network_admin(self):
        for who in ("quality", "river_admin", "inspector", "commissioner", "prime_worker"):
            with self.subTest(who=who):
                self.assertNotPermitted(partial(self.update, who=who))

    def test_bad_input_names_the_field(self):
        cases = [
            ({"singleton": False}, "Winter", "field_not_editable", "singleton"),
            ({"expiring_days": -1}, "Winter", "invalid_value", "expiring_days"),
            ({"cap_supervised": 7}, "Winter", "caps_must_rise", "cap_supervised"),
            ({"cap_enhanced": 12}, "  ", "reason_required", "reason"),
        ]
        for changes, reason, code, field in cases:
            with self.subTest(code=code):
                self.assertRefused(
                    partial(self.update, changes=changes, reason=reason), code, field
                )

    def test_stale_version_is_a_conflict(self):
        error = self.assertRefused(lambda: self.update(version=3), "stale_version", "version")
        self.assertIsInstance(error, Conflict)
        self.assertEqual(error.status, 409)

    def test_same_change_from_a_stale_version_is_still_a_conflict(self):
        # Someone else already wrote the very values this writer wants, from the same read:
        # the write is refused rather than reported as done, or an increment would be lost.
        self.update()
        self.assertRefused(lambda: self.update(version=1), "stale_version", "version")


# --- organisations -------------------------------------------------------------------------


class CreateOrganisationTests(ActionTestCase):
    def create(self, who="net_admin", **overrides):
        fields = {
            "code": "meadow",
            "name": "Meadow Care",
            "kind": OrgKind.VCSE,
            "reason": "Joins for winter",
        }
        fields.update(overrides)
        return actions.create_organisation(self.actor(who), **fields)

    def test_writes_the_organisation_its_first_status_and_one_entry(self):
        org = self.create(contact_email="office@meadow.example")
        org.refresh_from_db()
        self.assertEqual(
            (org.code, org.name, org.kind, org.status, org.contact_email),
            ("meadow", "Meadow Care", "vcse", "onboarding", "office@meadow.example"),
        )
        change = OrganisationStatusChange.objects.get(organisation=org)
        self.assertEqual(
            (change.from_status, change.to_status, change.changed_by, change.reason),
            ("", "onboarding", self.cast.net_admin, "Joins for winter"),
        )
        self.assertAudited(
            "organisation.create",
            changes={
                "code": [None, "meadow"],
                "name": [None, "Meadow Care"],
                "kind": [None, "vcse"],
                "status": [None, "onboarding"],
                "contact_email": [None, "office@meadow.example"],
            },
            reason="Joins for winter",
            object_type="network.organisation",
            object_id="meadow",
            object_org="meadow",
        )

    def test_may_start_active_when_no_activation_check_objects(self):
        # A commissioner is not reviewed before it takes part.
        org = self.create(status=OrgStatus.ACTIVE, kind=OrgKind.COMMISSIONER)
        self.assertEqual(org.status_on(NOW), OrgStatus.ACTIVE)

    def test_starting_active_asks_the_activation_checks_and_stores_nothing_when_refused(self):
        from seamline.errors import Reason
        from seamline.network.activation import forget, on_activation

        asked: list[str] = []

        def check(org: Organisation) -> list[Reason]:
            asked.append(f"{org.code}:{org.status}")
            return [Reason("not_ready", f"{org.name} is not ready.", "status")]

        on_activation("test.not_ready", check)
        self.addCleanup(forget, "test.not_ready")
        self.assertRefused(
            partial(self.create, status=OrgStatus.ACTIVE, kind=OrgKind.COMMISSIONER),
            "not_ready",
            "status",
        )
        self.assertEqual(asked, ["meadow:onboarding"])
        self.assertFalse(Organisation.objects.filter(code="meadow").exists())
        # Onboarding is not a move to active: nothing is asked.
        self.create(kind=OrgKind.COMMISSIONER)
        self.assertEqual(asked, ["meadow:onboarding"])

    def test_a_partnership_older_than_the_record_is_dated_when_it_began(self):
        joined = NOW - timedelta(days=400)
        org = self.create(status=OrgStatus.ACTIVE, joined_at=joined, kind=OrgKind.COMMISSIONER)
        self.assertEqual(org.status_on(joined - timedelta(seconds=1)), None)
        self.assertEqual(org.status_on(joined), OrgStatus.ACTIVE)
        self.assertRefused(
            partial(self.create, code="later", joined_at=NOW + timedelta(days=1)),
            "date_in_future",
            "joined_at",
        )

    def test_only_the_network_admin(self):
        for who in ("quality", "river_admin", "inspector"):
            with self.subTest(who=who):
                self.assertNotPermitted(partial(self.create, who=who))

    def test_bad_input_names_the_field(self):
        cases: list[tuple[dict[str, Any], str, str]] = [
            ({"kind": "charity"}, "invalid_kind", "kind"),
            ({"kind": OrgKind.PRIME}, "prime_exists", "kind"),
            ({"code": "riverside"}, "code_taken", "code"),
            ({"code": "meadow care"}, "invalid_code", "code"),
            ({"name": "  "}, "required", "name"),
            ({"status": OrgStatus.SUSPENDED}, "invalid_status", "status"),
            ({"reason": ""}, "reason_required", "reason"),
            ({"contact_email": "not an email"}, "invalid_value", "contact_email"),
            ({"kind_of": "x"}, "field_not_editable", "kind_of"),
        ]
        for overrides, code, field in cases:
            with self.subTest(code=code, field=field):
                self.assertRefused(partial(self.create, **overrides), code, field)

    def test_every_problem_is_reported_at_once(self):
        error = self.assertRefused(
            lambda: self.create(code="riverside", name="", reason=""), "code_taken"
        )
        self.assertEqual(error.codes, ["code_taken", "required", "reason_required"])


class UpdateOrganisationTests(ActionTestCase):
    def update(self, who="river_admin", org="riverside", changes=None, version=1):
        return actions.update_organisation(
            self.actor(who),
            Organisation.objects.get(code=org),
            {"contact_phone": "01632 960123"} if changes is None else changes,
            version=version,
            reason="New switchboard",
        )

    def test_partner_admin_updates_own_organisation(self):
        self.update()
        org = Organisation.objects.get(code="riverside")
        self.assertEqual((org.contact_phone, org.version), ("01632 960123", 2))
        self.assertAudited(
            "organisation.update",
            changes={"contact_phone": ["", "01632 960123"]},
            reason="New switchboard",
            by="river_admin",
            object_id="riverside",
            object_org="riverside",
        )

    def test_network_admin_updates_any_organisation(self):
        self.update(who="net_admin", org="swiftstaff")
        self.assertEqual(Organisation.objects.get(code="swiftstaff").contact_phone, "01632 960123")

    def test_refused_without_the_right_role(self):
        for who, org in (
            ("river_admin", "swiftstaff"),
            ("river_supervisor", "riverside"),
            ("quality", "riverside"),
            ("inspector", "northbridge"),
        ):
            with self.subTest(who=who, org=org):
                self.assertNotPermitted(partial(self.update, who=who, org=org))

    def test_bad_input_names_the_field(self):
        self.assertRefused(
            lambda: self.update(changes={"contact_email": "not an email"}),
            "invalid_value",
            "contact_email",
        )
        self.assertRefused(
            lambda: self.update(changes={"kind": OrgKind.PRIME}), "field_not_editable", "kind"
        )

    def test_stale_version_is_a_conflict(self):
        self.assertRefused(lambda: self.update(version=2), "stale_version", "version")

    def test_same_change_from_a_stale_version_is_still_a_conflict(self):
        # Someone else already wrote the very values this writer wants, from the same read:
        # the write is refused rather than reported as done, or an increment would be lost.
        self.update()
        self.assertRefused(lambda: self.update(version=1), "stale_version", "version")


class ChangeOrganisationStatusTests(ActionTestCase):
    def change(self, new=OrgStatus.SUSPENDED, who="net_admin", reason="Missed two audits", **kw):
        org = Organisation.objects.get(code=kw.pop("org", "riverside"))
        return actions.change_organisation_status(self.actor(who), org, new, reason=reason, **kw)

    def test_writes_status_history_and_one_entry(self):
        change = self.change(version=1)
        org = Organisation.objects.get(code="riverside")
        self.assertEqual((org.status, org.version), (OrgStatus.SUSPENDED, 2))
        self.assertEqual(
            (change.from_status, change.to_status, change.changed_by, change.reason),
            ("active", "suspended", self.cast.net_admin, "Missed two audits"),
        )
        self.assertAudited(
            "organisation.status",
            changes={"status": ["active", "suspended"]},
            reason="Missed two audits",
            object_id="riverside",
            object_org="riverside",
        )

    def test_only_the_network_admin(self):
        for who in ("river_admin", "quality", "inspector"):
            with self.subTest(who=who):
                self.assertNotPermitted(partial(self.change, who=who))

    def test_bad_moves_and_missing_reason(self):
        self.assertRefused(
            lambda: self.change(new=OrgStatus.ONBOARDING), "status_move_not_allowed", "status"
        )
        self.assertRefused(lambda: self.change(new=OrgStatus.ACTIVE), "status_unchanged", "status")
        self.assertRefused(lambda: self.change(new="paused"), "status_unknown", "status")
        self.assertRefused(lambda: self.change(reason=" "), "reason_required", "reason")

    def test_stale_version_is_a_conflict(self):
        self.assertRefused(lambda: self.change(version=4), "stale_version", "version")


class OrganisationStatusHistoryTests(ActionTestCase):
    """`Organisation.status_on(at)` answers for past instants."""

    def test_status_at_past_instants(self):
        joined = NOW + timedelta(days=1)
        activated = NOW + timedelta(days=10)
        suspended = NOW + timedelta(days=20)
        reinstated = NOW + timedelta(days=30)
        admin = self.actor("net_admin")
        with time_machine.travel(joined, tick=False):
            org = actions.create_organisation(
                admin, code="meadow", name="Meadow Care", kind=OrgKind.VCSE, reason="Joins"
            )
        approve_due_diligence(org)  # the quality app's check before going active
        for at, status, reason in (
            (activated, OrgStatus.ACTIVE, "Checks passed"),
            (suspended, OrgStatus.SUSPENDED, "Missed audits"),
            (reinstated, OrgStatus.ACTIVE, "Audits caught up"),
        ):
            with time_machine.travel(at, tick=False):
                actions.change_organisation_status(admin, org, status, reason=reason)
        table = [
            (NOW, None),
            (joined - timedelta(microseconds=1), None),
            (joined, "onboarding"),
            (activated - timedelta(seconds=1), "onboarding"),
            (activated, "active"),
            (suspended - timedelta(microseconds=1), "active"),
            (suspended, "suspended"),
            (reinstated - timedelta(hours=1), "suspended"),
            (reinstated, "active"),
            (reinstated + timedelta(days=365), "active"),
        ]
        for at, expected in table:
            with self.subTest(at=at):
                self.assertEqual(org.status_on(at), expected)
        self.assertEqual(
            list(org.status_changes.order_by("changed_at").values_list("from_status", "to_status")),
            [
                ("", "onboarding"),
                ("onboarding", "active"),
                ("active", "suspended"),
                ("suspended", "active"),
            ],
        )

    def test_a_move_recorded_late_is_dated_when_it_happened_in_order(self):
        admin = self.actor("net_admin")
        joined = NOW - timedelta(days=400)
        org = actions.create_organisation(
            admin,
            code="meadow",
            name="Meadow Care",
            kind=OrgKind.VCSE,
            reason="Joins",
            joined_at=joined,
        )
        approve_due_diligence(org)
        move = partial(actions.change_organisation_status, admin, org, OrgStatus.ACTIVE)
        self.assertRefused(
            partial(move, reason="Checks passed", at=NOW + timedelta(minutes=1)),
            "date_in_future",
            "at",
        )
        self.assertRefused(
            partial(move, reason="Checks passed", at=joined - timedelta(days=1)),
            "date_before_latest_move",
            "at",
        )
        move(reason="Checks passed", at=joined + timedelta(days=21))
        self.assertEqual(org.status_on(joined + timedelta(days=20)), OrgStatus.ONBOARDING)
        self.assertEqual(org.status_on(joined + timedelta(days=21)), OrgStatus.ACTIVE)


# --- people --------------------------------------------------------------------------------


class AddPersonTests(ActionTestCase):
    def add(self, who="river_admin", org="riverside", **overrides):
        fields: dict[str, Any] = {
            "username": "Dana_Lee",
            "first_name": "Dana",
            "last_name": "Lee",
            "email": "dana.lee@riverside.example",
            "password": PASSWORD,
            "roles": [Role.WORKER, Role.SCHEDULER],
            "reason": "New starter",
        }
        fields.update(overrides)
        return actions.add_person(self.actor(who), Organisation.objects.get(code=org), **fields)

    def test_writes_user_membership_roles_and_one_entry(self):
        user = self.add()
        self.assertEqual(user.username, "dana_lee")
        self.assertTrue(user.check_password(PASSWORD))
        membership = user.current_membership()
        self.assertEqual(membership.organisation.code, "riverside")
        grants = list(membership.roles.values_list("role", "granted_by__username", "reason"))
        self.assertEqual(
            grants,
            [("scheduler", "river_admin", "New starter"), ("worker", "river_admin", "New starter")],
        )
        self.assertAudited(
            "person.add",
            changes={
                "organisation": [None, "riverside"],
                "roles": [None, ["scheduler", "worker"]],
                "expires_at": [None, None],
            },
            reason="New starter",
            by="river_admin",
            object_type="network.user",
            object_id=str(user.uuid),
            object_org="riverside",
        )

    def test_network_admin_adds_an_inspector_with_an_end_date(self):
        user = self.add(
            who="net_admin",
            org="northbridge",
            username="cqc_visit",
            roles=[Role.INSPECTOR],
            expires_at=NOW + timedelta(days=14),
        )
        self.assertEqual(actor_for(user).access_until, NOW + timedelta(days=14))
        entry = self.assertAudited(
            "person.add",
            changes={
                "organisation": [None, "northbridge"],
                "roles": [None, ["inspector"]],
                "expires_at": [None, "2026-03-16T09:00:00Z"],
            },
            reason="New starter",
        )
        self.assertEqual(entry.object_organisation_code, "northbridge")

    def test_refused_without_the_right_role(self):
        for who, org in (
            ("river_admin", "swiftstaff"),
            ("river_supervisor", "riverside"),
            ("quality", "northbridge"),
            ("inspector", "northbridge"),
        ):
            with self.subTest(who=who, org=org):
                self.assertNotPermitted(partial(self.add, who=who, org=org))

    def test_bad_input_names_the_field(self):
        cases: list[tuple[dict[str, Any], str, str]] = [
            ({"username": "River_Worker"}, "username_taken", "username"),
            ({"username": " "}, "required", "username"),
            ({"last_name": ""}, "required", "first_name"),
            ({"email": "dana.lee"}, "invalid_email", "email"),
            ({"password": "password"}, "weak_password", "password"),
            ({"roles": []}, "required", "roles"),
            ({"roles": [Role.NETWORK_ADMIN]}, "grant_network_admin_only", "role"),
            ({"roles": [Role.INSPECTOR]}, "inspector_needs_expiry", "expires_at"),
            (
                {"roles": [Role.WORKER], "expires_at": NOW - timedelta(days=1)},
                "expiry_in_past",
                "expires_at",
            ),
        ]
        for overrides, code, field in cases:
            with self.subTest(code=code, field=field):
                self.assertRefused(partial(self.add, **overrides), code, field)


class GrantRoleTests(ActionTestCase):
    def grant(self, who="river_admin", person="river_worker", role=Role.COORDINATOR, **kw):
        kw.setdefault("reason", "Covers Tuesdays")
        return actions.grant_role(self.actor(who), self.cast[person], role, **kw)

    def test_writes_the_grant_and_one_entry(self):
        grant = self.grant()
        self.assertEqual(
            (grant.role, grant.granted_by, grant.reason, grant.expires_at),
            ("coordinator", self.cast.river_admin, "Covers Tuesdays", None),
        )
        self.assertEqual(
            self.cast.actor(self.cast.river_worker).roles, {Role.WORKER, Role.COORDINATOR}
        )
        self.assertAudited(
            "person.role.grant",
            changes={"role": [None, "coordinator"], "expires_at": [None, None]},
            reason="Covers Tuesdays",
            by="river_admin",
            object_type="network.user",
            object_id=str(self.cast.river_worker.uuid),
            object_org="riverside",
        )

    def test_refused_without_the_right_role(self):
        for who, person in (
            ("river_admin", "swift_worker"),
            ("river_supervisor", "river_worker"),
            ("inspector", "river_worker"),
        ):
            with self.subTest(who=who, person=person):
                self.assertNotPermitted(partial(self.grant, who=who, person=person))

    def test_bad_input_names_the_field(self):
        cases: list[tuple[dict[str, Any], str, str]] = [
            ({"role": Role.WORKER}, "role_held", "role"),
            ({"reason": ""}, "reason_required", "reason"),
            ({"role": Role.NETWORK_ADMIN}, "role_prime_only", "role"),
            ({"role": Role.INSPECTOR, "who": "net_admin"}, "inspector_needs_expiry", "expires_at"),
            ({"role": Role.COMMISSIONER, "who": "net_admin"}, "role_commissioner_org", "role"),
            ({"expires_at": NOW}, "expiry_in_past", "expires_at"),
        ]
        for overrides, code, field in cases:
            with self.subTest(code=code, field=field):
                self.assertRefused(partial(self.grant, **overrides), code, field)


class RevokeRoleTests(ActionTestCase):
    def revoke(self, who="river_admin", person="river_worker", role=Role.WORKER, reason="Moved"):
        return actions.revoke_role(self.actor(who), self.cast[person], role, reason=reason)

    def test_writes_the_revocation_and_one_entry(self):
        grant = self.revoke()
        self.assertEqual((grant.revoked_at, grant.revoked_by), (NOW, self.cast.river_admin))
        self.assertEqual(self.cast.actor(self.cast.river_worker).roles, frozenset())
        self.assertAudited(
            "person.role.revoke",
            changes={"role": ["worker", None]},
            reason="Moved",
            by="river_admin",
            object_id=str(self.cast.river_worker.uuid),
            object_org="riverside",
        )

    def test_refused_without_the_right_role(self):
        self.assertNotPermitted(lambda: self.revoke(who="swift_admin"))
        self.assertNotPermitted(lambda: self.revoke(who="river_supervisor"))

    def test_refusal_does_not_reveal_which_roles_are_held(self):
        self.assertNotPermitted(lambda: self.revoke(who="swift_admin", role=Role.SCHEDULER))

    def test_bad_input_names_the_field(self):
        self.assertRefused(lambda: self.revoke(role=Role.SCHEDULER), "role_not_held", "role")
        self.assertRefused(lambda: self.revoke(reason=""), "reason_required", "reason")
        self.assertRefused(
            lambda: self.revoke(person="river_admin", role=Role.PARTNER_ADMIN),
            "self_lockout",
            "role",
        )
        self.assertRefused(
            lambda: self.revoke(person="net_admin", role=Role.NETWORK_ADMIN, who="net_admin"),
            "self_lockout",
            "role",
        )


class EndMembershipTests(ActionTestCase):
    def end(self, who="river_admin", person="river_worker", reason="Left for university"):
        return actions.end_membership(self.actor(who), self.cast[person], reason=reason)

    def test_ends_membership_and_roles_with_one_entry(self):
        membership = self.end()
        self.assertEqual(
            (membership.ended_at, membership.ended_reason), (NOW, "Left for university")
        )
        self.assertEqual(
            RoleGrant.objects.filter(membership=membership, revoked_at=None).count(), 0
        )
        self.assertIsNone(self.cast.river_worker.current_membership())
        self.assertEqual(self.cast.actor(self.cast.river_worker).roles, frozenset())
        self.assertAudited(
            "person.leave",
            changes={"organisation": ["riverside", None]},
            reason="Left for university",
            by="river_admin",
            object_id=str(self.cast.river_worker.uuid),
            object_org="riverside",
        )

    def test_refused_without_the_right_role(self):
        self.assertNotPermitted(lambda: self.end(who="swift_admin"))
        self.assertNotPermitted(lambda: self.end(who="river_supervisor"))

    def test_bad_input(self):
        self.assertRefused(lambda: self.end(person="river_admin"), "self_lockout")
        self.assertRefused(lambda: self.end(reason=" "), "reason_required", "reason")


class UpdatePersonTests(ActionTestCase):
    def update(self, who="river_admin", person="river_worker", changes=None):
        return actions.update_person(
            self.actor(who),
            self.cast[person],
            {"job_title": "Senior carer"} if changes is None else changes,
            reason="Promotion",
        )

    def test_partner_admin_updates_a_member(self):
        self.update()
        self.assertEqual(User.objects.get(username="river_worker").job_title, "Senior carer")
        self.assertAudited(
            "person.update",
            changes={"job_title": ["", "Senior carer"]},
            reason="Promotion",
            by="river_admin",
            object_id=str(self.cast.river_worker.uuid),
            object_org="riverside",
        )

    def test_a_person_updates_themselves(self):
        self.update(who="river_worker", changes={"phone": "07700 900123"})
        self.assertEqual(User.objects.get(username="river_worker").phone, "07700 900123")
        self.assertAudited(
            "person.update",
            changes={"phone": ["", "07700 900123"]},
            reason="Promotion",
            by="river_worker",
        )

    def test_refused_without_the_right_role(self):
        for who, person in (
            ("river_supervisor", "river_worker"),
            ("swift_admin", "river_worker"),
            ("inspector", "river_worker"),
            # Read-only access stays read-only, even for one's own details.
            ("inspector", "inspector"),
        ):
            with self.subTest(who=who, person=person):
                self.assertNotPermitted(partial(self.update, who=who, person=person))

    def test_bad_input_names_the_field(self):
        self.assertRefused(lambda: self.update(changes={"email": "nope"}), "invalid_value", "email")
        self.assertRefused(
            lambda: self.update(changes={"username": "someone"}), "field_not_editable", "username"
        )


# --- API tokens ----------------------------------------------------------------------------


class ApiTokenTests(ActionTestCase):
    def test_issue_writes_a_hashed_token_and_one_entry(self):
        token, key = actions.issue_api_token(self.actor("river_admin"), name="Rota sync", days=30)
        self.assertTrue(key.startswith(f"sl_{token.prefix}_"))
        self.assertEqual(token.key_hash, actions.hash_key(key))
        self.assertNotIn(key, str(ApiToken.objects.filter(pk=token.pk).values().get()))
        self.assertEqual(
            (token.user, token.expires_at), (self.cast.river_admin, NOW + timedelta(days=30))
        )
        self.assertAudited(
            "api_token.issue",
            changes={"name": [None, "Rota sync"], "expires_at": [None, "2026-04-01T09:00:00Z"]},
            by="river_admin",
            object_type="network.apitoken",
        )

    def test_token_ends_with_time_boxed_access(self):
        token, _ = actions.issue_api_token(self.actor("inspector"), name="Evidence export", days=90)
        self.assertEqual(token.expires_at, NOW + timedelta(days=30))

    def test_issue_needs_a_person(self):
        self.assertNotPermitted(lambda: actions.issue_api_token(Actor.system("cron"), name="Sync"))

    def test_issue_bad_input_names_the_field(self):
        actor = self.actor("river_admin")
        self.assertRefused(lambda: actions.issue_api_token(actor, name=" "), "required", "name")
        for days in (0, 367, -1):
            with self.subTest(days=days):
                self.assertRefused(
                    partial(actions.issue_api_token, actor, name="Sync", days=days),
                    "invalid_value",
                    "days",
                )

    def test_revoke_writes_and_audits(self):
        token, _ = actions.issue_api_token(self.actor("river_admin"), name="Rota sync")
        self.mark()
        actions.revoke_api_token(self.actor("river_admin"), token)
        token.refresh_from_db()
        self.assertEqual(token.revoked_at, NOW)
        self.assertAudited("api_token.revoke", changes={}, by="river_admin")

    def test_network_admin_revokes_anyones_token(self):
        token, _ = actions.issue_api_token(self.actor("river_admin"), name="Rota sync")
        self.mark()
        actions.revoke_api_token(self.actor("net_admin"), token)
        self.assertAudited("api_token.revoke", changes={})

    def test_revoke_refuses_other_peoples_tokens_and_a_second_revocation(self):
        token, _ = actions.issue_api_token(self.actor("river_admin"), name="Rota sync")
        self.assertNotPermitted(lambda: actions.revoke_api_token(self.actor("swift_admin"), token))
        self.assertNotPermitted(lambda: actions.revoke_api_token(self.actor("river_worker"), token))
        actions.revoke_api_token(self.actor("river_admin"), token)
        self.assertRefused(
            lambda: actions.revoke_api_token(self.actor("river_admin"), token), "token_revoked"
        )


# --- pathways, steps, RACI -------------------------------------------------------------------


class CreatePathwayTests(ActionTestCase):
    def create(self, who="quality", **overrides):
        fields: dict[str, Any] = {
            "code": "crisis",
            "name": "Crisis response",
            "lead": self.cast.prime,
        }
        fields.update(overrides)
        return actions.create_pathway(self.actor(who), reason="Winter plan", **fields)

    def test_writes_the_pathway_and_one_entry(self):
        pathway = self.create()
        self.assertEqual(
            (pathway.code, pathway.name, pathway.lead_organisation.code),
            ("crisis", "Crisis response", "northbridge"),
        )
        self.assertAudited(
            "pathway.create",
            changes={
                "code": [None, "crisis"],
                "name": [None, "Crisis response"],
                "lead": [None, "northbridge"],
            },
            reason="Winter plan",
            by="quality",
            object_type="network.pathway",
            object_id="crisis",
        )

    def test_refused_without_the_right_role(self):
        for who in ("river_admin", "prime_worker", "inspector", "commissioner"):
            with self.subTest(who=who):
                self.assertNotPermitted(partial(self.create, who=who))

    def test_bad_input_names_the_field(self):
        self.assertRefused(lambda: self.create(code="discharge"), "code_taken", "code")
        self.assertRefused(lambda: self.create(code="crisis response"), "invalid_code", "code")
        self.assertRefused(lambda: self.create(name=" "), "required", "name")


class UpdatePathwayTests(ActionTestCase):
    def update(self, who="quality", changes=None, version=1):
        return actions.update_pathway(
            self.actor(who),
            Pathway.objects.get(code="discharge"),
            {"description": "From ward to home"} if changes is None else changes,
            version=version,
            reason="Clearer wording",
        )

    def test_writes_and_audits(self):
        self.update()
        pathway = Pathway.objects.get(code="discharge")
        self.assertEqual((pathway.description, pathway.version), ("From ward to home", 2))
        self.assertAudited(
            "pathway.update",
            changes={"description": ["", "From ward to home"]},
            reason="Clearer wording",
            by="quality",
            object_id="discharge",
        )

    def test_refused_without_the_right_role(self):
        for who in ("river_admin", "inspector"):
            with self.subTest(who=who):
                self.assertNotPermitted(partial(self.update, who=who))

    def test_bad_input_and_stale_version(self):
        self.assertRefused(
            lambda: self.update(changes={"code": "crisis"}), "field_not_editable", "code"
        )
        self.assertRefused(lambda: self.update(changes={"name": ""}), "invalid_value", "name")
        self.assertRefused(lambda: self.update(version=2), "stale_version", "version")

    def test_same_change_from_a_stale_version_is_still_a_conflict(self):
        # Someone else already wrote the very values this writer wants, from the same read:
        # the write is refused rather than reported as done, or an increment would be lost.
        self.update()
        self.assertRefused(lambda: self.update(version=1), "stale_version", "version")


class StepTests(ActionTestCase):
    def step(self, code: str) -> PathwayStep:
        return PathwayStep.objects.get(pathway__code="discharge", code=code)

    def add(self, who="quality", **overrides):
        fields: dict[str, Any] = {
            "code": "review",
            "name": "Six-week review",
            "time_standard_hours": 1008,
        }
        fields.update(overrides)
        return actions.add_step(
            self.actor(who), Pathway.objects.get(code="discharge"), reason="Audit finding", **fields
        )

    def test_add_writes_the_step_at_the_end_and_one_entry(self):
        step = self.add()
        self.assertEqual((step.position, step.clock_starts), (3, ClockStart.PREVIOUS_STEP))
        self.assertAudited(
            "pathway.step.add",
            changes={
                "position": [None, 3],
                "name": [None, "Six-week review"],
                "time_standard_hours": [None, 1008],
                "clock_starts": [None, "previous_step"],
            },
            reason="Audit finding",
            by="quality",
            object_type="network.pathwaystep",
            object_id="discharge/review",
            object_org="northbridge",
        )

    def test_add_refused_without_the_right_role(self):
        for who in ("river_admin", "inspector"):
            with self.subTest(who=who):
                self.assertNotPermitted(partial(self.add, who=who))

    def test_add_bad_input_names_the_field(self):
        cases: list[tuple[dict[str, Any], str, str]] = [
            ({"code": "step-1"}, "code_taken", "code"),
            ({"code": "six week"}, "invalid_code", "code"),
            ({"name": ""}, "required", "name"),
            ({"clock_starts": "noon"}, "invalid_value", "clock_starts"),
            ({"time_standard_hours": 0}, "invalid_value", "time_standard_hours"),
            ({"time_standard_hours": 24 * 366}, "invalid_value", "time_standard_hours"),
        ]
        for overrides, code, field in cases:
            with self.subTest(code=code, field=field):
                self.assertRefused(partial(self.add, **overrides), code, field)

    def update(self, who="quality", changes=None, version=1):
        return actions.update_step(
            self.actor(who),
            self.step("step-1"),
            {"time_standard_hours": 48} if changes is None else changes,
            version=version,
            reason="Commissioner's standard",
        )

    def test_update_writes_and_audits(self):
        self.update()
        step = self.step("step-1")
        self.assertEqual((step.time_standard_hours, step.version), (48, 2))
        self.assertAudited(
            "pathway.step.update",
            changes={"time_standard_hours": [24, 48]},
            reason="Commissioner's standard",
            by="quality",
            object_id="discharge/step-1",
        )

    def test_update_refused_and_bad_input(self):
        self.assertNotPermitted(lambda: self.update(who="river_admin"))
        self.assertRefused(
            lambda: self.update(changes={"position": 2}), "field_not_editable", "position"
        )
        self.assertRefused(
            lambda: self.update(changes={"clock_starts": "noon"}), "invalid_value", "clock_starts"
        )
        self.assertRefused(lambda: self.update(version=2), "stale_version", "version")

    def test_same_change_from_a_stale_version_is_still_a_conflict(self):
        # Someone else already wrote the very values this writer wants, from the same read:
        # the write is refused rather than reported as done, or an increment would be lost.
        self.update()
        self.assertRefused(lambda: self.update(version=1), "stale_version", "version")

    def move(self, code="step-2", direction=-1, version=1, who="quality"):
        return actions.move_step(
            self.actor(who), self.step(code), direction=direction, version=version
        )

    def test_move_swaps_with_the_neighbour_and_audits(self):
        self.move()
        self.assertEqual((self.step("step-2").position, self.step("step-1").position), (1, 2))
        self.assertAudited(
            "pathway.step.move",
            changes={"position": [2, 1]},
            by="quality",
            object_id="discharge/step-2",
        )

    def test_move_refused_and_bad_input(self):
        self.assertNotPermitted(lambda: self.move(who="river_admin"))
        self.assertRefused(lambda: self.move(code="step-1"), "cannot_move", "position")
        self.assertRefused(lambda: self.move(direction=1), "cannot_move", "position")
        self.assertRefused(lambda: self.move(version=3), "stale_version", "version")


class RaciTests(ActionTestCase):
    def step(self) -> PathwayStep:
        return PathwayStep.objects.get(pathway__code="discharge", code="step-1")

    def add(self, who="quality", **overrides):
        fields: dict[str, Any] = {
            "letter": RaciLetter.CONSULTED,
            "organisation": self.cast.riverside,
        }
        fields.update(overrides)
        return actions.add_raci(self.actor(who), self.step(), reason="Shares the visit", **fields)

    def test_add_writes_and_audits(self):
        entry = self.add()
        self.assertEqual(
            (entry.letter, entry.organisation, entry.role), ("C", self.cast.riverside, "")
        )
        self.assertEqual(self.step().version, 2)
        self.assertAudited(
            "pathway.raci.add",
            changes={"letter": [None, "C"], "party": [None, "Riverside Home Support"]},
            reason="Shares the visit",
            by="quality",
            object_id="discharge/step-1",
        )

    def test_add_refused_without_the_right_role(self):
        for who in ("river_admin", "inspector"):
            with self.subTest(who=who):
                self.assertNotPermitted(partial(self.add, who=who))

    def test_add_bad_input_names_the_field(self):
        cases: list[tuple[dict[str, Any], str, str]] = [
            ({"letter": "X"}, "invalid_value", "letter"),
            ({"role": Role.SUPERVISOR}, "party_required", "organisation"),
            ({"organisation": None}, "party_required", "organisation"),
            ({"organisation": None, "role": "chef"}, "role_unknown", "role"),
            ({"letter": RaciLetter.ACCOUNTABLE}, "raci_accountable", "letter"),
            (
                {"letter": RaciLetter.RESPONSIBLE, "organisation": None, "role": Role.COORDINATOR},
                "raci_duplicate",
                "letter",
            ),
        ]
        for overrides, code, field in cases:
            with self.subTest(code=code, overrides=overrides):
                self.assertRefused(partial(self.add, **overrides), code, field)

    def remove(self, who="quality"):
        entry = RaciAssignment.objects.get(step=self.step(), letter=RaciLetter.RESPONSIBLE)
        return actions.remove_raci(self.actor(who), entry, reason="Prime now does it")

    def test_remove_deletes_and_audits(self):
        self.remove()
        self.assertFalse(self.step().raci.filter(letter=RaciLetter.RESPONSIBLE).exists())
        self.assertAudited(
            "pathway.raci.remove",
            changes={"letter": ["R", None], "party": ["Care coordinator", None]},
            reason="Prime now does it",
            by="quality",
            object_id="discharge/step-1",
        )

    def test_remove_refused_without_the_right_role(self):
        for who in ("river_admin", "inspector"):
            with self.subTest(who=who):
                self.assertNotPermitted(partial(self.remove, who=who))


# --- decision rights -------------------------------------------------------------------------


class DecisionRightTests(ActionTestCase):
    def add(self, who="net_admin", **overrides):
        fields: dict[str, Any] = {
            "action_kind": ActionKind.HOUSING_ACTION,
            "pathway": self.cast.discharge,
            "organisation": self.cast.swift,
            "reason": "Agency leads on housing",
        }
        fields.update(overrides)
        return actions.add_decision_right(self.actor(who), **fields)

    def test_add_writes_and_audits(self):
        right = self.add()
        self.assertEqual(
            (right.action_kind, right.pathway, right.organisation, right.role),
            ("housing_action", self.cast.discharge, self.cast.swift, ""),
        )
        self.assertAudited(
            "decision_right.add",
            changes={
                "action_kind": [None, "housing_action"],
                "pathway": [None, "discharge"],
                "party": [None, "SwiftStaff Agency"],
            },
            reason="Agency leads on housing",
            object_type="network.decisionright",
            object_id=str(right.uuid),
            object_org="swiftstaff",
        )

    def test_add_for_every_pathway_by_role(self):
        self.add(pathway=None, organisation=None, role=Role.COORDINATOR)
        self.assertAudited(
            "decision_right.add",
            changes={
                "action_kind": [None, "housing_action"],
                "pathway": [None, "all"],
                "party": [None, "Care coordinator"],
            },
            reason="Agency leads on housing",
        )

    def test_add_refused_without_the_right_role(self):
        for who in ("quality", "river_admin", "inspector"):
            with self.subTest(who=who):
                self.assertNotPermitted(partial(self.add, who=who))

    def test_add_bad_input_names_the_field(self):
        cases: list[tuple[dict[str, Any], str, str]] = [
            ({"action_kind": "bake"}, "invalid_value", "action_kind"),
            ({"organisation": None}, "party_required", "organisation"),
            ({"role": "chef"}, "role_unknown", "role"),
            ({"reason": ""}, "reason_required", "reason"),
            (
                {
                    "action_kind": ActionKind.CRISIS_ESCALATION,
                    "pathway": None,
                    "organisation": self.cast.riverside,
                    "role": Role.SUPERVISOR,
                },
                "right_exists",
                "action_kind",
            ),
        ]
        for overrides, code, field in cases:
            with self.subTest(code=code):
                self.assertRefused(partial(self.add, **overrides), code, field)

    def remove(self, who="net_admin", reason="Superseded by the huddle"):
        right = DecisionRight.objects.get(action_kind=ActionKind.CRISIS_ESCALATION)
        return actions.remove_decision_right(self.actor(who), right, reason=reason)

    def test_remove_deletes_and_audits(self):
        self.remove()
        self.assertFalse(DecisionRight.objects.exists())
        self.assertAudited(
            "decision_right.remove",
            changes={
                "right": [
                    "Crisis escalation: Riverside Home Support · Supervisor / clinical lead",
                    None,
                ]
            },
            reason="Superseded by the huddle",
            object_type="network.decisionright",
            object_org="riverside",
        )

    def test_remove_refused_and_bad_input(self):
        self.assertNotPermitted(lambda: self.remove(who="quality"))
        self.assertRefused(lambda: self.remove(reason=" "), "reason_required", "reason")
