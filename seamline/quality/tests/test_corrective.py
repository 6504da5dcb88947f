"""Corrective actions: raising one, the stages (forward only, each with evidence; a completed
action is final), the overdue list by partner (page, API, command, CSV), and who sees which."""

from __future__ import annotations

import json
from datetime import date, timedelta
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from seamline.errors import RuleViolation
from seamline.network.actions import issue_api_token
from seamline.network.models import Organisation, User
from seamline.quality import actions
from seamline.quality.models import ActionEvidence, CorrectiveAction
from seamline.testing import Cast, CastTestCase


def raise_one(
    cast: Cast,
    org: Organisation,
    owner: User,
    due: date,
    title: str = "Refresh the handoff training",
) -> CorrectiveAction:
    return actions.raise_corrective_action(
        cast.actor(cast.quality),
        title=title,
        source_kind="audit",
        source_ref="handoff-audit-riverside-2026-10",
        organisation=org,
        owner_person=owner,
        due_on=due,
    )


class CorrectiveCase(CastTestCase):
    today: date
    late: CorrectiveAction
    soon: CorrectiveAction
    swift_late: CorrectiveAction
    done: CorrectiveAction

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.today = timezone.localdate()
        c = cls.cast
        cls.late = raise_one(c, c.riverside, c.river_supervisor, cls.today - timedelta(days=3))
        cls.soon = raise_one(c, c.riverside, c.river_admin, cls.today + timedelta(days=10))
        cls.swift_late = raise_one(c, c.swift, c.swift_admin, cls.today - timedelta(days=1))
        cls.done = raise_one(c, c.swift, c.swift_admin, cls.today - timedelta(days=20))
        keeper = c.actor(c.quality)
        actions.move_corrective_action(keeper, cls.done, to="in_progress", evidence="Booked")
        actions.move_corrective_action(keeper, cls.done, to="completed", evidence="Held, 12 came")


