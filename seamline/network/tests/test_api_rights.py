"""The decision-rights map and the network settings over the API."""

from datetime import time

from seamline.network.choices import ActionKind, Role
from seamline.network.models import DecisionRight, Network
from seamline.testing import make_pathway

from .api_support import ApiTestCase

NEW_RIGHT = {
    "action_kind": "housing_action",
    "organisation": "swiftstaff",
    "role": "coordinator",
    "conditions": "Within the agreed emergency budget.",
    "reason": "Agreed at the March huddle review.",
}


class DecisionRightReadTests(ApiTestCase):
    def test_every_member_reads_the_map(self):
        body = self.assertStatus(self.get("swift_worker", "/api/decision-rights"), 200)
        self.assertEqual(body["count"], 1)
        right = body["items"][0]
        self.assertEqual(
            (right["action_kind"], right["organisation"], right["role"], right["pathway"]),
            ("crisis_escalation", "riverside", "supervisor", None),
        )
        self.assertEqual(right["action_label"], "Crisis escalation")
        self.assertNotIn("id", right)

    def test_filters(self):
        DecisionRight.objects.create(
            action_kind=ActionKind.REFER, pathway=self.cast.discharge, role=Role.COORDINATOR
        )
        other = make_pathway("therapy", self.cast.prime)
        DecisionRight.objects.create(action_kind=ActionKind.REFER, pathway=other, role=Role.WORKER)
        body = self.get("quality", "/api/decision-rights", action_kind="refer").json()
        self.assertEqual(body["count"], 2)
        body = self.get("quality", "/api/decision-rights", pathway="discharge").json()
        # The right for every pathway counts for discharge too; therapy's does not.
        self.assertEqual(
            sorted((r["action_kind"], r["pathway"]) for r in body["items"]),
            [("crisis_escalation", None), ("refer", "discharge")],
        )

    def test_bad_action_kind_is_422(self):
        response = self.get("quality", "/api/decision-rights", action_kind="juggling")
        self.assertFieldError(response, "action_kind")

    def test_queries_do_not_grow_with_rows(self):
        few = self.count_queries("quality", "/api/decision-rights")
        for kind in ActionKind.values:
            DecisionRight.objects.create(
                action_kind=kind, pathway=self.cast.discharge, organisation=self.cast.swift
            )
        with self.assertNumQueries(few):
            body = self.assertStatus(self.get("quality", "/api/decision-rights"), 200)
        self.assertEqual(body["count"], 1 + len(ActionKind.values))


class DecisionRightCheckTests(ApiTestCase):
    url = "/api/decision-rights/check"

    def test_asking_for_yourself(self):
        body = self.get("river_supervisor", self.url, action_kind="crisis_escalation").json()
        self.assertEqual(body, {"allowed": True, "reasons": []})
        body = self.get("river_worker", self.url, action_kind="crisis_escalation").json()
        self.assertFalse(body["allowed"])
        self.assertEqual(body["reasons"][0]["code"], "no_decision_right")
        self.assertIn("Crisis escalation", body["reasons"][0]["message"])

    def test_asking_for_an_organisation_and_role(self):
        allowed = self.get(
            "quality",
            self.url,
            action_kind="crisis_escalation",
            organisation="riverside",
            role="supervisor",
            pathway="discharge",
        ).json()
        self.assertTrue(allowed["allowed"])
        refused = self.get(
            "quality",
            self.url,
            action_kind="crisis_escalation",
            organisation="swiftstaff",
            role="supervisor",
        ).json()
        self.assertFalse(refused["allowed"])

    def test_bad_parameters_are_422_naming_them(self):
        self.assertFieldError(self.get("quality", self.url), "action_kind")
        response = self.get("quality", self.url, action_kind="refer", organisation="atlantis")
        self.assertFieldError(response, "organisation")
        response = self.get("quality", self.url, action_kind="refer", pathway="atlantis")
        self.assertFieldError(response, "pathway")
        response = self.get("quality", self.url, action_kind="refer", role="wizard")
        self.assertFieldError(response, "role")

    def test_without_token_401(self):
        self.assertStatus(self.get(None, self.url, action_kind="refer"), 401)


