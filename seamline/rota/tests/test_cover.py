"""The cover report per day and pathway (SPEC C4): its pure rules as tables, then the report
over a stored rota (duty lead through the authorization register, late cover where referrals
peak late, weekend stability checks, high-risk caseloads), the page, the API and the command,
and a number of queries that does not grow with the number of visits."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from io import StringIO
from typing import Any

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import SimpleTestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seamline.cases.choices import Severity
from seamline.cases.models import Participant
from seamline.cases.testing import make_flag, make_participant, make_referral
from seamline.competency.models import TaskType
from seamline.network import actions as network_actions
from seamline.network.choices import OrgKind
from seamline.rota import cover, cover_report
from seamline.rota.cover import Homecoming, OnDuty
from seamline.rota.models import Shift
from seamline.rota.testing import make_shift, make_visit
from seamline.testing import make_org
from seamline.workforce.models import Worker
from seamline.workforce.testing import make_sign_off, make_task_type, make_worker

from .scene import MONDAY, GateCase, at

SATURDAY = MONDAY + timedelta(days=5)
SUNDAY = MONDAY + timedelta(days=6)
ZONE = timezone.get_current_timezone()


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def duty(cleared: bool, name: str = "Lena Lead", reasons: tuple[str, ...] = ()) -> OnDuty:
    return OnDuty(name, "riverside", local(MONDAY, 8), local(MONDAY, 22), cleared, reasons)


# --- the rules, as tables ----------------------------------------------------------------------


class DutyLeadRuleTests(SimpleTestCase):
    def test_table(self) -> None:
        cases: list[tuple[str, list[OnDuty], list[str]]] = [
            ("nobody named", [], ["duty_lead_missing"]),
            ("named, cleared", [duty(True)], []),
            (
                "named, not cleared",
                [duty(False, reasons=("Stage below.",))],
                ["duty_lead_not_cleared"],
            ),
            ("two named, one cleared", [duty(False), duty(True, "Bo Lead")], []),
            (
                "two named, neither cleared",
                [duty(False), duty(False, "Bo Lead")],
                ["duty_lead_not_cleared"] * 2,
            ),
        ]
        for case, leads, codes in cases:
            with self.subTest(case):
                gaps = cover.duty_lead_gaps(day=MONDAY, pathway="Discharge", leads=leads)
                self.assertEqual([g.code for g in gaps], codes)
                self.assertTrue(all(g.check == cover.DUTY_LEAD for g in gaps))

    def test_the_sentence_names_the_lead_the_day_and_why(self) -> None:
        (gap,) = cover.duty_lead_gaps(
            day=MONDAY, pathway="Discharge", leads=[duty(False, reasons=("Stage below.",))]
        )
        self.assertIn("Lena Lead", gap.message)
        self.assertIn("Mon 16 Nov 2026", gap.message)
        self.assertIn("Stage below.", gap.message)


class LateCoverRuleTests(SimpleTestCase):
    def test_need_table(self) -> None:
        for late, weeks, needed in [
            (8, 8, True),
            (7, 8, False),
            (0, 8, False),
            (3, 0, False),
            (20, 8, True),
        ]:
            with self.subTest(late=late, weeks=weeks):
                self.assertEqual(cover.late_cover_needed(late, weeks), needed)

    def test_gap_table(self) -> None:
        cases: list[tuple[str, bool, list[OnDuty], list[str]]] = [
            ("not needed, none", False, [], []),
            ("needed, none", True, [], ["late_cover_missing"]),
            ("needed, cleared", True, [duty(True)], []),
            ("needed, not cleared", True, [duty(False)], ["late_cover_not_cleared"]),
        ]
        for case, needed, on, codes in cases:
            with self.subTest(case):
                gaps = cover.late_cover_gaps(
                    day=MONDAY,
                    pathway="Discharge",
                    needed=needed,
                    late_referrals=12,
                    weeks=8,
                    cover=on,
                    threshold=time(20),
                )
                self.assertEqual([g.code for g in gaps], codes)

    def test_the_missing_sentence_gives_the_peak(self) -> None:
        (gap,) = cover.late_cover_gaps(
            day=MONDAY,
            pathway="Discharge",
            needed=True,
            late_referrals=12,
            weeks=8,
            cover=[],
            threshold=time(20),
        )
        self.assertIn(
            "12 referrals arrived on Mondays after 16:00 in the last 8 weeks", gap.message
        )


class StabilityRuleTests(SimpleTestCase):
    def test_due_table(self) -> None:
        friday = MONDAY + timedelta(days=4)
        wednesday = MONDAY + timedelta(days=2)
        cases = [
            ("home Friday afternoon, Saturday", local(friday, 16), SATURDAY, True),
            ("home Friday afternoon, Sunday", local(friday, 16), SUNDAY, True),
            (
                "home Wednesday 10:00, Saturday (72 h end at 10:00)",
                local(wednesday, 10),
                SATURDAY,
                True,
            ),
            ("home Wednesday 10:00, Sunday", local(wednesday, 10), SUNDAY, False),
            ("home Tuesday, Saturday", local(MONDAY + timedelta(days=1), 10), SATURDAY, False),
            ("home Friday, Friday is a weekday", local(friday, 9), friday, False),
            ("home after the day", local(SUNDAY, 9), SATURDAY, False),
        ]
        for case, home, day, due in cases:
            with self.subTest(case):
                start = local(day, 0)
                self.assertEqual(cover.stability_due(home, start, start + timedelta(days=1)), due)

    def test_gap_table(self) -> None:
        home = local(MONDAY + timedelta(days=4), 16)
        cases = [
            (
                "weekend, not visited",
                SATURDAY,
                [Homecoming("P-1", home, False)],
                ["stability_check_missing"],
            ),
            ("weekend, visited", SATURDAY, [Homecoming("P-1", home, True)], []),
            ("weekday", MONDAY, [Homecoming("P-1", home, False)], []),
            (
                "weekend, one of two",
                SUNDAY,
                [Homecoming("P-1", home, True), Homecoming("P-2", home, False)],
                ["stability_check_missing"],
            ),
        ]
        for case, day, due, codes in cases:
            with self.subTest(case):
                gaps = cover.stability_gaps(day=day, pathway="Discharge", due=due)
                self.assertEqual([g.code for g in gaps], codes)


class CaseloadRuleTests(SimpleTestCase):
    def test_table(self) -> None:
        for participants, cap, stage, codes in [
            (2, 2, "supervised", []),
            (3, 2, "supervised", ["caseload_over_cap"]),
            (1, 0, None, ["caseload_over_cap"]),
            (10, 10, "enhanced", []),
        ]:
            with self.subTest(participants=participants, cap=cap):
                gaps = cover.caseload_gaps(
                    worker="Amy", participants=participants, cap=cap, stage=stage, week="2026-W47"
                )
                self.assertEqual([g.code for g in gaps], codes)
        (gap,) = cover.caseload_gaps(
            worker="Amy", participants=3, cap=2, stage="supervised", week="2026-W47"
        )
        self.assertIn("3 distinct high-risk participants in week 2026-W47", gap.message)
        self.assertIn("the cap at supervised is 2", gap.message)


# --- the report over a stored rota ---------------------------------------------------------------


class CoverCase(GateCase):
    duty_lead: TaskType
    late_task: TaskType
    amy: Worker
    bo: Worker

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.duty_lead = make_task_type("duty_lead", [(cls.safe, "enhanced")], risk_tier=4)
        cls.late_task = make_task_type("late_lone_cover", [(cls.safe, "independent")], risk_tier=3)
        riverside = cls.cast.riverside
        cls.amy = make_worker(riverside, "RIV-AMY", first_name="Amy", last_name="Able")
        make_sign_off(cls.amy, cls.safe, "enhanced", signer=cls.lead)
        make_sign_off(cls.amy, cls.med, "independent", signer=cls.lead)
        cls.bo = make_worker(riverside, "RIV-BO", first_name="Bo", last_name="Basic")
        make_sign_off(cls.bo, cls.safe, "supervised", signer=cls.lead)
        make_sign_off(cls.bo, cls.med, "supervised", signer=cls.lead)

    def duty_shift(
        self, worker: Worker | None, task: TaskType, start: datetime, hours: float
    ) -> Shift:
        shift = make_shift(worker, start, hours, organisation=self.cast.riverside)
        shift.pathway, shift.duty = self.cast.discharge, task
        shift.save(update_fields=["pathway", "duty"])
        return shift

    def report(self, actor: Any = None, **kwargs: Any) -> cover_report.CoverReport:
        from seamline.access import Actor

        return cover_report.report(
            actor or Actor.system("test"), MONDAY, SUNDAY, pathway="discharge", **kwargs
        )

    @staticmethod
    def codes(found: cover_report.CoverReport, day: date, check: str) -> list[str]:
        (row,) = [d for d in found.days if d.day == day]
        return [g.code for g in row.gaps_of(check)]


class DutyLeadTests(CoverCase):
    def test_a_cleared_lead_covers_the_day_one_not_cleared_does_not_and_none_is_a_gap(self) -> None:
        self.duty_shift(self.amy, self.duty_lead, local(MONDAY, 8), 12)
        self.duty_shift(self.bo, self.duty_lead, local(MONDAY + timedelta(days=1), 8), 12)
        found = self.report()
        self.assertEqual(self.codes(found, MONDAY, cover.DUTY_LEAD), [])
        self.assertEqual(
            self.codes(found, MONDAY + timedelta(days=1), cover.DUTY_LEAD),
            ["duty_lead_not_cleared"],
        )
        self.assertEqual(
            self.codes(found, MONDAY + timedelta(days=2), cover.DUTY_LEAD), ["duty_lead_missing"]
        )
        (monday,) = [d for d in found.days if d.day == MONDAY]
        self.assertEqual([(x.name, x.cleared) for x in monday.duty_leads], [("Amy Able", True)])
        (tuesday,) = [d for d in found.days if d.day == MONDAY + timedelta(days=1)]
        self.assertIn("Bo Basic", tuesday.gaps[0].message)
        self.assertIn("Safeguarding adults", tuesday.gaps[0].message)

    def test_a_late_cover_shift_is_not_a_duty_lead(self) -> None:
        self.duty_shift(self.amy, self.late_task, local(MONDAY, 14), 8)
        self.assertEqual(self.codes(self.report(), MONDAY, cover.DUTY_LEAD), ["duty_lead_missing"])

    def test_another_partners_view_names_the_lead_only_as_a_worker_of_their_organisation(
        self,
    ) -> None:
        self.duty_shift(self.bo, self.duty_lead, local(MONDAY, 8), 12)
        swift = self.cast.actor(self.cast.swift_admin)
        (monday, *_) = self.report(swift).days
        self.assertEqual(monday.duty_leads[0].name, "a worker of riverside")
        self.assertEqual(monday.duty_leads[0].reasons, ())
        self.assertNotIn("Bo", " ".join(g.message for g in monday.gaps))


class LateCoverTests(CoverCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Eight weeks of Monday referrals arriving after 16:00: Mondays need late cover.
        for week in range(1, 9):
            person = make_participant(
                cls.cast.riverside, given_name=f"Late{week}", family_name="Arrival"
            )
            make_referral(
                person,
                cls.cast.discharge,
                cls.cast.riverside,
                cls.cast.river_coordinator,
                received_at=local(MONDAY - timedelta(weeks=week), 17),
            )

    def test_a_late_peak_day_without_late_cover_is_a_gap_and_other_days_need_none(self) -> None:
        found = self.report()
        self.assertEqual(self.codes(found, MONDAY, cover.LATE_COVER), ["late_cover_missing"])
        (monday,) = [d for d in found.days if d.day == MONDAY]
        self.assertEqual((monday.late_needed, monday.late_referrals), (True, 8))
        self.assertEqual(self.codes(found, MONDAY + timedelta(days=1), cover.LATE_COVER), [])

    def test_a_cleared_worker_past_the_threshold_covers_it(self) -> None:
        self.duty_shift(self.amy, self.late_task, local(MONDAY, 14), 8)
        self.assertEqual(self.codes(self.report(), MONDAY, cover.LATE_COVER), [])

    def test_a_shift_ending_by_the_threshold_is_not_late_cover(self) -> None:
        self.duty_shift(self.amy, self.late_task, local(MONDAY, 12), 8)  # to 20:00
        self.assertEqual(
            self.codes(self.report(), MONDAY, cover.LATE_COVER), ["late_cover_missing"]
        )

    def test_a_worker_not_cleared_for_late_cover_is_a_gap(self) -> None:
        self.duty_shift(self.bo, self.late_task, local(MONDAY, 14), 8)
        self.assertEqual(
            self.codes(self.report(), MONDAY, cover.LATE_COVER), ["late_cover_not_cleared"]
        )

    def test_the_partner_filter_counts_that_partners_referrals_only(self) -> None:
        found = self.report(organisation="swiftstaff")
        self.assertEqual(self.codes(found, MONDAY, cover.LATE_COVER), [])


class StabilityTests(CoverCase):
    eve: Participant
    gus: Participant

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        hospital = make_org("northshire-hospitals", OrgKind.NHS_TRUST)
        cls.eve = make_participant(cls.cast.riverside, given_name="Eve", family_name="Home")
        make_referral(
            cls.eve,
            cls.cast.discharge,
            cls.cast.riverside,
            cls.cast.river_coordinator,
            referrer=hospital,
            received_at=local(MONDAY + timedelta(days=4), 15),
        )
        # Referred by a GP, not home from hospital: no stability check is due.
        cls.gus = make_participant(cls.cast.riverside, given_name="Gus", family_name="Gp")
        make_referral(
            cls.gus,
            cls.cast.discharge,
            cls.cast.riverside,
            cls.cast.river_coordinator,
            received_at=local(MONDAY + timedelta(days=4), 15),
        )

    def test_someone_home_on_friday_needs_a_visit_with_a_worker_on_saturday_and_sunday(
        self,
    ) -> None:
        make_visit(
            self.eve, self.cast.discharge, [self.welfare], local(SATURDAY, 10), workers=[self.amy]
        )
        make_visit(
            self.eve,
            self.cast.discharge,
            [self.welfare],
            local(SUNDAY, 10),
            organisation=self.cast.riverside,
        )
        found = self.report()
        self.assertEqual(self.codes(found, SATURDAY, cover.STABILITY), [])
        self.assertEqual(self.codes(found, SUNDAY, cover.STABILITY), ["stability_check_missing"])
        (sunday,) = [d for d in found.days if d.day == SUNDAY]
        self.assertEqual([h.participant for h in sunday.homecomings], [self.eve.code])
        self.assertIn(self.eve.code, sunday.gaps_of(cover.STABILITY)[0].message)


class CaseloadTests(CoverCase):
    def test_a_supervised_worker_over_the_cap_is_a_gap_on_each_day_they_visit_high_risk(
        self,
    ) -> None:
        # Bo holds medication at supervised (cap 2) and visits three high-risk participants.
        days = [MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)]
        for n, day in enumerate(days):
            person = make_participant(
                self.cast.riverside, given_name=f"Risk{n}", family_name="High"
            )
            make_flag(
                person, "deterioration", Severity.HIGH, raised_at=at(MONDAY - timedelta(days=7))
            )
            make_visit(
                person,
                self.cast.discharge,
                [self.prompt],
                at(day, 10),
                workers=[self.bo],
                paired_with=self.amy,
            )
        found = self.report()
        for day in days:
            self.assertEqual(self.codes(found, day, cover.CASELOAD), ["caseload_over_cap"], day)
        self.assertEqual(self.codes(found, MONDAY + timedelta(days=3), cover.CASELOAD), [])
        (monday,) = [d for d in found.days if d.day == MONDAY]
        self.assertEqual(monday.high_risk_visits, 1)
        self.assertIn(
            "Bo Basic visits 3 distinct high-risk participants",
            monday.gaps_of(cover.CASELOAD)[0].message,
        )

    def test_within_the_cap_is_no_gap(self) -> None:
        for n in range(2):
            person = make_participant(
                self.cast.riverside, given_name=f"Risk{n}", family_name="High"
            )
            make_flag(
                person, "deterioration", Severity.HIGH, raised_at=at(MONDAY - timedelta(days=7))
            )
            make_visit(
                person,
                self.cast.discharge,
                [self.prompt],
                at(MONDAY, 10 + 2 * n),
                workers=[self.bo],
            )
        self.assertEqual(self.codes(self.report(), MONDAY, cover.CASELOAD), [])


class QueryCountTests(CoverCase):
    def visits(self, count: int) -> None:
        hospital = make_org(f"hospital-{count}", OrgKind.NHS_TRUST)
        for n in range(count):
            person = make_participant(
                self.cast.riverside, given_name=f"Q{count}x{n}", family_name="Count"
            )
            make_referral(
                person,
                self.cast.discharge,
                self.cast.riverside,
                self.cast.river_coordinator,
                referrer=hospital,
                received_at=local(MONDAY + timedelta(days=4), 12),
            )
            if n % 2:
                make_flag(
                    person, "deterioration", Severity.HIGH, raised_at=at(MONDAY - timedelta(days=7))
                )
            worker = self.amy if n % 3 else self.bo
            make_visit(
                person,
                self.cast.discharge,
                [self.welfare],
                at(SATURDAY, 8) + timedelta(minutes=50 * n),
                workers=[worker],
            )
            self.duty_shift(worker, self.duty_lead, local(MONDAY + timedelta(days=n % 7), 8), 2)

    def count(self) -> int:
        with CaptureQueriesContext(connection) as queries:
            self.report()
        return len(queries)

    def test_the_number_of_queries_does_not_grow_with_the_visits(self) -> None:
        # The register is loaded once a day: every day has a duty lead at both sizes.
        for n in range(7):
            self.duty_shift(self.amy, self.duty_lead, local(MONDAY + timedelta(days=n), 6), 1)
        self.visits(3)
        few = self.count()
        self.visits(30)
        self.assertEqual(self.count(), few)


# --- page, API, command ------------------------------------------------------------------------


class SurfaceTests(CoverCase):
    def setUp(self) -> None:
        self.duty_shift(self.amy, self.duty_lead, local(MONDAY, 8), 12)

    def test_the_page_shows_each_day_and_pathway_with_gaps_marked_and_offers_csv(self) -> None:
        self.client.force_login(self.cast.river_scheduler)
        response = self.client.get("/rota/cover/", {"week": "2026-W47", "pathway": "discharge"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Amy Able")
        self.assertContains(response, "duty_lead_missing")
        self.assertContains(response, 'class="gap"')
        response = self.client.get(
            "/rota/cover/",
            {"first": "2026-11-16", "last": "2026-11-16", "pathway": "discharge", "format": "csv"},
        )
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        lines = response.content.decode().splitlines()
        self.assertEqual(lines[0].split(","), cover_report.CSV_HEADER)
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[1].startswith("2026-11-16,discharge,Amy Able (cleared)"))

    def test_someone_who_does_not_schedule_is_refused(self) -> None:
        self.client.force_login(self.cast.commissioner)
        self.assertEqual(self.client.get("/rota/cover/").status_code, 404)

    def test_the_api_answers_the_days_with_their_gaps(self) -> None:
        key = network_actions.issue_api_token(self.cast.actor(self.cast.river_scheduler), name="t")[
            1
        ]
        response = self.client.get(
            "/api/rota/cover",
            {"first": "2026-11-16", "last": "2026-11-17", "pathway": "discharge"},
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual([d["day"] for d in body["days"]], ["2026-11-16", "2026-11-17"])
        self.assertEqual(body["days"][0]["duty_leads"][0]["name"], "Amy Able")
        self.assertEqual([g["code"] for g in body["days"][1]["gaps"]], ["duty_lead_missing"])
        bad = self.client.get(
            "/api/rota/cover", {"week": "soon"}, HTTP_AUTHORIZATION=f"Bearer {key}"
        )
        self.assertEqual(bad.status_code, 422)

    def test_the_command_prints_json_and_exits_1_on_a_gap(self) -> None:
        out = StringIO()
        with self.assertRaises(CommandError) as raised:
            call_command(
                "rota",
                "cover",
                "--week",
                "2026-W47",
                "--pathway",
                "discharge",
                "--format",
                "json",
                stdout=out,
            )
        self.assertEqual(raised.exception.returncode, 1)
        body = json.loads(out.getvalue())
        self.assertEqual(len(body["days"]), 7)
        self.assertEqual(body["days"][0]["gaps"], [])
        self.assertEqual(body["by_check"]["duty_lead"], 6)
