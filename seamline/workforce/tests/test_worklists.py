"""Work lists: what each list holds, who sees which rows, filters, CSV, and a query count that
does not grow with the list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import time_machine
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from seamline.competency.models import Competency, TaskType
from seamline.network.models import Network, Pathway, User
from seamline.testing import CastTestCase, make_pathway
from seamline.workforce import worklists
from seamline.workforce.models import Worker
from seamline.workforce.testing import (
    at,
    make_competency,
    make_evidence,
    make_pause,
    make_session,
    make_sign_off,
    make_task_type,
    make_worker,
)
from seamline.workforce.views.worklists import shows_worklist_card, worklist_card

TODAY = date(2026, 6, 1)
NOON = datetime(2026, 6, 1, 12, tzinfo=timezone.get_current_timezone())


def staff_ids(rows: list) -> list[str]:
    return [r.worker.staff_id for r in rows]


class Scene(CastTestCase):
    """Workers at riverside and the agency, each on one list (or just off it)."""

    safeguarding: Competency
    crisis: Competency
    lead: Worker
    w1: Worker
    w2: Worker
    w3: Worker
    w4: Worker
    w5: Worker
    s1: Worker
    a1: Worker
    a2: Worker
    task: TaskType
    rapid: Pathway

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cast = cls.cast
        riv, swift = cast.riverside, cast.swift
        cls.safeguarding = make_competency(
            "safeguarding", network_critical=True, supervision_frequency_days=28
        )
        cls.crisis = make_competency("crisis", pathway_specific=True, supervision_frequency_days=14)
        lead = make_worker(cast.prime, "NB-LEAD")
        cls.lead = lead

        def signed(
            worker: Worker,
            review_due: date,
            comp: Competency | None = None,
            pathway: Pathway | None = None,
        ) -> None:
            make_sign_off(
                worker,
                comp or cls.safeguarding,
                "independent",
                signer=lead,
                signed_at=at(date(2026, 1, 10)),
                review_due=review_due,
                pathway=pathway,
            )

        # Sign-offs: due in 19 days, in 61 days, lapsed, and one at the agency in 9 days.
        cls.w1 = make_worker(riv, "RIV-1", last_name="Adams")
        signed(cls.w1, date(2026, 6, 20))
        cls.w2 = make_worker(riv, "RIV-2", last_name="Baker")
        signed(cls.w2, date(2026, 8, 1))
        cls.w3 = make_worker(riv, "RIV-3", last_name="Cole")
        signed(cls.w3, date(2026, 5, 1))
        cls.s1 = make_worker(swift, "SW-1", last_name="Dunn")
        signed(cls.s1, date(2026, 6, 10))

        # Supervision: w1 recent (not overdue), w2 last held 1 April (due 29 April), w4 never
        # held anything and missed a planned session on 25 May.
        make_session(cls.w1, lead, date(2026, 5, 20), held_on=date(2026, 5, 20))
        make_session(cls.w2, lead, date(2026, 4, 1), held_on=date(2026, 4, 1))
        cls.w4 = make_worker(riv, "RIV-4", last_name="Evans")
        make_session(cls.w4, lead, date(2026, 5, 25))
        make_session(cls.w3, lead, date(2026, 5, 30), held_on=date(2026, 5, 30))
        make_session(cls.s1, lead, date(2026, 5, 30), held_on=date(2026, 5, 30))

        # Pauses: w1's remedial supervision overdue since 28 May; w3's held (not listed).
        cls.task = task = make_task_type("medication_prompt", delegated=True)
        make_pause(cls.w1, task, at(date(2026, 5, 21)), remedial_due=date(2026, 5, 28))
        held_pause = make_pause(cls.w3, task, at(date(2026, 5, 25)), remedial_due=date(2026, 6, 1))
        held_pause.remedial_session = make_session(
            cls.w3, lead, date(2026, 5, 27), held_on=date(2026, 5, 27), kind="remedial"
        )
        held_pause.save(update_fields=["remedial_session"])

        # Bundles: one agency worker part-way, one complete.
        cls.a1 = make_worker(
            swift,
            "SW-A1",
            employment_type="agency",
            placement_start=date(2026, 5, 20),
            last_name="Fox",
        )
        topics = {
            "topics": [
                "escalation_routes",
                "safeguarding_triggers",
                "documentation_expectations",
                "boundaries",
            ]
        }
        make_evidence(cls.a1, "local_induction", date(2026, 5, 20), detail=topics)
        cls.a2 = make_worker(
            swift,
            "SW-A2",
            employment_type="agency",
            placement_start=date(2026, 5, 20),
            last_name="Gray",
        )
        make_evidence(cls.a2, "local_induction", date(2026, 5, 20), detail=topics)
        make_evidence(cls.a2, "supervised_practice_signoff", date(2026, 5, 21))
        make_evidence(
            cls.a2,
            "module",
            date(2026, 5, 20),
            competency=cls.safeguarding,
            verified_by=cast.swift_admin,
        )

        # Re-validation: w5 holds crisis on discharge and moved to the rapid pathway in May.
        cls.rapid = make_pathway("rapid", cast.prime, name="Rapid response")
        cls.w5 = make_worker(riv, "RIV-5", last_name="Hale", pathways=[cast.discharge])
        signed(cls.w5, date(2026, 12, 1), comp=cls.crisis, pathway=cast.discharge)
        cls.w5.pathways.create(pathway=cls.rapid, started_on=date(2026, 5, 15))
        make_session(cls.w5, lead, date(2026, 5, 30), held_on=date(2026, 5, 30))


class WorklistTests(Scene):
    def everyone(self) -> QuerySet[Worker]:
        return Worker.objects.visible_to(self.cast.actor(self.cast.net_admin))

    def test_expiring_within_days(self) -> None:
        rows = worklists.expiring_sign_offs(self.everyone(), TODAY, 30)
        self.assertEqual(staff_ids(rows), ["SW-1", "RIV-1"])
        self.assertEqual([r.days_left for r in rows], [9, 19])
        self.assertEqual(
            staff_ids(worklists.expiring_sign_offs(self.everyone(), TODAY, 90)),
            ["SW-1", "RIV-1", "RIV-2"],
        )

    def test_expiring_ignores_superseded_sign_offs(self) -> None:
        self.w1.sign_offs.update(superseded_at=at(date(2026, 5, 1)))
        self.assertEqual(
            staff_ids(worklists.expiring_sign_offs(self.everyone(), TODAY, 30)), ["SW-1"]
        )

    def test_overdue_supervision(self) -> None:
        rows = {r.worker.staff_id: r for r in worklists.overdue_supervision(self.everyone(), TODAY)}
        self.assertEqual(sorted(rows), ["RIV-2", "RIV-4"])
        self.assertEqual(
            (rows["RIV-2"].last_held, rows["RIV-2"].due_on, rows["RIV-2"].days_overdue),
            (date(2026, 4, 1), date(2026, 4, 29), 33),
        )
        self.assertEqual((rows["RIV-4"].missed, rows["RIV-4"].first_missed), (1, date(2026, 5, 25)))

    def test_shortest_frequency_of_held_competencies_sets_the_clock(self) -> None:
        # w1 also holds the crisis competency (every 14 days): 20 May + 14 = 3 June, not yet.
        # From 4 June on, w1 is overdue although safeguarding alone would allow until 17 June.
        make_sign_off(
            self.w1,
            self.crisis,
            "independent",
            signer=self.lead,
            signed_at=at(date(2026, 1, 10)),
            review_due=date(2027, 1, 10),
            pathway=self.cast.discharge,
        )
        self.assertNotIn("RIV-1", staff_ids(worklists.overdue_supervision(self.everyone(), TODAY)))
        later = worklists.overdue_supervision(self.everyone(), date(2026, 6, 4))
        self.assertIn("RIV-1", staff_ids(later))

    def test_pauses_with_remedial_supervision_not_held(self) -> None:
        rows = worklists.pauses_due(self.everyone(), TODAY)
        self.assertEqual(staff_ids(rows), ["RIV-1"])
        self.assertEqual((rows[0].overdue, rows[0].days_overdue), (True, 4))

    def test_incomplete_bundles(self) -> None:
        rows = worklists.incomplete_bundles(self.everyone(), TODAY)
        self.assertEqual(staff_ids(rows), ["SW-A1"])
        self.assertEqual(
            rows[0].missing,
            ("verified role-specific modules", "a supervised-practice sign-off"),
        )

    def test_awaiting_revalidation(self) -> None:
        rows = worklists.awaiting_revalidation(self.everyone(), TODAY)
        self.assertEqual(
            [(r.worker.staff_id, r.placement.pathway.code) for r in rows], [("RIV-5", "rapid")]
        )
        self.assertEqual([c.code for c in rows[0].competencies], ["crisis"])
        make_sign_off(
            self.w5,
            self.crisis,
            "independent",
            signer=self.lead,
            signed_at=at(date(2026, 5, 30)),
            review_due=date(2027, 5, 30),
            pathway=self.rapid,
        )
        self.assertEqual(worklists.awaiting_revalidation(self.everyone(), TODAY), [])

    def test_partner_sees_only_its_own_workers(self) -> None:
        mine = Worker.objects.visible_to(self.cast.actor(self.cast.river_supervisor))
        self.assertEqual(staff_ids(worklists.expiring_sign_offs(mine, TODAY, 30)), ["RIV-1"])
        self.assertEqual(worklists.incomplete_bundles(mine, TODAY), [])


@time_machine.travel(NOON, tick=False)
class WorklistPageTests(Scene):
    def get(self, name: str, query: str = "", user: User | None = None) -> Any:
        self.client.force_login(user or self.cast.net_admin)
        return self.client.get(reverse(f"workforce:{name}") + query)

    def test_pages_filter_by_organisation(self) -> None:
        response = self.get("worklist_expiring", "?organisation=riverside")
        self.assertContains(response, "RIV-1")
        self.assertNotContains(response, "SW-1")

    def test_an_invalid_filter_leaves_the_others_in_force(self) -> None:
        response = self.get("worklist_expiring", "?organisation=riverside&days=abc")
        self.assertContains(response, "RIV-1")
        self.assertNotContains(response, "SW-1")
        self.assertContains(response, "Enter a whole number.")

    def test_csv_export(self) -> None:
        response = self.get("worklist_supervision", "?format=csv")
        lines = response.content.decode().splitlines()
        self.assertEqual(
            lines[0],
            "organisation,staff_id,worker,last_held,frequency_days,due_on,missed_sessions,"
            "days_overdue",
        )
        self.assertIn("riverside,RIV-2,Riv 2 Baker,2026-04-01,28,2026-04-29,0,33", lines)

    def test_expiring_window_defaults_to_the_network_setting(self) -> None:
        Network.objects.update(expiring_days=10)
        response = self.get("worklist_expiring")
        self.assertContains(response, "SW-1")
        self.assertNotContains(response, "RIV-1")

    def test_supervisor_sees_own_organisation_only(self) -> None:
        response = self.get("worklist_bundles", user=self.cast.river_supervisor)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "SW-A1")

    def test_home_card_counts_what_the_actor_sees(self) -> None:
        supervisor = self.cast.actor(self.cast.river_supervisor)
        self.assertTrue(shows_worklist_card(supervisor))
        self.assertFalse(shows_worklist_card(self.cast.actor(self.cast.river_worker)))
        card = worklist_card(supervisor)
        counted = card["counts"]
        self.assertEqual(card["days"], 30)
        self.assertEqual(
            (counted.expiring, counted.supervision, counted.pauses, counted.bundles),
            (1, 2, 1, 0),
        )
        self.assertEqual(counted.revalidation, 1)

    def test_worker_is_refused(self) -> None:
        self.assertEqual(self.get("worklists", user=self.cast.river_worker).status_code, 403)

    def test_query_count_does_not_grow(self) -> None:
        names = [
            "worklist_expiring",
            "worklist_supervision",
            "worklist_pauses",
            "worklist_bundles",
            "worklist_revalidation",
        ]
        self.client.force_login(self.cast.net_admin)
        url = {name: reverse(f"workforce:{name}") for name in names}
        self.client.get(url[names[0]])
        counts = {}
        for name in names:
            with CaptureQueriesContext(connection) as captured:
                self.client.get(url[name])
            counts[name] = len(captured.captured_queries)
        # Ten more workers on every list, then the same pages again.
        for i in range(10):
            w = make_worker(self.cast.riverside, f"RIV-X{i}", last_name="Extra")
            make_sign_off(
                w,
                self.safeguarding,
                "independent",
                signer=self.lead,
                signed_at=at(date(2026, 1, 10)),
                review_due=date(2026, 6, 15),
            )
            make_sign_off(
                w,
                self.crisis,
                "independent",
                signer=self.lead,
                signed_at=at(date(2026, 1, 10)),
                review_due=date(2026, 12, 15),
                pathway=self.cast.discharge,
            )
            make_session(w, self.lead, date(2026, 5, 1))
            make_pause(w, self.task, at(date(2026, 5, 28)), remedial_due=date(2026, 6, 4))
            make_worker(
                self.cast.swift,
                f"SW-X{i}",
                employment_type="agency",
                placement_start=date(2026, 5, 25),
                last_name="Extra",
            )
            w.pathways.create(pathway=self.rapid, started_on=date(2026, 5, 20))
        for name in names:
            with self.assertNumQueries(counts[name]):
                response = self.client.get(url[name])
            self.assertContains(response, "Extra")
