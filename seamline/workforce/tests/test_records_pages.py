"""The workforce record pages through HTTP: the worker list (visibility, filters, CSV, a query
count that does not grow), and the forms, whose refusals come back as each rule's reason."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from seamline.competency.models import TaskType
from seamline.workforce.models import DelegationPause, SignOff, SupervisionSession, Worker
from seamline.workforce.testing import (
    make_evidence,
    make_sign_off,
    make_task_type,
    make_worker,
)
from seamline.workforce.views.records import worker_url

from .test_actions import WorkforceCase

LIST = "/workforce/workers/"


class WorkerListTests(WorkforceCase):
    def names(self, user_name: str, query: str = "") -> list[str]:
        self.client.force_login(self.cast[user_name])
        response = self.client.get(f"{LIST}?{query}")
        self.assertEqual(response.status_code, 200)
        return [w.staff_id for w, _url, _p in response.context["rows"]]

    def test_partner_staff_see_their_own_organisations_workers_only(self) -> None:
        self.assertEqual(self.names("river_coordinator"), ["RIV-LEAD", "RIV-001"])

    def test_the_prime_sees_every_partners_workers(self) -> None:
        self.assertEqual(
            sorted(self.names("quality")), ["NB-001", "RIV-001", "RIV-LEAD", "SW-001", "SW-LEAD"]
        )

    def test_those_without_a_view_of_workers_are_refused(self) -> None:
        for name in ("river_worker", "commissioner", "swift_worker"):
            with self.subTest(name):
                self.client.force_login(self.cast[name])
                self.assertEqual(self.client.get(LIST).status_code, 404)

    def test_filters(self) -> None:
        cases = [
            ("employment_type=agency", ["SW-001"]),
            ("organisation=swiftstaff", ["SW-001", "SW-LEAD"]),
            ("pathway=discharge", ["RIV-001"]),
            ("q=wren", ["RIV-001"]),
            ("status=left", []),
        ]
        for query, expected in cases:
            with self.subTest(query):
                self.assertEqual(sorted(self.names("net_admin", query)), expected)

    def test_csv_export(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        response = self.client.get(f"{LIST}?format=csv")
        lines = response.content.decode().splitlines()
        self.assertEqual(
            lines[0],
            "staff_id,first_name,last_name,organisation,employment_type,role_group,start_date,"
            "placement_start,status,pathways",
        )
        self.assertIn(
            "RIV-001,Wren,Walker,riverside,employed,support_worker,2026-01-05,,active,discharge",
            lines,
        )
        self.assertEqual(len(lines), 3)

    def test_query_count_does_not_grow_with_rows(self) -> None:
        self.client.force_login(self.cast.net_admin)

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(LIST).status_code, 200)
            return len(queries)

        before = count()
        for i in range(6):
            make_worker(self.cast.riverside, f"RIV-X{i}", pathways=[self.cast.discharge])
        self.assertEqual(count(), before)

    def test_menu_entries_for_those_who_see_workers(self) -> None:
        for name, shown in (("river_coordinator", True), ("river_worker", False)):
            with self.subTest(name):
                self.client.force_login(self.cast[name])
                page = self.client.get("/").content.decode()
                self.assertEqual(f'href="{LIST}"' in page, shown)
                self.assertEqual(f'href="{reverse("workforce:matrix")}"' in page, shown)

    def test_htmx_asks_for_the_results_only(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        response = self.client.get(f"{LIST}?q=wren", headers={"HX-Request": "true"})
        page = response.content.decode()
        self.assertTrue(page.lstrip().startswith('<div id="results"'))
        self.assertIn("Wren Walker", page)
        self.assertNotIn("Lee Lead", page)


class WorkerFormTests(WorkforceCase):
    def test_add_worker(self) -> None:
        self.client.force_login(self.cast.river_admin)
        response = self.client.post(
            reverse("workforce:worker_new"),
            {
                "organisation": "riverside",
                "staff_id": "RIV-777",
                "first_name": "Noor",
                "last_name": "Nightingale",
                "employment_type": "bank",
                "role_group": "support_worker",
                "start_date": "2026-03-02",
                "pathways": ["discharge"],
                "supervisor": str(self.lead.uuid),
                "username": "river_worker",
            },
        )
        worker = Worker.objects.get(staff_id="RIV-777")
        self.assertEqual(worker.user, self.cast.river_worker)
        self.assertRedirects(response, worker_url(worker), fetch_redirect_response=False)
        self.assertEqual(worker.placement_start, date(2026, 3, 2))
        self.assertEqual(worker.enhanced_periods.get().supervisor, self.lead)

    def test_add_worker_refusal_shows_on_the_field(self) -> None:
        self.client.force_login(self.cast.river_admin)
        response = self.client.post(
            reverse("workforce:worker_new"),
            {
                "organisation": "riverside",
                "staff_id": "RIV-001",
                "first_name": "Noor",
                "last_name": "Nightingale",
                "employment_type": "employed",
                "role_group": "support_worker",
                "start_date": "2026-03-02",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "Riverside Home Support already has a worker",
            str(response.context["form"].errors["staff_id"]),
        )

    def test_an_unknown_account_is_refused(self) -> None:
        self.client.force_login(self.cast.river_admin)
        response = self.client.post(
            reverse("workforce:worker_new"),
            {
                "organisation": "riverside",
                "staff_id": "RIV-779",
                "first_name": "Noor",
                "last_name": "Nightingale",
                "employment_type": "employed",
                "role_group": "support_worker",
                "start_date": "2026-03-02",
                "username": "swift_worker",
            },
        )
        self.assertIn("username", response.context["form"].errors)
        self.assertFalse(Worker.objects.filter(staff_id="RIV-779").exists())

    def test_other_partners_cannot_add_to_riverside(self) -> None:
        self.client.force_login(self.cast.swift_admin)
        response = self.client.post(
            reverse("workforce:worker_new"),
            {
                "organisation": "riverside",
                "staff_id": "RIV-778",
                "first_name": "Noor",
                "last_name": "Nightingale",
                "employment_type": "employed",
                "role_group": "support_worker",
                "start_date": "2026-03-02",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("organisation", response.context["form"].errors)
        self.assertFalse(Worker.objects.filter(staff_id="RIV-778").exists())

    def test_edit_worker(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        url = reverse("workforce:worker_edit", args=[self.worker.uuid])
        form = self.client.get(url).context["form"]
        data = {k: v for k, v in form.initial.items() if v is not None}
        data.update(status="left", left_on="2026-03-31", reason="Moved away")
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        self.worker.refresh_from_db()
        self.assertEqual((self.worker.status, self.worker.left_on), ("left", date(2026, 3, 31)))


class SignOffPageTests(WorkforceCase):
    def url(self) -> str:
        return reverse("workforce:sign_off_new", args=[self.worker.uuid])

    def post(self, **data: str) -> Any:
        self.client.force_login(self.cast.river_supervisor)
        payload = {
            "competency": "safeguarding",
            "stage": "independent",
            "signer": str(self.lead.uuid),
            "signed_at": "2026-03-02T10:00",
        }
        payload.update(data)
        return self.client.post(self.url(), payload)

    def test_each_rule_shows_as_an_error_and_nothing_is_saved(self) -> None:
        junior = make_worker(self.cast.riverside, "RIV-JUN", first_name="Jo", last_name="Junior")
        make_evidence(
            self.worker,
            "observed_practice",
            date(2025, 1, 1),
            competency=self.safeguarding,
            valid_until=date(2026, 1, 1),
        )
        make_evidence(self.worker, "module", date(2026, 2, 1), competency=self.safeguarding)
        response = self.post(signer=str(junior.uuid))
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        self.assertIn("Jo Junior does not hold Safeguarding at independent", page)
        self.assertIn("The observed practice evidence for Safeguarding was valid until", page)
        self.assertIn("needs assessment evidence; none is recorded", page)
        self.assertIn("Training modules alone reach induction at most", page)
        self.assertIn("not in date at signing", page)
        self.assertFalse(SignOff.objects.filter(worker=self.worker).exists())

    def test_the_form_lists_the_evidence_found(self) -> None:
        make_evidence(self.worker, "assessment", date(2026, 2, 20), competency=self.safeguarding)
        self.client.force_login(self.cast.river_supervisor)
        page = self.client.get(self.url() + "?competency=safeguarding").content.decode()
        self.assertIn("Evidence found for Safeguarding", page)
        self.assertIn("Assessment on 20 Feb 2026", page)

    def test_evidence_of_another_pathway_is_not_offered(self) -> None:
        make_evidence(
            self.worker,
            "observed_practice",
            date(2026, 2, 20),
            competency=self.crisis,
            pathway=self.cast.discharge,
        )
        self.client.force_login(self.cast.river_supervisor)
        on_discharge = self.client.get(self.url() + "?competency=crisis&pathway=discharge")
        self.assertIn("Observed practice on 20 Feb 2026", on_discharge.content.decode())
        on_reablement = self.client.get(self.url() + "?competency=crisis&pathway=reablement")
        self.assertIn("No evidence of this competency", on_reablement.content.decode())

    def test_sign_off_saved_and_redirected(self) -> None:
        self.full_evidence(self.worker, self.safeguarding)
        response = self.post()
        self.assertRedirects(response, worker_url(self.worker), fetch_redirect_response=False)
        sign_off = SignOff.objects.get(worker=self.worker)
        self.assertEqual((sign_off.stage, sign_off.review_due), ("independent", date(2027, 3, 2)))

    def test_revoke(self) -> None:
        sign_off = make_sign_off(self.worker, self.safeguarding, "induction", signer=self.lead)
        self.client.force_login(self.cast.river_supervisor)
        url = reverse("workforce:sign_off_revoke", args=[sign_off.uuid])
        response = self.client.post(url, {"reason": "Signed against the wrong worker"})
        self.assertEqual(response.status_code, 302)
        sign_off.refresh_from_db()
        self.assertEqual(sign_off.revoked_reason, "Signed against the wrong worker")


class SupervisionAndPausePageTests(WorkforceCase):
    task: TaskType

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.task = make_task_type("medication_prompt", delegated=True, risk_tier=3)

    def test_pause_then_lift_through_the_pages(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        response = self.client.post(
            reverse("workforce:pause_new", args=[self.worker.uuid]),
            {
                "task_type": "medication_prompt",
                "reason": "Spot-check below threshold",
                "supervisor": str(self.lead.uuid),
            },
        )
        self.assertEqual(response.status_code, 302)
        pause = DelegationPause.objects.get(worker=self.worker)
        session = pause.remedial_session
        assert session is not None
        today = pause.started_at.date()
        observed = make_evidence(self.worker, "observed_practice", today)
        lift = reverse("workforce:pause_lift", args=[pause.uuid])
        data = {"remedial_session": str(session.uuid), "observed_practice": str(observed.uuid)}
        page = self.client.post(lift, data).content.decode()
        self.assertIn("The remedial supervision has not been held", page)
        self.assertIn("A new observed practice dated after", page)
        pause.refresh_from_db()
        self.assertIsNone(pause.lifted_at)
        held = self.client.post(
            reverse("workforce:supervision_held", args=[session.uuid]),
            {"held_on": today.isoformat()},
        )
        self.assertEqual(held.status_code, 302)
        self.assertEqual(SupervisionSession.objects.get(pk=session.pk).held_on, today)

    def test_plan_supervision_refuses_self(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        response = self.client.post(
            reverse("workforce:supervision_new", args=[self.worker.uuid]),
            {"supervisor": str(self.worker.uuid), "planned_for": "2026-03-09", "kind": "routine"},
        )
        # The worker is not offered as their own supervisor at all.
        self.assertIn("supervisor", response.context["form"].errors)
        self.assertFalse(SupervisionSession.objects.exists())

    def test_assign_pathway_and_start_placement(self) -> None:
        self.client.force_login(self.cast.swift_admin)
        response = self.client.post(
            reverse("workforce:placement_new", args=[self.agency.uuid]),
            {"placement_start": "2026-03-02", "supervisor": str(self.swift_lead.uuid)},
        )
        self.assertEqual(response.status_code, 302)
        self.agency.refresh_from_db()
        self.assertEqual(self.agency.placement_start, date(2026, 3, 2))
        response = self.client.post(
            reverse("workforce:pathway_assign", args=[self.agency.uuid]),
            {"pathway": "reablement", "started_on": "2026-03-02"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            list(self.agency.pathways.values_list("pathway__code", flat=True)), ["reablement"]
        )

    def test_inspectors_may_look_but_not_change(self) -> None:
        self.client.force_login(self.cast.inspector)
        response = self.client.get(reverse("workforce:evidence_new", args=[self.worker.uuid]))
        self.assertEqual(response.status_code, 403)
