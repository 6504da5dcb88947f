"""Network, organisations, people, pathways and decision rights (SPEC C1)."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import TYPE_CHECKING, cast

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from seamline.rawrows import Prepared, attnames, instance

from .choices import (
    ActionKind,
    ClockStart,
    OrgKind,
    OrgStatus,
    PathwayStatus,
    RaciLetter,
    Role,
    choice_check,
)

if TYPE_CHECKING:
    from seamline.access import Actor


class Versioned(models.Model):
    """Records people edit together carry a version; see `seamline.versioning`."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


# --- the network and its settings ------------------------------------------------------------


class Network(Versioned):
    """The one network this installation serves, with the shared defaults of SPEC section 3."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, default="Europe/London")
    late_threshold = models.TimeField(default=time(20, 0))
    expiring_days = models.PositiveSmallIntegerField(default=30)
    enhanced_supervision_days = models.PositiveSmallIntegerField(default=28)
    temporary_review_months = models.PositiveSmallIntegerField(default=3)
    remedial_supervision_days = models.PositiveSmallIntegerField(default=7)
    cap_induction = models.PositiveSmallIntegerField(default=0)
    cap_supervised = models.PositiveSmallIntegerField(default=2)
    cap_independent = models.PositiveSmallIntegerField(default=6)
    cap_enhanced = models.PositiveSmallIntegerField(default=10)
    small_number_threshold = models.PositiveSmallIntegerField(default=5)
    history = HistoricalRecords()

    SETTING_FIELDS = (
        "name",
        "time_zone",
        "late_threshold",
        "expiring_days",
        "enhanced_supervision_days",
        "temporary_review_months",
        "remedial_supervision_days",
        "cap_induction",
        "cap_supervised",
        "cap_independent",
        "cap_enhanced",
        "small_number_threshold",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="network_singleton"),
            models.CheckConstraint(
                condition=Q(cap_induction__lte=models.F("cap_supervised"))
                & Q(cap_supervised__lte=models.F("cap_independent"))
                & Q(cap_independent__lte=models.F("cap_enhanced")),
                name="network_caps_rise_with_stage",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> Network:
        """The network, made on first use. Read with one compiled query (`_CURRENT_NETWORK`):
        every rota check and many pages ask for its settings."""
        rows = list(_CURRENT_NETWORK.fetch())
        if rows:
            return cast(Network, instance(cls, _CURRENT_NETWORK.compiled().alias, rows[0], 0))
        return cls.objects.create(name="Seamline network")


# `Network.objects.first()`, built and compiled once per process (and planned once on
# PostgreSQL): building it through the ORM cost more than answering it.
_CURRENT_NETWORK = Prepared(
    lambda: Network.objects.order_by("pk").values_list(*attnames(Network))[:1],
    converted=True,
    planned_once=True,
)


# --- organisations ---------------------------------------------------------------------------


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def visible_to(self, actor: Actor) -> OrganisationQuerySet:
        """The directory of partners is shared network knowledge: every member sees it."""
        if actor.user is None or not actor.roles:
            return self.none()
        return self

    def in_network(self) -> OrganisationQuerySet:
        return self.exclude(status=OrgStatus.EXITED)


class Organisation(Versioned):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrgKind.choices)
    status = models.CharField(
        max_length=12, choices=OrgStatus.choices, default=OrgStatus.ONBOARDING
    )
    ods_code = models.CharField("ODS / NPI code", max_length=20, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    objects = OrganisationQuerySet.as_manager()

    EDITABLE_FIELDS = ("name", "ods_code", "contact_email", "contact_phone", "address")

    class Meta:
        ordering = ["name"]
        constraints = [
            choice_check("kind", OrgKind, "organisation_kind_valid"),
            choice_check("status", OrgStatus, "organisation_status_valid"),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind=OrgKind.PRIME), name="one_prime_per_network"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_prime(self) -> bool:
        return self.kind == OrgKind.PRIME

    @property
    def audit_organisation_code(self) -> str:
        """Entries about an organisation belong to it (its partner admin reads them)."""
        return self.code

    def status_on(self, at: datetime) -> str | None:
        """The organisation's status in the network at instant `at` (None before it joined)."""
        change = (
            self.status_changes.filter(changed_at__lte=at).order_by("-changed_at", "-id").first()
        )
        return change.to_status if change else None


