"""Pathways over the API: steps in order, RACI, time standards, gaps; design rights."""

from seamline.network.choices import RaciLetter
from seamline.network.models import Pathway, PathwayStep, RaciAssignment
from seamline.testing import make_pathway

from .api_support import ApiTestCase

NEW_PATHWAY = {
    "code": "crisis",
    "name": "Crisis response",
    "lead_organisation": "northbridge",
    "description": "Same-day response to a crisis at home.",
    "reason": "Agreed at the network board.",
}


class PathwayReadTests(ApiTestCase):
    def test_list_with_step_counts(self):
        make_pathway("therapy", self.cast.prime, name="Community therapy", steps=3)
        body = self.assertStatus(self.get("swift_worker", "/api/pathways"), 200)
        self.assertEqual(body["count"], 2)
        self.assertEqual(
            [(p["code"], p["step_count"], p["lead_organisation"]) for p in body["items"]],
            [("therapy", 3, "northbridge"), ("discharge", 2, "northbridge")],
        )

    def test_list_queries_do_not_grow_with_rows(self):
        few = self.count_queries("quality", "/api/pathways")
        for i in range(8):
            make_pathway(f"path-{i}", self.cast.prime, steps=3)
        with self.assertNumQueries(few):
            body = self.assertStatus(self.get("quality", "/api/pathways"), 200)
        self.assertEqual(body["count"], 9)

    def test_detail_has_steps_in_order_with_raci_and_time_standards(self):
        body = self.assertStatus(self.get("river_worker", "/api/pathways/discharge"), 200)
        self.assertEqual(body["name"], "Hospital discharge to community")
        self.assertEqual([s["code"] for s in body["steps"]], ["step-1", "step-2"])
        first = body["steps"][0]
        self.assertEqual(first["time_standard_hours"], 24)
        self.assertEqual(first["clock_starts"], "referral_received")
        self.assertEqual(first["time_standard_label"], "within 24 h of referral received")
        self.assertEqual(
            sorted((r["letter"], r["organisation"], r["role"]) for r in first["raci"]),
            [("A", "northbridge", None), ("R", None, "coordinator")],
        )
        self.assertEqual(body["raci_gaps"], [])

    def test_detail_names_raci_gaps(self):
        RaciAssignment.objects.filter(step__code="step-2", letter=RaciLetter.RESPONSIBLE).delete()
        body = self.get("river_worker", "/api/pathways/discharge").json()
        self.assertEqual(
            [(g["step"], g["code"]) for g in body["raci_gaps"]], [("step-2", "raci_responsible")]
        )

    def test_missing_is_404(self):
        self.assertNotFound(self.get("river_worker", "/api/pathways/atlantis"))

    def test_without_token_401(self):
        self.assertStatus(self.get(None, "/api/pathways/discharge"), 401)


class PathwayWriteTests(ApiTestCase):
    def test_quality_lead_adds_a_pathway(self):
        body = self.assertStatus(self.post("quality", "/api/pathways", NEW_PATHWAY), 201)
        self.assertEqual(body["code"], "crisis")
        self.assertEqual(body["steps"], [])
        entry = self.latest_entry("pathway.create")
        self.assertEqual(entry.changes["lead"], [None, "northbridge"])
        self.assertEqual(entry.reason, "Agreed at the network board.")

    def test_partners_and_read_only_are_403(self):
        for who in ("river_admin", "inspector", "prime_worker"):
            with self.subTest(who=who):
                self.assertStatus(self.post(who, "/api/pathways", NEW_PATHWAY), 403)
        self.assertFalse(Pathway.objects.filter(code="crisis").exists())

    def test_unknown_lead_is_422_naming_it(self):
        response = self.post("quality", "/api/pathways", {**NEW_PATHWAY, "lead_organisation": "x"})
        self.assertFieldError(response, "lead_organisation")

    def test_taken_code_is_422(self):
        response = self.post("quality", "/api/pathways", {**NEW_PATHWAY, "code": "discharge"})
        self.assertFieldError(response, "code")

    def test_update_with_version(self):
        response = self.patch(
            "net_admin", "/api/pathways/discharge", {"version": 1, "description": "From ward."}
        )
        body = self.assertStatus(response, 200)
        self.assertEqual(body["description"], "From ward.")
        self.assertEqual(body["version"], 2)
        self.assertEqual(
            self.latest_entry("pathway.update").changes, {"description": ["", "From ward."]}
        )

    def test_update_stale_is_409(self):
        Pathway.objects.filter(code="discharge").update(version=2)
        response = self.patch("net_admin", "/api/pathways/discharge", {"version": 1, "name": "X"})
        self.assertFieldError(response, "version", status=409)
        self.assertEqual(
            Pathway.objects.get(code="discharge").name, "Hospital discharge to community"
        )

    def test_update_refusals(self):
        body = {"version": 1, "name": "X"}
        self.assertStatus(self.patch("river_admin", "/api/pathways/discharge", body), 403)
        self.assertStatus(self.patch("inspector", "/api/pathways/discharge", body), 403)
        self.assertNotFound(self.patch("net_admin", "/api/pathways/atlantis", body))


