"""Decision-rights map, the 'without a meeting?' checker, and the network settings page."""

import csv
import io
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from seamline.network import actions
from seamline.network.choices import ActionKind, Role
from seamline.network.models import DecisionRight, Network
from seamline.testing import CastTestCase, make_org, make_pathway

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


class DecisionRightsMapTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        admin = cls.cast.actor(cls.cast.net_admin)
        actions.add_decision_right(
            admin,
            action_kind=ActionKind.REFER,
            pathway=cls.cast.discharge,
            organisation=cls.cast.swift,
            reason="Agency staff refer on discharge",
            conditions="With the person's consent",
        )

    def setUp(self):
        self.client.force_login(self.cast.river_scheduler)

    def test_matrix_has_action_rows_and_party_columns(self):
        response = self.client.get("/network/decision-rights/")
        self.assertEqual(
            response.context["parties"],
            ["Riverside Home Support · Supervisor / clinical lead", "SwiftStaff Agency"],
        )
        rows = dict(response.context["rows"])
        self.assertEqual([len(c) for c in rows["Crisis escalation"]], [1, 0])
        self.assertEqual([len(c) for c in rows["Refer onward"]], [0, 1])

    def test_filter_by_pathway_keeps_rights_for_every_pathway(self):
        make_pathway("crisis", self.cast.prime)
        response = self.client.get("/network/decision-rights/", {"pathway": "crisis"})
        self.assertEqual([r.action_kind for r in response.context["rights"]], ["crisis_escalation"])
        response = self.client.get("/network/decision-rights/", {"pathway": "discharge"}, **HTMX)
        body = response.content.decode()
        self.assertTrue(body.lstrip().startswith('<div id="matrix"'))
        self.assertIn("2 rights that apply on Hospital discharge to community", body)

    def test_queries_do_not_grow_with_rows(self):
        with CaptureQueriesContext(connection) as few:
            self.client.get("/network/decision-rights/")
        admin = self.cast.actor(self.cast.net_admin)
        for i in range(20):
            org = make_org(f"partner-{i}", name=f"Partner {i}")
            actions.add_decision_right(
                admin, action_kind=ActionKind.EQUIPMENT_ORDER, organisation=org, reason="Stores"
            )
        with self.assertNumQueries(len(few)):
            response = self.client.get("/network/decision-rights/")
        self.assertEqual(len(response.context["rights"]), 22)

    def test_csv_export(self):
        response = self.client.get("/network/decision-rights/", {"format": "csv"})
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        self.assertEqual(
            rows[0], ["action", "pathway", "organisation", "role", "conditions", "since"]
        )
        self.assertEqual(
            [r[:5] for r in rows[1:]],
            [
                [
                    "Crisis escalation",
                    "every pathway",
                    "Riverside Home Support",
                    "Supervisor / clinical lead",
                    "",
                ],
                [
                    "Refer onward",
                    "Hospital discharge to community",
                    "SwiftStaff Agency",
                    "any role",
                    "With the person's consent",
                ],
            ],
        )

    def test_checker_says_yes_with_the_right_that_allows_it(self):
        response = self.client.get(
            "/network/decision-rights/check/",
            {"action_kind": "crisis_escalation", "organisation": "riverside", "role": "supervisor"},
            **HTMX,
        )
        body = response.content.decode()
        self.assertTrue(body.lstrip().startswith('<div id="answer"'))
        self.assertIn('<div class="answer yes"><p class="answer-word">Yes</p>', body)
        self.assertIn("Because of: Riverside Home Support · Supervisor / clinical lead", body)

    def test_checker_says_no_with_the_reason(self):
        response = self.client.get(
            "/network/decision-rights/check/",
            {
                "action_kind": "refer",
                "pathway": "discharge",
                "organisation": "riverside",
                "role": "worker",
            },
            **HTMX,
        )
        self.assertContains(response, '<div class="answer no"><p class="answer-word">No</p>')
        self.assertContains(response, "without the network&#x27;s agreement")

    def test_checker_works_without_javascript(self):
        response = self.client.get(
            "/network/decision-rights/check/",
            {
                "action_kind": "refer",
                "pathway": "discharge",
                "organisation": "swiftstaff",
                "role": "worker",
            },
        )
        self.assertContains(response, "<html")
        self.assertTrue(response.context["answer"]["allowed"])
        self.assertContains(response, "With the person&#x27;s consent")

    def test_only_the_network_admin_adds_and_removes(self):
        self.assertEqual(self.client.get("/network/decision-rights/new/").status_code, 403)
        right = DecisionRight.objects.first()
        assert right is not None
        self.assertEqual(
            self.client.get(f"/network/decision-rights/{right.uuid}/remove/").status_code, 403
        )

    def test_network_admin_adds_a_right_with_a_reason(self):
        self.client.force_login(self.cast.net_admin)
        data = {"action_kind": "emergency_cover", "role": "scheduler", "reason": ""}
        response = self.client.post("/network/decision-rights/new/", data)
        self.assertTrue(response.context["form"].has_error("reason"))
        data["reason"] = "Schedulers cover at night"
        response = self.client.post("/network/decision-rights/new/", data)
        self.assertRedirects(response, "/network/decision-rights/")
        right = DecisionRight.objects.get(action_kind="emergency_cover")
        self.assertEqual(
            (right.role, right.organisation, right.pathway), (Role.SCHEDULER, None, None)
        )

    def test_a_right_needs_a_party(self):
        self.client.force_login(self.cast.net_admin)
        response = self.client.post(
            "/network/decision-rights/new/", {"action_kind": "refer", "reason": "Anyone"}
        )
        self.assertFormError(
            response.context["form"], "organisation", "Name an organisation, a role, or both."
        )

    def test_network_admin_removes_a_right_with_a_reason(self):
        self.client.force_login(self.cast.net_admin)
        right = DecisionRight.objects.get(action_kind="refer")
        url = f"/network/decision-rights/{right.uuid}/remove/"
        self.assertContains(self.client.get(url), "SwiftStaff Agency")
        response = self.client.post(url, {"reason": "Contract ended"})
        self.assertRedirects(response, "/network/decision-rights/")
        self.assertFalse(DecisionRight.objects.filter(pk=right.pk).exists())

    def test_unknown_right_is_not_found(self):
        self.client.force_login(self.cast.net_admin)
        self.assertEqual(self.client.get("/network/decision-rights/nope/remove/").status_code, 404)


