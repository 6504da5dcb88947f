"""Who may see and change calibration material.

Vignettes and rounds are network-wide quality material: the prime's quality lead and the
network admin keep them (`can_manage`). The quality leads and supervisors of a partner taking
part in a round answer for that partner while it is open, and see only their partner's answers
until it closes. Commissioners and inspectors read the statistics of closed rounds only.
Anything else is "not found" (404, logged).
"""

from __future__ import annotations

from django.db.models import QuerySet

from seamline.access import Actor, ReadOnly
from seamline.network.access import refuse
from seamline.network.choices import Role

from .choices import RoundStatus
from .models import CalibrationRound, Vignette

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
