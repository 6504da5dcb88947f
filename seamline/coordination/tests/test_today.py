"""The coordinator's "Today" page: the caseload is who they coordinate today (on the rota or
covering), with huddles due, sprints with steps due, and their actions due; its queries do not
grow with the caseload; the JSON of the API and the command."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from seamline.access import Actor
from seamline.cases.choices import CareReason
from seamline.cases.testing import make_participant, make_referral
from seamline.coordination import actions, today
from seamline.coordination.models import Absence, Cohort, CohortMember, RotaEntry
from seamline.network.choices import OrgKind
from seamline.network.models import Organisation
from seamline.testing import CastTestCase, make_org, make_user

SYSTEM = Actor.system("test")


def _later_today() -> datetime:
    """Half an hour from now, or the last second of today when that would be tomorrow (so
    that the test holds at any hour)."""
    now = timezone.localtime()
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return min(now + timedelta(minutes=30), midnight - timedelta(seconds=1))


class TodayTests(CastTestCase):
    trust: Organisation

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.trust = make_org("trust", OrgKind.NHS_TRUST)
        Cohort.objects.create(
            code="rapid",
            name="Rapid response",
            organisation=cls.cast.riverside,
            acuity="high",
            cadence="daily",
        )

    def _add(self, n: int, coordinator: object | None = None) -> list[str]:
        """n participants on the rota of `coordinator` (the cast's), each with an action due
        today, in the cohort, and home from hospital with a sprint."""
        c = self.cast
        who = coordinator or c.river_coordinator
        codes = []
        start = timezone.localdate() - timedelta(days=3)
        existing = RotaEntry.objects.count()
        for i in range(n):
            p = make_participant(
                c.riverside,
                given_name=f"Case{existing + i}",
                care=[(c.riverside, CareReason.OWNER)],
            )
            RotaEntry.objects.create(
                participant=p,
                coordinator=who,  # type: ignore[misc]
                organisation=c.riverside,
                starts_on=start,
            )
            actions.create_action(
                SYSTEM,
                p,
                description=f"Ring about case {i}",
                owner_organisation=c.riverside,
                owner_person=c.river_coordinator,
                due_at=_later_today(),
                source="huddle",
            )
            CohortMember.objects.create(cohort=Cohort.objects.get(code="rapid"), participant=p)
            home = make_referral(
                p,
                c.discharge,
                c.riverside,
                c.river_coordinator,
                referrer=self.trust,
                received_at=timezone.now() - timedelta(hours=25),
            )
            actions.start_sprint(SYSTEM, home)
            codes.append(p.code)
        return codes

    def _queries(self) -> int:
        self.client.force_login(self.cast.river_coordinator)
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(reverse("coordination:today"))
        self.assertEqual(response.status_code, 200)
        return len(captured)

    def test_the_caseload_is_who_they_coordinate_today_with_what_is_due(self) -> None:
        c = self.cast
        mine = self._add(2)
        colleague = make_user("river_coord2", c.riverside, ["coordinator"])
        theirs = self._add(1, colleague)
        found = today.load(c.actor(c.river_coordinator))
        self.assertEqual(sorted(r.participant.code for r in found.caseload), sorted(mine))
        # The colleague is away today and the cast's coordinator covers: theirs join the list.
        Absence.objects.create(
            person=colleague,
            organisation=c.riverside,
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate(),
            cover=c.river_coordinator,
        )
        found = today.load(c.actor(c.river_coordinator))
        covering = {r.participant.code: r.covering for r in found.caseload}
        self.assertEqual(covering, {mine[0]: False, mine[1]: False, theirs[0]: True})
        # Their actions due today: the three named to them, and the sprint steps their role owns.
        self.assertEqual(len([a for a in found.actions if a.source == "huddle"]), 3)
        self.assertTrue(any(a.source == "sprint" for a in found.actions))
        if timezone.localdate().weekday() < 5:
            self.assertEqual([h.cohort.code for h in found.huddles], ["rapid"])
            self.assertEqual(found.huddles[0].from_caseload, 3)
        self.assertEqual(len(found.sprints), 3)
        self.assertTrue(all(s.steps_due for s in found.sprints))
        # Another coordinator's day is their own.
        self.assertEqual(today.load(c.actor(c.river_supervisor)).caseload, [])

    def test_the_page_costs_the_same_queries_for_one_or_five_participants(self) -> None:
        self._add(1)
        small = self._queries()
        self._add(4)
        large = self._queries()
        self.assertEqual(small, large)

    def test_api_and_command(self) -> None:
        c = self.cast
        codes = self._add(1)
        self.client.force_login(c.river_coordinator)
        page = self.client.get(reverse("coordination:today"))
        self.assertContains(page, codes[0])
        out = StringIO()
        call_command(
            "coordination", "today", "--as", "river_coordinator", "--format", "json", stdout=out
        )
        data = json.loads(out.getvalue())
        self.assertEqual([r["participant"] for r in data["caseload"]], codes)
        self.assertEqual(
            set(data),
            {
                "day",
                "caseload",
                "huddles",
                "sprints",
                "plan_reviews",
                "acknowledgements",
                "actions",
            },
        )
        self.assertIn(codes[0], {a["participant"] for a in data["actions"]})
        self.client.force_login(c.river_worker)
        self.assertEqual(self.client.get(reverse("coordination:today")).status_code, 404)
