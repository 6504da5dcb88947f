"""Incidents through the pages, the API and the command: reporting with linked records (each
one the reporter sees, of the same participant), who sees an incident (404 otherwise), reads
in the audit log, the list and its CSV in a fixed number of queries, learning actions, and the
cross-agency timeline: its window, its order, what each viewer may see, and a fixed number of
queries however many events."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from seamline.audit.models import AuditEntry, EntryKind
from seamline.cases.models import Participant
from seamline.cases.testing import make_participant, make_referral
from seamline.coordination.models import Record
from seamline.errors import RuleViolation
from seamline.network.actions import issue_api_token
from seamline.quality import actions_incidents, rules_incidents, timeline
from seamline.quality.models import CorrectiveAction, Incident
from seamline.rota.models import Visit
from seamline.rota.testing import make_visit
from seamline.testing import CastTestCase
from seamline.workforce.models import Worker
from seamline.workforce.testing import make_worker


class IncidentTestCase(CastTestCase):
    """Ada's cases on the prime's discharge pathway, handed to Riverside (one handoff rejected,
    one accepted: Riverside is in her care team); a visit with a Riverside worker and one
    nobody is assigned to; a late record. Another participant, Bob, Riverside's own."""

    scene: Any
    ada: Participant
    bob: Participant
    now: datetime
    worker: Worker
    staffed: Visit
    empty: Visit

    @classmethod
    def setUpTestData(cls) -> None:
        from seamline.handoffs.testing import build_scene

        super().setUpTestData()
        c = cls.cast
        cls.scene = build_scene(c)
        cls.ada = cls.scene.participant
        cls.now = timezone.now()
        cls.worker = make_worker(c.riverside, "RIV-7", first_name="Rae", last_name="Carer")
        cls.staffed = make_visit(
            cls.ada, c.discharge, [], cls.now - timedelta(hours=6), workers=[cls.worker]
        )
        cls.empty = make_visit(
            cls.ada, c.discharge, [], cls.now - timedelta(hours=2), organisation=c.riverside
        )
        Record.objects.create(
            participant=cls.ada,
            organisation=c.riverside,
            kind="service_disruption",
            occurred_at=cls.now - timedelta(days=2),
            recorded_at=cls.now - timedelta(hours=1),
            text="Evening visit missed: no carer free.",
        )
        cls.bob = make_participant(c.riverside, given_name="Bob", family_name="Other")
        make_referral(cls.bob, c.discharge, c.riverside, c.river_coordinator)

    def report(self, who: str = "river_coordinator", **changes: object) -> Incident:
        values: dict = {
            "participant": self.ada,
            "organisation": self.cast.riverside,
            "theme": "fall",
            "severity": "moderate",
            "occurred_at": self.now - timedelta(hours=1),
            "description": "Found on the floor after the missed visit.",
            "links": [("handoff", self.scene.rejected.code)],
        }
        values.update(changes)
        return actions_incidents.report_incident(self.cast.actor(self.cast[who]), **values)


