"""A small audit scene on the named cast: the built-in templates; six handoffs the prime sent
to Riverside today, four on the discharge pathway and two on a crisis pathway; and, in the
rota week of Monday 16 November 2026, a Riverside worker assigned to two visits with a
delegated medication prompt (the documentation spot-check's records)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from seamline.cases.testing import make_participant, make_referral
from seamline.competency.models import TaskType
from seamline.network.models import OrganisationStatusChange, Pathway
from seamline.quality import actions
from seamline.quality.models import ScoringTemplate
from seamline.rota.models import Visit
from seamline.rota.testing import MONDAY, at, make_visit
from seamline.testing import make_pathway
from seamline.workforce.models import Worker
from seamline.workforce.testing import (
    make_competency,
    make_session,
    make_sign_off,
    make_task_type,
    make_worker,
)

TUESDAY = date(2026, 11, 17)
THURSDAY = date(2026, 11, 19)
ALL_YES = {
    "illness_severity": "yes",
    "summary": "yes",
    "action_list": "yes",
    "situation_awareness": "yes",
    "synthesis": "yes",
}


@dataclass
class AuditScene:
    crisis: Pathway
    handoff_codes: list[str]
    prompt: TaskType
    lead: Worker
    amy: Worker
    visits: list[Visit]

    def template(self, code: str) -> ScoringTemplate:
        return ScoringTemplate.objects.get(code=code)


def build_audit_scene(cast: Any) -> AuditScene:
    from seamline.handoffs.testing import load_templates, make_handoff

    actions.load_builtin_templates(cast.actor(cast.quality))
    load_templates()
    crisis = make_pathway("crisis", cast.prime, name="Crisis stabilisation")
    codes = []
    for i, pathway in enumerate([cast.discharge] * 4 + [crisis] * 2):
        person = make_participant(cast.prime, given_name=f"Audit{i}", family_name="Person")
        referral = make_referral(person, pathway, cast.prime, cast.prime_worker)
        codes.append(make_handoff(referral, cast.prime_worker, cast.riverside, send=True).code)
    # The rota scene: organisations in the network long before the week.
    OrganisationStatusChange.objects.update(changed_at=at(date(2025, 1, 1)))
    med = make_competency("medication", title="Medication support")
    prompt = make_task_type("medication_prompt", [(med, "supervised")], risk_tier=2, delegated=True)
    lead = make_worker(cast.prime, "NB-LEAD", first_name="Lena", last_name="Lead")
    amy = make_worker(cast.riverside, "RIV-AMY", first_name="Amy", last_name="Audit")
    make_sign_off(amy, med, "independent", signer=lead)
    make_session(amy, lead, date(2026, 11, 9), held_on=date(2026, 11, 9))
    ada = make_participant(cast.riverside, given_name="Ada", family_name="Spot")
    make_referral(ada, cast.discharge, cast.riverside, cast.river_coordinator)
    visits = [
        make_visit(ada, cast.discharge, [prompt], at(MONDAY, 9), workers=[amy]),
        make_visit(ada, cast.discharge, [prompt], at(TUESDAY, 9), workers=[amy]),
    ]
    return AuditScene(crisis, codes, prompt, lead, amy, visits)


def today() -> date:
    return timezone.localdate()
