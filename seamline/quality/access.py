"""Who may see and change quality material: calibration, audits and corrective actions.

Vignettes and rounds are network-wide quality material: the prime's quality lead and the
network admin keep them (`can_manage`). The quality leads and supervisors of a partner taking
part in a round answer for that partner while it is open, and see only their partner's answers
until it closes. Commissioners and inspectors read the statistics of closed rounds only.
Anything else is "not found" (404, logged).
"""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet

from seamline.access import Actor, ReadOnly
from seamline.network.access import refuse
from seamline.network.choices import Role
from seamline.network.models import Organisation

from .choices import RoundStatus
from .models import Audit, AuditItem, CalibrationRound, CorrectiveAction, Incident, Vignette

ANSWERING_ROLES = (Role.QUALITY_LEAD, Role.SUPERVISOR)
READER_ROLES = (Role.COMMISSIONER, Role.INSPECTOR)


def can_manage(actor: Actor) -> bool:
    return not actor.read_only and (
        actor.is_network_admin or (actor.in_prime and actor.has(Role.QUALITY_LEAD))
    )


def _partner_of(actor: Actor, rnd: CalibrationRound) -> bool:
    return (
        actor.organisation is not None
        and actor.has(*ANSWERING_ROLES)
        and rnd.partners.filter(pk=actor.organisation.pk).exists()
    )


def can_list_rounds(actor: Actor) -> bool:
    return can_manage(actor) or actor.has(*ANSWERING_ROLES) or actor.has(*READER_ROLES)


def rounds_visible_to(actor: Actor) -> QuerySet[CalibrationRound]:
    rounds = CalibrationRound.objects.all()
    if can_manage(actor):
        return rounds
    if actor.has(*ANSWERING_ROLES) and actor.organisation is not None:
        mine = rounds.filter(partners=actor.organisation)
        if actor.has(*READER_ROLES):
            return (mine | rounds.filter(status=RoundStatus.CLOSED)).distinct()
        return mine
    if actor.has(*READER_ROLES):
        return rounds.filter(status=RoundStatus.CLOSED)
    return rounds.none()


def can_see_round(actor: Actor, rnd: CalibrationRound) -> bool:
    return (
        can_manage(actor)
        or _partner_of(actor, rnd)
        or (actor.has(*READER_ROLES) and not rnd.is_open)
    )


def can_answer(actor: Actor, rnd: CalibrationRound) -> bool:
    return rnd.is_open and not actor.read_only and _partner_of(actor, rnd)


def sees_all_answers(actor: Actor, rnd: CalibrationRound) -> bool:
    """Every partner's answers and the statistics: the keepers always; the rest once closed."""
    return can_manage(actor) or (not rnd.is_open and can_see_round(actor, rnd))


def sees_vignette_text(actor: Actor, rnd: CalibrationRound) -> bool:
    return can_manage(actor) or _partner_of(actor, rnd)


def get_round_for_user(actor: Actor, code: str, write: bool = False) -> CalibrationRound:
    """The round `code` (404 when missing or out of sight; 403 to change it without the right)."""
    rnd = CalibrationRound.objects.filter(code=code.strip().lower()).first()
    if rnd is None or not can_see_round(actor, rnd):
        raise refuse(actor, "quality.round", code)
    if write and not can_manage(actor):
        raise ReadOnly("Only the network's quality lead or admin changes a round.")
    return rnd


def get_vignette_for_round(actor: Actor, rnd: CalibrationRound, code: str) -> Vignette:
    found = rnd.vignettes.filter(code=code.strip().lower()).first()
    if found is None or not sees_vignette_text(actor, rnd):
        raise refuse(actor, "quality.vignette", f"{rnd.code}/{code}")
    return found


def require_manager(actor: Actor, what: str) -> None:
    """The vignette library is the keepers' alone: anyone else gets "not found"."""
    if not can_manage(actor):
        raise refuse(actor, what, "")


# --- audits --------------------------------------------------------------------------------------
#
# The prime's quality lead and the network admin run audits for the whole network: they keep the
# templates, draw samples for any partner, score any item and see every audit. A partner's
# managers (partner admin, quality lead, supervisor) see their own organisation's audits; its
# quality leads and supervisors score them (a documentation spot-check only by someone who may
# change the worker's record, since a failing one pauses the worker's delegation). Inspectors
# read everything; commissioners see the partners' scores only. Anyone else: "not found".