class StageTests(CorrectiveCase):
    def test_forward_only_with_evidence_and_completed_is_final(self) -> None:
        owner = self.cast.actor(self.cast.river_supervisor)
        with self.assertRaises(RuleViolation) as caught:
            actions.move_corrective_action(owner, self.late, to="completed", evidence="Done")
        self.assertEqual(caught.exception.codes, ["start_first"])
        with self.assertRaises(RuleViolation) as caught:
            actions.move_corrective_action(owner, self.late, to="in_progress", evidence=" ")
        self.assertEqual(caught.exception.codes, ["evidence_required"])
        actions.move_corrective_action(
            owner, self.late, to="in_progress", evidence="Sessions booked"
        )
        with self.assertRaises(RuleViolation) as caught:
            actions.move_corrective_action(owner, self.late, to="not_started", evidence="Oops")
        self.assertEqual(caught.exception.codes, ["no_going_back"])
        actions.move_corrective_action(owner, self.late, to="completed", evidence="All trained")
        self.late.refresh_from_db()
        self.assertEqual(self.late.status, "completed")
        self.assertEqual(
            list(self.late.evidence.values_list("stage", flat=True)), ["in_progress", "completed"]
        )
        for move in ("in_progress", "completed"):
            with self.assertRaises(RuleViolation) as caught:
                actions.move_corrective_action(owner, self.late, to=move, evidence="Again")
            self.assertEqual(caught.exception.codes, ["completed_locked"])
        with self.assertRaises(RuleViolation) as caught:
            actions.change_corrective_action(
                owner,
                self.late,
                owner_person=self.cast.river_admin,
                due_on=self.today,
                reason="Hand over",
            )
        self.assertIn("completed_locked", caught.exception.codes)

    def test_the_page_refuses_a_step_back(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        url = reverse("quality:action_move", args=[self.late.uuid])
        self.client.post(url, {"to": "in_progress", "evidence": "Started"})
        response = self.client.post(url, {"to": "not_started", "evidence": "Back"})
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "stages only move forward", status_code=422)
        self.late.refresh_from_db()
        self.assertEqual(self.late.status, "in_progress")

    def test_the_owner_must_work_for_the_owning_partner(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            raise_one(self.cast, self.cast.riverside, self.cast.swift_admin, self.today)
        self.assertEqual(caught.exception.reasons[0].field, "owner_person")

    def test_handing_over_and_moving_the_date_keeps_a_reason(self) -> None:
        actions.change_corrective_action(
            self.cast.actor(self.cast.river_admin),
            self.soon,
            owner_person=self.cast.river_supervisor,
            due_on=self.today + timedelta(days=20),
            reason="Supervisor leads the training",
        )
        self.soon.refresh_from_db()
        self.assertEqual(self.soon.owner_person, self.cast.river_supervisor)


class OverdueTests(CorrectiveCase):
    def test_overdue_by_partner_on_the_page(self) -> None:
        self.client.force_login(self.cast.quality)
        response = self.client.get(reverse("quality:actions"), {"overdue": "1"})
        self.assertEqual(
            [a.pk for a, _ in response.context["rows"]], [self.late.pk, self.swift_late.pk]
        )
        counts = {p.code: (p.open, p.overdue) for p in response.context["by_partner"]}
        self.assertEqual(counts, {"riverside": (2, 1), "swiftstaff": (1, 1)})
        csv = self.client.get(reverse("quality:actions"), {"overdue": "1", "format": "csv"})
        lines = csv.content.decode().strip().splitlines()
        self.assertEqual(lines[0].split(",")[:3], ["action", "title", "source"])
        self.assertEqual(len(lines), 3)

    def test_the_command(self) -> None:
        out = StringIO()
        call_command("quality", "actions", "--overdue", "--format", "json", stdout=out)
        data = json.loads(out.getvalue())
        self.assertEqual(
            [a["id"] for a in data["actions"]], [str(self.late.uuid), str(self.swift_late.uuid)]
        )
        self.assertTrue(all(a["overdue"] for a in data["actions"]))
        self.assertEqual(
            {p["code"]: p["overdue"] for p in data["by_partner"]}, {"riverside": 1, "swiftstaff": 1}
        )
        mine = StringIO()
        call_command(
            "quality",
            "actions",
            "--overdue",
            "--format",
            "json",
            "--as",
            "river_admin",
            stdout=mine,
        )
        self.assertEqual(
            [a["id"] for a in json.loads(mine.getvalue())["actions"]], [str(self.late.uuid)]
        )

    def test_the_api(self) -> None:
        raw = issue_api_token(self.cast.actor(self.cast.river_admin), name="t")[1]
        response = self.client.get(
            "/api/quality/actions?overdue=true", headers={"Authorization": f"Bearer {raw}"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual([a["id"] for a in response.json()["actions"]], [str(self.late.uuid)])
        moved = self.client.post(
            f"/api/quality/actions/{self.soon.uuid}/move",
            {"to": "completed", "evidence": "Skipping ahead"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {raw}"},
        )
        self.assertEqual(moved.status_code, 422)
        self.assertEqual(moved.json()["reasons"][0]["code"], "start_first")


class AccessTests(CorrectiveCase):
    def test_a_partner_manager_sees_only_their_organisation_s_actions(self) -> None:
        self.client.force_login(self.cast.river_admin)
        listed = self.client.get(reverse("quality:actions"))
        self.assertEqual({a.organisation.code for a, _ in listed.context["rows"]}, {"riverside"})
        self.assertEqual(
            self.client.get(reverse("quality:action", args=[self.swift_late.uuid])).status_code,
            404,
        )
        self.assertEqual(
            self.client.post(
                reverse("quality:action_move", args=[self.swift_late.uuid]),
                {"to": "in_progress", "evidence": "x"},
            ).status_code,
            404,
        )

    def test_a_partner_manager_raises_actions_for_their_own_organisation_only(self) -> None:
        with self.assertRaises(RuleViolation):
            actions.raise_corrective_action(
                self.cast.actor(self.cast.river_admin),
                title="Not yours",
                source_kind="incident",
                source_ref="INC-1",
                organisation=self.cast.swift,
                owner_person=self.cast.swift_admin,
                due_on=self.today,
            )

    def test_inspectors_read_and_never_move(self) -> None:
        self.client.force_login(self.cast.inspector)
        self.assertEqual(
            self.client.get(reverse("quality:action", args=[self.late.uuid])).status_code, 200
        )
        self.assertEqual(
            self.client.post(
                reverse("quality:action_move", args=[self.late.uuid]),
                {"to": "in_progress", "evidence": "x"},
            ).status_code,
            403,
        )
        self.assertFalse(ActionEvidence.objects.filter(action=self.late).exists())

    def test_workers_see_nothing(self) -> None:
        self.client.force_login(self.cast.river_worker)
        self.assertEqual(self.client.get(reverse("quality:actions")).status_code, 404)
        self.assertEqual(
            self.client.get(reverse("quality:action", args=[self.late.uuid])).status_code, 404
        )


class QueryCountTests(CorrectiveCase):
    def test_the_list_reads_a_fixed_number_of_queries(self) -> None:
        self.client.force_login(self.cast.quality)
        self.client.get(reverse("quality:actions"))
        with CaptureQueriesContext(connection) as few:
            self.client.get(reverse("quality:actions"))
        for i in range(6):
            raise_one(self.cast, self.cast.swift, self.cast.swift_admin, self.today, f"More {i}")
        with self.assertNumQueries(len(few.captured_queries)):
            self.client.get(reverse("quality:actions"))
        self.assertEqual(CorrectiveAction.objects.count(), 10)
