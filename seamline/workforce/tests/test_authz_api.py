"""`GET /api/authz/register` and `GET /api/authz/check`: shapes, filters, paging, access."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from seamline.network import actions as network_actions
from seamline.workforce.testing import make_sign_off, make_worker

from .test_register import RegisterCase


class AuthzApiTests(RegisterCase):
    keys: dict[str, str]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.keys = {
            name: network_actions.issue_api_token(cls.cast.actor(cls.cast[name]), name="test")[1]
            for name in ("river_admin", "swift_admin", "net_admin", "commissioner")
        }

    def get(self, who: str, path: str, **params: Any) -> Any:
        return self.client.get(path, params, HTTP_AUTHORIZATION=f"Bearer {self.keys[who]}")

    # -- the register -------------------------------------------------------------------------

    def test_register_rows_have_the_documented_shape(self) -> None:
        response = self.get("river_admin", "/api/authz/register", as_of="2026-06-01T09:00")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["count"], 4)
        self.assertEqual(
            body["items"][0],
            {
                "worker": str(self.ada.uuid),
                "worker_name": "Ada Brook",
                "organisation": "riverside",
                "task_type": "medication_prompt",
                "cleared": True,
                "reasons": [],
                "last_validated": "2026-01-10",
                "valid_until": "2027-01-10",
            },
        )
        lena = body["items"][2]
        self.assertEqual(lena["reasons"][0]["code"], "competency_missing")
        self.assertIn(
            "Lena Lead has no sign-off of Medication support", lena["reasons"][0]["message"]
        )

    def test_register_is_as_of_the_instant_asked(self) -> None:
        body = self.get("river_admin", "/api/authz/register", as_of="2026-01-09T09:00").json()
        self.assertFalse(body["items"][0]["cleared"])

    def test_register_filters(self) -> None:
        body = self.get(
            "net_admin",
            "/api/authz/register",
            as_of="2026-06-01T09:00",
            organisation="swiftstaff",
            task_type="welfare_check",
        ).json()
        self.assertEqual(
            [(i["worker_name"], i["task_type"]) for i in body["items"]],
            [("Sam Swift", "welfare_check")],
        )

    def test_register_pages_compute_only_their_workers(self) -> None:
        for n in range(6):
            worker = make_worker(self.cast.riverside, f"RIV-{n + 300}", last_name=f"Zed{n}")
            make_sign_off(worker, self.med, "independent", signer=self.lead)
        first = self.get(
            "river_admin", "/api/authz/register", as_of="2026-06-01T09:00", page_size=3
        )
        self.assertEqual(first.json()["count"], 16)
        second = self.get(
            "river_admin", "/api/authz/register", as_of="2026-06-01T09:00", page_size=3, page=2
        ).json()
        self.assertEqual(
            [(i["worker_name"], i["task_type"]) for i in second["items"]],
            [
                ("Lena Lead", "welfare_check"),
                ("Riv 300 Zed0", "medication_prompt"),
                ("Riv 300 Zed0", "welfare_check"),
            ],
        )
        with CaptureQueriesContext(connection) as small:
            self.get("river_admin", "/api/authz/register", page_size=2)
        with CaptureQueriesContext(connection) as large:
            self.get("river_admin", "/api/authz/register", page_size=16)
        self.assertEqual(len(small.captured_queries), len(large.captured_queries))

    def test_register_of_a_partner_covers_its_own_workers_only(self) -> None:
        body = self.get("swift_admin", "/api/authz/register", as_of="2026-06-01T09:00").json()
        self.assertEqual({i["organisation"] for i in body["items"]}, {"swiftstaff"})
        commissioner = self.get("commissioner", "/api/authz/register").json()
        self.assertEqual(commissioner["count"], 0)

    def test_register_refuses_an_organisation_out_of_sight_and_an_unknown_task_type(self) -> None:
        response = self.get("swift_admin", "/api/authz/register", organisation="riverside")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["reasons"][0]["code"], "unknown_organisation")
        response = self.get("river_admin", "/api/authz/register", task_type="juggling")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["reasons"][0]["field"], "task_type")

    # -- one check ----------------------------------------------------------------------------

    def test_check_by_uuid_and_by_staff_id(self) -> None:
        by_uuid = self.get(
            "river_admin",
            "/api/authz/check",
            worker=str(self.ada.uuid),
            task_type="medication_prompt",
            at="2026-06-01T09:00",
        )
        self.assertEqual(by_uuid.status_code, 200)
        body = by_uuid.json()
        self.assertEqual(
            {k: body[k] for k in ("cleared", "reasons", "last_validated", "valid_until")},
            {
                "cleared": True,
                "reasons": [],
                "last_validated": "2026-01-10",
                "valid_until": "2027-01-10",
            },
        )
        by_staff_id = self.get(
            "river_admin",
            "/api/authz/check",
            worker="riverside/RIV-LEAD",
            task_type="welfare_check",
            at="2026-06-01T09:00",
        ).json()
        self.assertFalse(by_staff_id["cleared"])
        self.assertEqual(
            by_staff_id["reasons"][0],
            {
                "code": "competency_missing",
                "message": "Lena Lead has no sign-off of Safeguarding; this task needs induction "
                "or above.",
            },
        )

    def test_check_of_another_partners_worker_is_not_found(self) -> None:
        for worker in (str(self.sam.uuid), "swiftstaff/SW-001", "not-a-worker"):
            with self.subTest(worker):
                response = self.get(
                    "river_admin", "/api/authz/check", worker=worker, task_type="welfare_check"
                )
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(b"Sam", response.content)

    def test_check_of_an_unknown_task_type_is_422(self) -> None:
        response = self.get(
            "river_admin", "/api/authz/check", worker=str(self.ada.uuid), task_type="juggling"
        )
        self.assertEqual(response.status_code, 422)

    def test_check_needs_a_token(self) -> None:
        response = self.client.get(
            "/api/authz/check", {"worker": str(self.ada.uuid), "task_type": "welfare_check"}
        )
        self.assertEqual(response.status_code, 401)

    def test_responses_are_declared_in_the_schema(self) -> None:
        from seamline.api import api

        paths = api.get_openapi_schema()["paths"]
        for path in ("/api/authz/register", "/api/authz/check"):
            with self.subTest(path):
                self.assertTrue({200, 401, 403, 404, 422} <= set(paths[path]["get"]["responses"]))