class OrganisationStatusChange(models.Model):
    """Append-only history of an organisation's status in the network."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="status_changes"
    )
    from_status = models.CharField(max_length=12, choices=OrgStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=OrgStatus.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        "User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        constraints = [
            choice_check("to_status", OrgStatus, "status_change_to_valid"),
            models.CheckConstraint(
                condition=Q(from_status="") | Q(from_status__in=OrgStatus.values),
                name="status_change_from_valid",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="status_change_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.from_status or 'new'} -> {self.to_status}"


# --- people ----------------------------------------------------------------------------------


class UserQuerySet(models.QuerySet["User"]):
    def visible_to(self, actor: Actor) -> UserQuerySet:
        from . import access

        return access.people_visible_to(self, actor)

    def with_current_membership(self) -> UserQuerySet:
        return self.prefetch_related(
            models.Prefetch(
                "memberships",
                queryset=Membership.objects.current()
                .select_related("organisation")
                .prefetch_related(
                    models.Prefetch(
                        "roles", queryset=RoleGrant.objects.current(), to_attr="current_roles"
                    )
                ),
                to_attr="current_memberships",
            )
        )


class SeamlineUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person who signs in. They belong to one organisation through a membership."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job_title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)

    objects = SeamlineUserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def audit_label(self) -> str:
        return self.username

    @property
    def audit_organisation_code(self) -> str:
        membership = self.current_membership()
        return membership.organisation.code if membership else ""

    def current_membership(self) -> Membership | None:
        prefetched = getattr(self, "current_memberships", None)
        if prefetched is not None:
            return prefetched[0] if prefetched else None
        return self.memberships.current().select_related("organisation").first()


class MembershipQuerySet(models.QuerySet["Membership"]):
    def current(self) -> MembershipQuerySet:
        return self.filter(ended_at__isnull=True)


class Membership(models.Model):
    """A user's place in one organisation. Roles are held through it."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.TextField(blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(ended_at__isnull=True), name="one_current_membership"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="membership_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.organisation}"

    def active_roles(self, at: datetime | None = None) -> list[str]:
        at = at or timezone.now()
        grants = getattr(self, "current_roles", None)
        if grants is None:
            grants = list(self.roles.current())
        return sorted(g.role for g in grants if g.is_active(at))


class RoleGrantQuerySet(models.QuerySet["RoleGrant"]):
    def current(self) -> RoleGrantQuerySet:
        """Grants not revoked (an expiry in the past is checked by `is_active`)."""
        return self.filter(revoked_at__isnull=True)

    def active(self, at: datetime | None = None) -> RoleGrantQuerySet:
        at = at or timezone.now()
        return self.current().filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))