PARTNER_MANAGER_ROLES = (Role.PARTNER_ADMIN, Role.QUALITY_LEAD, Role.SUPERVISOR)
SCORER_ROLES = (Role.QUALITY_LEAD, Role.SUPERVISOR)


def can_run_audits(actor: Actor) -> bool:
    return can_manage(actor)


def _sees_every_audit(actor: Actor) -> bool:
    return can_run_audits(actor) or (actor.user is not None and actor.has(Role.INSPECTOR))


def _partner_manager(actor: Actor) -> bool:
    return actor.organisation is not None and actor.has(*PARTNER_MANAGER_ROLES)


def can_list_audits(actor: Actor) -> bool:
    return _sees_every_audit(actor) or _partner_manager(actor)


def can_see_scores(actor: Actor) -> bool:
    return can_list_audits(actor) or (actor.user is not None and actor.has(Role.COMMISSIONER))


def scores_limited_to(actor: Actor) -> Organisation | None:
    """The one partner whose scores `actor` sees, or None for every partner."""
    if _sees_every_audit(actor) or actor.has(Role.COMMISSIONER):
        return None
    return actor.organisation


def audits_visible_to(qs: QuerySet[Audit], actor: Actor) -> QuerySet[Audit]:
    if _sees_every_audit(actor):
        return qs
    if _partner_manager(actor):
        return qs.filter(partner=actor.organisation)
    return qs.none()


def can_score(actor: Actor, audit: Audit) -> bool:
    if actor.read_only:
        return False
    return can_run_audits(actor) or (actor.member_of(audit.partner) and actor.has(*SCORER_ROLES))


def can_score_item(actor: Actor, item: AuditItem) -> bool:
    from seamline.workforce.access import can_edit_worker

    if not can_score(actor, item.audit):
        return False
    return (
        item.worker is None
        or item.audit.record_kind != "delegated_task"
        or can_edit_worker(actor, item.worker)
    )


def get_audit_for_user(actor: Actor, code: str, write: bool = False) -> Audit:
    found = (
        audits_visible_to(Audit.objects.all(), actor)
        .select_related("template_version__template", "partner", "drawn_by", "worker", "task_type")
        .filter(code=code.strip().lower())
        .first()
    )
    if found is None:
        raise refuse(actor, "quality.audit", code)
    if write and not can_score(actor, found):
        raise ReadOnly("Only the audit's auditors score it.")
    return found


def get_item_for_user(actor: Actor, audit: Audit, position: int, write: bool = False) -> AuditItem:
    found = (
        AuditItem.objects.select_related(
            "audit__template_version__template",
            "audit__partner",
            "handoff__template_version",
            "handoff__sender_organisation",
            "handoff__receiving_organisation",
            "visit__participant",
            "visit__pathway",
            "worker__organisation",
            "task_type",
            "escalation__participant",
            "concern__participant",
            "concern__pathway",
            "scored_by",
            "pause",
        )
        .filter(audit=audit, position=position)
        .first()
    )
    if found is None:
        raise refuse(actor, "quality.audit_item", f"{audit.code}/{position}")
    if write and not can_score_item(actor, found):
        raise ReadOnly(
            "Only the audit's auditors score it; a documentation spot-check only someone who may "
            "change the worker's record."
        )
    return found


# --- corrective actions --------------------------------------------------------------------------


def corrective_actions_visible_to(
    qs: QuerySet[CorrectiveAction], actor: Actor
) -> QuerySet[CorrectiveAction]:
    if _sees_every_audit(actor):
        return qs
    if actor.user is None:
        return qs.none()
    mine = Q(owner_person=actor.user)
    if _partner_manager(actor):
        mine |= Q(organisation=actor.organisation)
    return qs.filter(mine)


def can_list_actions(actor: Actor) -> bool:
    return _sees_every_audit(actor) or _partner_manager(actor)


def can_create_action(actor: Actor, organisation: Organisation | None = None) -> bool:
    """The keepers raise actions for any partner; a partner's managers for their own."""
    if actor.read_only:
        return False
    if can_run_audits(actor):
        return True
    return _partner_manager(actor) and (organisation is None or actor.member_of(organisation))


def can_progress(actor: Actor, action: CorrectiveAction) -> bool:
    if actor.read_only or actor.user is None:
        return False
    return (
        can_run_audits(actor)
        or action.owner_person_id == actor.user.pk
        or (actor.member_of(action.organisation) and actor.has(*PARTNER_MANAGER_ROLES))
    )


