"""The escalation pages, API and command through HTTP and the command line: the board with
its filters and CSV, an escalation answered from its page, waiting for me, and permissions."""

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

from seamline.cases.models import Participant, Referral
from seamline.escalation import actions, worker
from seamline.escalation.choices import State, Trigger
from seamline.escalation.defaults import DEFAULT_LADDER, DEFAULT_THRESHOLDS
from seamline.escalation.models import Escalation, Ladder, ThresholdSet
from seamline.escalation.testing import SYSTEM, load_defaults, make_case
from seamline.network.actions import issue_api_token
from seamline.network.models import User
from seamline.testing import CastTestCase


class PageTests(CastTestCase):
    person: Participant
    referral: Referral
    esc: Escalation
    other: Escalation

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_defaults()
        cls.person, cls.referral = make_case(cls.cast, family_name="Board")
        esc = actions.open_escalation(
            SYSTEM,
            participant=cls.person,
            pathway=cls.cast.discharge,
            organisation=cls.cast.riverside,
            trigger=Trigger.ED_CONTACT,
            episode=cls.referral.code,
            referral=cls.referral,
            at=timezone.now() - timedelta(hours=5),
        )
        assert esc is not None
        cls.esc = esc
        other = actions.open_escalation(
            SYSTEM,
            participant=cls.person,
            pathway=cls.cast.discharge,
            organisation=cls.cast.riverside,
            trigger=Trigger.HOUSING_LOSS,
            episode=cls.referral.code,
            referral=cls.referral,
        )
        assert other is not None
        cls.other = other

    def test_the_board_filters_by_tier_and_exports_csv(self) -> None:
        self.client.force_login(self.cast.river_worker)
        page = self.client.get(reverse("escalation:list"), {"tier": "same_day", "state": "open"})
        self.assertContains(page, self.esc.code)
        self.assertNotContains(page, self.other.code)
        self.assertContains(page, "Timeliness of these escalations")
        csv = self.client.get(reverse("escalation:list"), {"format": "csv", "state": "open"})
        lines = csv.content.decode().strip().splitlines()
        self.assertEqual(lines[0].split(",")[0], "code")
        self.assertEqual(len(lines), 3)

    def test_the_board_takes_the_same_queries_however_many_rows(self) -> None:
        self.client.force_login(self.cast.river_worker)
        url = reverse("escalation:list")
        self.client.get(url)
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        for name in ("Ash", "Birch", "Cedar"):
            person, referral = make_case(self.cast, family_name=name)
            actions.open_escalation(
                SYSTEM,
                participant=person,
                pathway=self.cast.discharge,
                organisation=self.cast.riverside,
                trigger=Trigger.ED_CONTACT,
                episode=referral.code,
                referral=referral,
            )
        with CaptureQueriesContext(connection) as more:
            page = self.client.get(url)
        self.assertContains(page, "5 escalations")
        self.assertEqual(len(more), len(few))

    def test_the_board_colours_a_passed_deadline_red(self) -> None:
        self.client.force_login(self.cast.river_worker)
        page = self.client.get(
            reverse("escalation:list"), {"trigger": "ed_contact", "state": "open"}
        )
        self.assertContains(page, "pill-gap")

    def test_the_agency_does_not_see_the_escalation(self) -> None:
        self.client.force_login(self.cast.swift_admin)
        self.assertEqual(
            self.client.get(reverse("escalation:detail", args=[self.esc.code])).status_code, 404
        )
        page = self.client.get(reverse("escalation:list"))
        self.assertNotContains(page, self.esc.code)

    def test_acknowledge_review_and_resolve_from_the_page(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        url = reverse("escalation:acknowledge", args=[self.esc.code])
        self.assertEqual(self.client.post(url, {"version": self.esc.version}).status_code, 302)
        self.esc.refresh_from_db()
        self.assertEqual(self.esc.state, State.ACKNOWLEDGED)
        self.client.force_login(self.cast.river_supervisor)
        url = reverse("escalation:respond", args=[self.esc.code])
        refused = self.client.post(url, {"review": " ", "version": self.esc.version})
        self.assertEqual(refused.status_code, 422)
        ok = self.client.post(url, {"review": "Seen; GP visit booked", "version": self.esc.version})
        self.assertEqual(ok.status_code, 302)
        self.esc.refresh_from_db()
        self.assertEqual((self.esc.state, self.esc.due_at), (State.RESPONDED, None))
        url = reverse("escalation:resolve", args=[self.esc.code])
        self.client.post(
            url, {"outcome": "clinical_input", "outcome_note": "", "version": self.esc.version}
        )
        self.esc.refresh_from_db()
        self.assertEqual(self.esc.state, State.RESOLVED)
        detail = self.client.get(reverse("escalation:detail", args=[self.esc.code]))
        self.assertContains(detail, "Seen; GP visit booked")

    def test_a_stale_version_is_a_conflict(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        url = reverse("escalation:acknowledge", args=[self.esc.code])
        response = self.client.post(url, {"version": self.esc.version + 5})
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "changed by someone else", status_code=422)

    def test_a_worker_may_not_review(self) -> None:
        self.client.force_login(self.cast.river_worker)
        url = reverse("escalation:respond", args=[self.esc.code])
        self.assertEqual(self.client.post(url, {"review": "x", "version": 1}).status_code, 403)

    def test_waiting_for_me_shows_the_notice_to_my_role_after_a_climb(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        self.assertNotContains(self.client.get(reverse("escalation:waiting")), self.esc.code)
        worker.tick()
        page = self.client.get(reverse("escalation:waiting"))
        self.assertContains(page, self.esc.code)
        self.assertContains(page, "climbed to rung 2")

    def test_thresholds_page(self) -> None:
        self.client.force_login(self.cast.river_worker)
        page = self.client.get(reverse("escalation:thresholds"))
        self.assertContains(page, "Threshold set, version 1")
        self.assertContains(page, "Hospital discharge to community")


class ThresholdEditorTests(CastTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_defaults()

    def form(self, **changes: str) -> dict[str, str]:
        version = ThresholdSet.objects.get().version
        data = {"reason": "Housing loss is now same day", "version": str(version)}
        for row in DEFAULT_THRESHOLDS:
            t = row["trigger"]
            data.update(
                {
                    f"{t}__on": "on",
                    f"{t}__tier": row["tier"],
                    f"{t}__role": row["role"],
                    f"{t}__chair": row["chair"],
                }
            )
        data.update(changes)
        return data

    def test_the_quality_lead_saves_the_next_version(self) -> None:
        self.client.force_login(self.cast.quality)
        response = self.client.post(
            reverse("escalation:thresholds_edit"), self.form(housing_loss__tier="same_day")
        )
        self.assertEqual(response.status_code, 302)
        current = actions.current_thresholds()
        assert current is not None
        self.assertEqual(current.number, 2)
        self.assertEqual(current.created_by, self.cast.quality)
        tiers = {r["trigger"]: r["tier"] for r in current.rows}
        self.assertEqual(tiers["housing_loss"], "same_day")

    def test_a_change_needs_a_reason(self) -> None:
        self.client.force_login(self.cast.quality)
        response = self.client.post(reverse("escalation:thresholds_edit"), self.form(reason=" "))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(actions.current_thresholds().number, 1)  # type: ignore[union-attr]

    def test_a_stale_version_is_refused(self) -> None:
        self.client.force_login(self.cast.quality)
        stale = self.form(version="1")
        response = self.client.post(reverse("escalation:thresholds_edit"), stale)
        self.assertContains(response, "changed by someone else")

    def test_a_partner_admin_may_not_change_it(self) -> None:
        self.client.force_login(self.cast.river_admin)
        response = self.client.post(reverse("escalation:thresholds_edit"), self.form())
        self.assertEqual(response.status_code, 403)


class LadderEditorTests(CastTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_defaults()

    def form(self, **changes: str) -> dict[str, str]:
        data = {"reason": "Clinical rung answers faster", "version": "1"}
        for rung in DEFAULT_LADDER:
            data.update(
                {
                    f"{rung.level}__role": rung.role,
                    f"{rung.level}__immediate": str(rung.hours_immediate),
                    f"{rung.level}__same_day": str(rung.hours_same_day),
                    f"{rung.level}__review": str(rung.hours_review),
                }
            )
            if rung.at_lead:
                data[f"{rung.level}__at_lead"] = "on"
        data.update(changes)
        return data

    def test_the_quality_lead_changes_a_rung(self) -> None:
        self.client.force_login(self.cast.quality)
        url = reverse("escalation:ladder_edit", args=["discharge"])
        self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.post(url, self.form(clinical__same_day="6"))
        self.assertEqual(response.status_code, 302)
        rung = Ladder.objects.get(pathway=self.cast.discharge).rungs.get(level="clinical")
        self.assertEqual(rung.hours_same_day, 6)

    def test_a_change_needs_a_reason(self) -> None:
        self.client.force_login(self.cast.quality)
        url = reverse("escalation:ladder_edit", args=["discharge"])
        response = self.client.post(url, self.form(reason=" ", clinical__same_day="6"))
        self.assertContains(response, "This field is required.")
        rung = Ladder.objects.get(pathway=self.cast.discharge).rungs.get(level="clinical")
        self.assertEqual(rung.hours_same_day, 8)

    def test_a_timeframe_under_an_hour_is_refused(self) -> None:
        self.client.force_login(self.cast.quality)
        url = reverse("escalation:ladder_edit", args=["discharge"])
        response = self.client.post(url, self.form(clinical__review="0"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            Ladder.objects.get(pathway=self.cast.discharge)
            .rungs.get(level="clinical")
            .hours_review,
            48,
        )

    def test_a_supervisor_may_not_change_it(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        url = reverse("escalation:ladder_edit", args=["discharge"])
        self.assertEqual(self.client.post(url, self.form()).status_code, 403)


class ApiAndCommandTests(CastTestCase):
    esc: Escalation

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_defaults()
        person, referral = make_case(cls.cast, family_name="Api")
        esc = actions.open_escalation(
            SYSTEM,
            participant=person,
            pathway=cls.cast.discharge,
            organisation=cls.cast.riverside,
            trigger=Trigger.SAFEGUARDING,
            episode=referral.code,
            referral=referral,
        )
        assert esc is not None
        cls.esc = esc

    def _token(self, user: User) -> dict[str, Any]:
        _, key = issue_api_token(self.cast.actor(user), name="tests")
        return {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def test_list_detail_and_acknowledge(self) -> None:
        auth = self._token(self.cast.river_coordinator)
        listed = self.client.get("/api/escalation/escalations", **auth).json()
        self.assertEqual([i["code"] for i in listed["items"]], [self.esc.code])
        detail = self.client.get(f"/api/escalation/escalations/{self.esc.code}", **auth).json()
        self.assertEqual(detail["events"][0]["kind"], "raised")
        done = self.client.post(
            f"/api/escalation/escalations/{self.esc.code}/acknowledge",
            data={"version": self.esc.version},
            content_type="application/json",
            **auth,
        )
        self.assertEqual(done.status_code, 200)
        self.assertEqual(done.json()["state"], "acknowledged")
        again = self.client.post(
            f"/api/escalation/escalations/{self.esc.code}/acknowledge",
            data={},
            content_type="application/json",
            **auth,
        )
        self.assertEqual(again.status_code, 422)
        self.assertEqual(again.json()["reasons"][0]["code"], "not_raised")

    def test_an_unknown_filter_is_refused(self) -> None:
        auth = self._token(self.cast.river_coordinator)
        response = self.client.get("/api/escalation/escalations?tier=soon", **auth)
        self.assertEqual(response.status_code, 422)

    def test_command_lists_json_with_the_issue_fields(self) -> None:
        out = StringIO()
        call_command("escalation", "list", "--format", "json", stdout=out)
        rows = json.loads(out.getvalue())
        self.assertEqual(len(rows), 1)
        for key in ("code", "participant", "trigger", "tier", "rung", "due_at", "state"):
            self.assertIn(key, rows[0])
        self.assertEqual(rows[0]["trigger"], "safeguarding")
        out = StringIO()
        call_command("escalation", "list", "--format", "json", "--as", "swift_admin", stdout=out)
        self.assertEqual(json.loads(out.getvalue()), [])

    def test_worker_once_command(self) -> None:
        out = StringIO()
        call_command("worker", "--once", "--format", "json", stdout=out)
        self.assertEqual(json.loads(out.getvalue())["failed"], [])
        self.assertEqual(Escalation.objects.count(), 1)
