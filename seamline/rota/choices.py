"""Closed vocabularies of the rota. Each one is also a check constraint."""

from django.db import models

from seamline.network.choices import Role


class VisitStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    CANCELLED = "cancelled", "Cancelled"


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", "Assigned"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Rule(models.TextChoices):
    """The rota gate's rules (SPEC C4), by the code every answer carries."""

    G1 = "G1", "G1 Worker and organisation active"
    G2 = "G2", "G2 Competencies held at the stage needed, current"
    G3 = "G3", "G3 No delegation pause"
    G4 = "G4", "G4 Temporary workers: tier 1 until bundle and enhanced supervision are done"
    G5 = "G5", "G5 Lone or late: independent, never a new starter"
    G6 = "G6", "G6 Supervised stage needs an independent co-worker"
    G7 = "G7", "G7 High-risk caseload within the cap"
    G8 = "G8", "G8 No overlap, inside a shift"
    G9 = "G9", "G9 Not declined, meets preferences"
    G10 = "G10", "G10 Supervision not overdue for tier 3 and 4"


RULES: tuple[str, ...] = tuple(Rule.values)
# Blocks nobody may override: an inactive worker or organisation cannot be sent, whatever the
# emergency (docs/adr/0008-gate-overrides.md).
NOT_OVERRIDABLE = frozenset({Rule.G1})


class PreferenceKind(models.TextChoices):
    """A participant's recorded preference about who visits (the gate's G9). Several rows of
    one kind are alternatives: any of them will do."""

    NO_TEMPORARY = "no_temporary", "No bank, agency or contractor workers"
    ORGANISATION = "organisation", "Workers of this organisation"
    ROLE_GROUP = "role_group", "Workers of this role group"


# Roles that schedule: see the gate's answers, the visits of their participants, validate rotas.
SCHEDULE_ROLES = frozenset(
    {
        Role.SCHEDULER,
        Role.COORDINATOR,
        Role.PARTNER_ADMIN,
        Role.SUPERVISOR,
        Role.NETWORK_ADMIN,
        Role.QUALITY_LEAD,
    }
)
# Roles that load a partner's rota into Seamline (for their own organisation).
IMPORT_ROLES = frozenset({Role.SCHEDULER, Role.PARTNER_ADMIN})
# Roles of the worker's own organisation that may override a block (docs/adr/0008).
OVERRIDE_ROLES = frozenset({Role.SUPERVISOR, Role.PARTNER_ADMIN})
# Roles that record a participant's preferences about who visits.
PREFERENCE_ROLES = frozenset(
    {
        Role.COORDINATOR,
        Role.SUPERVISOR,
        Role.PARTNER_ADMIN,
        Role.NETWORK_ADMIN,
        Role.QUALITY_LEAD,
    }
)
