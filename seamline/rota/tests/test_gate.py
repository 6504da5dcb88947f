"""The gate, rule by rule (SPEC C4 G1-G10): for each rule a table of allowed and blocked
assignments, judged through the whole gate (loading included). Each blocked case fails if its
rule is removed; each allowed case fails if the rule over-reaches.

Facts that change inside the rota week (a suspension on Wednesday, a pause lifted on
Wednesday, a sign-off whose review falls on Wednesday) are judged at each visit's own time,
from one load of the week."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta

from seamline.cases.models import DeclinedWorker
from seamline.cases.testing import make_flag, make_participant
from seamline.network.models import Network, OrganisationStatusChange
from seamline.rota import loading
from seamline.rota.choices import PreferenceKind, VisitStatus
from seamline.rota.models import Assignment, Preference, Visit
from seamline.rota.testing import make_shift
from seamline.workforce.choices import LOCAL_INDUCTION_TOPICS
from seamline.workforce.models import Worker, WorkerStatusChange
from seamline.workforce.testing import (
    make_enhanced_period,
    make_evidence,
    make_pause,
    make_session,
    make_sign_off,
    make_worker,
)

from .scene import MONDAY, THURSDAY, TUESDAY, WEDNESDAY, GateCase, at

Case = tuple[str, Callable[[], tuple[object, Visit]], bool]


class Tables(GateCase):
    def run_table(self, rule: str, cases: list[Case]) -> None:
        blocked = allowed = 0
        for name, make, expected in cases:
            with self.subTest(case=name):
                worker, visit = make()
                self.assertRule(rule, worker, visit, expected, name)  # type: ignore[arg-type]
                blocked += expected
                allowed += not expected
        # Every table has both kinds of case.
        self.assertTrue(blocked and allowed)


class G1Tests(Tables):
    def test_table(self) -> None:
        def suspended_now() -> tuple[object, Visit]:
            w = self.worker("RIV-G1-SUS", status="suspended")
            return w, self.visit()

        def left() -> tuple[object, Visit]:
            w = self.worker("RIV-G1-LEFT", status="left")
            w.left_on = date(2026, 11, 1)
            w.save()
            return w, self.visit()

        def not_started() -> tuple[object, Visit]:
            w = self.worker("RIV-G1-NEW", start_date=date(2026, 12, 1))
            return w, self.visit()

        def org_suspended() -> tuple[object, Visit]:
            org = self.cast.swift
            OrganisationStatusChange.objects.create(
                organisation=org,
                from_status="active",
                to_status="suspended",
                changed_at=at(date(2026, 11, 10)),
                reason="Contract review",
            )
            return self.worker("SW-G1", organisation=org), self.visit()

        self.run_table(
            "G1",
            [
                (
                    "active worker of an active organisation",
                    lambda: (self.worker("RIV-G1-OK"), self.visit()),
                    False,
                ),
                ("suspended", suspended_now, True),
                ("left before the visit", left, True),
                ("starts after the visit", not_started, True),
                ("organisation suspended in the network", org_suspended, True),
            ],
        )

    def test_a_suspension_on_wednesday_is_judged_at_each_visit(self) -> None:
        worker = self.worker("RIV-G1-WED", status="suspended")
        WorkerStatusChange.objects.create(
            worker=worker,
            from_status="active",
            to_status="suspended",
            changed_at=at(WEDNESDAY, 12),
        )
        tuesday = self.visit(start=at(TUESDAY, 10), workers=[worker])
        thursday = self.visit(start=at(THURSDAY, 10), workers=[worker])
        loaded = loading.load(
            loading.stored_visits(Visit.objects.filter(pk__in=[tuesday.pk, thursday.pk]))
        )
        rules = {a.visit: a.rules for a in loaded.check_all()}
        self.assertEqual(rules[tuesday.code], [])
        self.assertEqual(rules[thursday.code], ["G1"])


class G2Tests(Tables):
    def test_table(self) -> None:
        def no_sign_off() -> tuple[object, Visit]:
            return self.worker("RIV-G2-NONE", stage=None), self.visit()

        def below() -> tuple[object, Visit]:
            return self.worker("RIV-G2-IND", stage="induction"), self.visit()

        def expired() -> tuple[object, Visit]:
            w = self.worker("RIV-G2-EXP", stage=None)
            make_sign_off(
                w, self.med, "independent", signer=self.lead, review_due=date(2026, 11, 1)
            )
            return w, self.visit()

        def revalidation() -> tuple[object, Visit]:
            from seamline.testing import make_pathway

            crisis_path = make_pathway("crisis-path", self.cast.prime)
            w = self.worker("RIV-G2-PATH")
            make_sign_off(w, self.crisis, "independent", signer=self.lead, pathway=crisis_path)
            return w, self.visit([self.crisis_visit])

        def on_this_pathway() -> tuple[object, Visit]:
            w = self.worker("RIV-G2-PATH-OK")
            make_sign_off(
                w, self.crisis, "independent", signer=self.lead, pathway=self.cast.discharge
            )
            return w, self.visit([self.crisis_visit])

        self.run_table(
            "G2",
            [
                (
                    "supervised for a task needing supervised",
                    lambda: (self.worker("RIV-G2-OK", stage="supervised"), self.visit()),
                    False,
                ),
                ("no sign-off at all", no_sign_off, True),
                ("below the stage needed", below, True),
                ("past its review date", expired, True),
                ("pathway-specific, signed on another pathway", revalidation, True),
                ("pathway-specific, signed on the visit's pathway", on_this_pathway, False),
            ],
        )

    def test_a_review_date_inside_the_week_is_judged_at_each_visit(self) -> None:
        worker = self.worker("RIV-G2-WEEK", stage=None)
        make_sign_off(worker, self.med, "supervised", signer=self.lead, review_due=WEDNESDAY)
        tuesday = self.visit(start=at(TUESDAY, 10), workers=[worker])
        thursday = self.visit(start=at(THURSDAY, 10), workers=[worker])
        loaded = loading.load(
            loading.stored_visits(Visit.objects.filter(pk__in=[tuesday.pk, thursday.pk]))
        )
        rules = {a.visit: a.rules for a in loaded.check_all()}
        self.assertNotIn("G2", rules[tuesday.code])
        self.assertIn("G2", rules[thursday.code])

    def test_the_sentence_names_the_competency_and_stage(self) -> None:
        worker = self.worker("RIV-G2-WORDS", stage="induction")
        answer = self.answer(worker, self.visit())
        g2 = [v for v in answer.violations if v.rule == "G2"]
        self.assertEqual([v.code for v in g2], ["stage_below"])
        self.assertIn("Medication support", g2[0].message)
        self.assertIn("supervised", g2[0].message)


class G3Tests(Tables):
    def test_table(self) -> None:
        def paused() -> tuple[object, Visit]:
            w = self.worker("RIV-G3-P")
            make_pause(w, self.prompt, at(date(2026, 11, 10)))
            return w, self.visit()

        def paused_other_task() -> tuple[object, Visit]:
            w = self.worker("RIV-G3-OTHER")
            make_pause(w, self.admin, at(date(2026, 11, 10)))
            return w, self.visit()

        def lifted_before() -> tuple[object, Visit]:
            w = self.worker("RIV-G3-LIFTED")
            pause = make_pause(w, self.prompt, at(date(2026, 11, 2)))
            pause.remedial_session = make_session(
                w, self.lead, date(2026, 11, 5), held_on=date(2026, 11, 5)
            )
            pause.observed_practice = make_evidence(w, "observed_practice", date(2026, 11, 6))
            pause.lifted_at = at(date(2026, 11, 6))
            pause.save()
            return w, self.visit()

        self.run_table(
            "G3",
            [
                ("no pause", lambda: (self.worker("RIV-G3-OK"), self.visit()), False),
                ("the visit's delegated task is paused", paused, True),
                ("another task is paused", paused_other_task, False),
                ("the pause was lifted before the visit", lifted_before, False),
            ],
        )

    def test_a_pause_lifted_on_wednesday_is_judged_at_each_visit(self) -> None:
        worker = self.worker("RIV-G3-WED")
        pause = make_pause(worker, self.prompt, at(date(2026, 11, 12)))
        pause.remedial_session = make_session(worker, self.lead, WEDNESDAY, held_on=WEDNESDAY)
        pause.observed_practice = make_evidence(worker, "observed_practice", WEDNESDAY)
        pause.lifted_at = at(WEDNESDAY, 12)
        pause.save()
        tuesday = self.visit(start=at(TUESDAY, 10), workers=[worker])
        thursday = self.visit(start=at(THURSDAY, 10), workers=[worker])
        loaded = loading.load(
            loading.stored_visits(Visit.objects.filter(pk__in=[tuesday.pk, thursday.pk]))
        )
        rules = {a.visit: a.rules for a in loaded.check_all()}
        self.assertEqual(rules[tuesday.code], ["G3"])
        self.assertEqual(rules[thursday.code], [])


class G4Tests(Tables):
    def temporary(self, staff_id: str, *, complete: bool, placement: date) -> Worker:
        w = self.worker(
            staff_id,
            organisation=self.cast.swift,
            employment_type="agency",
            start_date=date(2025, 6, 1),
            placement_start=placement,
        )
        if complete:
            make_evidence(w, "supervised_practice_signoff", placement)
            make_evidence(
                w, "local_induction", placement, detail={"topics": list(LOCAL_INDUCTION_TOPICS)}
            )
        return w

    def test_table(self) -> None:
        long_ago = date(2026, 9, 1)
        recent = MONDAY - timedelta(days=10)
        self.run_table(
            "G4",
            [
                (
                    "temporary, bundle complete, past enhanced supervision, tier 2",
                    lambda: (
                        self.temporary("SW-G4-OK", complete=True, placement=long_ago),
                        self.visit(),
                    ),
                    False,
                ),
                (
                    "temporary, bundle incomplete, tier 2",
                    lambda: (
                        self.temporary("SW-G4-BUNDLE", complete=False, placement=long_ago),
                        self.visit(),
                    ),
                    True,
                ),
                (
                    "temporary, bundle incomplete, tier 1",
                    lambda: (
                        self.temporary("SW-G4-T1", complete=False, placement=long_ago),
                        self.visit([self.welfare]),
                    ),
                    False,
                ),
                (
                    "temporary, inside enhanced supervision, tier 2",
                    lambda: (
                        self.temporary("SW-G4-NEW", complete=True, placement=recent),
                        self.visit(),
                    ),
                    True,
                ),
                (
                    "temporary, inside enhanced supervision, tier 1",
                    lambda: (
                        self.temporary("SW-G4-NEW1", complete=True, placement=recent),
                        self.visit([self.welfare]),
                    ),
                    False,
                ),
                (
                    "employed new starter, tier 2",
                    lambda: (self.worker("RIV-G4-EMP", start_date=recent), self.visit()),
                    False,
                ),
            ],
        )

    def test_a_bundle_completed_on_wednesday_is_judged_at_each_visit(self) -> None:
        # The bundle's last piece is dated inside the week: the worker's facts change then.
        worker = self.temporary("SW-G4-WED", complete=False, placement=date(2026, 9, 1))
        make_evidence(worker, "supervised_practice_signoff", date(2026, 9, 1))
        make_evidence(
            worker, "local_induction", WEDNESDAY, detail={"topics": list(LOCAL_INDUCTION_TOPICS)}
        )
        # And one whose bundle was complete before the week: the same answer every day.
        steady = self.temporary("SW-G4-DONE", complete=True, placement=date(2026, 9, 1))
        tuesday = self.visit(start=at(TUESDAY, 10), workers=[worker, steady])
        thursday = self.visit(start=at(THURSDAY, 10), workers=[worker, steady])
        loaded = loading.load(
            loading.stored_visits(Visit.objects.filter(pk__in=[tuesday.pk, thursday.pk]))
        )
        rules = {(a.visit, a.worker): a.rules for a in loaded.check_all()}
        self.assertEqual(rules[(tuesday.code, str(worker.uuid))], ["G4"])
        self.assertEqual(rules[(thursday.code, str(worker.uuid))], [])
        self.assertEqual(rules[(tuesday.code, str(steady.uuid))], [])
        self.assertEqual(rules[(thursday.code, str(steady.uuid))], [])

    def test_a_recorded_period_counts_too(self) -> None:
        worker = self.temporary("SW-G4-REC", complete=True, placement=date(2026, 9, 1))
        make_enhanced_period(worker, self.lead, MONDAY - timedelta(days=3))
        self.assertRule("G4", worker, self.visit(), True)


class G5Tests(Tables):
    def test_table(self) -> None:
        evening = at(MONDAY, 19, 45)  # ends 20:30, after the late threshold
        self.run_table(
            "G5",
            [
                (
                    "independent, lone",
                    lambda: (self.worker("RIV-G5-OK"), self.visit(lone=True)),
                    False,
                ),
                (
                    "supervised, lone",
                    lambda: (self.worker("RIV-G5-SUP", stage="supervised"), self.visit(lone=True)),
                    True,
                ),
                (
                    "supervised, late",
                    lambda: (
                        self.worker("RIV-G5-LATE", stage="supervised"),
                        self.visit(start=evening),
                    ),
                    True,
                ),
                (
                    "supervised, ends before 20:00",
                    lambda: (
                        self.worker("RIV-G5-DAY", stage="supervised"),
                        self.visit(start=at(MONDAY, 19)),
                    ),
                    False,
                ),
                (
                    "independent new starter, lone",
                    lambda: (
                        self.worker("RIV-G5-NEW", start_date=MONDAY - timedelta(days=5)),
                        self.visit(lone=True),
                    ),
                    True,
                ),
                (
                    "independent new starter, late",
                    lambda: (
                        self.worker("RIV-G5-NEWL", start_date=MONDAY - timedelta(days=5)),
                        self.visit(start=evening),
                    ),
                    True,
                ),
                (
                    "independent new starter, day visit with others",
                    lambda: (
                        self.worker("RIV-G5-NEWD", start_date=MONDAY - timedelta(days=5)),
                        self.visit(),
                    ),
                    False,
                ),
            ],
        )

    def test_late_follows_the_network_setting(self) -> None:
        worker = self.worker("RIV-G5-SET", stage="supervised")
        visit = self.visit(start=at(MONDAY, 19, 45))
        self.assertRule("G5", worker, visit, True)
        Network.objects.update(late_threshold=time(21, 0))
        self.assertRule("G5", worker, visit, False)


class G6Tests(Tables):
    def test_table(self) -> None:
        def paired(stage: str, staff: str) -> tuple[object, Visit]:
            mate = self.worker(f"RIV-G6-MATE-{staff}", stage=stage)
            return self.worker(f"RIV-G6-{staff}", stage="supervised"), self.visit(paired_with=mate)

        def second_worker() -> tuple[object, Visit]:
            mate = self.worker("RIV-G6-SECOND")
            worker = self.worker("RIV-G6-WITH", stage="supervised")
            return worker, self.visit(workers=[worker, mate])

        self.run_table(
            "G6",
            [
                ("independent, alone", lambda: (self.worker("RIV-G6-IND"), self.visit()), False),
                (
                    "supervised, alone",
                    lambda: (self.worker("RIV-G6-ALONE", stage="supervised"), self.visit()),
                    True,
                ),
                ("supervised, paired with independent", lambda: paired("independent", "A"), False),
                ("supervised, paired with enhanced", lambda: paired("enhanced", "B"), False),
                ("supervised, paired with supervised", lambda: paired("supervised", "C"), True),
                ("supervised, an independent second worker", second_worker, False),
            ],
        )


class G7Tests(Tables):
    """The cap at supervised is 2 distinct high-risk participants in a rota week."""

    def high_risk(self, name: str) -> object:
        p = make_participant(self.cast.riverside, given_name=name, family_name="Risk")
        make_flag(p, severity="high", raised_at=at(date(2026, 11, 1)))
        return p

    def loaded_worker(self, staff: str, stage: str, visited: int) -> object:
        worker = self.worker(staff, stage=stage)
        for n in range(visited):
            self.visit(
                participant=self.high_risk(f"{staff}{n}"), start=at(MONDAY, 8 + n), workers=[worker]
            )
        return worker

    def test_table(self) -> None:
        def third(stage: str, staff: str) -> tuple[object, Visit]:
            w = self.loaded_worker(staff, stage, 2)
            return w, self.visit(participant=self.high_risk(f"{staff}X"), start=at(TUESDAY, 10))

        def same_participant_again() -> tuple[object, Visit]:
            w = self.worker("RIV-G7-SAME", stage="supervised")
            p1, p2 = self.high_risk("Same1"), self.high_risk("Same2")
            self.visit(participant=p1, start=at(MONDAY, 8), workers=[w])
            self.visit(participant=p2, start=at(MONDAY, 9), workers=[w])
            return w, self.visit(participant=p1, start=at(TUESDAY, 10))

        def not_high_risk() -> tuple[object, Visit]:
            w = self.loaded_worker("RIV-G7-LOW", "supervised", 2)
            return w, self.visit(start=at(TUESDAY, 10))

        def flag_resolved() -> tuple[object, Visit]:
            w = self.loaded_worker("RIV-G7-RES", "supervised", 2)
            p = make_participant(self.cast.riverside, given_name="Resolved", family_name="Risk")
            make_flag(
                p,
                severity="high",
                raised_at=at(date(2026, 11, 1)),
                resolved_at=at(date(2026, 11, 10)),
            )
            return w, self.visit(participant=p, start=at(TUESDAY, 10))

        def last_week() -> tuple[object, Visit]:
            w = self.worker("RIV-G7-WEEK", stage="supervised")
            for n in range(2):
                self.visit(
                    participant=self.high_risk(f"Old{n}"),
                    start=at(MONDAY - timedelta(days=3), 8 + n),
                    workers=[w],
                )
            return w, self.visit(participant=self.high_risk("New"), start=at(TUESDAY, 10))

        def no_competency() -> tuple[object, Visit]:
            from seamline.workforce.testing import make_task_type

            w = self.loaded_worker("RIV-G7-NONE", "supervised", 2)
            chat = make_task_type("companionship", risk_tier=1)
            return w, self.visit([chat], participant=self.high_risk("Chat"), start=at(TUESDAY, 10))

        self.run_table(
            "G7",
            [
                (
                    "supervised, third high-risk participant",
                    lambda: third("supervised", "RIV-G7-SUP"),
                    True,
                ),
                (
                    "independent, third high-risk participant",
                    lambda: third("independent", "RIV-G7-IND"),
                    False,
                ),
                (
                    "induction, first high-risk participant",
                    lambda: (
                        third("induction", "RIV-G7-INDN")
                        if False
                        else (
                            self.worker("RIV-G7-I", stage="induction"),
                            self.visit([self.welfare], participant=self.high_risk("First")),
                        )
                    ),
                    True,
                ),
                (
                    "supervised, a participant already visited this week",
                    same_participant_again,
                    False,
                ),
                ("supervised, a participant who is not high-risk", not_high_risk, False),
                ("supervised, a flag resolved before the visit", flag_resolved, False),
                ("supervised, the other two were last week", last_week, False),
                ("no competency needed: no stage, no cap", no_competency, False),
            ],
        )

    def test_the_sentence_names_the_count_week_and_cap(self) -> None:
        worker = self.loaded_worker("RIV-G7-WORDS", "supervised", 2)
        visit = self.visit(participant=self.high_risk("Words"), start=at(TUESDAY, 10))
        g7 = [v for v in self.answer(worker, visit).violations if v.rule == "G7"]  # type: ignore[arg-type]
        self.assertEqual(len(g7), 1)
        self.assertIn("3 distinct high-risk participants", g7[0].message)
        self.assertIn("2026-W47", g7[0].message)
        self.assertIn("cap at supervised", g7[0].message)
        self.assertIn("is 2", g7[0].message)


class G8Tests(Tables):
    def test_table(self) -> None:
        def overlapping() -> tuple[object, Visit]:
            w = self.worker("RIV-G8-OVER")
            self.visit(start=at(MONDAY, 9, 30), workers=[w])
            return w, self.visit(start=at(MONDAY, 10))

        def adjacent() -> tuple[object, Visit]:
            w = self.worker("RIV-G8-NEXT")
            self.visit(start=at(MONDAY, 9), minutes=60, workers=[w])
            return w, self.visit(start=at(MONDAY, 10))

        def cancelled() -> tuple[object, Visit]:
            w = self.worker("RIV-G8-CANC")
            other = self.visit(start=at(MONDAY, 9, 30), workers=[w])
            Visit.objects.filter(pk=other.pk).update(status=VisitStatus.CANCELLED)
            return w, self.visit(start=at(MONDAY, 10))

        def inside_shift() -> tuple[object, Visit]:
            w = self.worker("RIV-G8-SHIFT")
            make_shift(w, at(MONDAY, 8))
            return w, self.visit(start=at(MONDAY, 10))

        def outside_shift() -> tuple[object, Visit]:
            w = self.worker("RIV-G8-OUT")
            make_shift(w, at(TUESDAY, 8))
            return w, self.visit(start=at(MONDAY, 17))

        def shift_another_week() -> tuple[object, Visit]:
            w = self.worker("RIV-G8-WEEK")
            make_shift(w, at(MONDAY - timedelta(days=7), 8))
            return w, self.visit(start=at(MONDAY, 17))

        self.run_table(
            "G8",
            [
                ("nothing else that day", lambda: (self.worker("RIV-G8-OK"), self.visit()), False),
                ("overlaps another visit", overlapping, True),
                ("starts as the other ends", adjacent, False),
                ("the other visit is cancelled", cancelled, False),
                ("inside a shift", inside_shift, False),
                ("shifts this week, none covering the visit", outside_shift, True),
                ("shifts only in another week", shift_another_week, False),
            ],
        )


class G9Tests(Tables):
    def test_table(self) -> None:
        def declined(withdrawn: bool, staff: str) -> tuple[object, Visit]:
            w = self.worker(staff)
            DeclinedWorker.objects.create(
                participant=self.ada,
                worker=w,
                recorded_at=at(date(2026, 11, 1)),
                withdrawn_at=at(date(2026, 11, 5)) if withdrawn else None,
            )
            return w, self.visit()

        def prefers(kind: str, value: str, staff: str, **kwargs: object) -> tuple[object, Visit]:
            p = make_participant(self.cast.riverside, given_name=staff, family_name="Prefers")
            Preference.objects.create(
                participant=p, kind=kind, value=value, recorded_at=at(date(2026, 11, 1))
            )
            return self.worker(staff, **kwargs), self.visit(participant=p)  # type: ignore[arg-type]

        agency = {
            "organisation": self.cast.swift,
            "employment_type": "agency",
            "start_date": date(2025, 1, 1),
        }
        self.run_table(
            "G9",
            [
                ("no preference recorded", lambda: (self.worker("RIV-G9-OK"), self.visit()), False),
                ("declined by the participant", lambda: declined(False, "RIV-G9-DEC"), True),
                ("declined, then withdrawn", lambda: declined(True, "RIV-G9-WD"), False),
                (
                    "prefers no temporary workers: agency worker",
                    lambda: prefers(PreferenceKind.NO_TEMPORARY, "", "SW-G9-TEMP", **agency),
                    True,
                ),
                (
                    "prefers no temporary workers: employed worker",
                    lambda: prefers(PreferenceKind.NO_TEMPORARY, "", "RIV-G9-EMP"),
                    False,
                ),
                (
                    "prefers Riverside's workers: Riverside worker",
                    lambda: prefers(PreferenceKind.ORGANISATION, "riverside", "RIV-G9-ORG"),
                    False,
                ),
                (
                    "prefers Riverside's workers: agency worker",
                    lambda: prefers(
                        PreferenceKind.ORGANISATION, "riverside", "SW-G9-ORG", **agency
                    ),
                    True,
                ),
                (
                    "prefers a nurse: support worker",
                    lambda: prefers(PreferenceKind.ROLE_GROUP, "nurse", "RIV-G9-ROLE"),
                    True,
                ),
                (
                    "prefers a nurse: nurse",
                    lambda: prefers(
                        PreferenceKind.ROLE_GROUP, "nurse", "RIV-G9-NURSE", role_group="nurse"
                    ),
                    False,
                ),
            ],
        )

    def test_the_sentences_name_the_participant_by_code(self) -> None:
        worker = self.worker("RIV-G9-CODE")
        DeclinedWorker.objects.create(
            participant=self.ada, worker=worker, recorded_at=at(date(2026, 11, 1))
        )
        other = make_participant(self.cast.riverside, given_name="Cora", family_name="Prefers")
        Preference.objects.create(
            participant=other,
            kind=PreferenceKind.ORGANISATION,
            value="swift",
            recorded_at=at(date(2026, 11, 1)),
        )
        declined, preferring = self.visit(), self.visit(participant=other)
        for visit, code in ((declined, self.ada.code), (preferring, other.code)):
            Assignment.objects.create(visit=visit, worker=worker)
            facts = loading.stored_visits([visit.pk])  # a single check's way: codes joined in
            answer = loading.load(facts, [worker.pk]).check(worker.pk, facts[0])
            found = [v for v in answer.violations if v.rule == "G9"]
            self.assertEqual(len(found), 1)
            self.assertTrue(found[0].message.startswith(f"{code} "), found[0].message)
        # The same through a whole rota's loading (codes looked up rather than joined in).
        visits = loading.stored_visits(Visit.objects.filter(pk__in=[declined.pk, preferring.pk]))
        gate = loading.load(visits)
        sentences = sorted(
            v.message for f in visits for v in gate.check(worker.pk, f).violations if v.rule == "G9"
        )
        self.assertEqual(len(sentences), 2)
        self.assertTrue(sentences[0].startswith(f"{self.ada.code} declined"), sentences)
        self.assertTrue(sentences[1].startswith(f"{other.code} prefers workers of"), sentences)


class G10Tests(Tables):
    def test_table(self) -> None:
        def held(
            days_before: int | None, staff: str, tasks: list[object] | None = None
        ) -> tuple[object, Visit]:
            w = make_worker(self.cast.riverside, staff, start_date=date(2025, 1, 6))
            make_sign_off(w, self.med, "independent", signer=self.lead)
            if days_before is not None:
                day = MONDAY - timedelta(days=days_before)
                make_session(w, self.lead, day, held_on=day)
            return w, self.visit(tasks or [self.admin])  # type: ignore[arg-type]

        self.run_table(
            "G10",
            [
                ("tier 3, supervised 10 days ago", lambda: held(10, "RIV-G10-OK"), False),
                (
                    "tier 3, supervised 28 days ago (the frequency)",
                    lambda: held(28, "RIV-G10-EDGE"),
                    False,
                ),
                ("tier 3, supervised 40 days ago", lambda: held(40, "RIV-G10-OLD"), True),
                ("tier 3, never supervised", lambda: held(None, "RIV-G10-NEVER"), True),
                (
                    "tier 2, never supervised",
                    lambda: held(None, "RIV-G10-T2", [self.prompt]),
                    False,
                ),
            ],
        )


class AnswerTests(GateCase):
    def test_a_cleared_worker_has_no_violations(self) -> None:
        answer = self.answer(self.worker("RIV-CLEAR"), self.visit())
        self.assertTrue(answer.allowed)
        self.assertEqual(answer.violations, ())

    def test_every_failed_rule_is_answered(self) -> None:
        worker = self.worker("RIV-MANY", stage="induction", status="suspended")
        DeclinedWorker.objects.create(
            participant=self.ada, worker=worker, recorded_at=at(date(2026, 11, 1))
        )
        answer = self.answer(worker, self.visit(lone=True))
        self.assertEqual(answer.rules, ["G1", "G2", "G5", "G9"])
        self.assertFalse(answer.allowed)

    def test_only_the_sign_offs_the_visits_need_are_loaded(self) -> None:
        worker = self.worker("RIV-NEEDS")  # medication support and safeguarding, independent
        make_sign_off(
            worker, self.crisis, "independent", signer=self.lead, pathway=self.cast.discharge
        )
        on_visit = self.worker("RIV-ON")
        welfare = self.visit([self.welfare], workers=[on_visit])  # safeguarding only
        facts = loading.stored_visits(Visit.objects.filter(pk=welfare.pk))
        gate = loading.load(facts, [worker.pk])
        # A candidate and a worker on the visit: safeguarding only, nothing else read.
        self.assertEqual(set(gate.workers[worker.pk].by_competency), {"safeguarding"})
        self.assertEqual(set(gate.workers[on_visit.pk].by_competency), {"safeguarding"})
        self.assertTrue(gate.check(worker.pk, facts[0]).allowed)
        # A visit needing medication support reads that too, and judges it.
        prompt = self.visit([self.prompt, self.welfare], at(MONDAY, 14), workers=[worker])
        facts = loading.stored_visits(Visit.objects.filter(pk=prompt.pk))
        gate = loading.load(facts)
        self.assertEqual(set(gate.workers[worker.pk].by_competency), {"medication", "safeguarding"})
        self.assertTrue(gate.check(worker.pk, facts[0]).allowed)
