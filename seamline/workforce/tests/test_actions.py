"""The workforce actions (SPEC C3): each rule refuses through the action that writes, a refusal
writes nothing, and every write leaves an audit entry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from seamline.access import Actor, NotFound, ReadOnly
from seamline.audit.models import AuditEntry
from seamline.competency.models import Competency
from seamline.errors import RuleViolation
from seamline.network.models import Network, Pathway
from seamline.testing import CastTestCase, make_pathway
from seamline.workforce import access, actions, rules
from seamline.workforce.models import (
    DelegationPause,
    EnhancedSupervisionPeriod,
    Evidence,
    SignOff,
    SupervisionSession,
    Worker,
)
from seamline.workforce.testing import (
    at,
    make_assessor,
    make_competency,
    make_evidence,
    make_module,
    make_sign_off,
    make_task_type,
    make_worker,
)

DAY = date(2026, 3, 2)


class WorkforceCase(CastTestCase):
    safeguarding: Competency
    crisis: Competency
    reablement: Pathway
    nurse: Worker
    lead: Worker
    worker: Worker
    agency: Worker
    swift_lead: Worker

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cast = cls.cast
        cls.safeguarding = make_competency("safeguarding", title="Safeguarding")
        cls.crisis = make_competency("crisis", title="Crisis response", pathway_specific=True)
        cls.reablement = make_pathway("reablement", cast.prime)
        cls.nurse = make_worker(cast.prime, "NB-001", first_name="Nia", last_name="Nurse")
        cls.lead = make_worker(cast.riverside, "RIV-LEAD", first_name="Lee", last_name="Lead")
        cls.worker = make_worker(
            cast.riverside,
            "RIV-001",
            first_name="Wren",
            last_name="Walker",
            pathways=[cast.discharge],
        )
        cls.agency = make_worker(
            cast.swift, "SW-001", first_name="Ash", last_name="Agency", employment_type="agency"
        )
        cls.swift_lead = make_worker(cast.swift, "SW-LEAD", first_name="Sam", last_name="Swift")
        for signer in (cls.lead, cls.swift_lead):
            make_sign_off(signer, cls.safeguarding, "independent", signer=cls.nurse)
        make_sign_off(cls.lead, cls.crisis, "enhanced", signer=cls.nurse, pathway=cast.discharge)

    @property
    def supervisor(self) -> Actor:
        return self.cast.actor(self.cast.river_supervisor)

    def full_evidence(self, worker: Worker, competency: Competency, on: date = DAY) -> None:
        make_evidence(worker, "observed_practice", on - timedelta(days=3), competency=competency)
        make_evidence(worker, "assessment", on - timedelta(days=2), competency=competency)

    def sign(self, worker: Worker | None = None, **kwargs: Any) -> SignOff:
        params: dict[str, Any] = {
            "signer": self.lead,
            "signed_at": at(DAY),
            "actor": self.supervisor,
            "worker": worker or self.worker,
            "competency": self.safeguarding,
            "stage": "independent",
        }
        params.update(kwargs)
        actor = params.pop("actor")
        who = params.pop("worker")
        competency = params.pop("competency")
        stage = params.pop("stage")
        return actions.sign_off_stage(actor, who, competency, stage, **params)

    def refused(self, call: Callable[[], object], *codes: str) -> RuleViolation:
        """The call is refused with `codes` and writes nothing at all."""
        counts = (
            SignOff.objects.count(),
            Evidence.objects.count(),
            SupervisionSession.objects.count(),
            DelegationPause.objects.filter(lifted_at__isnull=False).count(),
            AuditEntry.objects.filter(kind="write").count(),
        )
        with self.assertRaises(RuleViolation) as caught:
            call()
        self.assertEqual(caught.exception.codes, list(codes))
        self.assertEqual(
            counts,
            (
                SignOff.objects.count(),
                Evidence.objects.count(),
                SupervisionSession.objects.count(),
                DelegationPause.objects.filter(lifted_at__isnull=False).count(),
                AuditEntry.objects.filter(kind="write").count(),
            ),
        )
        return caught.exception


class SignOffTests(WorkforceCase):
    def test_sign_off_written_with_evidence_review_date_and_audit(self) -> None:
        self.full_evidence(self.worker, self.safeguarding)
        sign_off = self.sign()
        self.assertEqual(sign_off.signer_basis, "holds_independent")
        self.assertEqual(sign_off.review_due, date(2027, 3, 2))
        self.assertEqual(
            sorted(sign_off.evidence.values_list("kind", flat=True)),
            ["assessment", "observed_practice"],
        )
        entry = AuditEntry.objects.get(action="worker.sign_off")
        self.assertEqual(entry.object_id, str(sign_off.uuid))
        self.assertEqual(entry.object_organisation_code, "riverside")
        self.assertEqual(entry.changes["stage"], [None, "independent"])

    def test_signer_may_not_be_the_worker(self) -> None:
        self.full_evidence(self.lead, self.safeguarding)
        self.refused(lambda: self.sign(self.lead), "signer_is_worker")

    def test_signer_must_hold_independent(self) -> None:
        self.full_evidence(self.worker, self.safeguarding)
        junior = make_worker(self.cast.riverside, "RIV-JUN")
        make_sign_off(junior, self.safeguarding, "supervised", signer=self.nurse)
        self.refused(lambda: self.sign(signer=junior), "signer_not_entitled")

    def test_signer_holding_it_only_after_the_signing_instant_is_not_entitled(self) -> None:
        self.full_evidence(self.worker, self.safeguarding)
        later = make_worker(self.cast.riverside, "RIV-LATE")
        make_sign_off(
            later, self.safeguarding, "independent", signer=self.nurse, signed_at=at(DAY, 11)
        )
        self.refused(lambda: self.sign(signer=later), "signer_not_entitled")

    def test_designated_assessor_may_sign(self) -> None:
        self.full_evidence(self.worker, self.safeguarding)
        assessor = make_worker(self.cast.riverside, "RIV-ASSESS")
        make_assessor(assessor, self.safeguarding, designated_on=date(2026, 2, 1))
        sign_off = self.sign(signer=assessor)
        self.assertEqual(sign_off.signer_basis, "designated_assessor")

    def test_signer_must_be_of_the_workers_organisation_or_the_prime(self) -> None:
        self.full_evidence(self.worker, self.safeguarding)
        self.refused(lambda: self.sign(signer=self.swift_lead), "signer_wrong_organisation")
        make_sign_off(self.nurse, self.safeguarding, "independent", signer=self.lead)
        self.assertEqual(self.sign(signer=self.nurse).signer, self.nurse)

    def test_worker_and_signer_must_be_working_on_the_signing_day(self) -> None:
        self.full_evidence(self.worker, self.safeguarding, on=date(2026, 1, 30))
        Worker.objects.filter(pk=self.lead.pk).update(status="left", left_on=date(2026, 2, 1))
        self.lead.refresh_from_db()
        self.refused(self.sign, "signer_not_active")
        # Signed before the signer left: still valid.
        self.assertEqual(self.sign(signed_at=at(date(2026, 1, 30))).signer, self.lead)
        Worker.objects.filter(pk=self.worker.pk).update(status="left", left_on=date(2026, 2, 1))
        self.worker.refresh_from_db()
        make_sign_off(self.nurse, self.safeguarding, "independent", signer=self.lead)
        self.refused(lambda: self.sign(signer=self.nurse), "worker_not_active")

    def test_every_required_evidence_kind_must_be_present(self) -> None:
        make_evidence(
            self.worker, "observed_practice", date(2026, 2, 1), competency=self.safeguarding
        )
        violation = self.refused(self.sign, "evidence_missing")
        self.assertIn("assessment", violation.reasons[0].message)

    def test_evidence_must_be_in_date_at_signing(self) -> None:
        make_evidence(
            self.worker,
            "observed_practice",
            date(2025, 1, 1),
            competency=self.safeguarding,
            valid_until=date(2026, 1, 1),
        )
        make_evidence(self.worker, "assessment", date(2026, 2, 1), competency=self.safeguarding)
        self.refused(self.sign, "evidence_out_of_date")

    def test_evidence_dated_after_signing_does_not_count(self) -> None:
        make_evidence(
            self.worker, "observed_practice", DAY + timedelta(days=1), competency=self.safeguarding
        )
        make_evidence(self.worker, "assessment", date(2026, 2, 1), competency=self.safeguarding)
        self.refused(self.sign, "evidence_out_of_date")

    def test_modules_alone_reach_induction_at_most(self) -> None:
        lax = make_competency(
            "lax", stage_evidence={"induction": ["module"], "supervised": ["module"]}
        )
        make_sign_off(self.lead, lax, "independent", signer=self.nurse)
        make_evidence(self.worker, "module", date(2026, 2, 1), competency=lax)
        self.assertEqual(self.sign(competency=lax, stage="induction").stage, "induction")
        self.refused(lambda: self.sign(competency=lax, stage="supervised"), "modules_only")

    def test_temporary_workers_are_rechecked_every_three_months(self) -> None:
        self.full_evidence(self.agency, self.safeguarding)
        sign_off = self.sign(
            self.agency, signer=self.swift_lead, actor=self.cast.actor(self.cast.swift_admin)
        )
        self.assertEqual(sign_off.review_due, date(2026, 6, 2))

    def test_temporary_recheck_follows_the_network_setting(self) -> None:
        Network.objects.update(temporary_review_months=2)
        self.full_evidence(self.agency, self.safeguarding)
        sign_off = self.sign(
            self.agency, signer=self.swift_lead, actor=self.cast.actor(self.cast.swift_admin)
        )
        self.assertEqual(sign_off.review_due, date(2026, 5, 2))

    def test_later_sign_off_supersedes_the_earlier(self) -> None:
        self.full_evidence(self.worker, self.safeguarding)
        make_evidence(self.worker, "module", date(2026, 2, 1), competency=self.safeguarding)
        first = self.sign(stage="supervised")
        second = self.sign(signed_at=at(DAY, 15))
        first.refresh_from_db()
        self.assertEqual(first.superseded_at, second.signed_at)
        self.assertIsNone(second.superseded_at)

    def test_same_source_key_returns_the_first_sign_off(self) -> None:
        self.full_evidence(self.worker, self.safeguarding)
        first = self.sign(source_key="import:1")
        again = self.sign(source_key="import:1", stage="supervised")
        self.assertEqual(again.pk, first.pk)
        self.assertEqual(SignOff.objects.filter(worker=self.worker).count(), 1)

    def test_pathway_specific_competency_needs_a_pathway(self) -> None:
        self.full_evidence(self.worker, self.crisis)
        self.full_evidence(self.worker, self.safeguarding)
        self.refused(lambda: self.sign(competency=self.crisis), "pathway_required")
        self.refused(lambda: self.sign(pathway=self.cast.discharge), "pathway_not_applicable")
        sign_off = self.sign(competency=self.crisis, pathway=self.cast.discharge)
        self.assertEqual(sign_off.pathway, self.cast.discharge)

    def test_only_those_with_rights_record_sign_offs(self) -> None:
        self.full_evidence(self.worker, self.safeguarding)
        for user in (self.cast.river_coordinator, self.cast.swift_admin, self.cast.inspector):
            with self.subTest(user=user.username):
                self.refused(
                    lambda u=user: self.sign(actor=self.cast.actor(u)),  # type: ignore[misc]
                    "not_permitted",
                )

    def test_revoke_needs_a_reason_and_happens_once(self) -> None:
        self.full_evidence(self.worker, self.safeguarding)
        sign_off = self.sign()
        with self.assertRaises(RuleViolation) as caught:
            actions.revoke_sign_off(self.supervisor, sign_off, reason=" ")
        self.assertEqual(caught.exception.codes, ["reason_required"])
        actions.revoke_sign_off(self.supervisor, sign_off, reason="Signed in error")
        sign_off.refresh_from_db()
        self.assertIsNotNone(sign_off.revoked_at)
        self.assertEqual(sign_off.revoked_reason, "Signed in error")
        self.assertTrue(AuditEntry.objects.filter(action="worker.sign_off.revoke").exists())
        with self.assertRaises(RuleViolation) as again:
            actions.revoke_sign_off(self.supervisor, sign_off, reason="Twice")
        self.assertEqual(again.exception.codes, ["already_revoked"])


class RevalidationTests(WorkforceCase):
    def test_new_pathway_needs_pathway_specific_competencies_re_signed(self) -> None:
        make_evidence(
            self.worker,
            "observed_practice",
            date(2026, 1, 20),
            competency=self.crisis,
            pathway=self.cast.discharge,
        )
        make_evidence(
            self.worker,
            "assessment",
            date(2026, 1, 21),
            competency=self.crisis,
            pathway=self.cast.discharge,
        )
        self.sign(
            competency=self.crisis, pathway=self.cast.discharge, signed_at=at(date(2026, 2, 1))
        )
        actions.assign_pathway(self.supervisor, self.worker, self.reablement, started_on=DAY)
        due = rules.revalidation_due(
            pathways=[(p.pathway.code, p.started_on) for p in self.worker.pathways.all()],
            pathway_specific=["crisis"],
            attainments=actions.attainments_of(self.worker),
            at=at(DAY),
        )
        self.assertEqual([(d.pathway, d.competency) for d in due], [("reablement", "crisis")])
        # The evidence gathered on the old pathway does not carry over to the new one.
        self.refused(
            lambda: self.sign(competency=self.crisis, pathway=self.reablement),
            "evidence_missing",
            "evidence_missing",
        )
        self.full_evidence(self.worker, self.crisis)
        self.sign(competency=self.crisis, pathway=self.reablement)
        due = rules.revalidation_due(
            pathways=[(p.pathway.code, p.started_on) for p in self.worker.pathways.all()],
            pathway_specific=["crisis"],
            attainments=actions.attainments_of(self.worker),
            at=at(DAY, 12),
        )
        self.assertEqual(due, [])

    def test_pathway_assigned_once_and_audited(self) -> None:
        actions.assign_pathway(self.supervisor, self.worker, self.reablement, started_on=DAY)
        self.assertTrue(AuditEntry.objects.filter(action="worker.pathway.assign").exists())
        self.refused(
            lambda: actions.assign_pathway(
                self.supervisor, self.worker, self.reablement, started_on=DAY
            ),
            "pathway_already_assigned",
        )
        row = actions.end_pathway(
            self.supervisor, self.worker, self.reablement, ended_on=DAY + timedelta(days=30)
        )
        self.assertEqual(row.ended_on, date(2026, 4, 1))


class EvidenceTests(WorkforceCase):
    def test_record_evidence_is_idempotent_on_source_key(self) -> None:
        first = actions.record_evidence(
            self.supervisor,
            self.worker,
            kind="observed_practice",
            occurred_on=DAY,
            competency=self.safeguarding,
            source_key="obs-1",
        )
        again = actions.record_evidence(
            self.supervisor, self.worker, kind="assessment", occurred_on=DAY, source_key="obs-1"
        )
        self.assertEqual(again.pk, first.pk)
        self.assertEqual(again.kind, "observed_practice")
        self.assertEqual(AuditEntry.objects.filter(action="worker.evidence.add").count(), 1)

    def test_evidence_cannot_expire_before_it_occurred(self) -> None:
        self.refused(
            lambda: actions.record_evidence(
                self.supervisor,
                self.worker,
                kind="assessment",
                occurred_on=DAY,
                valid_until=DAY - timedelta(days=1),
            ),
            "valid_before_occurred",
        )

    def test_other_partners_may_not_record_evidence(self) -> None:
        self.refused(
            lambda: actions.record_evidence(
                self.cast.actor(self.cast.swift_admin),
                self.worker,
                kind="assessment",
                occurred_on=DAY,
            ),
            "not_permitted",
        )

    def test_module_completion_becomes_evidence_for_exact_and_part_of_mappings(self) -> None:
        medication = make_competency("medication")
        handoff = make_competency("handoff")
        module = make_module(
            self.cast.riverside,
            "RIV-SAFE-1",
            [(self.safeguarding, "exact"), (medication, "part_of"), (handoff, "related")],
            refresher_months=12,
        )
        made = actions.record_module_completion(
            self.supervisor, self.worker, module, completed_on=DAY, source_key="lms:9"
        )
        self.assertEqual(
            sorted((e.competency.code, e.kind, e.valid_until) for e in made if e.competency),
            [
                ("medication", "module", date(2027, 3, 2)),
                ("safeguarding", "module", date(2027, 3, 2)),
            ],
        )
        again = actions.record_module_completion(
            self.supervisor, self.worker, module, completed_on=DAY, source_key="lms:9"
        )
        self.assertEqual(sorted(e.pk for e in again), sorted(e.pk for e in made))

    def test_unmapped_module_is_refused(self) -> None:
        module = make_module(self.cast.riverside, "RIV-MISC", [(self.safeguarding, "related")])
        self.refused(
            lambda: actions.record_module_completion(
                self.supervisor, self.worker, module, completed_on=DAY
            ),
            "module_unmapped",
        )


class WorkerTests(WorkforceCase):
    def test_add_worker_with_supervisor_starts_enhanced_period(self) -> None:
        worker = actions.add_worker(
            self.cast.actor(self.cast.river_admin),
            self.cast.riverside,
            staff_id="RIV-NEW",
            first_name="Nova",
            last_name="Newman",
            employment_type="employed",
            role_group="support_worker",
            start_date=DAY,
            pathways=[self.cast.discharge],
            supervisor=self.lead,
        )
        period = EnhancedSupervisionPeriod.objects.get(worker=worker)
        self.assertEqual((period.starts_on, period.ends_on), (DAY, date(2026, 3, 30)))
        self.assertEqual(period.reason, "new_starter")
        self.assertEqual([p.pathway.code for p in worker.pathways.all()], ["discharge"])
        self.assertTrue(AuditEntry.objects.filter(action="worker.add", object_id=str(worker.uuid)))

    def test_add_worker_without_supervisor_starts_no_period(self) -> None:
        worker = actions.add_worker(
            self.cast.actor(self.cast.river_admin),
            self.cast.riverside,
            staff_id="RIV-NEW",
            first_name="Nova",
            last_name="Newman",
            employment_type="employed",
            role_group="support_worker",
            start_date=DAY,
        )
        self.assertFalse(EnhancedSupervisionPeriod.objects.filter(worker=worker).exists())

    def test_add_worker_refusals(self) -> None:
        def add(actor: Actor, staff_id: str = "RIV-001", kind: str = "employed") -> Worker:
            return actions.add_worker(
                actor,
                self.cast.riverside,
                staff_id=staff_id,
                first_name="Nova",
                last_name="Newman",
                employment_type=kind,
                role_group="support_worker",
                start_date=DAY,
            )

        admin = self.cast.actor(self.cast.river_admin)
        self.refused(lambda: add(admin), "staff_id_taken")
        self.refused(lambda: add(admin, "RIV-9", "freelance"), "invalid_employment_type")
        self.refused(
            lambda: add(self.cast.actor(self.cast.river_coordinator), "X"), "not_permitted"
        )
        self.refused(lambda: add(self.cast.actor(self.cast.swift_admin), "X"), "not_permitted")
        self.assertFalse(Worker.objects.filter(staff_id__in=["RIV-9", "X"]).exists())

    def test_update_worker_records_the_difference(self) -> None:
        actions.update_worker(
            self.supervisor, self.worker, {"role_group": "senior_support_worker"}, reason="Promoted"
        )
        entry = AuditEntry.objects.get(action="worker.update")
        self.assertEqual(entry.changes, {"role_group": ["support_worker", "senior_support_worker"]})
        self.refused(
            lambda: actions.update_worker(self.supervisor, self.worker, {"status": "left"}),
            "left_on_required",
        )
        self.refused(
            lambda: actions.update_worker(self.supervisor, self.worker, {"organisation": None}),
            "field_not_editable",
        )
        # A refusal leaves the caller's object as it was.
        self.assertEqual(self.worker.status, "active")

    def test_new_placement_resets_the_bundle_and_starts_enhanced_supervision(self) -> None:
        admin = self.cast.actor(self.cast.swift_admin)
        actions.start_placement(admin, self.agency, placement_start=DAY, supervisor=self.swift_lead)
        self.agency.refresh_from_db()
        self.assertEqual(self.agency.placement_start, DAY)
        period = EnhancedSupervisionPeriod.objects.get(worker=self.agency)
        self.assertEqual((period.reason, period.ends_on), ("placement", date(2026, 3, 30)))
        self.refused(
            lambda: actions.start_placement(
                admin, self.agency, placement_start=DAY, supervisor=self.swift_lead
            ),
            "placement_not_after_current",
        )
        self.refused(
            lambda: actions.start_placement(
                self.supervisor, self.worker, placement_start=DAY, supervisor=self.lead
            ),
            "not_temporary",
        )

    def test_enhanced_period_length_follows_the_network(self) -> None:
        Network.objects.update(enhanced_supervision_days=14)
        period = actions.start_enhanced_period(
            self.supervisor, self.worker, supervisor=self.lead, starts_on=DAY, reason="new_starter"
        )
        self.assertEqual(period.ends_on, date(2026, 3, 16))
        self.refused(
            lambda: actions.start_enhanced_period(
                self.supervisor, self.worker, supervisor=self.worker, starts_on=DAY, reason="x"
            ),
            "supervisor_is_worker",
            "invalid_reason",
            "enhanced_overlap",
        )

    def test_enhanced_placement_and_assessor_writes_are_audited(self) -> None:
        actions.start_enhanced_period(
            self.supervisor, self.worker, supervisor=self.lead, starts_on=DAY, reason="new_starter"
        )
        actions.designate_assessor(
            self.supervisor, self.lead, self.crisis, designated_on=date(2026, 2, 1)
        )
        actions.start_placement(
            self.cast.actor(self.cast.swift_admin),
            self.agency,
            placement_start=DAY,
            supervisor=self.swift_lead,
        )
        entries = AuditEntry.objects.filter(action__startswith="worker.").order_by("seq")
        self.assertEqual(
            [(e.action, e.object_id) for e in entries],
            [
                ("worker.enhanced.start", str(self.worker.uuid)),
                ("worker.assessor.designate", str(self.lead.uuid)),
                ("worker.placement.start", str(self.agency.uuid)),
            ],
        )
        self.assertEqual(entries[2].changes["placement_start"], [None, "2026-03-02"])
        self.refused(
            lambda: actions.designate_assessor(
                self.supervisor, self.lead, self.crisis, designated_on=DAY
            ),
            "already_assessor",
        )

    def test_supervision_planned_then_held(self) -> None:
        session = actions.plan_supervision(
            self.supervisor, self.worker, supervisor=self.lead, planned_for=DAY
        )
        held = actions.record_supervision_held(self.supervisor, session, held_on=DAY, notes="Fine")
        self.assertEqual(held.held_on, DAY)
        self.assertEqual(
            list(
                AuditEntry.objects.filter(object_id=str(session.uuid))
                .order_by("seq")
                .values_list("action", flat=True)
            ),
            ["worker.supervision.plan", "worker.supervision.held"],
        )
        self.refused(
            lambda: actions.plan_supervision(
                self.supervisor, self.worker, supervisor=self.swift_lead, planned_for=DAY
            ),
            "supervisor_wrong_organisation",
        )


class PauseTests(WorkforceCase):
    def setUp(self) -> None:
        self.meds = make_task_type("medication_prompt", delegated=True, risk_tier=3)
        self.started = at(DAY, 9)

    def pause(self) -> DelegationPause:
        return actions.pause_delegation(
            self.supervisor,
            self.worker,
            self.meds,
            reason="Spot-check below threshold",
            at=self.started,
            supervisor=self.lead,
        )

    def test_pause_plans_remedial_supervision_within_the_network_days(self) -> None:
        pause = self.pause()
        self.assertEqual(pause.remedial_due, date(2026, 3, 9))
        assert pause.remedial_session is not None
        self.assertEqual(pause.remedial_session.kind, "remedial")
        self.assertEqual(pause.remedial_session.planned_for, date(2026, 3, 9))
        self.assertTrue(AuditEntry.objects.filter(action="worker.delegation.pause").exists())

    def test_only_delegated_tasks_pause(self) -> None:
        visit = make_task_type("visit", delegated=False, risk_tier=1)
        self.refused(
            lambda: actions.pause_delegation(self.supervisor, self.worker, visit, reason="x"),
            "task_not_delegated",
        )

    def test_pause_lifts_only_after_remedial_supervision_and_new_observation(self) -> None:
        pause = self.pause()
        session = pause.remedial_session
        assert session is not None
        old = make_evidence(self.worker, "observed_practice", DAY, competency=self.safeguarding)
        self.refused(
            lambda: actions.lift_pause(
                self.supervisor, pause, remedial_session=session, observed_practice=old
            ),
            "remedial_not_held",
            "observation_missing",
        )
        actions.record_supervision_held(self.supervisor, session, held_on=date(2026, 3, 4))
        self.refused(
            lambda: actions.lift_pause(
                self.supervisor, pause, remedial_session=session, observed_practice=old
            ),
            "observation_missing",
        )
        new = make_evidence(
            self.worker, "observed_practice", date(2026, 3, 5), competency=self.safeguarding
        )
        lifted = actions.lift_pause(
            self.supervisor, pause, remedial_session=session, observed_practice=new
        )
        self.assertIsNotNone(lifted.lifted_at)
        self.assertEqual(lifted.observed_practice, new)
        self.assertTrue(AuditEntry.objects.filter(action="worker.delegation.lift").exists())

    def test_only_a_remedial_session_lifts_a_pause(self) -> None:
        pause = self.pause()
        routine = actions.plan_supervision(
            self.supervisor, self.worker, supervisor=self.lead, planned_for=date(2026, 3, 3)
        )
        actions.record_supervision_held(self.supervisor, routine, held_on=date(2026, 3, 3))
        new = make_evidence(self.worker, "observed_practice", date(2026, 3, 5))
        self.refused(
            lambda: actions.lift_pause(
                self.supervisor, pause, remedial_session=routine, observed_practice=new
            ),
            "remedial_not_held",
        )

    def test_a_second_pause_of_the_same_task_is_refused(self) -> None:
        self.pause()
        self.refused(self.pause, "already_paused")


class AccessMatrixTests(WorkforceCase):
    """Who reads and who changes a worker's record (`workforce.access`)."""

    READ = {
        "net_admin": True,
        "quality": True,
        "prime_worker": False,
        "river_admin": True,
        "river_supervisor": True,
        "river_coordinator": True,
        "river_scheduler": True,
        "river_worker": False,
        "swift_admin": False,
        "swift_worker": False,
        "commissioner": False,
        "inspector": True,
    }
    WRITE = {"net_admin", "quality", "river_admin", "river_supervisor"}

    def test_read_and_write_matrix(self) -> None:
        for name, may_read in self.READ.items():
            actor = self.cast.actor(self.cast[name])
            with self.subTest(name, write=False):
                if may_read:
                    self.assertEqual(
                        access.get_worker_for_user(actor, self.worker.uuid), self.worker
                    )
                else:
                    refusals = AuditEntry.objects.filter(kind="refused").count()
                    with self.assertRaises(NotFound):
                        access.get_worker_for_user(actor, self.worker.uuid)
                    self.assertEqual(
                        AuditEntry.objects.filter(kind="refused").count(), refusals + 1
                    )
            with self.subTest(name, write=True):
                if name in self.WRITE:
                    access.get_worker_for_user(actor, self.worker.uuid, write=True)
                else:
                    with self.assertRaises(NotFound if not may_read else ReadOnly):
                        access.get_worker_for_user(actor, self.worker.uuid, write=True)

    def test_a_worker_reads_their_own_record_but_does_not_change_it(self) -> None:
        me = make_worker(self.cast.riverside, "RIV-ME", user=self.cast.river_worker)
        actor = self.cast.actor(self.cast.river_worker)
        self.assertEqual(access.get_worker_for_user(actor, me.uuid), me)
        self.assertEqual(list(Worker.objects.visible_to(actor)), [me])
        with self.assertRaises(ReadOnly):
            access.get_worker_for_user(actor, me.uuid, write=True)

    def test_a_malformed_id_is_not_found(self) -> None:
        with self.assertRaises(NotFound):
            access.get_worker_for_user(self.cast.actor(self.cast.net_admin), "not-a-uuid")
