"""A large rota validated on two processes (`rota.parallel`): exactly the findings, in the same
order, of validating it in one, including workers the asker may not see, visits with workers of
both halves, a rota file that replaces stored visits, and overrides; inside a transaction it is
validated here."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.db import transaction

from seamline import forking
from seamline.access import Actor
from seamline.cases.testing import make_participant, make_referral
from seamline.network.models import OrganisationStatusChange
from seamline.rota import loading, parallel, rules, validation
from seamline.rota.models import Override, Visit
from seamline.rota.testing import MONDAY, at, make_visit
from seamline.testing import ConcurrentTestCase, build_cast
from seamline.workforce.testing import (
    make_competency,
    make_session,
    make_sign_off,
    make_task_type,
    make_worker,
)

from .test_imports import DAY, rota, v


class TwoProcessTests(ConcurrentTestCase):
    """Committed data, so a forked child with its own connection sees it."""

    def setUp(self) -> None:
        cast = self.cast = build_cast()
        OrganisationStatusChange.objects.update(changed_at=at(MONDAY - timedelta(days=400)))
        med = make_competency("medication", title="Medication support")
        prompt = make_task_type("medication_prompt", [(med, "supervised")], risk_tier=2)
        admin = make_task_type("medication_administration", [(med, "independent")], risk_tier=3)
        lead = make_worker(cast.prime, "NB-LEAD", first_name="Lena", last_name="Lead")
        ada = self.ada = make_participant(cast.riverside, given_name="Ada", family_name="Split")
        make_referral(ada, cast.discharge, cast.riverside, cast.river_coordinator)
        workers = []
        for n in range(8):
            org = cast.swift if n == 5 else cast.riverside
            worker = make_worker(org, f"W-{n}", first_name=f"Worker{n}", last_name="Split")
            if n % 3:
                stage = "supervised" if n % 3 == 1 else "independent"
                make_sign_off(
                    worker, med, stage, signer=lead, signed_at=at(MONDAY, 8) - timedelta(days=30)
                )
            if n % 4 == 0:
                make_session(
                    worker, lead, MONDAY - timedelta(days=7), held_on=MONDAY - timedelta(days=7)
                )
            workers.append(worker)
        self.workers = workers
        # A busy week: every worker on several visits, some overlapping (G8), some alone on
        # tier 3 tasks, some visits shared by workers of both halves.
        for day in range(5):
            for n, worker in enumerate(workers):
                start = at(MONDAY + timedelta(days=day), 9 + n % 3)
                tasks = [admin] if (n + day) % 2 else [prompt]
                others = [workers[(n + 1) % 8]] if (n + day) % 3 == 0 else []
                make_visit(
                    ada,
                    cast.discharge,
                    tasks,
                    start,
                    organisation=cast.riverside,
                    workers=[worker, *others],
                )
        visit = Visit.objects.filter(assignments__worker=workers[0]).order_by("starts_at").first()
        assert visit is not None
        Override.objects.create(
            visit=visit,
            worker=workers[0],
            rule="G2",
            reason="Covered by the duty lead on site.",
            granted_by=cast.river_scheduler,
            expires_at=at(MONDAY + timedelta(days=14)),
        )

    def week(self) -> list[loading.VisitFacts]:
        return loading.stored_visits(Visit.objects.order_by("starts_at", "code"))

    def test_two_processes_find_what_one_finds_in_the_same_order(self) -> None:
        self.assertTrue(forking.can_fork("default"))
        for actor in (Actor.system("test"), self.cast.actor(self.cast.river_scheduler)):
            with self.subTest(actor=str(actor)):
                visits = self.week()
                one = validation.findings(actor, loading.load(visits), visits)
                two = parallel.validate_in_two(actor, self.week(), min_assignments=1)
                self.assertGreater(len(one.findings), 20)
                self.assertEqual(two.findings, one.findings)
                self.assertEqual(two.overridden, one.overridden)
                self.assertEqual((two.visits, two.assignments), (one.visits, one.assignments))
                # Both halves found something, so the merge was really tested.
                parity = {f"{w.organisation.code}/{w.staff_id}": w.pk % 2 for w in self.workers}
                self.assertEqual({parity[f.worker] for f in two.findings}, {0, 1})
        hidden = [f for f in two.findings if "are visible to swiftstaff" in f.message]
        self.assertTrue(hidden)  # the scheduler does not see the agency worker's reasons
        self.assertTrue(two.overridden)

    def test_a_rota_file_replacing_stored_visits_finds_the_same(self) -> None:
        scheduler = self.cast.actor(self.cast.river_scheduler)
        staff = ["W-0", "W-1", "W-2", "W-3;W-4", "swiftstaff/W-5", "W-6", "W-7", "W-1"]
        data = rota(
            *(
                v(
                    f"F-{n}",
                    self.ada.code,
                    f"{DAY} {9 + n % 3:02d}:00",
                    f"{DAY} {10 + n % 3:02d}:00",
                    workers=workers,
                    tasks="medication_administration" if n % 2 else "medication_prompt",
                )
                for n, workers in enumerate(staff)
            )
        )
        one = validation.validate_file(scheduler, data)
        with mock.patch.object(parallel, "MIN_ASSIGNMENTS", 1):
            two = validation.validate_file(scheduler, data, parallel=True)
        self.assertFalse(one.errors)
        self.assertGreater(len(one.findings), 5)
        self.assertEqual(two.findings, one.findings)
        self.assertEqual((two.visits, two.assignments), (one.visits, one.assignments))

    def test_a_stored_week_split_before_reading_finds_what_one_finds(self) -> None:
        # A visit of the week before that runs into the week: still one of worker 0's other
        # visits (G8) though it is not part of the week validated.
        make_visit(
            self.ada,
            self.cast.discharge,
            [],
            at(MONDAY, 0) - timedelta(hours=1),  # Sunday 23:00
            organisation=self.cast.riverside,
            workers=[self.workers[0]],
            end=at(MONDAY, 9) + timedelta(minutes=30),
        )
        before = Visit.objects.get(starts_at__lt=at(MONDAY, 0))
        week = rules.week_of(MONDAY)
        in_week = Visit.objects.filter(starts_at__gte=at(MONDAY, 0)).order_by("starts_at", "code")
        for actor in (Actor.system("test"), self.cast.actor(self.cast.river_scheduler)):
            with self.subTest(actor=str(actor)):
                visits = loading.stored_visits(in_week)
                one = validation.findings(actor, loading.load(visits), visits)
                two = parallel.validate_week(actor, week, min_assignments=1)
                here = parallel.validate_week(actor, week, min_assignments=10**9)
                self.assertGreater(len(one.findings), 20)
                for result in (two, here):
                    self.assertEqual(result.findings, one.findings)
                    self.assertEqual(result.overridden, one.overridden)
                    self.assertEqual(
                        (result.visits, result.assignments), (one.visits, one.assignments)
                    )
                overlap = [f for f in two.findings if before.code in f.message]
                self.assertEqual([f.rule for f in overlap], ["G8"])
                self.assertNotIn(before.code, {f.visit for f in two.findings})

    def test_a_stored_week_reports_only_the_visits_the_asker_sees(self) -> None:
        hidden = make_participant(self.cast.swift, given_name="Hal", family_name="Hidden")
        make_referral(hidden, self.cast.discharge, self.cast.swift, self.cast.swift_admin)
        unseen = make_visit(
            hidden,
            self.cast.discharge,
            [],
            at(MONDAY, 10),
            organisation=self.cast.swift,
            workers=[self.workers[1], self.workers[2]],
            end=at(MONDAY, 12),  # over both workers' own visits that morning (G8)
        )
        unseen.paired_with = self.workers[3]
        unseen.save()
        week = rules.week_of(MONDAY)
        everyone = parallel.validate_week(Actor.system("test"), week, min_assignments=1)
        scheduler = parallel.validate_week(
            self.cast.actor(self.cast.river_scheduler), week, min_assignments=1
        )
        self.assertIn(unseen.code, {f.visit for f in everyone.findings})
        self.assertNotIn(unseen.code, {f.visit for f in scheduler.findings})
        self.assertEqual(scheduler.visits, everyone.visits - 1)
        self.assertEqual(scheduler.assignments, everyone.assignments - 2)

    def test_inside_a_transaction_it_is_validated_here(self) -> None:
        with transaction.atomic(), mock.patch.object(parallel.forking, "start") as start:
            visits = self.week()
            one = validation.findings(Actor.system("test"), loading.load(visits), visits)
            two = parallel.validate_in_two(Actor.system("test"), self.week(), min_assignments=1)
        start.assert_not_called()
        self.assertEqual(two.findings, one.findings)
