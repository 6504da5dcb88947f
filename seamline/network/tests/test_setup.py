import io
import os
from datetime import timedelta
from unittest import mock

from django.core.management import CommandError, call_command
from django.test import TestCase
from django.utils import timezone

from seamline.access import actor_for
from seamline.audit.models import AuditEntry
from seamline.errors import RuleViolation
from seamline.network.actions import bootstrap_network
from seamline.network.choices import OrgKind, OrgStatus, Role
from seamline.network.models import Organisation

ARGS = [
    "--network-name",
    "County Care Network",
    "--prime-code",
    "northbridge",
    "--prime-name",
    "Northbridge Community Care",
    "--admin-username",
    "admin",
    "--admin-first-name",
    "Ada",
    "--admin-last-name",
    "Okafor",
    "--admin-email",
    "ada@example.org",
    "--admin-password-env",
    "SETUP_PW",
]

SETUP = {
    "network_name": "County Care Network",
    "prime_code": "northbridge",
    "prime_name": "Northbridge Community Care",
    "admin_username": "admin",
    "admin_first_name": "Ada",
    "admin_last_name": "Okafor",
    "admin_email": "ada@example.org",
    "admin_password": "Tidal-basin-harbour-91",
}


class SetupCommandTests(TestCase):
    def test_creates_prime_and_network_admin_once(self):
        with mock.patch.dict(os.environ, {"SETUP_PW": "Tidal-basin-harbour-91"}):
            call_command("setup", *ARGS, stdout=io.StringIO())
            prime = Organisation.objects.get(code="northbridge")
            self.assertEqual(prime.kind, OrgKind.PRIME)
            actor = actor_for(prime.memberships.get().user)
            self.assertTrue(actor.is_network_admin)
            self.assertEqual(actor.roles, {Role.NETWORK_ADMIN})
            self.assertTrue(AuditEntry.objects.filter(action="network.setup").exists())
            with self.assertRaisesMessage(CommandError, "already has its prime provider"):
                call_command("setup", *ARGS)

    def test_a_network_older_than_its_record_is_dated_when_it_began(self):
        began = timezone.now() - timedelta(days=700)
        bootstrap_network(**SETUP, set_up_at=began)
        prime = Organisation.objects.get(code="northbridge")
        self.assertIsNone(prime.status_on(began - timedelta(seconds=1)))
        self.assertEqual(prime.status_on(began), OrgStatus.ACTIVE)

    def test_a_network_cannot_be_set_up_in_the_future(self):
        with self.assertRaises(RuleViolation) as raised:
            bootstrap_network(**SETUP, set_up_at=timezone.now() + timedelta(days=1))
        self.assertEqual(
            [(r.code, r.field) for r in raised.exception.reasons], [("date_in_future", "set_up_at")]
        )
        self.assertFalse(Organisation.objects.exists())

    def test_weak_password_is_refused_naming_the_field(self):
        with (
            mock.patch.dict(os.environ, {"SETUP_PW": "password"}),
            self.assertRaisesMessage(CommandError, "admin_password:"),
        ):
            call_command("setup", *ARGS)
        self.assertFalse(Organisation.objects.exists())
