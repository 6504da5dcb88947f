"""Checks other apps add to an organisation's move from onboarding to active.

The network app knows nothing of what those apps keep; an app that must be satisfied before a
partner joins the network's work registers a check once, from its `AppConfig.ready()`::

    from seamline.network.activation import on_activation

    on_activation("quality.due_diligence", due_diligence_reasons)

`actions.change_organisation_status` calls every registered check, by key, when an
organisation moves from onboarding to active, and refuses the move with their reasons. A
check takes the organisation and answers a list of `Reason`s (empty: no objection).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from seamline.errors import Reason

from .choices import OrgStatus

if TYPE_CHECKING:
    from .models import Organisation

ActivationCheck = Callable[["Organisation"], list[Reason]]

_CHECKS: dict[str, ActivationCheck] = {}


def on_activation(key: str, check: ActivationCheck) -> None:
    """Ask `check(organisation)` before any organisation goes from onboarding to active.
    Registering a key again replaces its check."""
    _CHECKS[key] = check


def forget(key: str) -> None:
    """Unregister (for tests)."""
    _CHECKS.pop(key, None)


def activation_reasons(organisation: Organisation, new_status: str) -> list[Reason]:
    if organisation.status != OrgStatus.ONBOARDING or new_status != OrgStatus.ACTIVE:
        return []
    reasons: list[Reason] = []
    for key in sorted(_CHECKS):
        reasons += _CHECKS[key](organisation)
    return reasons
