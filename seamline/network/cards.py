"""The cards of each role's home page.

A home page is a list of small cards. Each card names its template (a partial under
`templates/<app>/cards/`), who sees it, and how to build its context; only the cards that apply
to the actor are built. A later app adds its own cards from its `AppConfig.ready()`:

    from seamline.network.cards import Card, register
    register(Card("rota_gaps", "rota/cards/gaps.html", applies=..., build=..., order=50))
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from seamline.access import Actor
from seamline.audit.models import AuditEntry, ChainHead

from .choices import ActionKind, OrgKind, OrgStatus, Role
from .models import (
    DecisionRight,
    Membership,
    Network,
    Organisation,
    Pathway,
    PathwayStep,
    RaciAssignment,
    User,
)
from .rules import RaciEntry, Right, may_initiate, raci_gaps

STAFF_ROLES = (Role.SUPERVISOR, Role.COORDINATOR, Role.SCHEDULER, Role.WORKER, Role.QUALITY_LEAD)


@dataclass(frozen=True)
class Card:
    key: str
    template: str
    applies: Callable[[Actor], bool]
    build: Callable[[Actor], dict[str, Any]]
    order: int = 100


@dataclass(frozen=True)
class ShownCard:
    key: str
    template: str
    context: dict[str, Any]


CARDS: dict[str, Card] = {}


def register(card: Card) -> Card:
    """Add (or replace, by key) a card. Keys are unique across apps."""
    CARDS[card.key] = card
    return card


def cards_for(actor: Actor) -> list[ShownCard]:
    chosen = sorted((c for c in CARDS.values() if c.applies(actor)), key=lambda c: (c.order, c.key))
    return [ShownCard(c.key, c.template, c.build(actor)) for c in chosen]


def suppressed(count: int, threshold: int) -> str:
    return f"fewer than {threshold}" if 0 < count < threshold else str(count)


# --- who sees what -------------------------------------------------------------------------


def is_network_admin(actor: Actor) -> bool:
    return actor.is_network_admin


def is_partner_admin(actor: Actor) -> bool:
    return actor.has(Role.PARTNER_ADMIN) and not actor.is_network_admin


def is_staff(actor: Actor) -> bool:
    return actor.has(*STAFF_ROLES)


def is_member(actor: Actor) -> bool:
    return actor.organisation is not None and (is_partner_admin(actor) or is_staff(actor))


def designs_pathways(actor: Actor) -> bool:
    return actor.is_network_admin or (actor.in_prime and actor.has(Role.QUALITY_LEAD))


def is_commissioner(actor: Actor) -> bool:
    return actor.aggregates_only


def is_inspector(actor: Actor) -> bool:
    return actor.has(Role.INSPECTOR)


# --- network admin -------------------------------------------------------------------------


def partners_card(actor: Actor) -> dict[str, Any]:
    counts = Counter(
        (row["kind"], row["status"]) for row in Organisation.objects.values("kind", "status")
    )
    statuses = list(OrgStatus)
    table = [
        (kind.label, [counts.get((kind.value, s.value), 0) for s in statuses])
        for kind in OrgKind
        if any(counts.get((kind.value, s.value)) for s in statuses)
    ]
    attention = Organisation.objects.filter(
        status__in=[OrgStatus.ONBOARDING, OrgStatus.SUSPENDED]
    ).order_by("status", "name")
    return {"statuses": statuses, "table": table, "attention": attention}


def pathways_with_gaps() -> list[tuple[Pathway, list[tuple[PathwayStep, list[str]]]]]:
    pathways = Pathway.objects.prefetch_related("steps__raci")
    found = []
    for pathway in pathways:
        steps = []
        for step in pathway.steps.all():
            entries = [
                RaciEntry(e.letter, str(e.organisation_id or ""), e.role or None)
                for e in step.raci.all()
            ]
            gaps = raci_gaps(step.name, entries)
            if gaps:
                steps.append((step, [g.message for g in gaps]))
        if steps:
            found.append((pathway, steps))
    return found


def raci_gaps_card(actor: Actor) -> dict[str, Any]:
    return {"pathways": pathways_with_gaps()}


def people_per_org_card(actor: Actor) -> dict[str, Any]:
    orgs = (
        Organisation.objects.in_network()
        .annotate(people=Count("memberships", filter=Q(memberships__ended_at__isnull=True)))
        .order_by("name")
    )
    return {"orgs": orgs}


def recent_audit_card(actor: Actor) -> dict[str, Any]:
    entries = AuditEntry.objects.visible_to(actor)
    if not actor.is_network_admin:
        code = actor.org_code
        entries = entries.filter(Q(object_organisation_code=code) | Q(organisation_code=code))
    return {
        "entries": list(entries[:8]),
        "head": ChainHead.objects.filter(singleton=True).first()
        if actor.is_network_admin
        else None,
        "about": None if actor.is_network_admin else actor.organisation,
    }


# --- partner admin and staff ---------------------------------------------------------------


def my_organisation_card(actor: Actor) -> dict[str, Any]:
    return {"org": actor.organisation}


def our_people_card(actor: Actor) -> dict[str, Any]:
    people = (
        User.objects.visible_to(actor)
        .filter(memberships__organisation=actor.organisation, memberships__ended_at__isnull=True)
        .distinct()
        .with_current_membership()
    )
    rows = []
    for person in people[:15]:
        membership = person.current_membership()
        roles = [Role(r).label for r in membership.active_roles()] if membership else []
        rows.append((person, roles))
    total = Membership.objects.current().filter(organisation=actor.organisation).count()
    return {"rows": rows, "total": total, "org": actor.organisation}


def my_pathways_card(actor: Actor) -> dict[str, Any]:
    """Pathways the actor's organisation leads, or where it or one of their roles is in a RACI."""
    roles = list(actor.roles)
    pathways = list(
        Pathway.objects.visible_to(actor)
        .filter(
            Q(lead_organisation=actor.organisation)
            | Q(steps__raci__organisation=actor.organisation)
            | Q(steps__raci__role__in=roles)
        )
        .distinct()
        .order_by("name")
    )
    entries = (
        RaciAssignment.objects.filter(step__pathway__in=pathways)
        .filter(Q(organisation=actor.organisation) | Q(role__in=roles))
        .select_related("step")
        .order_by("step__position")
    )
    letters: dict[int, dict[PathwayStep, set[str]]] = {}
    for entry in entries:
        steps = letters.setdefault(entry.step.pathway_id, {})
        steps.setdefault(entry.step, set()).add(entry.letter)
    order = "RACI"
    rows = [
        (
            pathway,
            [
                (step, "".join(sorted(held, key=order.index)))
                for step, held in letters.get(pathway.pk, {}).items()
            ],
        )
        for pathway in pathways
    ]
    return {"rows": rows}


