"""Who is asking: the `Actor` every access check, action and audit entry is given.

An actor is a user seen through their current membership: one organisation and the roles
they hold there right now (expired inspector access and revoked roles are not roles). Pages get
it from `request.actor` (set by `ActorMiddleware`), the API from the token's user, commands
from `Actor.system(...)` or `--as USER`.

Object-level rules live in each app's `access.py`; this module only knows roles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.http import Http404
from django.utils import timezone

from seamline.network.choices import OrgKind, Role

if TYPE_CHECKING:
    from seamline.network.models import Membership, Organisation, RoleGrant, User


class NotFound(Http404):
    """Missing or not yours: the same answer for both, so nothing leaks."""


class ReadOnly(PermissionError):
    """Visible, but this actor may not change it (HTTP 403)."""


# Roles whose holders work inside the network's records. Commissioners see aggregates only.
NETWORK_ROLES = frozenset(Role.values) - {Role.COMMISSIONER}


@dataclass(frozen=True)
class Actor:
    user: User | None
    organisation: Organisation | None
    roles: frozenset[str] = field(default_factory=frozenset)
    access_until: datetime | None = None
    label: str = ""

    @classmethod
    def system(cls, label: str) -> Actor:
        """Commands and the worker act as the system, under a label that names the job."""
        return cls(user=None, organisation=None, roles=frozenset(), label=f"system:{label}")

    @property
    def is_system(self) -> bool:
        return self.user is None and self.label.startswith("system:")

    @property
    def display(self) -> str:
        if self.user is not None:
            return self.user.display_name
        return self.label

    @property
    def org_code(self) -> str:
        return self.organisation.code if self.organisation else ""

    @property
    def in_prime(self) -> bool:
        return self.organisation is not None and self.organisation.kind == OrgKind.PRIME

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def read_only(self) -> bool:
        """Inspectors (and anyone holding only inspector access) never write."""
        return self.roles <= {Role.INSPECTOR}

    @property
    def is_network_admin(self) -> bool:
        return self.in_prime and Role.NETWORK_ADMIN in self.roles

    @property
    def aggregates_only(self) -> bool:
        return not self.roles.intersection(NETWORK_ROLES)

    def member_of(self, organisation: Organisation | None) -> bool:
        return (
            organisation is not None
            and self.organisation is not None
            and organisation.pk == self.organisation.pk
        )


def actor_for(user: User | None, at: datetime | None = None) -> Actor:
    """The actor for `user` now (cached on the user object for the length of a request)."""
    if user is None or not user.is_authenticated:
        return Actor(user=None, organisation=None, label="anonymous")
    if at is None:
        cached = getattr(user, "_seamline_actor", None)
        if cached is not None:
            return cached
    when = at or timezone.now()
    grants, membership = _current_grants(user)
    actor = actor_from_grants(user, grants, membership, when)
    if at is None:
        user._seamline_actor = actor  # type: ignore[attr-defined]
    return actor


def actor_from_grants(
    user: User, grants: list[RoleGrant], membership: Membership | None, when: datetime
) -> Actor:
    """The actor for `user` at `when` from their unrevoked grants in their current membership
    (read by `_current_grants`, or with an API token in the same query)."""
    if membership is None:
        return Actor(user=user, organisation=None, label=user.username)
    grants = [g for g in grants if g.is_active(when)]
    expiries = [g.expires_at for g in grants if g.expires_at is not None]
    return Actor(
        user=user,
        organisation=membership.organisation,
        roles=frozenset(g.role for g in grants),
        access_until=min(expiries) if expiries and len(expiries) == len(grants) else None,
        label=user.username,
    )


def _current_grants(user: User) -> tuple[list[RoleGrant], Membership | None]:
    """The user's unrevoked role grants and their current membership (with its organisation).

    One query when the user holds any grant (the grants, joined to their membership and its
    organisation: every request pays for this), two when they hold none."""
    from seamline.network.models import RoleGrant

    if getattr(user, "current_memberships", None) is None:
        grants = list(
            RoleGrant.objects.current()
            .filter(membership__user=user, membership__ended_at__isnull=True)
            .select_related("membership__organisation")
        )
        if grants:
            return grants, grants[0].membership
    membership = user.current_membership()
    if membership is None:
        return [], None
    return list(membership.roles.current()), membership
