"""Safeguarding through HTTP and the command line: who sees a concern (out of scope is 404,
the pathway's lead sees it wherever the case is), reads audited, raising from the page, the
triage page with its HTMX decision, the dashboard (figures, CSV, a constant number of
queries), the API and the command."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from seamline.audit.models import AuditEntry
from seamline.cases.models import Participant
from seamline.escalation import timers, worker
from seamline.escalation.choices import ConcernState
from seamline.escalation.models import SafeguardingConcern
from seamline.escalation.safeguarding import actions
from seamline.escalation.testing import SYSTEM, load_defaults, make_case, make_concern
from seamline.network.actions import issue_api_token
from seamline.network.choices import Role
from seamline.network.models import User
from seamline.testing import CastTestCase


class ConcernPageTests(CastTestCase):
    concern: SafeguardingConcern

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_defaults()
        person, _ = make_case(cls.cast, family_name="Guarded")
        cls.concern = make_concern(cls.cast, person, timezone.now() - timedelta(hours=1))

    def url(self, name: str = "escalation:concern") -> str:
        return reverse(name, args=[self.concern.code])

    def test_who_sees_a_concern(self) -> None:
        for username, status in [
            ("river_worker", 200),
            ("river_coordinator", 200),
            ("quality", 200),  # the default lead: the pathway lead's quality lead
            ("swift_worker", 404),
            ("swift_admin", 404),
            ("commissioner", 404),
        ]:
            with self.subTest(username=username):
                self.client.force_login(self.cast[username])
                self.assertEqual(self.client.get(self.url()).status_code, status)

    def test_the_pathways_lead_sees_it_though_not_in_the_care(self) -> None:
        self.client.force_login(self.cast.swift_admin)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        actions.set_lead(
            SYSTEM, self.cast.discharge, self.cast.swift, Role.PARTNER_ADMIN, reason="t"
        )
        self.assertEqual(self.client.get(self.url()).status_code, 200)
        self.client.force_login(self.cast.swift_worker)
        self.assertEqual(self.client.get(self.url()).status_code, 404)

    def test_opening_a_concern_is_an_audited_read(self) -> None:
        self.client.force_login(self.cast.river_worker)
        self.client.get(self.url())
        entry = AuditEntry.objects.filter(action="safeguarding.read").latest("seq")
        self.assertEqual(entry.object_id, self.concern.code)
        self.client.force_login(self.cast.swift_worker)
        self.client.get(self.url())
        self.assertTrue(
            AuditEntry.objects.filter(kind="refused", object_id=self.concern.code).exists()
        )

    def test_raising_from_the_page(self) -> None:
        self.client.force_login(self.cast.river_worker)
        self.assertEqual(self.client.get(reverse("escalation:concern_raise")).status_code, 200)
        at = timezone.localtime() - timedelta(minutes=30)
        response = self.client.post(
            reverse("escalation:concern_raise"),
            {
                "participant": self.concern.participant.code,
                "pathway": "discharge",
                "contact": "phone",
                "occurred_at": at.strftime("%Y-%m-%dT%H:%M"),
                "theme": "financial",
                "description": "Son takes her pension.",
            },
        )
        made = SafeguardingConcern.objects.exclude(pk=self.concern.pk).get()
        self.assertRedirects(response, reverse("escalation:concern", args=[made.code]))
        self.assertEqual((made.theme, made.organisation), ("financial", self.cast.riverside))
        self.assertEqual(made.raised_by, self.cast.river_worker)

    def test_raising_names_the_field_at_fault(self) -> None:
        self.client.force_login(self.cast.river_worker)
        response = self.client.post(
            reverse("escalation:concern_raise"),
            {
                "participant": self.concern.participant.code,
                "pathway": "discharge",
                "contact": "phone",
                "occurred_at": (timezone.localtime() + timedelta(hours=2)).strftime(
                    "%Y-%m-%dT%H:%M"
                ),
                "theme": "financial",
                "description": "x",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("occurred_at", response.context["form"].errors)

    def test_a_commissioner_cannot_raise(self) -> None:
        self.client.force_login(self.cast.commissioner)
        self.assertEqual(self.client.get(reverse("escalation:concern_raise")).status_code, 404)


class TriagePageTests(CastTestCase):
    older: SafeguardingConcern
    newer: SafeguardingConcern

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_defaults()
        person, _ = make_case(cls.cast, family_name="Triage")
        now = timezone.now()
        cls.older = make_concern(cls.cast, person, now - timedelta(hours=3))
        cls.newer = make_concern(cls.cast, person, now - timedelta(hours=2), theme="physical")

    def setUp(self) -> None:
        self.week = timers.week_start(timezone.now(), actions.network_zone())
        self.week_code = "{}-W{:02d}".format(*self.week.isocalendar()[:2])

    def _open(self) -> None:
        self.client.force_login(self.cast.quality)
        response = self.client.post(
            reverse("escalation:triage_open", args=[self.week_code]),
            {"held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "attendees": ["quality"]},
        )
        self.assertEqual(response.status_code, 302)

    def _decide(self, concern: SafeguardingConcern, **data: Any) -> Any:
        body = {
            "week": self.week_code,
            "la_needed": "no",
            "police_needed": "no",
            "version": concern.version,
            **data,
        }
        return self.client.post(
            reverse("escalation:concern_decide", args=[concern.code]), body, HTTP_HX_REQUEST="true"
        )

    def test_untriaged_first_then_the_weeks_decisions(self) -> None:
        self._open()
        self._decide(self.older)
        response = self.client.get(reverse("escalation:triage"), {"week": self.week_code})
        codes = [row["c"].code for row in response.context["rows"]]
        self.assertEqual(codes, [self.newer.code, self.older.code])
        self.assertTrue(AuditEntry.objects.filter(action="safeguarding.list").exists())

    def test_a_decision_through_htmx_swaps_the_row(self) -> None:
        self._open()
        response = self._decide(
            self.older,
            la_needed="yes",
            notifier_organisation="riverside",
            notifier_role="supervisor",
            notify_due=(timezone.localtime() + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f'id="concern-{self.older.code}"')
        self.assertNotContains(response, "<html")
        self.older.refresh_from_db()
        self.assertEqual(self.older.state, ConcernState.TRIAGED)
        self.assertTrue(self.older.decision.la_needed)

    def test_a_bad_decision_names_its_field(self) -> None:
        self._open()
        response = self._decide(self.older, la_needed="yes")
        self.assertEqual(response.status_code, 422)
        self.assertIn("notifier_organisation", response.context["form"].errors)

    def test_no_decision_before_the_weeks_meeting(self) -> None:
        self.client.force_login(self.cast.quality)
        response = self._decide(self.older)
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Open this week", status_code=422)

    def test_who_may_decide(self) -> None:
        self._open()
        self.client.force_login(self.cast.river_coordinator)
        self.assertEqual(self._decide(self.older).status_code, 403)
        self.client.force_login(self.cast.swift_admin)
        self.assertEqual(self._decide(self.older).status_code, 404)


class DashboardTests(CastTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_defaults()

    def _concerns(self, n: int) -> None:
        person, _ = make_case(self.cast, family_name=f"Dash{n}")
        now = timezone.now()
        for i in range(n):
            make_concern(
                self.cast,
                person,
                now - timedelta(days=i, hours=1),
                theme=["neglect", "physical"][i % 2],
            )
        worker.tick(now)

    def test_the_number_of_queries_does_not_grow_with_the_concerns(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        url = reverse("escalation:safeguarding")
        self._concerns(2)
        self.client.get(url)
        with CaptureQueriesContext(connection) as small:
            self.assertEqual(self.client.get(url).status_code, 200)
        self._concerns(6)
        with CaptureQueriesContext(connection) as large:
            response = self.client.get(url)
        self.assertEqual(len(small), len(large))
        self.assertEqual(response.context["summary"].overall.concerns, 8)

    def test_figures_csv_and_filters(self) -> None:
        self._concerns(3)
        self.client.force_login(self.cast.river_coordinator)
        response = self.client.get(reverse("escalation:safeguarding"), {"format": "csv"})
        lines = response.content.decode().strip().splitlines()
        self.assertTrue(lines[0].startswith("partner,concerns,same_day,late,pending,same_day_rate"))
        self.assertTrue(lines[1].startswith("riverside,3,"))
        self.assertTrue(lines[-1].startswith("all,3,"))
        only = self.client.get(reverse("escalation:safeguarding"), {"theme": "physical"})
        self.assertEqual(only.context["summary"].overall.concerns, 1)
        self.assertIn("<svg", only.content.decode())

    def test_hidden_concerns_change_no_figure(self) -> None:
        self._concerns(3)
        self.client.force_login(self.cast.swift_worker)
        response = self.client.get(reverse("escalation:safeguarding"))
        self.assertEqual(response.context["summary"].overall.concerns, 0)


class ApiAndCommandTests(CastTestCase):
    person: Participant
    concern: SafeguardingConcern

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_defaults()
        cls.person, _ = make_case(cls.cast, family_name="Api")
        # An hour ago, or at midnight when that was yesterday: still inside its same-day deadline.
        midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        raised = max(timezone.now() - timedelta(hours=1), midnight)
        cls.concern = make_concern(cls.cast, cls.person, raised)

    def auth(self, user: User) -> dict[str, Any]:
        _, key = issue_api_token(self.cast.actor(user), name="tests")
        return {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def test_list_get_raise_and_decide(self) -> None:
        base = "/api/escalation/safeguarding"
        listed = self.client.get(f"{base}/concerns", **self.auth(self.cast.river_worker)).json()
        self.assertEqual([c["code"] for c in listed["items"]], [self.concern.code])
        self.assertEqual(listed["items"][0]["notification"], "pending")
        hidden = self.client.get(
            f"{base}/concerns/{self.concern.code}", **self.auth(self.cast.swift_worker)
        )
        self.assertEqual(hidden.status_code, 404)
        made = self.client.post(
            f"{base}/concerns",
            json.dumps(
                {
                    "participant": self.person.code,
                    "pathway": "discharge",
                    "contact": "home_visit",
                    "theme": "domestic",
                    "occurred_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
                    "description": "Partner answers for her.",
                }
            ),
            content_type="application/json",
            **self.auth(self.cast.river_worker),
        )
        self.assertEqual(made.status_code, 201, made.content)
        code = made.json()["code"]
        decided = self.client.post(
            f"{base}/concerns/{code}/decision",
            json.dumps(
                {
                    "week": timezone.localdate().isoformat(),
                    "la_needed": False,
                    "police_needed": False,
                    "outcome": "protection_plan",
                }
            ),
            content_type="application/json",
            **self.auth(self.cast.quality),
        )
        self.assertEqual(decided.status_code, 200, decided.content)
        self.assertEqual(decided.json()["state"], "closed")
        refused = self.client.post(
            f"{base}/concerns/{self.concern.code}/decision",
            json.dumps({"week": "2026-W10", "la_needed": False, "police_needed": False}),
            content_type="application/json",
            **self.auth(self.cast.river_coordinator),
        )
        self.assertEqual(refused.status_code, 403)
        figures = self.client.get(f"{base}/dashboard", **self.auth(self.cast.river_worker)).json()
        self.assertEqual(figures["overall"]["concerns"], 2)

    def test_the_command(self) -> None:
        out = StringIO()
        call_command("safeguarding", "list", "--format", "json", "--as", "river_worker", stdout=out)
        rows = json.loads(out.getvalue())
        self.assertEqual([r["code"] for r in rows], [self.concern.code])
        self.assertEqual(
            set(rows[0]),
            {
                "code",
                "participant",
                "pathway",
                "partner",
                "theme",
                "occurred_at",
                "recorded_at",
                "notify_by",
                "lead_notified_at",
                "notification",
                "state",
                "outcome",
            },
        )
        out = StringIO()
        call_command("safeguarding", "list", "--format", "json", "--as", "swift_worker", stdout=out)
        self.assertEqual(json.loads(out.getvalue()), [])
        call_command(
            "safeguarding",
            "triage",
            self.concern.code,
            "--as",
            "quality",
            "--la",
            "no",
            "--police",
            "no",
            "--outcome",
            "no_further_action",
            "--notes",
            "Explained.",
            stdout=StringIO(),
        )
        self.concern.refresh_from_db()
        self.assertEqual(self.concern.state, ConcernState.CLOSED)
        out = StringIO()
        call_command(
            "safeguarding",
            "raise",
            "--as",
            "river_worker",
            "--participant",
            self.person.code,
            "--pathway",
            "discharge",
            "--theme",
            "neglect",
            "--contact",
            "phone",
            "--occurred-at",
            timezone.now().isoformat(),
            "--description",
            "Cold house.",
            stdout=out,
        )
        self.assertIn("raised", out.getvalue())