def rights_held(actor: Actor) -> list[tuple[str, str]]:
    """Each action kind the actor may start without a meeting, and where (via may_initiate)."""
    rows = list(DecisionRight.objects.select_related("organisation", "pathway"))
    rules = [
        Right(
            r.action_kind,
            r.pathway.code if r.pathway is not None else None,
            r.organisation.code if r.organisation is not None else None,
            r.role or None,
        )
        for r in rows
    ]
    pathways = list(Pathway.objects.visible_to(actor).values_list("code", "name"))
    held = []
    for kind in ActionKind:

        def allowed(pathway: str | None, kind: ActionKind = kind) -> bool:
            return may_initiate(
                rules,
                action_kind=kind.value,
                pathway=pathway,
                organisation=actor.org_code,
                roles=actor.roles,
            )[0]

        if allowed(None):
            held.append((kind.label, "on every pathway"))
            continue
        names = [name for code, name in pathways if allowed(code)]
        if names:
            held.append((kind.label, "on " + ", ".join(names)))
    return held


def my_rights_card(actor: Actor) -> dict[str, Any]:
    return {"held": rights_held(actor)}


def links_card(actor: Actor) -> dict[str, Any]:
    from .access import can_see_people_of

    org = actor.organisation
    return {"org": org, "see_people": org is not None and can_see_people_of(actor, org)}


# --- commissioner and inspector -------------------------------------------------------------


def aggregates_card(actor: Actor) -> dict[str, Any]:
    threshold = Network.current().small_number_threshold
    counts = Counter(
        (row["kind"], row["status"]) for row in Organisation.objects.values("kind", "status")
    )
    statuses = list(OrgStatus)
    table = [
        (
            kind.label,
            [suppressed(counts.get((kind.value, s.value), 0), threshold) for s in statuses],
        )
        for kind in OrgKind
        if any(counts.get((kind.value, s.value)) for s in statuses)
    ]
    total = Organisation.objects.in_network().count()
    pathways = Pathway.objects.visible_to(actor).count()
    return {
        "statuses": statuses,
        "table": table,
        "total": suppressed(total, threshold),
        "pathways": suppressed(pathways, threshold),
        "threshold": threshold,
    }


def inspector_card(actor: Actor) -> dict[str, Any]:
    return {"until": actor.access_until}


for _card in (
    Card("network_partners", "network/cards/partners.html", is_network_admin, partners_card, 10),
    Card("network_raci_gaps", "network/cards/raci_gaps.html", designs_pathways, raci_gaps_card, 20),
    Card(
        "network_people",
        "network/cards/people_per_org.html",
        is_network_admin,
        people_per_org_card,
        30,
    ),
    Card(
        "audit_recent",
        "network/cards/recent_audit.html",
        lambda a: a.is_network_admin or is_partner_admin(a),
        recent_audit_card,
        90,
    ),
    Card(
        "my_organisation", "network/cards/my_organisation.html", is_member, my_organisation_card, 10
    ),
    Card("our_people", "network/cards/our_people.html", is_partner_admin, our_people_card, 20),
    Card("my_pathways", "network/cards/my_pathways.html", is_staff, my_pathways_card, 30),
    Card("my_rights", "network/cards/my_rights.html", is_staff, my_rights_card, 40),
    Card("links", "network/cards/links.html", is_member, links_card, 80),
    Card("aggregates", "network/cards/aggregates.html", is_commissioner, aggregates_card, 10),
    Card("inspector", "network/cards/inspector.html", is_inspector, inspector_card, 5),
):
    register(_card)