def get_action_for_user(actor: Actor, ident: str, write: bool = False) -> CorrectiveAction:
    try:
        key = uuid.UUID(str(ident))
    except ValueError:
        raise refuse(actor, "quality.corrective_action", str(ident)[:100]) from None
    found = (
        corrective_actions_visible_to(CorrectiveAction.objects.all(), actor)
        .select_related("organisation", "owner_person", "created_by")
        .filter(uuid=key)
        .first()
    )
    if found is None:
        raise refuse(actor, "quality.corrective_action", str(ident))
    if write and not can_progress(actor, found):
        raise ReadOnly(
            "Only the action's owner, their partner's managers or the quality lead move it on."
        )
    return found


# --- incidents -----------------------------------------------------------------------------------
#
# An incident is about a participant: it is personal data. It is seen by everyone who sees the
# participant (`cases.access`, so consent and the care team decide), and by the network's
# quality lead and admin, who follow every incident. Anyone who sees the participant and may
# write (not inspectors, not commissioners) reports one; the participant must be theirs to see.


def sees_every_incident(actor: Actor) -> bool:
    return actor.user is not None and (
        actor.is_network_admin or (actor.in_prime and actor.has(Role.QUALITY_LEAD))
    )


def incidents_visible_to(qs: QuerySet[Incident], actor: Actor) -> QuerySet[Incident]:
    from seamline.cases.access import sees_participants
    from seamline.cases.models import Participant

    if actor.is_system or sees_every_incident(actor):
        return qs
    if not sees_participants(actor):
        return qs.none()
    return qs.filter(participant__in=Participant.objects.visible_to(actor).values("pk"))


def can_list_incidents(actor: Actor) -> bool:
    from seamline.cases.access import sees_participants

    return sees_every_incident(actor) or sees_participants(actor)


def can_report_incident(actor: Actor) -> bool:
    from seamline.cases.access import sees_participants

    return not actor.read_only and sees_participants(actor)


def can_add_learning(actor: Actor, incident: Incident) -> bool:
    """Learning actions: the keepers for any partner; the incident partner's managers for it."""
    return can_create_action(actor, incident.organisation)


def get_incident_for_user(actor: Actor, code: str, write: bool = False) -> Incident:
    found = (
        incidents_visible_to(Incident.objects.all(), actor)
        .select_related("participant", "organisation", "reported_by", "reporter_organisation")
        .filter(code=str(code).strip().upper())
        .first()
    )
    if found is None:
        raise refuse(actor, "quality.incident", str(code))
    if write and not can_report_incident(actor):
        raise ReadOnly("Your access does not change incidents.")
    return found


# --- partner due diligence ---------------------------------------------------------------------
#
# The network's quality lead and admin keep every partner's review (evidence, findings, the
# decision). A partner's admin and quality lead read their own organisation's review and add
# evidence samples to it while it is undecided or after; inspectors read every review.


def diligence_partner_manager(actor: Actor, organisation: Organisation) -> bool:
    return actor.member_of(organisation) and actor.has(Role.PARTNER_ADMIN, Role.QUALITY_LEAD)


def can_list_diligence(actor: Actor) -> bool:
    return _sees_every_audit(actor)


def own_diligence_organisation(actor: Actor) -> Organisation | None:
    """The organisation whose review a partner's admin or quality lead keeps up (the menu's
    "Our due diligence"): their own, when it is one that is reviewed."""
    from .actions_diligence import NOT_REVIEWED_KINDS

    org = actor.organisation
    if org is None or org.kind in NOT_REVIEWED_KINDS or _sees_every_audit(actor):
        return None
    return org if diligence_partner_manager(actor, org) else None


def can_see_diligence(actor: Actor, organisation: Organisation) -> bool:
    return _sees_every_audit(actor) or diligence_partner_manager(actor, organisation)


def can_add_diligence_evidence(actor: Actor, organisation: Organisation) -> bool:
    return not actor.read_only and (
        can_manage(actor) or diligence_partner_manager(actor, organisation)
    )


def can_decide_diligence(actor: Actor) -> bool:
    return can_manage(actor)


def get_diligence_organisation(actor: Actor, code: str) -> Organisation:
    """The organisation whose review `actor` asks for (404 when missing or not theirs)."""
    found = Organisation.objects.filter(code=str(code).strip().lower()).first()
    if found is None or not can_see_diligence(actor, found):
        raise refuse(actor, "quality.due_diligence", str(code))
    return found
