"""Overrides (docs/adr/0008): one rule, one visit, one worker, with a reason and an expiry. An
override lifts exactly that block and nothing else, is in the audit log, and is listed on the
overrides page; only the network admin, or a supervisor or partner admin of the worker's
organisation, grants one."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from seamline.audit.models import AuditEntry
from seamline.errors import RuleViolation
from seamline.rota import actions
from seamline.rota.models import Override, Visit
from seamline.workforce.models import Worker

from .scene import GateCase, at


class OverrideCase(GateCase):
    """Visits in three days (overrides expire in the future); Amy holds nothing (G2 blocks her
    on a medication prompt), Bo holds medication at induction (G2, and G5 on a lone visit)."""

    amy: Worker
    bo: Worker

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.amy = cls.make("RIV-AMY", None)
        cls.bo = cls.make("RIV-BO", "induction")

    @classmethod
    def make(cls, staff_id: str, stage: str | None) -> Worker:
        from seamline.workforce.testing import make_sign_off, make_worker

        worker = make_worker(cls.cast.riverside, staff_id)
        if stage:
            make_sign_off(worker, cls.med, stage, signer=cls.lead)
        return worker

    def setUp(self) -> None:
        self.start = at(timezone.localdate() + timedelta(days=3), 9)
        self.visit_a = self.visit(start=self.start)
        self.visit_b = self.visit(start=self.start + timedelta(hours=3))
        self.lone = self.visit(start=self.start + timedelta(hours=5), lone=True)

    def grant(self, who: str, visit: Visit, worker: Worker, rule: str = "G2") -> Override:
        return actions.grant_override(
            self.cast.actor(self.cast[who]),
            visit,
            worker,
            rule=rule,
            reason="No other cover tonight; the supervisor will phone in at the start.",
            expires_at=self.start + timedelta(days=1),
        )


class LiftsExactlyOneTests(OverrideCase):
    def test_an_override_lifts_that_block_only(self) -> None:
        self.assertEqual(self.answer(self.amy, self.visit_a).rules, ["G2"])
        override = self.grant("river_supervisor", self.visit_a, self.amy)
        lifted = self.answer(self.amy, self.visit_a)
        self.assertTrue(lifted.allowed)
        self.assertEqual(
            [(v.rule, uid) for v, uid in lifted.overridden], [("G2", str(override.uuid))]
        )
        # The same worker on another visit, another worker on the same visit: still blocked.
        self.assertEqual(self.answer(self.amy, self.visit_b).rules, ["G2"])
        self.assertIn("G2", self.answer(self.bo, self.visit_a).rules)

    def test_another_rule_still_blocks(self) -> None:
        self.assertEqual(self.answer(self.bo, self.lone).rules, ["G2", "G5"])
        self.grant("river_supervisor", self.lone, self.bo, "G2")
        answer = self.answer(self.bo, self.lone)
        self.assertEqual(answer.rules, ["G5"])
        self.assertFalse(answer.allowed)

    def test_it_is_in_the_audit_log_with_who_why_and_until_when(self) -> None:
        override = self.grant("river_supervisor", self.visit_a, self.amy)
        entry = AuditEntry.objects.get(action="rota.override.grant")
        self.assertEqual(entry.object_id, str(override.uuid))
        self.assertEqual(entry.actor_uuid, self.cast.river_supervisor.uuid)
        self.assertEqual(entry.object_organisation_code, "riverside")
        self.assertEqual(entry.changes["rule"], "G2")
        self.assertEqual(entry.changes["visit"], self.visit_a.code)
        self.assertEqual(entry.changes["worker"], "riverside/RIV-AMY")
        self.assertIn("sign-off", entry.changes["blocked_because"])
        self.assertIn("No other cover", entry.reason)

    def test_an_override_that_expires_before_the_visit_covers_nothing(self) -> None:
        Override.objects.create(
            visit=self.visit_b,
            worker=self.amy,
            rule="G2",
            blocked_because="x",
            reason="Expired before the visit",
            expires_at=self.visit_b.starts_at - timedelta(minutes=1),
            granted_by=self.cast.net_admin,
            granted_at=timezone.now() - timedelta(days=1),
        )
        self.assertEqual(self.answer(self.amy, self.visit_b).rules, ["G2"])

    def test_revoking_puts_the_block_back(self) -> None:
        override = self.grant("river_supervisor", self.visit_a, self.amy)
        actions.revoke_override(
            self.cast.actor(self.cast.river_admin), override, reason="Cover found"
        )
        self.assertEqual(self.answer(self.amy, self.visit_a).rules, ["G2"])
        self.assertTrue(AuditEntry.objects.filter(action="rota.override.revoke").exists())


class RefusalTests(OverrideCase):
    def refused(self, who: str, code: str, rule: str = "G2") -> None:
        with self.assertRaises(RuleViolation) as raised:
            self.grant(who, self.visit_a, self.amy, rule)
        self.assertIn(code, raised.exception.codes)
        self.assertFalse(Override.objects.exists())

    def test_who_may_override(self) -> None:
        for who, allowed in [
            ("net_admin", True),
            ("river_supervisor", True),
            ("river_admin", True),
            ("river_scheduler", False),
            ("river_coordinator", False),
            ("swift_admin", False),
            ("quality", False),
        ]:
            with self.subTest(who=who):
                if allowed:
                    override = self.grant(who, self.visit_a, self.amy)
                    override.delete()
                else:
                    self.refused(who, "not_permitted")

    def test_what_may_not_be_overridden(self) -> None:
        self.refused("net_admin", "not_blocked", rule="G5")  # Amy is not blocked by G5
        self.refused("net_admin", "not_overridable", rule="G1")
        self.refused("net_admin", "unknown_rule", rule="G12")
        with self.assertRaises(RuleViolation) as raised:
            actions.grant_override(
                self.cast.actor(self.cast.net_admin),
                self.visit_a,
                self.amy,
                rule="G2",
                reason="",
                expires_at=self.start - timedelta(hours=1),
            )
        self.assertEqual(raised.exception.codes, ["reason_required", "expiry_before_visit"])

    def test_one_override_per_block(self) -> None:
        self.grant("net_admin", self.visit_a, self.amy)
        with self.assertRaises(RuleViolation) as raised:
            self.grant("river_supervisor", self.visit_a, self.amy)
        self.assertEqual(raised.exception.codes, ["already_overridden"])


class PageTests(OverrideCase):
    def test_the_form_grants_and_the_list_shows_it(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        url = f"/rota/visits/{self.visit_a.code}/override/{self.amy.uuid}/"
        page = self.client.get(url)
        self.assertContains(page, "G2")
        expires = (self.start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        response = self.client.post(
            url, {"rule": "G2", "reason": "Only cover available", "expires_at": expires}
        )
        self.assertRedirects(response, f"/rota/visits/{self.visit_a.code}/")
        override = Override.objects.get()
        self.assertEqual((override.rule, override.worker), ("G2", self.amy))
        self.client.force_login(self.cast.net_admin)
        listed = self.client.get("/rota/overrides/")
        self.assertContains(listed, self.visit_a.code)
        self.assertContains(listed, "Only cover available")
        csv = self.client.get("/rota/overrides/?format=csv&rule=G2")
        text = csv.content.decode()
        self.assertIn(str(override.uuid), text)
        self.assertIn("riverside/RIV-AMY", text)
        none = self.client.get("/rota/overrides/?format=csv&rule=G5").content.decode()
        self.assertNotIn(str(override.uuid), none)

    def test_a_scheduler_is_refused(self) -> None:
        self.client.force_login(self.cast.river_scheduler)
        url = f"/rota/visits/{self.visit_a.code}/override/{self.amy.uuid}/"
        self.assertEqual(self.client.get(url).status_code, 403)

    def test_the_agency_never_sees_the_override(self) -> None:
        self.grant("river_supervisor", self.visit_a, self.amy)
        self.client.force_login(self.cast.swift_admin)
        response = self.client.get("/rota/overrides/")
        self.assertNotContains(response, self.visit_a.code)
