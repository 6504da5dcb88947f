"""Pure rules of owned actions: plain values in, reasons out, no database.

Reason codes:

* ``required``: no description or no due time;
* ``owner_required``: neither a person nor a role is named within the owning organisation;
* ``invalid_value``: a role that is not one of the network's roles;
* ``owner_outside_care``: the owning organisation has no part in the participant's care;
* ``owner_not_member``: the named person does not work for the owning organisation;
* ``already_completed``, ``date_in_future``, ``before_created``: completing an action.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from seamline.errors import Reason
from seamline.network.choices import Role


def owner_reasons(
    *,
    organisation: str,
    organisation_name: str,
    care_organisations: Collection[str],
    person_organisation: str | None,
    person_named: bool,
    role: str,
    field_prefix: str = "",
) -> list[Reason]:
    """May this organisation (and person or role in it) own an action for the participant?

    `care_organisations`: codes of the organisations with an active part in the participant's
    care at the moment the action is created. `person_organisation`: the named person's current
    organisation (None when nobody is named, or they have none)."""
    reasons = []
    if not person_named and not role:
        reasons.append(
            Reason(
                "owner_required",
                "Name the person or the role that owns the action.",
                f"{field_prefix}owner_person",
            )
        )
    if role and role not in Role.values:
        reasons.append(
            Reason("invalid_value", f"'{role}' is not a role.", f"{field_prefix}owner_role")
        )
    if organisation not in care_organisations:
        reasons.append(
            Reason(
                "owner_outside_care",
                f"{organisation_name} has no part in this participant's care, so it cannot own "
                "an action for them.",
                f"{field_prefix}owner_organisation",
            )
        )
    if person_named and person_organisation != organisation:
        reasons.append(
            Reason(
                "owner_not_member",
                f"The person named does not work for {organisation_name}.",
                f"{field_prefix}owner_person",
            )
        )
    return reasons


def action_reasons(*, description: str, due_at: datetime | None) -> list[Reason]:
    reasons = []
    if not description.strip():
        reasons.append(Reason("required", "Say what is to be done.", "description"))
    if due_at is None:
        reasons.append(Reason("required", "Give the time the action is due.", "due_at"))
    return reasons


def completion_reasons(
    *, completed_at: datetime | None, created_at: datetime, at: datetime, now: datetime
) -> list[Reason]:
    if completed_at is not None:
        return [Reason("already_completed", "This action is already completed.", "completed_at")]
    if at > now:
        return [Reason("date_in_future", "Record completion once it is done.", "at")]
    if at < created_at:
        return [Reason("before_created", "An action cannot be done before it was set.", "at")]
    return []