class ReportingTests(IncidentTestCase):
    def test_report_with_links_writes_the_incident_and_its_audit_entry(self) -> None:
        incident = self.report(
            links=[("handoff", self.scene.rejected.code), ("worker", "riverside/RIV-7")]
        )
        self.assertRegex(incident.code, r"^INC-\d{5}$")
        self.assertEqual(
            sorted(link.reference for link in incident.links.all()),
            sorted(["riverside/RIV-7", self.scene.rejected.code]),
        )
        entry = AuditEntry.objects.get(action="quality.incident.report")
        self.assertEqual(entry.object_id, incident.code)
        self.assertEqual(entry.changes["theme"], "fall")

    def test_a_link_to_another_participants_record_is_refused_and_nothing_written(self) -> None:
        other = make_referral(
            self.bob, self.cast.discharge, self.cast.riverside, self.cast.river_coordinator
        )
        from seamline.handoffs.testing import make_handoff

        foreign = make_handoff(other, self.cast.river_coordinator, self.cast.prime, send=True)
        with self.assertRaises(RuleViolation) as caught:
            self.report(links=[("handoff", foreign.code)])
        self.assertEqual(caught.exception.reasons[0].code, "link_other_participant")
        self.assertFalse(Incident.objects.exists())

    def test_a_record_the_reporter_cannot_see_is_not_found(self) -> None:
        # The draft handoff is the prime's own: Riverside's coordinator does not see it.
        with self.assertRaises(RuleViolation) as caught:
            self.report(links=[("handoff", self.scene.draft.code)])
        self.assertEqual(caught.exception.reasons[0].code, "link_not_found")
        # The prime's sender sees it.
        incident = self.report(who="prime_worker", links=[("handoff", self.scene.draft.code)])
        self.assertEqual(incident.links.count(), 1)

    def test_a_participant_out_of_sight_cannot_be_reported_on(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            self.report(who="swift_admin", links=[])
        self.assertIn("unknown_participant", [r.code for r in caught.exception.reasons])

    def test_the_same_record_twice_is_refused(self) -> None:
        incident = self.report()
        with self.assertRaises(RuleViolation) as caught:
            actions_incidents.link_record(
                self.cast.actor(self.cast.river_coordinator),
                incident,
                kind="handoff",
                ref=self.scene.rejected.code,
            )
        self.assertEqual(caught.exception.reasons[0].code, "link_duplicate")

    def test_the_report_page_names_the_fields_in_error(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        response = self.client.post(
            reverse("quality:incident_new"),
            {
                "participant": self.ada.code,
                "organisation": "riverside",
                "theme": "fall",
                "severity": "low",
                "occurred_at": "",
                "description": "",
            },
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Occurred at: Say when it happened.", status_code=422)
        response = self.client.post(
            reverse("quality:incident_new"),
            {
                "participant": self.ada.code,
                "organisation": "riverside",
                "theme": "missed_visit",
                "severity": "no_harm",
                "occurred_at": timezone.localtime(self.now - timedelta(hours=3)).strftime(
                    "%Y-%m-%dT%H:%M"
                ),
                "description": "Nobody came at six.",
                "link_handoff": self.scene.rejected.code,
            },
        )
        incident = Incident.objects.get()
        self.assertRedirects(response, reverse("quality:incident", args=[incident.code]))
        self.assertEqual(incident.links.get().handoff, self.scene.rejected)


class AccessTests(IncidentTestCase):
    incident: Incident

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = actions_incidents.report_incident(
            cls.cast.actor(cls.cast.river_coordinator),
            participant=cls.ada,
            organisation=cls.cast.riverside,
            theme="fall",
            severity="moderate",
            occurred_at=cls.now - timedelta(hours=1),
            description="Found on the floor.",
        )

    def test_out_of_scope_is_not_found(self) -> None:
        url = reverse("quality:incident", args=[self.incident.code])
        for who, status in (
            ("river_coordinator", 200),
            ("quality", 200),
            ("net_admin", 200),
            ("swift_admin", 404),
            ("commissioner", 404),
        ):
            with self.subTest(who=who):
                self.client.force_login(self.cast[who])
                self.assertEqual(self.client.get(url).status_code, status)

    def test_the_list_holds_only_incidents_of_participants_one_sees(self) -> None:
        self.client.force_login(self.cast.swift_admin)
        response = self.client.get(reverse("quality:incidents"))
        self.assertNotContains(response, self.incident.code)
        self.client.force_login(self.cast.river_worker)
        self.assertContains(self.client.get(reverse("quality:incidents")), self.incident.code)

    def test_every_read_goes_in_the_audit_log(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        self.client.get(reverse("quality:incident", args=[self.incident.code]))
        self.client.get(reverse("quality:incidents"))
        reads = AuditEntry.objects.filter(kind=EntryKind.READ)
        self.assertTrue(
            reads.filter(action="quality.incident.read", object_id=self.incident.code).exists()
        )
        listed = reads.get(action="quality.incident.list")
        self.assertEqual(listed.changes["shown"], [self.incident.code])

    def test_learning_actions_are_corrective_actions_citing_the_incident(self) -> None:
        self.client.force_login(self.cast.river_admin)
        response = self.client.post(
            reverse("quality:incident_learning", args=[self.incident.code]),
            {
                "title": "Night checks for falls risk",
                "owner": "river_supervisor",
                "due_on": "2026-12-31",
            },
        )
        action = CorrectiveAction.objects.get()
        self.assertRedirects(response, reverse("quality:action", args=[action.uuid]))
        self.assertEqual((action.source_kind, action.source_ref), ("incident", self.incident.code))
        self.assertEqual(action.organisation, self.cast.riverside)
        page = self.client.get(reverse("quality:incident", args=[self.incident.code]))
        self.assertContains(page, "Night checks for falls risk")
        # A worker sees the incident but raises no actions.
        self.client.force_login(self.cast.river_worker)
        refused = self.client.post(
            reverse("quality:incident_learning", args=[self.incident.code]),
            {"title": "x", "owner": "river_worker", "due_on": "2026-12-31"},
        )
        self.assertEqual(refused.status_code, 403)


class ListTests(IncidentTestCase):
    def add(self, n: int, theme: str = "fall") -> None:
        for i in range(n):
            self.report(theme=theme, links=[("worker", "riverside/RIV-7")] if i % 2 else [])

    def test_filter_by_partner_theme_and_severity_and_csv(self) -> None:
        self.add(2)
        self.report(theme="missed_visit", severity="no_harm", links=[])
        self.client.force_login(self.cast.quality)
        response = self.client.get(reverse("quality:incidents"), {"theme": "missed_visit"})
        self.assertEqual(response.context["count"], 1)
        response = self.client.get(
            reverse("quality:incidents"), {"severity": "moderate", "partner": "riverside"}
        )
        self.assertEqual(response.context["count"], 2)
        csv = self.client.get(reverse("quality:incidents"), {"theme": "fall", "format": "csv"})
        lines = csv.content.decode().strip().splitlines()
        self.assertTrue(lines[0].startswith("incident,participant,organisation,theme"))
        self.assertEqual(len(lines), 3)
        self.assertIn("worker:riverside/RIV-7", csv.content.decode())

    def test_the_list_reads_a_fixed_number_of_queries(self) -> None:
        self.add(2)
        self.client.force_login(self.cast.quality)
        self.client.get(reverse("quality:incidents"))
        with CaptureQueriesContext(connection) as few:
            self.client.get(reverse("quality:incidents"))
        self.add(6, theme="documentation")
        with self.assertNumQueries(len(few.captured_queries)):
            response = self.client.get(reverse("quality:incidents"))
        self.assertEqual(response.context["count"], 8)


class TimelineTests(IncidentTestCase):
    incident: Incident

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = actions_incidents.report_incident(
            cls.cast.actor(cls.cast.river_coordinator),
            participant=cls.ada,
            organisation=cls.cast.riverside,
            theme="fall",
            severity="moderate",
            occurred_at=cls.now - timedelta(hours=1),
            description="Found on the floor.",
        )

    def events(self, who: str, before: int = 14, after: int = 3) -> list[timeline.Event]:
        start, end = rules_incidents.window(self.incident.occurred_at, before, after)
        return timeline.load(self.cast.actor(self.cast[who]), self.ada, start, end)

    def test_the_seam_shows_across_organisations_in_time_order(self) -> None:
        events = self.events("prime_worker")
        kinds = [e.kind for e in events]
        for kind in (
            "referral.received",
            "handoff.sent",
            "handoff.rejected",
            "handoff.accepted",
            "ownership.changed",
            "record.service_disruption",
            "incident",
        ):
            self.assertIn(kind, kinds)
        self.assertEqual(
            events, sorted(events, key=lambda e: (e.at, timeline.SOURCES.index(e.source)))
        )
        rejected = next(e for e in events if e.kind == "handoff.rejected")
        self.assertEqual((rejected.organisation, rejected.alert), ("riverside", True))
        self.assertEqual(
            {lane.code for lane in timeline.lanes(events)}, {"northbridge", "riverside"}
        )

    def test_a_visit_nobody_is_assigned_to_is_marked(self) -> None:
        visits = {e.ref: e for e in self.events("river_coordinator") if e.source == "visits"}
        self.assertFalse(visits[self.staffed.code].alert)
        self.assertIn("Rae Carer", visits[self.staffed.code].title)
        self.assertTrue(visits[self.empty.code].alert)

    def test_the_window_leaves_out_what_falls_outside(self) -> None:
        # The late record happened two days before: outside a one-day window.
        narrow = [e.kind for e in self.events("prime_worker", before=1, after=0)]
        self.assertNotIn("record.service_disruption", narrow)
        self.assertIn("incident", narrow)

    def test_each_viewer_sees_only_the_events_of_records_they_may_see(self) -> None:
        # Workers do not read the rota: no visits in their timeline.
        self.assertFalse([e for e in self.events("river_worker") if e.source == "visits"])
        self.assertTrue([e for e in self.events("river_coordinator") if e.source == "visits"])

    def test_loading_reads_one_query_per_source_however_many_events(self) -> None:
        actor = self.cast.actor(self.cast.river_coordinator)
        start, end = rules_incidents.window(self.incident.occurred_at)
        with CaptureQueriesContext(connection) as first:
            few = timeline.load(actor, self.ada, start, end)
        for i in range(5):
            make_visit(
                self.ada,
                self.cast.discharge,
                [],
                self.now - timedelta(hours=10 + i),
                workers=[self.worker],
            )
            Record.objects.create(
                participant=self.ada,
                organisation=self.cast.riverside,
                kind="contact",
                occurred_at=self.now - timedelta(hours=20 + i),
                recorded_at=self.now,
                text=f"Contact {i}",
            )
        with self.assertNumQueries(len(first.captured_queries)):
            more = timeline.load(actor, self.ada, start, end)
        self.assertEqual(len(more), len(few) + 10)
        self.assertLessEqual(len(first.captured_queries), len(timeline.SOURCES) + 2)

    def test_the_page_lays_the_events_out_by_organisation(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        response = self.client.get(reverse("quality:incident", args=[self.incident.code]))
        self.assertContains(response, 'id="incident-timeline"')
        self.assertContains(response, "Riverside Home Support</th>")
        self.assertContains(response, 'data-kind="handoff.rejected"')

    def test_api_and_command(self) -> None:
        key = issue_api_token(self.cast.actor(self.cast.river_coordinator), name="t")[1]
        auth = {"Authorization": f"Bearer {key}"}
        listed = self.client.get("/api/quality/incidents?theme=fall", headers=auth)
        self.assertEqual([i["code"] for i in listed.json()], [self.incident.code])
        got = self.client.get(
            f"/api/quality/incidents/{self.incident.code}/timeline?before=1", headers=auth
        )
        self.assertEqual(got.status_code, 200)
        kinds = [e["kind"] for e in got.json()["events"]]
        self.assertIn("incident", kinds)
        self.assertNotIn("record.service_disruption", kinds)
        out = StringIO()
        call_command(
            "quality", "incidents", "--format", "json", "--as", "river_coordinator", stdout=out
        )
        self.assertEqual([i["code"] for i in json.loads(out.getvalue())], [self.incident.code])
        out = StringIO()
        call_command(
            "quality",
            "incidents",
            "--timeline",
            self.incident.code,
            "--format",
            "json",
            "--as",
            "river_coordinator",
            stdout=out,
        )
        self.assertIn("handoff.rejected", [e["kind"] for e in json.loads(out.getvalue())["events"]])
