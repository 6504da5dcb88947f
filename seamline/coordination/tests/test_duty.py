"""The coordinator of the day: the rule as a table, the rota and absence rules, the answer for
one participant, and the gaps report by partner through the page, CSV, API and command."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import time_machine
from django.core.management import call_command
from django.test import SimpleTestCase
from django.urls import reverse

from seamline.access import Actor
from seamline.cases.choices import CareReason
from seamline.cases.models import Participant
from seamline.cases.testing import make_participant, make_referral
from seamline.coordination import actions, duty, rules
from seamline.coordination.models import RotaEntry
from seamline.coordination.rules import AbsenceFact, RotaFact
from seamline.errors import RuleViolation
from seamline.network.models import User
from seamline.testing import CastTestCase, make_user

# A Monday, mid-morning in London.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
MONDAY = date(2026, 3, 2)
WEEKDAYS = 0b0011111
SYSTEM = Actor.system("test")


class CoordinatorOnTests(SimpleTestCase):
    def test_table(self) -> None:
        ann = RotaFact("ann", WEEKDAYS, MONDAY - timedelta(days=30), None, 1)
        bob = RotaFact("bob", WEEKDAYS, MONDAY - timedelta(days=60), None, 2)
        away = AbsenceFact("ann", MONDAY, MONDAY + timedelta(days=4), cover="cat")
        away_alone = AbsenceFact("ann", MONDAY, MONDAY)
        cat_away = AbsenceFact("cat", MONDAY, MONDAY)
        saturday = MONDAY + timedelta(days=5)
        table: list[tuple[str, date, list[RotaFact], list[AbsenceFact], str, object]] = [
            ("on the rota", MONDAY, [ann], [], "on_rota", "ann"),
            ("nobody on it", MONDAY, [], [], "no_rota", None),
            ("weekday not ticked", saturday, [ann], [], "no_rota", None),
            (
                "entry ended",
                MONDAY,
                [RotaFact("ann", WEEKDAYS, MONDAY - timedelta(days=9), MONDAY - timedelta(1))],
                [],
                "no_rota",
                None,
            ),
            (
                "entry not started",
                MONDAY,
                [RotaFact("ann", WEEKDAYS, MONDAY + timedelta(days=1), None)],
                [],
                "no_rota",
                None,
            ),
            ("newest start first", MONDAY, [bob, ann], [], "on_rota", "ann"),
            ("away, covered", MONDAY, [ann], [away], "covering", "cat"),
            ("away, no cover", MONDAY, [ann], [away_alone], "absent_no_cover", None),
            ("away, cover away too", MONDAY, [ann], [away, cat_away], "absent_no_cover", None),
            ("away, the older entry steps in", MONDAY, [ann, bob], [away_alone], "on_rota", "bob"),
            ("absence over", MONDAY + timedelta(days=7), [ann], [away], "on_rota", "ann"),
        ]
        for label, day, entries, absences, code, person in table:
            with self.subTest(label):
                got = rules.coordinator_on(day, entries, absences)
                self.assertEqual((got.code, got.coordinator), (code, person))
        covered = rules.coordinator_on(MONDAY, [ann], [away])
        self.assertEqual(covered.covering_for, "ann")

    def test_rota_entry_table(self) -> None:
        base: dict[str, object] = {
            "weekdays": WEEKDAYS,
            "starts_on": MONDAY,
            "ends_on": None,
            "organisation_name": "Riverside",
            "in_care": True,
            "person_roles": {"coordinator"},
        }
        table: list[tuple[dict[str, object], list[str]]] = [
            ({}, []),
            ({"person_roles": {"supervisor"}}, []),
            ({"starts_on": None}, ["required"]),
            ({"ends_on": MONDAY - timedelta(days=1)}, ["dates_reversed"]),
            ({"weekdays": 0}, ["required"]),
            ({"weekdays": 128}, ["required"]),
            ({"in_care": False}, ["outside_care"]),
            ({"person_roles": {"worker"}}, ["not_coordinator"]),
        ]
        for change, expected in table:
            with self.subTest(change=change):
                got = rules.rota_entry_reasons(**{**base, **change})  # type: ignore[arg-type]
                self.assertEqual([r.code for r in got], expected)

    def test_rota_end_table(self) -> None:
        table = [
            (None, MONDAY, []),
            (None, MONDAY - timedelta(days=1), ["dates_reversed"]),
            (MONDAY + timedelta(days=3), MONDAY + timedelta(days=1), []),
            (MONDAY + timedelta(days=3), MONDAY + timedelta(days=4), ["already_ended"]),
            (None, None, ["required"]),
        ]
        for ends_on, last_day, expected in table:
            with self.subTest(ends_on=ends_on, last_day=last_day):
                got = rules.rota_end_reasons(starts_on=MONDAY, ends_on=ends_on, last_day=last_day)
                self.assertEqual([r.code for r in got], expected)

    def test_absence_table(self) -> None:
        base: dict[str, object] = {
            "starts_on": MONDAY,
            "ends_on": MONDAY,
            "person_organisation": "riverside",
            "cover_named": True,
            "cover_is_person": False,
            "cover_organisation": "riverside",
            "cover_roles": {"coordinator"},
        }
        table: list[tuple[dict[str, object], list[str]]] = [
            ({}, []),
            ({"cover_named": False, "cover_organisation": None, "cover_roles": set()}, []),
            ({"ends_on": None}, ["required"]),
            ({"ends_on": MONDAY - timedelta(days=1)}, ["dates_reversed"]),
            ({"cover_is_person": True}, ["cover_is_self"]),
            ({"cover_organisation": "northbridge"}, ["cover_not_colleague"]),
            ({"cover_roles": {"worker"}}, ["cover_not_colleague"]),
        ]
        for change, expected in table:
            with self.subTest(change=change):
                got = rules.absence_reasons(**{**base, **change})  # type: ignore[arg-type]
                self.assertEqual([r.code for r in got], expected)


@time_machine.travel(NOW, tick=False)
class DutyTests(CastTestCase):
    river_deputy: User
    ada: Participant
    bea: Participant
    cid: Participant
    dot: Participant

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        c = cls.cast
        cls.river_deputy = make_user("river_deputy", c.riverside, ["coordinator"])
        cls.ada = make_participant(c.riverside, given_name="Ada")
        make_referral(cls.ada, c.discharge, c.riverside, c.river_coordinator)
        cls.bea = make_participant(c.riverside, given_name="Bea")
        make_referral(cls.bea, c.discharge, c.riverside, c.river_coordinator)
        # Closed: never a gap.
        cls.cid = make_participant(c.riverside, given_name="Cid")
        make_referral(
            cls.cid,
            c.discharge,
            c.riverside,
            c.river_coordinator,
            discharged_at=NOW - timedelta(days=1),
            outcome="goals_met",
        )
        # Seen by SwiftStaff through a care-team part; owned by Riverside.
        cls.dot = make_participant(
            c.riverside, given_name="Dot", care=[(c.swift, CareReason.VISIT)]
        )
        make_referral(cls.dot, c.discharge, c.riverside, c.river_coordinator)
        actor = c.actor(c.river_coordinator)
        actions.put_on_rota(actor, cls.ada, c.river_coordinator, starts_on=MONDAY)

    def test_the_answer_and_cover(self) -> None:
        answer = duty.coordinator_of(self.ada, MONDAY)
        self.assertEqual(
            (answer.duty.code, answer.coordinator), ("on_rota", self.cast.river_coordinator)
        )
        actions.record_absence(
            self.cast.actor(self.cast.river_supervisor),
            self.cast.river_coordinator,
            starts_on=MONDAY,
            ends_on=MONDAY + timedelta(days=2),
            cover=self.river_deputy,
            reason="Annual leave",
        )
        answer = duty.coordinator_of(self.ada, MONDAY)
        self.assertEqual(answer.coordinator, self.river_deputy)
        self.assertEqual(answer.covering_for, self.cast.river_coordinator)
        self.assertEqual(
            duty.coordinator_of(self.ada, MONDAY + timedelta(days=3)).duty.code, "on_rota"
        )

    def test_who_goes_on_the_rota(self) -> None:
        river = self.cast.actor(self.cast.river_coordinator)
        with self.assertRaises(RuleViolation) as caught:
            actions.put_on_rota(river, self.bea, self.cast.river_worker, starts_on=MONDAY)
        self.assertEqual(caught.exception.codes, ["not_coordinator"])
        # Another organisation's person is not Riverside's to put on the rota.
        with self.assertRaises(RuleViolation) as caught:
            actions.put_on_rota(river, self.bea, self.cast.quality, starts_on=MONDAY)
        self.assertEqual(caught.exception.codes, ["not_permitted"])
        # SwiftStaff's admin has no part in Bea's care.
        with self.assertRaises(RuleViolation) as caught:
            actions.put_on_rota(SYSTEM, self.bea, self.cast.swift_admin, starts_on=MONDAY)
        self.assertEqual(caught.exception.codes, ["outside_care"])
        with self.assertRaises(RuleViolation) as caught:
            actions.record_absence(
                river,
                self.cast.river_coordinator,
                starts_on=MONDAY,
                ends_on=MONDAY,
                cover=self.cast.river_worker,
            )
        self.assertEqual(caught.exception.codes, ["cover_not_colleague"])

    def test_gaps_by_partner_count_only_what_the_viewer_sees(self) -> None:
        rows = duty.gaps(self.cast.actor(self.cast.river_coordinator), MONDAY)
        self.assertEqual([g.participant_code for g in rows], sorted([self.bea.code, self.dot.code]))
        self.assertEqual(duty.gaps_by_partner(rows), [("riverside", "Riverside Home Support", 2)])
        swift = duty.gaps(self.cast.actor(self.cast.swift_admin), MONDAY)
        self.assertEqual([g.participant_code for g in swift], [self.dot.code])
        # On Saturday the weekday rota leaves Ada uncovered too.
        saturday = duty.gaps(self.cast.actor(self.cast.river_coordinator), MONDAY + timedelta(5))
        self.assertEqual(len(saturday), 3)

    def test_page_csv_api_and_command(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        response = self.client.get(reverse("coordination:gaps"))
        self.assertContains(response, self.bea.code)
        self.assertNotContains(response, self.ada.code)
        export = self.client.get(reverse("coordination:gaps"), {"format": "csv"})
        lines = export.content.decode().splitlines()
        self.assertEqual(lines[0], "day,partner,partner_name,participant,reason")
        self.assertEqual(len(lines), 3)
        rota = self.client.get(reverse("coordination:rota", args=[self.ada.code]))
        self.assertContains(rota, "On the coordinator rota")
        added = self.client.post(
            reverse("coordination:rota", args=[self.bea.code]),
            {
                "coordinator": str(self.river_deputy.uuid),
                "weekdays": ["0", "1"],
                "starts_on": "2026-03-02",
            },
        )
        self.assertRedirects(added, reverse("coordination:rota", args=[self.bea.code]))
        self.assertEqual(duty.coordinator_of(self.bea, MONDAY).coordinator, self.river_deputy)
        entry = RotaEntry.objects.get(participant=self.bea)
        ended = self.client.post(
            reverse("coordination:rota_end", args=[entry.uuid]), {"ends_on": "2026-03-02"}
        )
        self.assertRedirects(ended, reverse("coordination:rota", args=[self.bea.code]))
        tuesday = MONDAY + timedelta(days=1)
        self.assertEqual(duty.coordinator_of(self.bea, MONDAY).coordinator, self.river_deputy)
        self.assertEqual(duty.coordinator_of(self.bea, tuesday).duty.code, "no_rota")
        out = StringIO()
        call_command("coordination", "gaps", "--format", "json", stdout=out)
        body = json.loads(out.getvalue())
        self.assertEqual([i["participant"] for i in body["items"]], [self.dot.code])
        self.assertEqual(
            body["by_partner"],
            [{"partner": "riverside", "partner_name": "Riverside Home Support", "count": 1}],
        )
