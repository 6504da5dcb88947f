"""The coordinator of the day: loading the rota and absences for many participants at once and
asking `rules.coordinator_on` about each, and the report of open participants nobody
coordinates on a day, by partner.

An open participant is an active record with at least one open referral; the partners it is
reported under are the owners of those referrals. Everything starts from the participants the
viewer sees (the platform operator, on the command line, sees them all), so a hidden
participant changes no count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from seamline.access import Actor
from seamline.cases.models import Participant, ParticipantQuerySet, Referral
from seamline.network.models import Organisation, RoleGrant, User

from . import rules
from .models import Absence, RotaEntry


def participants_for(actor: Actor) -> ParticipantQuerySet:
    """What `actor` sees: everyone for the platform operator, else the access layer's answer."""
    everyone = Participant.objects.all()
    return everyone if actor.is_system else everyone.visible_to(actor)


def open_participants(actor: Actor) -> ParticipantQuerySet:
    return (
        participants_for(actor)
        .active()
        .filter(pk__in=Referral.objects.open().values("participant_id"))
    )


def absences_on(day: date) -> list[rules.AbsenceFact]:
    return [
        rules.AbsenceFact(a.person_id, a.starts_on, a.ends_on, a.cover_id)
        for a in Absence.objects.filter(starts_on__lte=day, ends_on__gte=day)
    ]


def duties(participant_ids: Iterable[int], day: date) -> dict[int, rules.Duty]:
    """The duty of each participant on `day`, in two queries whatever their number."""
    ids = list(participant_ids)
    facts: dict[int, list[rules.RotaFact]] = defaultdict(list)
    for entry in RotaEntry.objects.in_force(day).filter(participant_id__in=ids):
        facts[entry.participant_id].append(
            rules.RotaFact(
                entry.coordinator_id, entry.weekdays, entry.starts_on, entry.ends_on, entry.pk
            )
        )
    away = absences_on(day)
    return {pk: rules.coordinator_on(day, facts.get(pk, []), away) for pk in ids}


@dataclass(frozen=True)
class Answer:
    participant: Participant
    day: date
    duty: rules.Duty
    coordinator: User | None
    covering_for: User | None


def coordinator_of(participant: Participant, day: date) -> Answer:
    """ "Who is the named coordinator of `participant` on `day`?" (SPEC C7)."""
    duty = duties([participant.pk], day)[participant.pk]
    people = User.objects.in_bulk([k for k in (duty.coordinator, duty.covering_for) if k])
    return Answer(
        participant,
        day,
        duty,
        people.get(duty.coordinator) if duty.coordinator else None,
        people.get(duty.covering_for) if duty.covering_for else None,
    )


@dataclass(frozen=True)
class Gap:
    partner_code: str
    partner_name: str
    participant_code: str
    participant_name: str
    reason: str
    message: str


def gaps(actor: Actor, day: date) -> list[Gap]:
    """Open participants with no coordinator on `day`, one row per owning partner, sorted by
    partner and participant."""
    seen = {
        p.pk: p for p in open_participants(actor).only("pk", "code", "given_name", "family_name")
    }
    owners: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for pk, code, name in (
        Referral.objects.open()
        .filter(participant_id__in=list(seen))
        .values_list("participant_id", "owner_organisation__code", "owner_organisation__name")
    ):
        owners[pk].add((code, name))
    rows = []
    for pk, duty in duties(seen, day).items():
        if duty.covered:
            continue
        participant = seen[pk]
        for code, name in sorted(owners[pk]):
            rows.append(
                Gap(code, name, participant.code, participant.name, duty.code, duty.message)
            )
    rows.sort(key=lambda g: (g.partner_name, g.participant_code))
    return rows


def gaps_by_partner(rows: Iterable[Gap]) -> list[tuple[str, str, int]]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        counts[(row.partner_code, row.partner_name)] += 1
    return sorted(((c, n, k) for (c, n), k in counts.items()), key=lambda r: r[1])


def people_holding(
    organisations: Iterable[Organisation], roles: Iterable[str] | None = None
) -> list[User]:
    """Active people with a current membership of one of `organisations` holding one of
    `roles` (any role when None) now, by organisation and name, with the membership loaded."""
    grants = RoleGrant.objects.active().filter(
        membership__ended_at__isnull=True, membership__organisation__in=list(organisations)
    )
    if roles is not None:
        grants = grants.filter(role__in=sorted(roles))
    return list(
        User.objects.filter(is_active=True, pk__in=grants.values("membership__user_id")).order_by(
            "last_name", "first_name", "username"
        )
    )
