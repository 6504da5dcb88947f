"""The handoffs API: a handoff drafted, filled in, sent and accepted by token; refusals as
problem bodies (422 naming every missing field, 409 for a stale version, 403 for the other
side's move); lists and the overdue query."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import time_machine
from django.utils import timezone

from seamline.cases.models import Referral
from seamline.handoffs.models import Handoff
from seamline.handoffs.testing import Scene, build_scene, full_content
from seamline.network import actions as network_actions
from seamline.testing import CastTestCase


class ApiTests(CastTestCase):
    scene: Scene
    keys: dict[str, str]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.scene = build_scene(cls.cast)
        cls.keys = {
            name: network_actions.issue_api_token(cls.cast.actor(cls.cast[name]), name="t")[1]
            for name in ("prime_worker", "river_worker", "river_admin", "swift_admin", "quality")
        }

    def call(self, who: str, method: str, path: str, body: Any = None) -> Any:
        return self.client.generic(
            method,
            f"/api/handoffs{path}",
            json.dumps(body) if body is not None else "",
            "application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.keys[who]}",
        )

    def test_draft_fill_send_accept(self) -> None:
        code = self.scene.free.code
        created = self.call(
            "prime_worker",
            "POST",
            "",
            {
                "referral": code,
                "template": "hospital_discharge",
                "receiving_organisation": "riverside",
            },
        )
        self.assertEqual(created.status_code, 201, created.content)
        body = created.json()
        self.assertEqual((body["state"], body["completeness"]), ("draft", 0))
        handoff = body["code"]
        patched = self.call(
            "prime_worker",
            "PATCH",
            f"/{handoff}",
            {"content": full_content(), "version": body["version"]},
        )
        self.assertEqual(patched.status_code, 200, patched.content)
        self.assertEqual(patched.json()["completeness"], 100)
        sent = self.call(
            "prime_worker", "POST", f"/{handoff}/send", {"version": patched.json()["version"]}
        )
        self.assertEqual(sent.json()["state"], "sent")
        accepted = self.call(
            "river_worker",
            "POST",
            f"/{handoff}/accept",
            {
                "risk_status": "High risk of falls at night now",
                "escalation": "Ring 999 for a fall, then the duty line",
                "version": sent.json()["version"],
            },
        )
        self.assertEqual(accepted.status_code, 200, accepted.content)
        data = accepted.json()
        self.assertEqual(data["state"], "accepted")
        self.assertEqual(len(data["actions"]), 1)
        self.assertEqual(data["repeat_back"]["risk_status"], "High risk of falls at night now")
        self.assertEqual(Referral.objects.get(code=code).owner_person, self.cast.river_worker)

    def test_refusals_are_problem_bodies(self) -> None:
        handoff = self.scene.draft
        # The other side's move: 403.
        self.call("prime_worker", "POST", f"/{handoff.code}/send", {})
        refused = self.call(
            "prime_worker",
            "POST",
            f"/{handoff.code}/accept",
            {"risk_status": "x", "escalation": "y"},
        )
        self.assertEqual(refused.status_code, 403)
        # Incomplete: 422 naming every missing mandatory field.
        incomplete = self.call(
            "river_worker",
            "POST",
            f"/{handoff.code}/accept",
            {
                "risk_status": "Low risk, walks with a frame",
                "escalation": "Ring the duty line at once",
            },
        )
        self.assertEqual(incomplete.status_code, 422)
        missing = [r["field"] for r in incomplete.json()["reasons"] if r["code"] == "field_missing"]
        self.assertEqual(
            missing,
            [
                "current_risks",
                "medication_changes",
                "escalation_instructions",
                "consent",
                "key_contacts",
                "action_items",
            ],
        )
        # A stale version: 409.
        stale = self.call(
            "river_worker",
            "POST",
            f"/{handoff.code}/reject",
            {"reason": "other", "text": "x", "version": 1},
        )
        self.assertEqual(stale.status_code, 409)
        self.assertEqual(stale.json()["reasons"][0]["code"], "stale_version")
        # Unknown fields in a body are refused, not dropped.
        extra = self.call(
            "river_worker",
            "POST",
            f"/{handoff.code}/reject",
            {"reason": "other", "text": "x", "why": 1},
        )
        self.assertEqual(extra.status_code, 422)

    def test_lists(self) -> None:
        inbox = self.call("river_worker", "GET", "?box=inbox").json()
        self.assertEqual([h["code"] for h in inbox["items"]], [self.scene.sent.code])
        outbox = self.call("prime_worker", "GET", "?box=outbox&state=rejected").json()
        self.assertEqual([h["code"] for h in outbox["items"]], [self.scene.rejected.code])
        self.assertEqual(self.call("swift_admin", "GET", "").json()["count"], 0)
        self.assertEqual(self.call("river_worker", "GET", "?box=elsewhere").status_code, 422)
        row = inbox["items"][0]
        for key in ("code", "state", "template", "sender", "receiver", "completeness", "sent_at"):
            self.assertIn(key, row)

    def test_overdue(self) -> None:
        self.assertEqual(self.call("prime_worker", "GET", "/overdue").json()["count"], 0)
        with time_machine.travel(timezone.now() + timedelta(hours=25)):
            found = self.call("prime_worker", "GET", "/overdue").json()
        self.assertEqual(
            sorted(h["code"] for h in found["items"]),
            sorted([self.scene.sent.code, self.scene.rejected.code]),
        )
        self.assertTrue(all(h["overdue"] for h in found["items"]))

    def test_templates(self) -> None:
        templates = self.call("river_worker", "GET", "/templates").json()
        self.assertEqual(
            sorted(t["transition"] for t in templates),
            [
                "crisis_step_down",
                "hospital_discharge",
                "housing_placement",
                "safeguarding",
                "shift_handover",
            ],
        )
        one = self.call("river_worker", "GET", "/templates/shift_handover").json()
        self.assertTrue(one["same_organisation"])
        levels = {f["key"]: f["level"] for f in one["fields"]}
        revised = self.call(
            "quality",
            "POST",
            "/templates/shift_handover/versions",
            {
                "levels": levels | {"current_plan": ""},
                "reason": "Plans are on the rota sheet",
                "version": one["edit_version"],
            },
        )
        self.assertEqual(revised.status_code, 201, revised.content)
        self.assertEqual([v["number"] for v in revised.json()["versions"]], [2, 1])
        self.assertNotIn("current_plan", [f["key"] for f in revised.json()["fields"]])
        self.assertEqual(Handoff.objects.filter(template_version__number=2).count(), 0)