class NetworkSettingsTests(CastTestCase):
    def form_data(self, network, **changes):
        data = {
            "name": network.name,
            "time_zone": network.time_zone,
            "late_threshold": network.late_threshold.strftime("%H:%M"),
            "reason": "Partners asked for more notice",
            "version": network.version,
        }
        for name in Network.SETTING_FIELDS[3:]:
            data[name] = getattr(network, name)
        data.update(changes)
        return data

    def test_everyone_sees_the_defaults_but_only_the_admin_gets_the_form(self):
        self.client.force_login(self.cast.river_worker)
        response = self.client.get("/network/settings/")
        self.assertContains(response, "20:00")
        self.assertContains(response, "Small-number threshold")
        self.assertIsNone(response.context["form"])
        self.assertEqual(self.client.post("/network/settings/", {}).status_code, 403)

    def test_admin_changes_a_setting_with_a_reason_and_it_shows_in_history(self):
        network = Network.current()
        self.client.force_login(self.cast.net_admin)
        response = self.client.post("/network/settings/", self.form_data(network, expiring_days=45))
        self.assertRedirects(response, "/network/settings/")
        network.refresh_from_db()
        self.assertEqual(network.expiring_days, 45)
        response = self.client.get("/network/settings/")
        change = response.context["history"][0]
        self.assertEqual(change["why"], "Partners asked for more notice")
        self.assertEqual(change["who"], "Net Tester")
        self.assertEqual(change["changes"], [("Expiring", 30, 45)])

    def test_reason_is_required(self):
        network = Network.current()
        self.client.force_login(self.cast.net_admin)
        response = self.client.post(
            "/network/settings/", self.form_data(network, reason="", expiring_days=45)
        )
        self.assertTrue(response.context["form"].has_error("reason"))
        network.refresh_from_db()
        self.assertEqual(network.expiring_days, 30)

    def test_caps_that_fall_with_stage_are_refused_on_the_field(self):
        network = Network.current()
        self.client.force_login(self.cast.net_admin)
        response = self.client.post("/network/settings/", self.form_data(network, cap_supervised=9))
        self.assertFormError(
            response.context["form"],
            "cap_supervised",
            "Caps must not fall as the stage rises "
            "(induction ≤ supervised ≤ independent ≤ enhanced).",
        )
        network.refresh_from_db()
        self.assertEqual(network.cap_supervised, 2)

    def test_stale_version_shows_the_conflict(self):
        network = Network.current()
        stale = self.form_data(network, expiring_days=60)
        actions.update_network_settings(
            self.cast.actor(self.cast.net_admin),
            {"expiring_days": 45},
            version=network.version,
            reason="First",
        )
        self.client.force_login(self.cast.net_admin)
        response = self.client.post("/network/settings/", stale)
        self.assertContains(response, "was changed by someone else")
        network.refresh_from_db()
        self.assertEqual(network.expiring_days, 45)