class RoleGrant(models.Model):
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="roles")
    role = models.CharField(max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    revoked_reason = models.TextField(blank=True)

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        ordering = ["role"]
        constraints = [
            choice_check("role", Role, "role_grant_role_valid"),
            models.UniqueConstraint(
                fields=["membership", "role"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_grant_per_role",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.INSPECTOR) | Q(expires_at__isnull=False),
                name="inspector_access_expires",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} ({self.membership})"

    def is_active(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        if self.revoked_at is not None and self.revoked_at <= at:
            return False
        if self.granted_at > at:
            return False
        return self.expires_at is None or self.expires_at > at


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only a hash is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def audit_public_id(self) -> str:
        return self.prefix

    @property
    def audit_organisation_code(self) -> str:
        return self.user.audit_organisation_code

    def is_usable(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.expires_at > at


# --- pathways --------------------------------------------------------------------------------


class PathwayQuerySet(models.QuerySet["Pathway"]):
    def visible_to(self, actor: Actor) -> PathwayQuerySet:
        if actor.user is None or not actor.roles:
            return self.none()
        return self


class Pathway(Versioned):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    lead_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="led_pathways"
    )
    status = models.CharField(
        max_length=10, choices=PathwayStatus.choices, default=PathwayStatus.ACTIVE
    )
    history = HistoricalRecords()

    objects = PathwayQuerySet.as_manager()

    EDITABLE_FIELDS = ("name", "description")

    class Meta:
        ordering = ["name"]
        constraints = [choice_check("status", PathwayStatus, "pathway_status_valid")]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_organisation_code(self) -> str:
        return self.lead_organisation.code


class PathwayStep(Versioned):
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="steps")
    position = models.PositiveSmallIntegerField()
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    time_standard_hours = models.PositiveIntegerField(null=True, blank=True)
    clock_starts = models.CharField(
        max_length=20, choices=ClockStart.choices, default=ClockStart.PREVIOUS_STEP
    )
    history = HistoricalRecords()

    EDITABLE_FIELDS = ("name", "description", "time_standard_hours", "clock_starts")

    class Meta:
        ordering = ["pathway", "position"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "position"], name="step_position_unique"),
            models.UniqueConstraint(fields=["pathway", "code"], name="step_code_unique"),
            choice_check("clock_starts", ClockStart, "step_clock_start_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"

    @property
    def time_standard_label(self) -> str:
        if self.time_standard_hours is None:
            return "no time standard"
        hours = self.time_standard_hours
        span = f"{hours // 24} days" if hours % 24 == 0 and hours >= 48 else f"{hours} h"
        return f"within {span} of {self.get_clock_starts_display()}"


class RaciAssignment(models.Model):
    """One letter of a step's RACI, held by an organisation or by a role."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    step = models.ForeignKey(PathwayStep, on_delete=models.CASCADE, related_name="raci")
    letter = models.CharField(max_length=1, choices=RaciLetter.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["step", "letter", "id"]
        constraints = [
            choice_check("letter", RaciLetter, "raci_letter_valid"),
            models.CheckConstraint(
                condition=(Q(organisation__isnull=False) & Q(role=""))
                | (Q(organisation__isnull=True) & Q(role__in=Role.values)),
                name="raci_party_is_org_or_role",
            ),
            models.UniqueConstraint(
                fields=["step", "letter", "organisation", "role"], name="raci_unique_party"
            ),
            models.UniqueConstraint(
                fields=["step"],
                condition=Q(letter=RaciLetter.ACCOUNTABLE),
                name="raci_one_accountable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter}: {self.party_label}"

    @property
    def party_label(self) -> str:
        if self.organisation is not None:
            return self.organisation.name
        return Role(self.role).label


class DecisionRight(models.Model):
    """Who may initiate an action kind without waiting for a meeting."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    action_kind = models.CharField(max_length=32, choices=ActionKind.choices)
    pathway = models.ForeignKey(
        Pathway, on_delete=models.PROTECT, null=True, blank=True, related_name="decision_rights"
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decision_rights",
    )
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    conditions = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["action_kind", "id"]
        constraints = [
            choice_check("action_kind", ActionKind, "decision_right_kind_valid"),
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | Q(role__in=Role.values),
                name="decision_right_names_a_party",
            ),
            models.CheckConstraint(
                condition=Q(role="") | Q(role__in=Role.values), name="decision_right_role_valid"
            ),
            models.UniqueConstraint(
                fields=["action_kind", "pathway", "organisation", "role"],
                name="decision_right_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_kind_display()}: {self.party_label}"

    @property
    def party_label(self) -> str:
        parts = []
        if self.organisation is not None:
            parts.append(self.organisation.name)
        if self.role:
            parts.append(Role(self.role).label)
        return " · ".join(parts)
