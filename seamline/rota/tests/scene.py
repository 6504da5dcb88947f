"""The scene the gate's tests share: a small framework, a participant in Riverside's care and a
few workers, all in the rota week of Monday 16 November 2026."""

from __future__ import annotations

from datetime import date, datetime

from seamline.cases.models import Participant
from seamline.cases.testing import make_participant, make_referral
from seamline.competency.models import Competency, TaskType
from seamline.network.models import OrganisationStatusChange
from seamline.rota import loading
from seamline.rota.gate import Answer
from seamline.rota.models import Visit
from seamline.rota.testing import MONDAY, at, make_visit
from seamline.testing import CastTestCase
from seamline.workforce.models import Worker
from seamline.workforce.testing import (
    make_competency,
    make_session,
    make_sign_off,
    make_task_type,
    make_worker,
)

TUESDAY = date(2026, 11, 17)
WEDNESDAY = date(2026, 11, 18)
THURSDAY = date(2026, 11, 19)


class GateCase(CastTestCase):
    """Competencies: medication support and safeguarding (general), crisis response
    (pathway-specific). Task types: welfare check (tier 1, safeguarding at induction),
    medication prompt (tier 2, medication at supervised), medication administration (tier 3,
    delegated, medication at independent)."""

    med: Competency
    safe: Competency
    crisis: Competency
    welfare: TaskType
    prompt: TaskType
    admin: TaskType
    crisis_visit: TaskType
    lead: Worker
    ada: Participant

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cast = cls.cast
        cls.med = make_competency("medication", title="Medication support")
        cls.safe = make_competency("safeguarding", title="Safeguarding adults")
        cls.crisis = make_competency("crisis", title="Crisis response", pathway_specific=True)
        cls.welfare = make_task_type("welfare_check", [(cls.safe, "induction")], risk_tier=1)
        cls.prompt = make_task_type(
            "medication_prompt", [(cls.med, "supervised")], risk_tier=2, delegated=True
        )
        cls.admin = make_task_type(
            "medication_administration", [(cls.med, "independent")], risk_tier=3, delegated=True
        )
        cls.crisis_visit = make_task_type("crisis_visit", [(cls.crisis, "independent")])
        # The organisations joined the network long before the rota week.
        OrganisationStatusChange.objects.update(changed_at=at(date(2025, 1, 1)))
        cls.lead = make_worker(cast.prime, "NB-LEAD", first_name="Lena", last_name="Lead")
        cls.ada = make_participant(cast.riverside, given_name="Ada", family_name="Gate")
        make_referral(cls.ada, cast.discharge, cast.riverside, cast.river_coordinator)

    # -- helpers -------------------------------------------------------------------------------

    def worker(
        self, staff_id: str, *, stage: str | None = "independent", **kwargs: object
    ) -> Worker:
        """A Riverside worker holding medication support and safeguarding at `stage` (none
        when None), supervised a week before the rota week."""
        kwargs.setdefault("organisation", self.cast.riverside)
        org = kwargs.pop("organisation")
        first = staff_id.split("-")[-1].title()
        worker = make_worker(org, staff_id, first_name=first, last_name="Test", **kwargs)  # type: ignore[arg-type]
        if stage is not None:
            make_sign_off(worker, self.med, stage, signer=self.lead)
            make_sign_off(worker, self.safe, stage, signer=self.lead)
        make_session(worker, self.lead, date(2026, 11, 9), held_on=date(2026, 11, 9))
        return worker

    def visit(
        self,
        tasks: list[TaskType] | None = None,
        start: datetime | None = None,
        **kwargs: object,
    ) -> Visit:
        kwargs.setdefault("organisation", self.cast.riverside)
        participant = kwargs.pop("participant", self.ada)
        return make_visit(
            participant,  # type: ignore[arg-type]
            kwargs.pop("pathway", self.cast.discharge),  # type: ignore[arg-type]
            tasks if tasks is not None else [self.prompt],
            start or at(MONDAY, 10),
            **kwargs,  # type: ignore[arg-type]
        )

    def answer(self, worker: Worker, visit: Visit) -> Answer:
        facts = loading.stored_visits(Visit.objects.filter(pk=visit.pk))
        loaded = loading.load(facts, [worker.pk])
        return loaded.check(worker.pk, facts[0])

    def rules_of(self, worker: Worker, visit: Visit) -> list[str]:
        return self.answer(worker, visit).rules

    def assertRule(
        self, rule: str, worker: Worker, visit: Visit, blocked: bool, case: str = ""
    ) -> None:
        answer = self.answer(worker, visit)
        found = [v for v in answer.violations if v.rule == rule]
        if blocked:
            self.assertTrue(found, f"{case}: expected {rule} to block; got {answer.violations}")
            for v in found:
                self.assertTrue(v.message.strip())
        else:
            self.assertFalse(found, f"{case}: expected {rule} not to block; got {found}")


__all__ = ["MONDAY", "THURSDAY", "TUESDAY", "WEDNESDAY", "GateCase", "at"]
