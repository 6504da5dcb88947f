"""`seamline token create | list | revoke`."""

import json
from contextlib import redirect_stderr
from datetime import timedelta
from io import StringIO
from unittest import mock

from django.core.management import CommandError, call_command
from django.utils import timezone

from seamline.audit.models import AuditEntry
from seamline.cli import main
from seamline.network.models import ApiToken, RoleGrant
from seamline.testing import CastTestCase


def run(*args: str) -> str:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


class TokenCommandTests(CastTestCase):
    def test_create_prints_a_working_key_once(self):
        output = run("create", "--user", "river_admin", "--name", "rota sync", "--days", "30")
        key = next(line for line in output.splitlines() if line.startswith("sl_"))
        token = ApiToken.objects.get(user=self.cast.river_admin)
        self.assertIn(f"prefix {token.prefix}", output)
        self.assertEqual(token.name, "rota sync")
        self.assertAlmostEqual(
            token.expires_at, timezone.now() + timedelta(days=30), delta=timedelta(minutes=1)
        )
        self.assertNotIn(key, token.key_hash)
        me = self.client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}").json()
        self.assertEqual(me["username"], "river_admin")
        entry = AuditEntry.objects.filter(action="api_token.issue").get()
        self.assertEqual(entry.actor_label, "river_admin")
        self.assertNotIn(key, json.dumps(entry.changes))

    def test_create_as_json(self):
        data = json.loads(
            run("create", "--user", "quality", "--name", "reports", "--format", "json")
        )
        self.assertEqual(data["user"], "quality")
        self.assertTrue(data["key"].startswith(f"sl_{data['prefix']}_"))
        self.assertEqual(data["status"], "active")

    def test_inspector_token_ends_with_their_access(self):
        run("create", "--user", "inspector", "--name", "evidence", "--days", "90")
        token = ApiToken.objects.get(user=self.cast.inspector)
        grant = RoleGrant.objects.get(membership__user=self.cast.inspector)
        self.assertEqual(token.expires_at, grant.expires_at)

    def test_create_errors(self):
        with self.assertRaisesMessage(CommandError, "There is no user 'nobody'"):
            run("create", "--user", "nobody", "--name", "x")
        with self.assertRaisesMessage(CommandError, "between 1 and 366 days"):
            run("create", "--user", "quality", "--name", "x", "--days", "400")
        with self.assertRaisesMessage(CommandError, "Name the token"):
            run("create", "--user", "quality", "--name", "  ")
        RoleGrant.objects.filter(membership__user=self.cast.river_worker).update(
            revoked_at=timezone.now()
        )
        with self.assertRaisesMessage(CommandError, "holds no current role"):
            run("create", "--user", "river_worker", "--name", "x")
        self.assertFalse(ApiToken.objects.exists())

    def test_list(self):
        self.assertIn("has no API tokens", run("list", "--user", "quality"))
        run("create", "--user", "quality", "--name", "reports")
        token = ApiToken.objects.get()
        output = run("list", "--user", "quality")
        self.assertIn(token.prefix, output)
        self.assertIn("active", output)
        self.assertIn("reports", output)
        rows = json.loads(run("list", "--user", "quality", "--format", "json"))
        self.assertEqual([(r["prefix"], r["status"]) for r in rows], [(token.prefix, "active")])
        self.assertNotIn("key", rows[0])

    def test_revoke(self):
        output = run("create", "--user", "quality", "--name", "reports")
        key = next(line for line in output.splitlines() if line.startswith("sl_"))
        token = ApiToken.objects.get()
        self.assertIn(f"Revoked token {token.prefix}", run("revoke", token.prefix))
        token.refresh_from_db()
        self.assertIsNotNone(token.revoked_at)
        self.assertEqual(AuditEntry.objects.filter(action="api_token.revoke").count(), 1)
        response = self.client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}")
        self.assertEqual(response.status_code, 401)
        self.assertIn("revoked", run("list", "--user", "quality"))
        with self.assertRaisesMessage(CommandError, "already revoked"):
            run("revoke", token.prefix)

    def test_errors_exit_1_from_the_console_command(self):
        err = StringIO()
        # The console command closes its database connections when done; the test's
        # transaction must outlive it.
        with (
            mock.patch("django.core.management.base.connections.close_all"),
            redirect_stderr(err),
            self.assertRaises(SystemExit) as exit_,
        ):
            main(["token", "revoke", "deadbeef"])
        self.assertEqual(exit_.exception.code, 1)
        self.assertIn("There is no token with prefix 'deadbeef'", err.getvalue())
