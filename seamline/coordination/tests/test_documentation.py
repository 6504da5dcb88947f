"""The 24-hour documentation standard: the timeliness rule (and its SQL twin) at the edge,
writing a record with the server's clock, compliance by partner, worker and week on a known
set of records, another app's records counted through the registry, and the late list that a
supervisor sees for their own organisation only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import time_machine
from django.core.management import call_command
from django.db.models import F
from django.test import SimpleTestCase
from django.urls import reverse
from django.utils import timezone

from seamline.audit.models import AuditEntry, EntryKind
from seamline.cases.choices import CareReason
from seamline.cases.models import Participant, RiskFlag
from seamline.cases.testing import make_participant
from seamline.coordination import actions, documentation, rules
from seamline.coordination.choices import RecordKind
from seamline.coordination.models import Record
from seamline.errors import RuleViolation
from seamline.network.models import Organisation, User
from seamline.testing import CastTestCase
from seamline.workforce.models import Worker

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday
DAY = timedelta(hours=24)


class RuleTests(SimpleTestCase):
    def test_twenty_four_hours_exactly_is_on_time_and_a_second_more_is_late(self) -> None:
        table = [
            ("written at once", timedelta(0), True),
            ("23 h 59 min", timedelta(hours=23, minutes=59), True),
            ("24 h exactly", DAY, True),
            ("24 h and a second", DAY + timedelta(seconds=1), False),
            ("two days", 2 * DAY, False),
        ]
        for label, delay, expected in table:
            with self.subTest(label):
                self.assertEqual(rules.documented_on_time(NOW, NOW + delay), expected)
        self.assertEqual(rules.hours_late(NOW, NOW + DAY), 0.0)
        self.assertEqual(rules.hours_late(NOW, NOW + DAY + timedelta(hours=6)), 6.0)

    def test_record_reasons(self) -> None:
        def codes(**changes: object) -> list[tuple[str, str | None]]:
            values: dict[str, object] = {
                "kind": "contact",
                "kinds": RecordKind.values,
                "occurred_at": NOW - timedelta(hours=2),
                "recorded_at": NOW,
                "text": "Visited; she was well.",
                "now": NOW,
            }
            values.update(changes)
            return [(r.code, r.field) for r in rules.record_reasons(**values)]  # type: ignore[arg-type]

        self.assertEqual(codes(), [])
        self.assertEqual(
            codes(occurred_at=NOW + timedelta(minutes=5)), [("date_in_future", "occurred_at")]
        )
        self.assertEqual(codes(occurred_at=None), [("required", "occurred_at")])
        self.assertEqual(codes(kind="gossip"), [("invalid_value", "kind")])
        self.assertEqual(codes(kind=""), [("required", "kind")])
        self.assertEqual(codes(text="  "), [("required", "text")])
        # An import carrying the time it was written: not before the contact, not after now.
        self.assertEqual(
            codes(recorded_at=NOW - timedelta(hours=3)),
            [("written_before_it_happened", "recorded_at")],
        )
        self.assertEqual(
            codes(recorded_at=NOW + timedelta(hours=1)), [("date_in_future", "recorded_at")]
        )

    def test_compliance_share(self) -> None:
        self.assertEqual(rules.Compliance(3, 4).share, 0.75)
        self.assertEqual(rules.Compliance(3, 4).late, 1)
        self.assertIsNone(rules.Compliance(0, 0).share)


def _record(
    participant: Participant,
    organisation: Organisation,
    author: User | None,
    *,
    occurred_at: datetime,
    delay: timedelta,
    kind: str = RecordKind.CONTACT,
) -> Record:
    return Record.objects.create(
        participant=participant,
        organisation=organisation,
        author=author,
        kind=kind,
        occurred_at=occurred_at,
        recorded_at=occurred_at + delay,
        text="Seen at home.",
    )


class DocumentationTests(CastTestCase):
    ada: Participant
    worker: Worker

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        c = cls.cast
        cls.ada = make_participant(
            c.riverside,
            given_name="Ada",
            family_name="Noted",
            care=[(c.riverside, CareReason.OWNER), (c.swift, CareReason.VISIT)],
        )
        cls.worker = Worker.objects.create(
            organisation=c.riverside,
            staff_id="R-17",
            user=c.river_worker,
            first_name="Rowan",
            last_name="Walker",
            employment_type="employed",
            role_group="support_worker",
            start_date=NOW.date() - timedelta(days=400),
        )
        monday = NOW - timedelta(days=2)  # Monday 2 March
        last_week = monday - timedelta(days=7)
        # Riverside's worker: three this week (one late by 6 h), one last week on time.
        for occurred, delay in (
            (monday, timedelta(hours=2)),
            (monday + timedelta(hours=3), DAY),
            (monday + timedelta(hours=5), DAY + timedelta(hours=6)),
            (last_week, timedelta(hours=1)),
        ):
            _record(cls.ada, c.riverside, c.river_worker, occurred_at=occurred, delay=delay)
        # Riverside's supervisor: one a second late.
        _record(
            cls.ada,
            c.riverside,
            c.river_supervisor,
            occurred_at=monday,
            delay=DAY + timedelta(seconds=1),
            kind=RecordKind.RISK_CHANGE,
        )
        # The agency's worker: two, both 40 hours late.
        for hours in (1, 2):
            _record(
                cls.ada,
                c.swift,
                c.swift_worker,
                occurred_at=monday + timedelta(hours=hours),
                delay=timedelta(hours=40),
            )

    def test_compliance_by_partner_worker_and_week(self) -> None:
        report = documentation.compliance(documentation.Period())
        self.assertEqual((report.total.on_time, report.total.records), (3, 7))
        by_partner = {r.code: (r.compliance.on_time, r.compliance.records) for r in report.partners}
        self.assertEqual(by_partner, {"riverside": (3, 5), "swiftstaff": (0, 2)})
        self.assertEqual(report.partners[0].code, "swiftstaff")  # worst first
        by_worker = {
            (r.partner_code, r.name, r.staff_id): (r.compliance.on_time, r.compliance.records)
            for r in report.workers
        }
        self.assertEqual(
            by_worker,
            {
                ("riverside", "Rowan Walker", "R-17"): (3, 4),
                ("riverside", self.cast.river_supervisor.display_name, ""): (0, 1),
                ("swiftstaff", self.cast.swift_worker.display_name, ""): (0, 2),
            },
        )
        weeks = {
            r.week.isoformat(): (r.compliance.on_time, r.compliance.records) for r in report.weeks
        }
        self.assertEqual(weeks, {"2026-02-23": (1, 1), "2026-03-02": (2, 6)})

    def test_period_and_organisation_narrow_the_figures(self) -> None:
        this_week = documentation.Period(since=NOW - timedelta(days=2, hours=12), until=NOW)
        report = documentation.compliance(this_week, self.cast.riverside)
        self.assertEqual((report.total.on_time, report.total.records), (2, 4))
        self.assertEqual([r.code for r in report.partners], ["riverside"])

    def test_the_sql_rule_agrees_with_the_python_rule_at_the_edge(self) -> None:
        Record.objects.all().delete()
        c = self.cast
        _record(self.ada, c.riverside, c.river_worker, occurred_at=NOW, delay=DAY)
        _record(
            self.ada, c.riverside, c.river_worker, occurred_at=NOW, delay=DAY + timedelta(seconds=1)
        )
        flags = list(
            Record.objects.annotate(on_time=documentation.on_time_expression())
            .order_by("recorded_at")
            .values_list("occurred_at", "recorded_at", "on_time")
        )
        self.assertEqual(
            [bool(on) for _o, _r, on in flags],
            [rules.documented_on_time(o, r) for o, r, _on in flags],
        )
        self.assertEqual([on for _o, _r, on in flags], [1, 0])

    def test_another_apps_records_count_through_the_registry(self) -> None:
        c = self.cast
        RiskFlag.objects.create(
            participant=self.ada,
            kind="deterioration",
            severity="high",
            source_organisation=c.swift,
            raised_at=NOW,
            raised_by=c.swift_admin,
        )
        documentation.documentation_source(
            "flag_test",
            lambda: RiskFlag.objects.annotate(
                organisation=F("source_organisation"),
                author=F("raised_by"),
                occurred_at=F("raised_at"),
                recorded_at=F("raised_at"),
            ),
        )
        self.addCleanup(documentation.forget, "flag_test")
        report = documentation.compliance(documentation.Period())
        swift = next(r for r in report.partners if r.code == "swiftstaff")
        self.assertEqual((swift.compliance.on_time, swift.compliance.records), (1, 3))
        late = documentation.late_records(documentation.Period(), c.swift)
        self.assertEqual(len(late), 2)
        self.assertTrue(all(r.kind == "contact" for r in late))

    def test_write_record_takes_the_servers_clock_and_is_audited(self) -> None:
        c = self.cast
        # A whole second, after everything the scene wrote (a care team that starts now must
        # already have started).
        now = timezone.now().replace(microsecond=0) + timedelta(seconds=1)
        with time_machine.travel(now, tick=False):
            made = actions.write_record(
                c.actor(c.river_worker),
                self.ada,
                kind=RecordKind.REFUSAL,
                occurred_at=now - timedelta(hours=30),
                text="Declined the evening visit.",
            )
        self.assertEqual(made.recorded_at, now)
        self.assertEqual(made.worker, self.worker)
        self.assertEqual(made.organisation, c.riverside)
        entry = AuditEntry.objects.get(action="record.write", object_id=str(made.uuid))
        self.assertEqual(entry.changes["on_time"], False)
        with self.assertRaises(RuleViolation) as caught:
            actions.write_record(
                c.actor(c.river_worker),
                self.ada,
                kind=RecordKind.CONTACT,
                occurred_at=now + timedelta(days=1),
                text="Tomorrow.",
            )
        self.assertEqual(caught.exception.reasons[0].field, "occurred_at")
        # Inspectors read; they do not write.
        with self.assertRaises(RuleViolation):
            actions.write_record(
                c.actor(c.inspector), self.ada, kind="contact", occurred_at=now, text="x"
            )

    def test_a_supervisor_sees_the_late_records_of_their_own_organisation_only(self) -> None:
        c = self.cast
        url = reverse("coordination:late_records")
        march = {"since": "2026-02-01", "until": "2026-04-01"}
        self.client.force_login(c.river_supervisor)
        page = self.client.get(url, march)
        self.assertEqual(page.status_code, 200)
        rows = page.context["rows"]
        self.assertEqual({r.partner_code for r in rows}, {"riverside"})
        self.assertEqual(len(rows), 2)
        self.assertNotContains(page, c.swift_worker.display_name)
        entry = AuditEntry.objects.filter(action="record.late_list").latest("seq")
        self.assertEqual((entry.kind, entry.actor_label), (EntryKind.READ, "river_supervisor"))
        # The agency's admin sees the agency's; the prime's quality lead every partner's.
        self.client.force_login(c.swift_admin)
        self.assertEqual(
            {r.partner_code for r in self.client.get(url, march).context["rows"]}, {"swiftstaff"}
        )
        self.client.force_login(c.quality)
        self.assertEqual(
            {r.partner_code for r in self.client.get(url, march).context["rows"]},
            {"riverside", "swiftstaff"},
        )
        # A frontline worker does not read the list.
        self.client.force_login(c.river_worker)
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_report_page_csv_chart_and_command(self) -> None:
        c = self.cast
        self.client.force_login(c.river_supervisor)
        url = reverse("coordination:documentation")
        page = self.client.get(url, {"since": "2026-02-01", "until": "2026-03-31"})
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "<svg")
        self.assertContains(page, "Rowan Walker")
        self.assertNotContains(page, c.swift_worker.display_name)
        exported = self.client.get(
            url, {"since": "2026-02-01", "until": "2026-03-31", "format": "csv", "by": "worker"}
        )
        lines = exported.content.decode().splitlines()
        self.assertEqual(lines[0], "partner,partner_name,name,staff_id,records,on_time,late,share")
        self.assertIn("riverside,Riverside Home Support,Rowan Walker,R-17,4,3,1,0.75", lines)
        out = StringIO()
        call_command("documentation", "compliance", "--format", "json", stdout=out)
        data = json.loads(out.getvalue())
        self.assertEqual(data["total"], {"records": 7, "on_time": 3, "late": 4, "share": 0.429})
        self.assertEqual(data["window_hours"], 24)

    def test_participant_records_page_writes_with_htmx(self) -> None:
        c = self.cast
        self.client.force_login(c.river_worker)
        url = reverse("coordination:records", args=[self.ada.code])
        page = self.client.get(url)
        self.assertEqual(page.status_code, 200)
        self.assertTrue(
            AuditEntry.objects.filter(action="record.read", actor_label="river_worker").exists()
        )
        answer = self.client.post(
            url,
            {"kind": "service_disruption", "occurred_at": "2026-03-01T09:00", "text": "No visit."},
            HTTP_HX_REQUEST="true",
        )
        self.assertEqual(answer.status_code, 200)
        self.assertContains(answer, "No visit.")
        self.assertNotContains(answer, "<html")
        self.assertTrue(Record.objects.filter(text="No visit.", author=c.river_worker).exists())
        refused = self.client.post(
            url, {"kind": "contact", "occurred_at": "", "text": ""}, HTTP_HX_REQUEST="true"
        )
        self.assertContains(refused, "Give the time it happened.")
        # Someone who does not see Ada gets "not found".
        self.client.force_login(c.commissioner)
        self.assertEqual(self.client.get(url).status_code, 404)
