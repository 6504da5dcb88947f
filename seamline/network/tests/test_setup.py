import io
import os
from unittest import mock

from django.core.management import CommandError, call_command
from django.test import TestCase

from seamline.access import actor_for
from seamline.audit.models import AuditEntry
from seamline.network.choices import OrgKind, Role
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

    def test_weak_password_is_refused_naming_the_field(self):
        with (
            mock.patch.dict(os.environ, {"SETUP_PW": "password"}),
            self.assertRaisesMessage(CommandError, "admin_password:"),
        ):
            call_command("setup", *ARGS)
        self.assertFalse(Organisation.objects.exists())
