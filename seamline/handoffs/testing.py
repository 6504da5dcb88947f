"""Helpers for handoff tests: the default templates, a complete bundle, a person cleared for
handoff receipt, and handoffs drafted and sent through the real actions.

    templates = load_templates()
    clear_for_receipt(cast.river_coordinator, cast.riverside)
    handoff = make_handoff(referral, cast.prime_worker, cast.riverside, send=True)

Fixed, readable values; nothing random.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from seamline.access import Actor, actor_for
from seamline.cases.models import Participant, Referral
from seamline.cases.testing import make_participant, make_referral
from seamline.competency.models import Competency, TaskType
from seamline.network.models import Organisation, Pathway, User
from seamline.workforce.models import Worker
from seamline.workforce.testing import make_competency, make_sign_off, make_task_type, make_worker

from . import actions
from .models import AuditSample, BundleTemplate, Handoff

SYSTEM = Actor.system("test")
ESCALATION = (
    "If she falls or is newly confused, call 999 first, then the Northbridge duty line on "
    "01632 960 111 within the hour."
)


def load_templates() -> dict[str, BundleTemplate]:
    actions.load_default_templates(SYSTEM)
    return {t.transition: t for t in BundleTemplate.objects.select_related("current")}


def fresh(user: User) -> Actor:
    user.__dict__.pop("_seamline_actor", None)
    return actor_for(user)


def due(hours: int = 24) -> str:
    return (timezone.localtime() + timedelta(hours=hours)).replace(microsecond=0).isoformat()


def full_content(
    owner_organisation: str = "riverside", owner_role: str = "coordinator"
) -> dict[str, Any]:
    """A hospital discharge bundle with every field of the default template filled in."""
    return {
        "risk_status": "high",
        "current_risks": [
            {"risk": "Falls at night since the new sleeping tablet", "severity": "high"},
            {"risk": "Missed meals when alone", "severity": "medium"},
        ],
        "protective_factors": ["Daughter visits daily", "Keeps to a morning routine"],
        "medication_changes": [
            {"medicine": "Zopiclone 3.75 mg", "change": "started", "detail": "At night"},
        ],
        "safety_plan": ["Pendant alarm worn at all times"],
        "escalation_instructions": ESCALATION,
        "safeguarding_status": "none_known",
        "consent": "given",
        "key_contacts": [{"name": "Mary Lovelace", "role": "Daughter", "phone": "07700 900123"}],
        "current_plan": "Four visits a day for two weeks, then review.",
        "next_review": (timezone.localdate() + timedelta(days=7)).isoformat(),
        "action_items": [
            {
                "description": "First visit and home safety check",
                "owner_organisation": owner_organisation,
                "owner_role": owner_role,
                "owner_person": "",
                "due_at": due(24),
            }
        ],
    }


def handoff_receipt_task() -> TaskType:
    """The `handoff_receipt` task type, needing handoff communication at independent."""
    found = TaskType.objects.filter(code="handoff_receipt").first()
    if found is not None:
        return found
    competency = Competency.objects.filter(code="handoff_communication").first()
    if competency is None:
        competency = make_competency("handoff_communication", title="Handoff communication")
    return make_task_type(
        "handoff_receipt", [(competency, "independent")], risk_tier=3, title="Handoff receipt"
    )


def clear_for_receipt(user: User, org: Organisation, *, cleared: bool = True) -> Worker:
    """Give `user` a worker record; signed off for every requirement of handoff receipt (on
    every pathway, for a pathway-specific one) unless `cleared` is False."""
    task = handoff_receipt_task()
    worker = make_worker(org, f"HR-{user.username}", first_name=user.first_name, user=user)
    if not cleared:
        return worker
    signer = Worker.objects.filter(staff_id="HR-SIGNER", organisation=org).first()
    if signer is None:
        signer = make_worker(org, "HR-SIGNER", first_name="Signer")
    signed = timezone.now() - timedelta(days=60)
    for requirement in task.requirements.select_related("competency"):
        competency = requirement.competency
        pathways: list[Pathway | None] = (
            list(Pathway.objects.all()) if competency.pathway_specific else [None]
        )
        for pathway in pathways:
            make_sign_off(
                worker,
                competency,
                requirement.min_stage,
                signer=signer,
                signed_at=signed,
                review_due=(signed + timedelta(days=365)).date(),
                pathway=pathway,
            )
    return worker


def make_handoff(
    referral: Referral,
    sender: User,
    receiving: Organisation,
    *,
    transition: str = "hospital_discharge",
    content: dict[str, Any] | None = None,
    send: bool = False,
    at: datetime | None = None,
) -> Handoff:
    template = BundleTemplate.objects.select_related("current").get(transition=transition)
    actor = fresh(sender)
    handoff = actions.create_handoff(
        actor,
        referral,
        template=template,
        receiving_organisation=receiving,
        content=full_content(receiving.code) if content is None else content,
        at=at,
    )
    if send:
        handoff = actions.send_handoff(actor, handoff, at=at)
    return handoff


@dataclass
class Scene:
    """Four cases of Ada's on the prime's discharge pathway, owned by the prime, each handed
    (or being handed) to Riverside: a draft, one sent, one rejected, one accepted; a fifth case
    with no handoff yet; the prime's quality lead's audit sample of the three sent ones."""

    participant: Participant
    referrals: list[Referral]
    draft: Handoff
    sent: Handoff
    rejected: Handoff
    accepted: Handoff
    free: Referral
    sample: AuditSample


def build_scene(cast: Any) -> Scene:
    load_templates()
    clear_for_receipt(cast.river_worker, cast.riverside)
    ada = make_participant(cast.prime, given_name="Ada", family_name="Handover")
    referrals = [
        make_referral(ada, cast.discharge, cast.prime, cast.prime_worker) for _ in range(5)
    ]
    draft = make_handoff(
        referrals[0], cast.prime_worker, cast.riverside, content={"risk_status": "low"}
    )
    sent = make_handoff(referrals[1], cast.prime_worker, cast.riverside, send=True)
    rejected = make_handoff(referrals[2], cast.prime_worker, cast.riverside, send=True)
    actions.reject_handoff(
        fresh(cast.river_coordinator), rejected, reason="no_capacity", text="Full this week."
    )
    accepted = make_handoff(referrals[3], cast.prime_worker, cast.riverside, send=True)
    actions.accept_handoff(
        fresh(cast.river_worker),
        accepted,
        risk_status="She is at high risk of falling at night",
        escalation="999 for any fall, then the Northbridge duty line within the hour",
    )
    today = timezone.localdate()
    sample = actions.draw_audit_sample(
        fresh(cast.quality), period_start=today, period_end=today, size=3, seed=42
    )
    return Scene(ada, referrals, draft, sent, rejected, accepted, referrals[4], sample)