class StepTests(ApiTestCase):
    def test_add_a_step_at_the_end(self):
        response = self.post(
            "quality",
            "/api/pathways/discharge/steps",
            {
                "code": "review",
                "name": "Six-week review",
                "time_standard_hours": 1008,
                "clock_starts": "discharge",
            },
        )
        body = self.assertStatus(response, 201)
        self.assertEqual(body["position"], 3)
        self.assertEqual(body["time_standard_label"], "within 42 days of discharge")
        self.assertEqual(self.latest_entry("pathway.step.add").object_id, "discharge/review")

    def test_bad_values_are_422_naming_the_field(self):
        url = "/api/pathways/discharge/steps"
        response = self.post("quality", url, {"code": "x", "name": "X", "clock_starts": "dawn"})
        self.assertFieldError(response, "clock_starts")
        response = self.post("quality", url, {"code": "x", "name": "X", "time_standard_hours": 0})
        self.assertFieldError(response, "time_standard_hours")
        response = self.post("quality", url, {"code": "step-1", "name": "Again"})
        self.assertFieldError(response, "code")

    def test_add_refusals(self):
        body = {"code": "x", "name": "X"}
        self.assertStatus(self.post("river_admin", "/api/pathways/discharge/steps", body), 403)
        self.assertStatus(self.post("inspector", "/api/pathways/discharge/steps", body), 403)
        self.assertEqual(PathwayStep.objects.filter(pathway__code="discharge").count(), 2)

    def test_update_a_step(self):
        response = self.patch(
            "quality",
            "/api/pathways/discharge/steps/step-1",
            {"version": 1, "time_standard_hours": 12, "reason": "Tighter after audit."},
        )
        body = self.assertStatus(response, 200)
        self.assertEqual(body["time_standard_hours"], 12)
        self.assertEqual(body["version"], 2)
        entry = self.latest_entry("pathway.step.update")
        self.assertEqual(entry.changes, {"time_standard_hours": [24, 12]})
        self.assertEqual(entry.reason, "Tighter after audit.")

    def test_update_stale_step_is_409(self):
        response = self.patch(
            "quality", "/api/pathways/discharge/steps/step-1", {"version": 5, "name": "Y"}
        )
        self.assertFieldError(response, "version", status=409)

    def test_update_unknown_step_is_404(self):
        response = self.patch("quality", "/api/pathways/discharge/steps/nope", {"version": 1})
        self.assertNotFound(response)

    def test_update_step_refused_to_partners(self):
        response = self.patch(
            "river_admin", "/api/pathways/discharge/steps/step-1", {"version": 1, "name": "Y"}
        )
        self.assertStatus(response, 403)

    def test_move_a_step(self):
        response = self.post(
            "quality", "/api/pathways/discharge/steps/step-2/move", {"direction": -1, "version": 1}
        )
        body = self.assertStatus(response, 200)
        self.assertEqual([s["code"] for s in body["steps"]], ["step-2", "step-1"])
        self.assertEqual(self.latest_entry("pathway.step.move").changes, {"position": [2, 1]})

    def test_move_bad_direction_or_off_the_end_is_422(self):
        url = "/api/pathways/discharge/steps/step-1/move"
        self.assertFieldError(
            self.post("quality", url, {"direction": 2, "version": 1}), "direction"
        )
        self.assertFieldError(
            self.post("quality", url, {"direction": -1, "version": 1}), "position"
        )


