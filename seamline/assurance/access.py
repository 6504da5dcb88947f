"""Who may see, build and drill into assurance packs.

* Packs are read by the prime's network admins and quality leads, partner admins and
  supervisors (their partner's column next to the network's), commissioners and inspectors.
* Commissioners see aggregates only: no drill-down, and counts of 1 to 4 (below the network's
  small-number threshold) suppressed wherever they appear.
* Drill-down lists the records behind a figure: the prime's staff and inspectors see every
  partner's, a partner's staff only their own organisation's; everyone else gets "not found".
* Packs are built by the worker, the command line, or the prime's network admin or quality lead.
"""

from __future__ import annotations

from seamline.access import Actor, NotFound
from seamline.network.choices import Role

from .catalogue import parse_period
from .models import Pack

READERS = (
    Role.NETWORK_ADMIN,
    Role.QUALITY_LEAD,
    Role.PARTNER_ADMIN,
    Role.SUPERVISOR,
    Role.COMMISSIONER,
    Role.INSPECTOR,
)


def can_list_packs(actor: Actor) -> bool:
    return actor.is_system or (actor.organisation is not None and actor.has(*READERS))


def can_build_packs(actor: Actor) -> bool:
    return actor.is_system or (
        actor.in_prime and actor.has(Role.NETWORK_ADMIN, Role.QUALITY_LEAD) and not actor.read_only
    )


def can_drill(actor: Actor) -> bool:
    return can_list_packs(actor) and not actor.aggregates_only


def drill_organisation_id(actor: Actor) -> int | None:
    """None: every partner's records; else only this organisation's."""
    if actor.is_system or actor.in_prime:
        return None
    assert actor.organisation is not None
    return int(actor.organisation.pk)


def get_pack_for_user(actor: Actor, period: str, issue: int | None = None) -> Pack:
    if not can_list_packs(actor):
        raise NotFound("No such pack.")
    try:
        first_day = parse_period(period)
    except ValueError:
        raise NotFound("No such pack.") from None
    packs = Pack.objects.filter(period=first_day).order_by("-issue")
    if issue is not None:
        packs = packs.filter(issue=issue)
    pack = packs.first()
    if pack is None:
        raise NotFound("No such pack.")
    return pack
