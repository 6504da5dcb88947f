"""`rota.loading`: a few workers' facts read in one statement (`_few_facts`) come to exactly
the workers the separate queries give, whatever the kinds of fact; and a single check asks a
fixed, small number of queries."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seamline.competency.choices import EvidenceKind
from seamline.competency.framework import snapshot
from seamline.competency.models import FrameworkVersion
from seamline.network.models import OrganisationStatusChange
from seamline.rota import loading, rules
from seamline.rota.gate import Settings, WorkerWindow
from seamline.rota.models import Visit
from seamline.workforce.choices import LOCAL_INDUCTION_TOPICS
from seamline.workforce.models import WorkerStatusChange
from seamline.workforce.testing import (
    make_enhanced_period,
    make_evidence,
    make_pause,
    make_session,
    make_sign_off,
    make_worker,
)

from .scene import MONDAY, TUESDAY, WEDNESDAY, GateCase, at


def comparable(worker: WorkerWindow) -> dict[str, object]:
    """Everything loaded about a worker, the lists whose order the database chooses sorted."""
    found = {f.name: getattr(worker, f.name) for f in fields(worker)}
    for name in ("attainments", "bundle", "enhanced"):
        found[name] = sorted(found[name], key=repr)
    found["by_competency"] = {
        code: sorted(held, key=repr) for code, held in worker.by_competency.items()
    }
    return found


class FewFactsTests(GateCase):
    def test_one_statement_loads_what_the_separate_queries_load(self) -> None:
        cast = self.cast
        rich = self.worker("RIV-RICH", stage="supervised")
        # Sign-offs superseded and revoked inside the week, one made in it, one pathway-specific.
        make_sign_off(rich, self.med, "independent", signer=self.lead, superseded_at=at(TUESDAY, 9))
        make_sign_off(rich, self.safe, "enhanced", signer=self.lead, revoked_at=at(WEDNESDAY, 9))
        make_sign_off(rich, self.med, "enhanced", signer=self.lead, signed_at=at(TUESDAY, 15))
        make_sign_off(rich, self.crisis, "independent", signer=self.lead, pathway=cast.discharge)
        make_pause(rich, self.admin, at(MONDAY, 8))
        make_pause(rich, self.prompt, at(MONDAY - timedelta(days=3), 8))
        WorkerStatusChange.objects.create(
            worker=rich, from_status="active", to_status="suspended", changed_at=at(TUESDAY, 12)
        )
        WorkerStatusChange.objects.create(
            worker=rich, from_status="suspended", to_status="active", changed_at=at(WEDNESDAY, 8)
        )
        make_session(rich, self.lead, TUESDAY, held_on=TUESDAY)
        make_enhanced_period(rich, self.lead, MONDAY - timedelta(days=3), days=10)
        OrganisationStatusChange.objects.create(
            organisation=cast.riverside,
            from_status="active",
            to_status="suspended",
            changed_at=at(WEDNESDAY, 18),
            reason="Contract review",
        )
        # A temporary worker with a bundle part way: evidence from before the placement, an
        # unverified module, a supervised-practice sign-off and a local induction.
        placement = MONDAY - timedelta(days=20)
        agency = self.worker(
            "SW-TEMP",
            organisation=cast.swift,
            employment_type="agency",
            placement_start=placement,
        )
        make_evidence(
            agency,
            EvidenceKind.MODULE,
            placement - timedelta(days=5),
            competency=self.med,
            verified_by=cast.river_scheduler,
        )
        make_evidence(
            agency,
            EvidenceKind.MODULE,
            placement + timedelta(days=1),
            competency=self.med,
            verified_by=cast.river_scheduler,
        )
        make_evidence(
            agency, EvidenceKind.MODULE, placement + timedelta(days=2), competency=self.safe
        )
        make_evidence(agency, EvidenceKind.SUPERVISED_PRACTICE_SIGNOFF, TUESDAY)
        make_evidence(
            agency,
            EvidenceKind.LOCAL_INDUCTION,
            placement + timedelta(days=3),
            detail={"topics": list(LOCAL_INDUCTION_TOPICS)},
        )
        plain = make_worker(cast.riverside, "RIV-PLAIN")  # nothing at all
        ids = {rich.pk, agency.pk, plain.pk}
        visits = loading.stored_visits(
            [self.visit([self.admin, self.crisis_visit], at(TUESDAY, 10), workers=[rich]).pk]
        )
        start, end = rules.week_window(rules.week_of(MONDAY), timezone.get_current_timezone())
        window = loading.Window(start, end, frozenset({rules.week_of(MONDAY)}))
        self.assertEqual(len(visits), 1)
        needed = {pk: {"medication", "safeguarding", "crisis"} for pk in ids}
        settings = Settings.current()
        with CaptureQueriesContext(connection) as one:
            few = loading._workers(ids, window, settings, needed)
        with CaptureQueriesContext(connection) as apart:
            separate = loading._workers(ids, window, settings, needed, few_facts=False)
        self.assertEqual(len(one), 2)
        self.assertGreater(len(apart), len(one))
        self.assertEqual(set(few), ids)
        for pk in ids:
            with self.subTest(worker=few[pk].staff_id):
                self.assertEqual(comparable(few[pk]), comparable(separate[pk]))
        loaded = few[rich.pk]
        self.assertEqual(len(loaded.status_changes), 2)
        self.assertEqual(len(loaded.pauses), 2)
        self.assertTrue(loaded.org_has_history)
        self.assertEqual(len(loaded.boundaries), 7)
        self.assertEqual(loaded.held, [date(2026, 11, 9), TUESDAY])
        kinds = sorted(e.kind for e in few[agency.pk].bundle)
        self.assertEqual(kinds, ["local_induction", "module", "supervised_practice_signoff"])

    def test_a_single_check_asks_a_fixed_number_of_queries(self) -> None:
        # As in a live network, the framework in force is a recorded version (parsed once).
        FrameworkVersion.objects.create(
            number=1,
            created_at=at(MONDAY - timedelta(days=30)),
            reason="The framework as agreed.",
            snapshot=snapshot(),
        )
        amy = self.worker("RIV-AMY")
        visit = self.visit([self.prompt], at(MONDAY, 9), workers=[amy])
        for _ in range(2):  # the second time, nothing is built or cached any more
            with CaptureQueriesContext(connection) as captured:
                gate = loading.load(loading.stored_visits([visit.pk]))
                answer = gate.check(amy.pk, gate.visits[visit.code])
        self.assertTrue(answer.allowed)
        # The visit (3), the network, the framework (2), the workers and their facts (2), the
        # rota around the visit, risk flags, shifts, declined workers, preferences, overrides.
        self.assertEqual(len(captured), 14, [str(q["sql"])[:90] for q in captured])
        self.assertEqual(Visit.objects.count(), 1)


def test_a_worker_s_other_visits_are_those_that_could_overlap() -> None:
    from datetime import UTC, datetime

    from seamline.rota.gate import RotaState, Slot, VisitFacts

    def slot(key: str, hour: int, hours: int = 1) -> Slot:
        start = datetime(2026, 11, 16, hour, tzinfo=UTC)
        return Slot(key, start, start + timedelta(hours=hours), 1, False, "2026-W47")

    def visit(key: str, hour: int, hours: int = 1) -> VisitFacts:
        start = datetime(2026, 11, 16, hour, tzinfo=UTC)
        return VisitFacts(
            key, "riverside", 1, "discharge", (), start, start + timedelta(hours=hours)
        )

    state = RotaState()
    for s in (slot("A", 9), slot("B", 11), slot("C", 13, hours=2)):
        state.add(7, s)
    # Its own visits, none overlapping another: nothing.
    assert state.others(7, visit("B", 11)) == []
    # A visit it is not on yet (a candidate's check): the visits that start less than the
    # longest visit (two hours) before it and before it ends.
    near = state.others(7, visit("X", 12, hours=2))
    assert [code for code, _, _ in near] == ["B", "C"]
    assert state.others(8, visit("X", 12)) == []
    # Put on an overlapping visit (a solver's step), its own visits now see each other.
    state.add(7, slot("D", 14))
    assert [code for code, _, _ in state.others(7, visit("D", 14))] == ["C"]
    # (B, from 11:00, starts less than the longest visit before C: it could, and `g8_time`
    # finds it does not.)
    assert [code for code, _, _ in state.others(7, visit("C", 13, hours=2))] == ["B", "D"]
    state.remove(7, "D")
    assert state.others(7, visit("C", 13, hours=2)) == []
