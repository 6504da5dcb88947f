"""`seamline handoff list | show | accept | reject`."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import CommandError, call_command

from seamline.cases.models import Referral
from seamline.handoffs.models import Handoff
from seamline.handoffs.testing import Scene, build_scene
from seamline.testing import CastTestCase


class CommandTests(CastTestCase):
    scene: Scene

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.scene = build_scene(cls.cast)

    def run_command(self, *args: str) -> str:
        out = StringIO()
        call_command("handoff", *args, stdout=out, stderr=StringIO())
        return out.getvalue()

    def test_list_as_json_has_the_documented_keys(self) -> None:
        rows = json.loads(self.run_command("list", "--format", "json"))
        self.assertEqual(len(rows), 4)
        for key in (
            "code",
            "state",
            "template",
            "sender",
            "receiver",
            "completeness",
            "sent_at",
            "accepted_at",
        ):
            self.assertIn(key, rows[0])
        by_code = {r["code"]: r for r in rows}
        accepted = by_code[self.scene.accepted.code]
        self.assertEqual(
            (accepted["state"], accepted["sender"], accepted["receiver"]),
            ("accepted", "northbridge", "riverside"),
        )
        self.assertIsNotNone(accepted["accepted_at"])
        self.assertIsNone(by_code[self.scene.draft.code]["sent_at"])

    def test_list_through_a_persons_access(self) -> None:
        rows = json.loads(
            self.run_command("list", "--box", "inbox", "--format", "json", "--as", "river_worker")
        )
        self.assertEqual([r["code"] for r in rows], [self.scene.sent.code])
        rows = json.loads(self.run_command("list", "--format", "json", "--as", "swift_admin"))
        self.assertEqual(rows, [])
        with self.assertRaises(CommandError):
            self.run_command("list", "--box", "inbox")

    def test_show(self) -> None:
        text = self.run_command("show", self.scene.accepted.code)
        self.assertIn("Repeat-back, risk:", text)
        data = json.loads(self.run_command("show", self.scene.sent.code, "--format", "json"))
        self.assertEqual(data["content"]["risk_status"], "high")
        with self.assertRaises(CommandError):
            self.run_command("show", self.scene.draft.code, "--as", "river_worker")

    def test_accept_moves_the_case(self) -> None:
        out = self.run_command(
            "accept",
            self.scene.sent.code,
            "--as",
            "river_worker",
            "--risk-status",
            "High risk of falling at night",
            "--escalation",
            "999 for a fall, then the duty line",
        )
        self.assertIn("is accepted", out)
        referral = Referral.objects.get(pk=self.scene.sent.referral_id)
        self.assertEqual(referral.owner_person, self.cast.river_worker)

    def test_a_refusal_exits_with_its_reasons(self) -> None:
        err = StringIO()
        with self.assertRaises(CommandError) as caught:
            call_command(
                "handoff",
                "accept",
                self.scene.sent.code,
                "--as",
                "river_worker",
                "--risk-status",
                "High",
                "--escalation",
                "Ring",
                stdout=StringIO(),
                stderr=err,
            )
        self.assertEqual(caught.exception.returncode, 1)
        self.assertIn("repeat_back_too_short", err.getvalue())
        self.assertEqual(Handoff.objects.get(pk=self.scene.sent.pk).state, "sent")

    def test_reject(self) -> None:
        out = self.run_command(
            "reject",
            self.scene.sent.code,
            "--as",
            "river_admin",
            "--reason",
            "no_capacity",
            "--text",
            "Full until Monday",
        )
        self.assertIn("northbridge keeps the case", out)
        self.assertEqual(Handoff.objects.get(pk=self.scene.sent.pk).rejection_reason, "no_capacity")
        with self.assertRaises(CommandError):
            self.run_command(
                "reject",
                self.scene.accepted.code,
                "--as",
                "prime_worker",
                "--reason",
                "other",
                "--text",
                "x",
            )

    def test_load_templates_is_idempotent(self) -> None:
        self.assertIn("none: every transition has one", self.run_command("load-templates"))
        with self.assertRaises(CommandError):
            self.run_command("load-templates", "--as", "river_admin")
