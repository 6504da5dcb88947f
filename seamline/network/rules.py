"""Pure rules of the network app: plain values in, reasons out. No database access here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from seamline.errors import Reason

from .choices import STATUS_MOVES, OrgKind, OrgStatus, RaciLetter, Role

PRIME_ONLY_ROLES = frozenset({Role.NETWORK_ADMIN})
COMMISSIONER_KINDS = frozenset({OrgKind.COMMISSIONER, OrgKind.HEALTH_PLAN, OrgKind.LOCAL_AUTHORITY})
PARTNER_GRANTABLE = frozenset(
    {
        Role.PARTNER_ADMIN,
        Role.SUPERVISOR,
        Role.COORDINATOR,
        Role.SCHEDULER,
        Role.WORKER,
        Role.QUALITY_LEAD,
    }
)


def role_grant_reasons(
    *,
    role: str,
    org_kind: str,
    granter_roles: Iterable[str],
    granter_in_prime: bool,
    same_org: bool,
    has_expiry: bool,
) -> list[Reason]:
    """Why `role` may not be granted to a member of an `org_kind` organisation (empty: it may)."""
    granter = frozenset(granter_roles)
    reasons: list[Reason] = []
    if role not in Role.values:
        return [Reason("role_unknown", f"'{role}' is not a role in Seamline.", "role")]
    label = Role(role).label
    is_network_admin = granter_in_prime and Role.NETWORK_ADMIN in granter
    if role in PRIME_ONLY_ROLES and org_kind != OrgKind.PRIME:
        reasons.append(
            Reason("role_prime_only", f"{label} is held only inside the prime provider.", "role")
        )
    if role == Role.COMMISSIONER and org_kind not in COMMISSIONER_KINDS:
        reasons.append(
            Reason(
                "role_commissioner_org",
                f"{label} is held only in a commissioner, health plan or local authority.",
                "role",
            )
        )
    if role == Role.INSPECTOR and not has_expiry:
        reasons.append(
            Reason(
                "inspector_needs_expiry",
                "Inspector access must have an end date and time.",
                "expires_at",
            )
        )
    if not is_network_admin:
        if Role.PARTNER_ADMIN not in granter or not same_org:
            reasons.append(
                Reason(
                    "grant_not_entitled",
                    "Only the network admin, or a partner admin within their own organisation, "
                    "grants roles.",
                    "role",
                )
            )
        elif role not in PARTNER_GRANTABLE:
            reasons.append(
                Reason(
                    "grant_network_admin_only", f"Only the network admin grants {label}.", "role"
                )
            )
    return reasons


def status_move_reasons(current: str, new: str, reason: str) -> list[Reason]:
    """Why an organisation may not move from `current` to `new` status."""
    reasons: list[Reason] = []
    if new not in OrgStatus.values:
        return [Reason("status_unknown", f"'{new}' is not an organisation status.", "status")]
    if new == current:
        reasons.append(
            Reason(
                "status_unchanged",
                f"The organisation is already {OrgStatus(new).label.lower()}.",
                "status",
            )
        )
    elif new not in STATUS_MOVES[OrgStatus(current)]:
        allowed = ", ".join(
            OrgStatus(s).label.lower() for s in sorted(STATUS_MOVES[OrgStatus(current)])
        )
        reasons.append(
            Reason(
                "status_move_not_allowed",
                f"An organisation that is {OrgStatus(current).label.lower()} cannot become "
                f"{OrgStatus(new).label.lower()}"
                + (f"; it can become {allowed}." if allowed else "; exited is final."),
                "status",
            )
        )
    if not reason.strip():
        reasons.append(Reason("reason_required", "Say why the status changes.", "reason"))
    return reasons


def backdated_move_reasons(at: datetime, now: datetime, latest: datetime | None) -> list[Reason]:
    """Why a status move cannot be dated `at`: a move recorded after it happened keeps the
    history in order, so it is neither in the future nor before the organisation's latest move
    (`latest`)."""
    if at > now:
        return [Reason("date_in_future", "A status change cannot be dated in the future.", "at")]
    if latest is not None and at < latest:
        return [
            Reason(
                "date_before_latest_move",
                f"A status change cannot be dated before the organisation's latest one "
                f"({latest:%d %b %Y %H:%M}).",
                "at",
            )
        ]
    return []


@dataclass(frozen=True)
class RaciEntry:
    letter: str
    organisation: str | None
    role: str | None


def raci_gaps(step_name: str, entries: Sequence[RaciEntry]) -> list[Reason]:
    """A step is governed when it has exactly one Accountable and at least one Responsible."""
    letters = [e.letter for e in entries]
    reasons: list[Reason] = []
    if letters.count(RaciLetter.ACCOUNTABLE) != 1:
        reasons.append(
            Reason(
                "raci_accountable",
                f"Step '{step_name}' needs exactly one Accountable party "
                f"(it has {letters.count(RaciLetter.ACCOUNTABLE)}).",
            )
        )
    if RaciLetter.RESPONSIBLE not in letters:
        reasons.append(
            Reason("raci_responsible", f"Step '{step_name}' has nobody Responsible for doing it.")
        )
    return reasons


@dataclass(frozen=True)
class Right:
    action_kind: str
    pathway: str | None  # None: every pathway
    organisation: str | None  # None: any organisation
    role: str | None  # None: any role


def may_initiate(
    rights: Iterable[Right],
    *,
    action_kind: str,
    pathway: str | None,
    organisation: str,
    roles: Iterable[str],
    action_label: str = "",
) -> tuple[bool, list[Reason]]:
    """May someone of `organisation` holding `roles` start `action_kind` without a meeting?

    A right matches when each of its pathway, organisation and role is either open (None) or
    equal to the asker's. Returns (allowed, reasons when not).
    """
    held = frozenset(roles)
    label = action_label or action_kind
    for right in rights:
        if right.action_kind != action_kind:
            continue
        if right.pathway is not None and right.pathway != pathway:
            continue
        if right.organisation is not None and right.organisation != organisation:
            continue
        if right.role is not None and right.role not in held:
            continue
        return True, []
    where = f" on pathway {pathway}" if pathway else ""
    return False, [
        Reason(
            "no_decision_right",
            f"Nobody at {organisation} with roles {', '.join(sorted(held)) or 'none'} may start "
            f"'{label}'{where} without the network's agreement: take it to the huddle or ask "
            "the accountable party.",
        )
    ]


MAX_TIME_STANDARD_HOURS = 24 * 365


def time_standard_reasons(hours: int | None) -> list[Reason]:
    """A step's time standard, when it has one, is between 1 hour and a year."""
    if hours is None or 0 < int(hours) <= MAX_TIME_STANDARD_HOURS:
        return []
    return [
        Reason(
            "invalid_value",
            "A time standard is between 1 hour and a year (8,760 hours).",
            "time_standard_hours",
        )
    ]


def settings_reasons(*, time_zone: str, caps: tuple[int, int, int, int]) -> list[Reason]:
    """The network's settings must name a real time zone, and the high-risk caseload caps
    (induction, supervised, independent, enhanced) must not fall as the stage rises."""
    from zoneinfo import available_timezones

    reasons: list[Reason] = []
    if time_zone not in available_timezones():
        reasons.append(
            Reason(
                "invalid_time_zone",
                f"'{time_zone}' is not a time zone; use a name such as Europe/London.",
                "time_zone",
            )
        )
    if list(caps) != sorted(caps):
        reasons.append(
            Reason(
                "caps_must_rise",
                "High-risk caseload caps must not fall as the stage rises "
                f"(induction {caps[0]} ≤ supervised {caps[1]} ≤ independent {caps[2]} "
                f"≤ enhanced {caps[3]}).",
                "cap_supervised",
            )
        )
    return reasons