class DecisionRightWriteTests(ApiTestCase):
    def test_network_admin_adds_a_right(self):
        body = self.assertStatus(self.post("net_admin", "/api/decision-rights", NEW_RIGHT), 201)
        self.assertEqual(body["organisation"], "swiftstaff")
        self.assertEqual(body["conditions"], "Within the agreed emergency budget.")
        self.assertTrue(DecisionRight.objects.filter(uuid=body["uuid"]).exists())
        entry = self.latest_entry("decision_right.add")
        self.assertEqual(entry.reason, "Agreed at the March huddle review.")
        self.assertEqual(entry.changes["action_kind"], [None, "housing_action"])
        check = self.get(
            "swift_admin",
            "/api/decision-rights/check",
            action_kind="housing_action",
            organisation="swiftstaff",
            role="coordinator",
        ).json()
        self.assertTrue(check["allowed"])

    def test_others_are_403(self):
        for who in ("quality", "river_admin", "inspector"):
            with self.subTest(who=who):
                self.assertStatus(self.post(who, "/api/decision-rights", NEW_RIGHT), 403)
        self.assertFalse(DecisionRight.objects.filter(action_kind="housing_action").exists())

    def test_bad_bodies_are_422_naming_the_field(self):
        url = "/api/decision-rights"
        self.assertFieldError(
            self.post("net_admin", url, {**NEW_RIGHT, "organisation": None, "role": None}),
            "organisation",
        )
        self.assertFieldError(
            self.post("net_admin", url, {**NEW_RIGHT, "pathway": "atlantis"}), "pathway"
        )
        self.assertFieldError(
            self.post("net_admin", url, {**NEW_RIGHT, "action_kind": "juggling"}), "action_kind"
        )
        existing = {
            "action_kind": "crisis_escalation",
            "organisation": "riverside",
            "role": "supervisor",
            "reason": "Again.",
        }
        self.assertFieldError(self.post("net_admin", url, existing), "action_kind")

    def test_network_admin_removes_a_right(self):
        right = DecisionRight.objects.get()
        url = f"/api/decision-rights/{right.uuid}"
        response = self.delete("net_admin", url, {"reason": "Now goes to the huddle."})
        self.assertEqual(response.status_code, 204)
        self.assertFalse(DecisionRight.objects.exists())
        self.assertEqual(
            self.latest_entry("decision_right.remove").reason, "Now goes to the huddle."
        )

    def test_remove_needs_a_reason(self):
        right = DecisionRight.objects.get()
        self.assertFieldError(
            self.delete("net_admin", f"/api/decision-rights/{right.uuid}"), "reason"
        )
        self.assertTrue(DecisionRight.objects.exists())

    def test_remove_refusals(self):
        right = DecisionRight.objects.get()
        url = f"/api/decision-rights/{right.uuid}?reason=No."
        self.assertStatus(self.delete("river_supervisor", url), 403)
        self.assertStatus(self.delete("inspector", url), 403)
        self.assertStatus(self.delete(None, url), 401)
        self.assertNotFound(
            self.delete("net_admin", "/api/decision-rights/00000000-0000-0000-0000-000000000000")
        )
        self.assertTrue(DecisionRight.objects.exists())


class NetworkSettingsTests(ApiTestCase):
    url = "/api/network/settings"

    def test_every_member_reads_the_settings(self):
        body = self.assertStatus(self.get("swift_worker", self.url), 200)
        self.assertEqual(body["late_threshold"], "20:00:00")
        self.assertEqual(body["cap_supervised"], 2)
        self.assertEqual(body["version"], 1)

    def test_network_admin_changes_a_setting(self):
        response = self.patch(
            "net_admin",
            self.url,
            {"version": 1, "late_threshold": "19:30", "reason": "Earlier darkness in winter."},
        )
        body = self.assertStatus(response, 200)
        self.assertEqual(body["late_threshold"], "19:30:00")
        self.assertEqual(body["version"], 2)
        self.assertEqual(Network.current().late_threshold, time(19, 30))
        entry = self.latest_entry("network.settings.update")
        self.assertEqual(entry.reason, "Earlier darkness in winter.")
        self.assertEqual(entry.changes, {"late_threshold": ["20:00:00", "19:30:00"]})

    def test_stale_version_is_409(self):
        Network.objects.update(version=4)
        response = self.patch(
            "net_admin", self.url, {"version": 3, "expiring_days": 45, "reason": "Longer notice."}
        )
        self.assertFieldError(response, "version", status=409)
        self.assertEqual(Network.current().expiring_days, 30)

    def test_caps_that_fall_are_422(self):
        response = self.patch(
            "net_admin", self.url, {"version": 1, "cap_supervised": 9, "reason": "Try."}
        )
        self.assertFieldError(response, "cap_supervised")
        self.assertEqual(Network.current().cap_supervised, 2)

    def test_bad_values_are_422_naming_the_field(self):
        response = self.patch(
            "net_admin", self.url, {"version": 1, "expiring_days": "soon", "reason": "x"}
        )
        self.assertFieldError(response, "expiring_days")
        self.assertFieldError(self.patch("net_admin", self.url, {"version": 1}), "reason")

    def test_others_are_403(self):
        for who in ("quality", "river_admin", "inspector"):
            with self.subTest(who=who):
                response = self.patch(
                    who, self.url, {"version": 1, "expiring_days": 45, "reason": "Longer."}
                )
                self.assertStatus(response, 403)
        self.assertEqual(Network.current().expiring_days, 30)