class RaciTests(ApiTestCase):
    url = "/api/pathways/discharge/steps/step-1/raci"

    def test_add_a_consulted_organisation(self):
        response = self.post(
            "quality",
            self.url,
            {"letter": "C", "organisation": "riverside", "reason": "Shares care."},
        )
        body = self.assertStatus(response, 201)
        self.assertEqual(
            (body["letter"], body["organisation"], body["role"]), ("C", "riverside", None)
        )
        self.assertEqual(body["party_label"], "Riverside Home Support")
        self.assertTrue(RaciAssignment.objects.filter(uuid=body["uuid"]).exists())
        self.assertEqual(
            self.latest_entry("pathway.raci.add").changes,
            {"letter": [None, "C"], "party": [None, "Riverside Home Support"]},
        )

    def test_a_second_accountable_is_422(self):
        response = self.post("quality", self.url, {"letter": "A", "role": "supervisor"})
        body = self.assertFieldError(response, "letter")
        self.assertEqual(body["reasons"][0]["code"], "raci_accountable")

    def test_party_must_be_organisation_or_role(self):
        response = self.post(
            "quality", self.url, {"letter": "I", "organisation": "riverside", "role": "worker"}
        )
        self.assertFieldError(response, "organisation")
        response = self.post("quality", self.url, {"letter": "I", "organisation": "atlantis"})
        self.assertFieldError(response, "organisation")
        self.assertFieldError(
            self.post("quality", self.url, {"letter": "Z", "role": "worker"}), "letter"
        )

    def test_add_refusals(self):
        body = {"letter": "I", "role": "worker"}
        self.assertStatus(self.post("river_admin", self.url, body), 403)
        self.assertStatus(self.post("inspector", self.url, body), 403)
        self.assertNotFound(self.post("quality", "/api/pathways/discharge/steps/nope/raci", body))

    def test_remove_an_entry(self):
        entry = RaciAssignment.objects.get(step__code="step-1", letter=RaciLetter.RESPONSIBLE)
        url = f"/api/pathways/discharge/raci/{entry.uuid}?reason=Wrong+party."
        response = self.delete("quality", url)
        self.assertEqual(response.status_code, 204)
        self.assertFalse(RaciAssignment.objects.filter(uuid=entry.uuid).exists())
        logged = self.latest_entry("pathway.raci.remove")
        self.assertEqual(logged.reason, "Wrong party.")
        self.assertEqual(logged.changes["letter"], ["R", None])
        # The step now has a gap, and the pathway says so.
        gaps = self.get("quality", "/api/pathways/discharge").json()["raci_gaps"]
        self.assertEqual([(g["step"], g["code"]) for g in gaps], [("step-1", "raci_responsible")])

    def test_remove_entry_of_another_pathway_is_404(self):
        other = make_pathway("therapy", self.cast.prime)
        entry = RaciAssignment.objects.filter(step__pathway=other)[0]
        self.assertNotFound(self.delete("quality", f"/api/pathways/discharge/raci/{entry.uuid}"))
        self.assertNotFound(self.delete("quality", "/api/pathways/discharge/raci/not-a-uuid"))
        self.assertTrue(RaciAssignment.objects.filter(uuid=entry.uuid).exists())

    def test_remove_refusals(self):
        entry = RaciAssignment.objects.filter(step__code="step-1")[0]
        url = f"/api/pathways/discharge/raci/{entry.uuid}"
        self.assertStatus(self.delete("river_admin", url), 403)
        self.assertStatus(self.delete("inspector", url), 403)
        self.assertStatus(self.delete(None, url), 401)
        self.assertTrue(RaciAssignment.objects.filter(uuid=entry.uuid).exists())
