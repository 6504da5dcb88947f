"""The rota API through HTTP: the single check (and what another partner's worker reveals),
validation and loading by upload, the week's visits, a visit's candidates, and overrides."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from seamline.network import actions as network_actions
from seamline.rota import rules
from seamline.rota.models import Override, Visit
from seamline.rota.testing import make_visit
from seamline.workforce.models import Worker
from seamline.workforce.testing import make_session, make_sign_off, make_worker

from .scene import MONDAY, GateCase, at
from .test_imports import rota, v


class ApiCase(GateCase):
    keys: dict[str, str]
    amy: Worker
    cy: Worker
    sam: Worker

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cast = cls.cast
        cls.keys = {
            name: network_actions.issue_api_token(cast.actor(cast[name]), name="test")[1]
            for name in (
                "river_admin",
                "swift_admin",
                "net_admin",
                "river_scheduler",
                "commissioner",
            )
        }
        cls.amy = make_worker(cast.riverside, "RIV-AMY", first_name="Amy")
        make_sign_off(cls.amy, cls.med, "independent", signer=cls.lead)
        make_session(cls.amy, cls.lead, MONDAY, held_on=MONDAY)
        cls.cy = make_worker(cast.riverside, "RIV-CY", first_name="Cy")
        cls.sam = make_worker(cast.swift, "SW-SAM", first_name="Sam")

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        return getattr(self.client, method)(
            path, HTTP_AUTHORIZATION=f"Bearer {self.keys[who]}", **kwargs
        )

    def post_json(self, who: str, path: str, body: dict[str, Any]) -> Any:
        return self.call(who, "post", path, data=body, content_type="application/json")


class CheckTests(ApiCase):
    def test_allowed_and_blocked_with_rule_code_and_sentence(self) -> None:
        visit = make_visit(
            self.ada, self.cast.discharge, [self.prompt], at(MONDAY, 10), workers=[self.amy]
        )
        ok = self.post_json(
            "river_admin", "/api/rota/check", {"visit": visit.code, "worker": "riverside/RIV-AMY"}
        )
        self.assertEqual(ok.status_code, 200)
        self.assertEqual(ok.json()["allowed"], True)
        self.assertEqual(ok.json()["violations"], [])
        spaced = self.post_json(
            "river_admin",
            "/api/rota/check",
            {"visit": visit.code, "worker": " RIVERSIDE / RIV-AMY "},
        )
        self.assertEqual((spaced.status_code, spaced.json()["worker"]), (200, ok.json()["worker"]))
        blocked = self.post_json(
            "river_admin", "/api/rota/check", {"visit": visit.code, "worker": str(self.cy.uuid)}
        )
        body = blocked.json()
        self.assertFalse(body["allowed"])
        self.assertTrue(body["reasons_shown"])
        self.assertEqual(
            [(x["rule"], x["code"]) for x in body["violations"]], [("G2", "competency_missing")]
        )
        self.assertIn("Medication support", body["violations"][0]["message"])

    def test_another_partners_worker_on_the_visit_is_cleared_or_not_only(self) -> None:
        visit = make_visit(
            self.ada, self.cast.discharge, [self.prompt], at(MONDAY, 10), workers=[self.sam]
        )
        body = self.post_json(
            "river_admin", "/api/rota/check", {"visit": visit.code, "worker": "swiftstaff/SW-SAM"}
        ).json()
        self.assertEqual(
            (body["allowed"], body["reasons_shown"], body["violations"]), (False, False, [])
        )

    def test_a_worker_out_of_sight_and_not_on_the_visit_is_not_found(self) -> None:
        visit = make_visit(
            self.ada, self.cast.discharge, [self.prompt], at(MONDAY, 10), workers=[self.amy]
        )
        for ident in ("swiftstaff/SW-SAM", "swiftstaff/NOBODY", "not-an-id"):
            with self.subTest(ident=ident):
                response = self.post_json(
                    "river_admin", "/api/rota/check", {"visit": visit.code, "worker": ident}
                )
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response.json()["detail"], "Not found.")


class FileTests(ApiCase):
    def upload(self, who: str, path: str, data: str, **extra: Any) -> Any:
        return self.call(
            who, "post", path, data={"file": SimpleUploadedFile("rota.csv", data.encode()), **extra}
        )

    def test_validate_answers_every_violation(self) -> None:
        data = rota(
            v("RV-1", self.ada.code, workers="RIV-AMY"),
            v("RV-2", self.ada.code, "2026-11-17 09:00", "2026-11-17 09:45", workers="RIV-CY"),
        )
        body = self.upload("river_admin", "/api/rota/validate", data).json()
        self.assertEqual(
            (body["ok"], body["visits"], body["assignments"], body["count"]), (False, 2, 2, 1)
        )
        self.assertEqual(body["violations"][0]["visit"], "riverside/RV-2")
        self.assertEqual(set(body["violations"][0]), {"visit", "worker", "rule", "message"})
        bad = self.upload("river_admin", "/api/rota/validate", rota(v("RV-1", "P-999999")))
        self.assertEqual(bad.status_code, 422)
        self.assertEqual(bad.json()["errors"][0]["column"], "participant")
        refused = self.upload("commissioner", "/api/rota/validate", data)
        self.assertEqual(refused.status_code, 403)

    def test_the_rota_stored_for_a_week_is_validated(self) -> None:
        self.visit([self.prompt], at(MONDAY, 9), workers=[self.amy])
        blocked = self.visit([self.prompt], at(MONDAY, 11), workers=[self.cy])
        week = rules.week_of(MONDAY)
        url = f"/api/rota/weeks/{week.lower()}/violations"
        body = self.call("river_scheduler", "get", url).json()
        self.assertEqual(
            (body["ok"], body["visits"], body["assignments"], body["count"]), (False, 2, 2, 1)
        )
        self.assertEqual(
            [(f["visit"], f["worker"], f["rule"]) for f in body["violations"]],
            [(blocked.code, "riverside/RIV-CY", "G2")],
        )
        # The agency's admin sees neither Ada nor her visits: nothing of them is reported.
        theirs = self.call("swift_admin", "get", url).json()
        self.assertEqual((theirs["visits"], theirs["count"]), (0, 0))
        bad = self.call("river_scheduler", "get", "/api/rota/weeks/2026-47/violations")
        self.assertEqual(bad.status_code, 422)
        self.assertEqual(bad.json()["reasons"][0]["field"], "week")
        refused = self.call("commissioner", "get", url)
        self.assertEqual(refused.status_code, 403)

    def test_import_loads_all_or_nothing(self) -> None:
        data = rota(v("RV-1", self.ada.code))
        dry = self.upload("river_scheduler", "/api/rota/import", data, dry_run="true")
        self.assertEqual(
            (dry.status_code, dry.json()["created"], dry.json()["written"]), (200, 1, False)
        )
        self.assertFalse(Visit.objects.exists())
        done = self.upload("river_scheduler", "/api/rota/import", data).json()
        self.assertEqual((done["created"], done["written"]), (1, True))
        again = self.upload("river_scheduler", "/api/rota/import", data).json()
        self.assertEqual((again["created"], again["unchanged"]), (0, 1))
        other = self.upload("swift_admin", "/api/rota/import", rota(v("RV-2", self.ada.code)))
        self.assertEqual(other.status_code, 422)
        self.assertEqual(other.json()["errors"][0]["column"], "organisation")
        self.assertEqual(Visit.objects.count(), 1)


class VisitTests(ApiCase):
    def test_the_weeks_visits_and_a_visits_candidates(self) -> None:
        visit = make_visit(
            self.ada,
            self.cast.discharge,
            [self.prompt],
            at(MONDAY, 10),
            organisation=self.cast.riverside,
        )
        body = self.call("river_admin", "get", "/api/rota/visits", data={"week": "2026-W47"}).json()
        self.assertEqual(body["count"], 1)
        self.assertEqual(body["items"][0]["code"], visit.code)
        self.assertEqual(body["items"][0]["task_types"], ["medication_prompt"])
        bad = self.call("river_admin", "get", "/api/rota/visits", data={"week": "47"})
        self.assertEqual(bad.status_code, 422)
        found = self.call("river_admin", "get", f"/api/rota/visits/{visit.code}/candidates").json()
        self.assertEqual(
            [(c["name"], c["allowed"]) for c in found], [("Amy Worker", True), ("Cy Worker", False)]
        )
        self.assertEqual(found[1]["violations"][0]["rule"], "G2")
        hidden = self.call("swift_admin", "get", f"/api/rota/visits/{visit.code}/candidates")
        self.assertEqual(hidden.status_code, 404)


class OverrideApiTests(ApiCase):
    def test_grant_list_and_revoke(self) -> None:
        start = at(timezone.localdate() + timedelta(days=2), 10)
        visit = make_visit(
            self.ada, self.cast.discharge, [self.prompt], start, organisation=self.cast.riverside
        )
        body = {
            "visit": visit.code,
            "worker": "riverside/RIV-CY",
            "rule": "G2",
            "reason": "Only cover available",
            "expires_at": (start + timedelta(hours=4)).isoformat(),
        }
        self.assertEqual(
            self.post_json("swift_admin", "/api/rota/overrides", body).status_code, 404
        )
        granted = self.post_json("river_admin", "/api/rota/overrides", body)
        self.assertEqual(granted.status_code, 201)
        override = Override.objects.get()
        self.assertEqual(granted.json()["id"], str(override.uuid))
        again = self.post_json("net_admin", "/api/rota/overrides", body)
        self.assertEqual(again.status_code, 422)
        self.assertEqual(again.json()["reasons"][0]["code"], "already_overridden")
        listed = self.call("net_admin", "get", "/api/rota/overrides").json()
        self.assertEqual([o["id"] for o in listed["items"]], [str(override.uuid)])
        check = self.post_json(
            "river_admin", "/api/rota/check", {"visit": visit.code, "worker": "riverside/RIV-CY"}
        ).json()
        self.assertTrue(check["allowed"])
        self.assertEqual([o["rule"] for o in check["overridden"]], ["G2"])
        revoked = self.post_json(
            "river_admin", f"/api/rota/overrides/{override.uuid}/revoke", {"reason": "Cover found"}
        )
        self.assertEqual(revoked.status_code, 200)
        self.assertIsNotNone(revoked.json()["revoked_at"])
