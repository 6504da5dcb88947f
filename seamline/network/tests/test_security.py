"""Transport and sign-in security: headers, CSP, CSRF, idle timeout, passwords, deploy check."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import time_machine
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.test import Client, SimpleTestCase
from django.utils import timezone

from seamline.errors import RuleViolation
from seamline.network import actions
from seamline.testing import PASSWORD, CastTestCase

ROOT = Path(__file__).resolve().parents[3]


class HeaderTests(CastTestCase):
    def test_pages_carry_a_strict_content_security_policy_and_security_headers(self) -> None:
        self.client.force_login(self.cast.river_admin)
        response = self.client.get("/")
        csp = response["Content-Security-Policy"]
        self.assertIn("default-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Referrer-Policy"], "same-origin")
        self.assertIn("camera=()", response["Permissions-Policy"])
        self.assertEqual(response["Cache-Control"], "no-store")

    def test_no_inline_script_or_style_in_the_page(self) -> None:
        self.client.force_login(self.cast.net_admin)
        body = self.client.get("/").content.decode()
        self.assertNotIn("<script>", body)
        self.assertNotIn("style=", body)
        self.assertNotIn("<style", body)


class CsrfTests(CastTestCase):
    def test_a_form_post_without_the_token_is_refused(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.cast.net_admin)
        response = client.post("/network/settings/", {"reason": "x", "version": "1"})
        self.assertEqual(response.status_code, 403)

    def test_sign_in_needs_the_token_too(self) -> None:
        client = Client(enforce_csrf_checks=True)
        response = client.post(
            "/accounts/login/", {"username": "river_admin", "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 403)


class IdleTimeoutTests(CastTestCase):
    def test_a_session_idle_for_longer_than_the_timeout_ends(self) -> None:
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            self.client.post("/accounts/login/", {"username": "river_admin", "password": PASSWORD})
            self.assertEqual(self.client.get("/").status_code, 200)
            clock.shift(timedelta(minutes=29))
            self.assertEqual(self.client.get("/").status_code, 200)  # activity pushes it on
            clock.shift(timedelta(minutes=29))
            self.assertEqual(self.client.get("/").status_code, 200)
            clock.shift(timedelta(minutes=31))
            response = self.client.get("/")
            self.assertEqual(response.status_code, 302)
            self.assertTrue(response["Location"].startswith("/accounts/login/"))


class PasswordPolicyTests(CastTestCase):
    def _add(self, password: str) -> None:
        actions.add_person(
            self.cast.actor(self.cast.river_admin),
            self.cast.riverside,
            username="new_starter",
            first_name="Ines",
            last_name="Varga",
            email="ines.varga@example.org",
            password=password,
            roles=["worker"],
        )

    def test_a_common_password_is_refused_even_when_long_enough(self) -> None:
        common = sorted(
            p for p in CommonPasswordValidator().passwords if len(p) >= 12 and not p.isdigit()
        )[0]
        with self.assertRaises(RuleViolation) as caught:
            self._add(common)
        self.assertEqual(caught.exception.reasons[0].field, "password")
        self.assertIn("too common", str(caught.exception))

    def test_short_and_all_digit_passwords_are_refused(self) -> None:
        for password in ("Short-1", "4829104829104829"):
            with self.subTest(password=password), self.assertRaises(RuleViolation):
                self._add(password)


class DeployCheckTests(SimpleTestCase):
    def test_production_settings_pass_the_deploy_check(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("SEAMLINE_ENV", "DATABASE_URL")}
        env.update(
            SEAMLINE_ENV="production",
            SEAMLINE_SECRET_KEY="k" * 20 + "-deploy-check-only-" + "x" * 30,
            SEAMLINE_AUDIT_KEY="audit-key-for-the-deploy-check",
            SEAMLINE_ALLOWED_HOSTS="seamline.example.org",
            PYTHONPATH=str(ROOT),
        )
        result = subprocess.run(  # noqa: S603 (fixed arguments, our own interpreter)
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "check",
                "--deploy",
                "--fail-level",
                "WARNING",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout)
