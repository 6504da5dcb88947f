"""The plan pages, API and command through their front doors: reading (audited, 404 out of
sight), the plan as of an instant, writing a version and the conflict that keeps what was
typed, the history's diffs, acknowledging, and the acknowledgement lists with CSV."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import time_machine
from django.core.management import call_command
from django.urls import reverse

from seamline.audit.models import AuditEntry, EntryKind
from seamline.network.actions import issue_api_token
from seamline.plans import actions
from seamline.plans.models import Acknowledgement, Plan
from seamline.testing import CastTestCase

from .scene import ada, first_content

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=3)


@time_machine.travel(NOW, tick=False)
class PlanPageTests(CastTestCase):
    def setUp(self) -> None:
        self.ada = ada(self.cast)
        coordinator = self.cast.actor(self.cast.river_coordinator)
        actions.revise_plan(
            coordinator, self.ada, content=first_content(), reason="Agreed", version=0, at=T0
        )
        changed = first_content()
        changed["risks"][0]["level"] = "medium"
        actions.revise_plan(
            coordinator,
            self.ada,
            content=changed,
            reason="Rail fitted",
            version=1,
            at=T0 + timedelta(days=1),
        )

    def test_the_plan_page_reads_through_the_participant_and_is_audited(self) -> None:
        self.client.force_login(self.cast.river_worker)
        response = self.client.get(reverse("plans:plan", args=[self.ada.code]))
        self.assertContains(response, "Plan, version 2")
        self.assertContains(response, "Evening visit checks the walking frame")
        self.assertContains(response, "Plan review")
        entry = AuditEntry.objects.filter(action="plan.read").get()
        self.assertEqual((entry.kind, entry.actor_label), (EntryKind.READ, "river_worker"))
        self.client.force_login(self.cast.swift_admin)
        response = self.client.get(reverse("plans:plan", args=[self.ada.code]))
        self.assertEqual(response.status_code, 404)

    def test_the_participant_page_links_to_the_plan(self) -> None:
        self.client.force_login(self.cast.river_worker)
        response = self.client.get(reverse("cases:participant", args=[self.ada.code]))
        plan = reverse("plans:plan", args=[self.ada.code])
        self.assertContains(response, f'href="{plan}">Care plan</a>', html=False)

    def test_as_of_an_instant_shows_the_version_then_current(self) -> None:
        self.client.force_login(self.cast.river_worker)
        url = reverse("plans:plan", args=[self.ada.code])
        response = self.client.get(url, {"as_of": "2026-11-16T12:00"})
        self.assertContains(response, "Plan, version 1")
        response = self.client.get(url, {"as_of": "2026-11-15T12:00"})
        self.assertContains(response, "There was no plan yet")

    def test_the_history_shows_each_change_and_the_acknowledgements(self) -> None:
        self.client.force_login(self.cast.river_worker)
        response = self.client.get(reverse("plans:history", args=[self.ada.code]))
        self.assertContains(response, "Rail fitted")
        self.assertContains(response, "<td>Falls at night</td><td>high</td><td>medium</td>")
        self.assertContains(response, "overdue")

    def test_writing_a_version_and_a_conflict_that_keeps_what_was_typed(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        url = reverse("plans:edit", args=[self.ada.code])
        form = {
            "risks": "medium | Falls at night",
            "controls": "riverside | Evening visit checks the walking frame\n"
            "northbridge | Weekly nurse review",
            "preferences": "Coffee in the morning",
            "consent_summary": "Shares with everyone involved",
            "reason": "She prefers coffee now",
            "version": "2",
        }
        response = self.client.post(url, form)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Plan.objects.get(participant=self.ada).version, 3)
        stale = {**form, "preferences": "Hot chocolate at night", "reason": "Evening drink"}
        response = self.client.post(url, stale)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "was changed by someone else")
        self.assertContains(response, "Hot chocolate at night")
        self.assertContains(response, "Saved since you opened the form: version 3")
        self.assertEqual(Plan.objects.get(participant=self.ada).version, 3)

    def test_acknowledging_from_the_waiting_list(self) -> None:
        self.client.force_login(self.cast.net_admin)
        response = self.client.get(reverse("plans:acknowledgements"))
        self.assertContains(response, self.ada.code)
        self.assertContains(response, "2 acknowledgements")
        url = reverse("plans:acknowledge", args=[self.ada.code, 2])
        response = self.client.post(url, {"confirm": "on"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Acknowledgement.objects.pending().exists())

    def test_the_overdue_list_filters_and_exports(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        url = reverse("plans:acknowledgements")
        response = self.client.get(url, {"show": "overdue", "organisation": "northbridge"})
        self.assertContains(response, "2 acknowledgements")
        response = self.client.get(url, {"show": "overdue", "organisation": "riverside"})
        self.assertContains(response, "0 acknowledgements")
        response = self.client.get(url, {"show": "overdue", "format": "csv"})
        lines = response.content.decode().strip().splitlines()
        self.assertEqual(lines[0].split(",")[:3], ["participant", "version", "organisation"])
        self.assertEqual(len(lines), 3)


@time_machine.travel(NOW, tick=False)
class PlanApiAndCommandTests(CastTestCase):
    def setUp(self) -> None:
        self.ada = ada(self.cast)
        actions.revise_plan(
            self.cast.actor(self.cast.river_coordinator),
            self.ada,
            content=first_content(),
            reason="Agreed",
            version=0,
            at=T0,
        )

    def api(self, user, method, path, body=None):
        key = issue_api_token(self.cast.actor(user), name="t")[1]
        return self.client.generic(
            method,
            f"/api/plans/{self.ada.code}{path}",
            json.dumps(body) if body is not None else "",
            "application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )

    def test_read_and_revise_with_a_stale_version_is_409(self) -> None:
        response = self.api(self.cast.river_worker, "GET", "")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["version"], 1)
        body = {**first_content(), "preferences": ["Coffee"], "reason": "Asked", "version": 1}
        response = self.api(self.cast.river_admin, "POST", "/versions", body)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["changes"][0]["kind"], "removed")
        response = self.api(self.cast.river_admin, "POST", "/versions", {**body, "reason": "x"})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["reasons"][0]["code"], "stale_version")

    def test_history_command_as_json(self) -> None:
        out = StringIO()
        call_command("plan", "history", self.ada.code, "--format", "json", stdout=out)
        rows = json.loads(out.getvalue())
        self.assertEqual(len(rows), 1)
        row = rows[0]
        for key in ("number", "author", "created_at", "reason", "acknowledgements"):
            self.assertIn(key, row)
        self.assertEqual((row["number"], row["author"]), (1, "river_coordinator"))
        self.assertEqual(row["acknowledgements"][0]["organisation"], "northbridge")
        self.assertTrue(row["acknowledgements"][0]["overdue"])

    def test_show_command_as_of(self) -> None:
        out = StringIO()
        call_command("plan", "show", self.ada.code, "--as-of", "2026-11-15T09:00+00:00", stdout=out)
        self.assertIn("had no plan then", out.getvalue())
        out = StringIO()
        call_command("plan", "show", self.ada.code, stdout=out)
        self.assertIn("risk [high] Falls at night", out.getvalue())


@time_machine.travel(NOW, tick=False)
class QueryCountTests(CastTestCase):
    """The acknowledgement list and the history page cost the same number of queries whatever
    the number of rows (no query per row)."""

    def queries(self, url: str, params: dict[str, str] | None = None) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.client.force_login(self.cast.river_coordinator)
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(url, params or {})
        self.assertEqual(response.status_code, 200)
        return len(captured)

    def test_no_query_per_row(self) -> None:
        coordinator = self.cast.actor(self.cast.river_coordinator)
        people = [ada(self.cast) for _ in range(4)]
        counts = []
        for n in (1, 4):
            for participant in people[:n]:
                if Plan.objects.filter(participant=participant).exists():
                    continue
                actions.revise_plan(
                    coordinator, participant, content=first_content(), reason="A", version=0, at=T0
                )
                changed = first_content()
                changed["risks"][0]["level"] = "low"
                actions.revise_plan(
                    coordinator, participant, content=changed, reason="B", version=1, at=T0
                )
            counts.append(
                (
                    self.queries(reverse("plans:acknowledgements"), {"show": "overdue"}),
                    self.queries(reverse("plans:history", args=[people[0].code])),
                )
            )
        self.assertEqual(counts[0], counts[1])
