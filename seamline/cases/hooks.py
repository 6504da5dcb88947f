"""What other apps do when a referral is recorded.

A later app that must act when a pathway episode starts (the coordination app starts the
post-discharge sprint of a hospital discharge) registers a function once, from its
`AppConfig.ready()`::

    from seamline.cases.hooks import on_referral_recorded

    on_referral_recorded("coordination.sprint", start_sprint_on_discharge)

`cases.actions.create_referral` calls every registered function, by key, inside its own
transaction after writing the referral and its audit entry: a hook that raises undoes the
referral too, so a hook refuses nothing it can leave for later and catches its own refusals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seamline.access import Actor

    from .models import Referral

ReferralHook = Callable[["Actor", "Referral"], object]

_ON_REFERRAL: dict[str, ReferralHook] = {}


def on_referral_recorded(key: str, hook: ReferralHook) -> None:
    """Call `hook(actor, referral)` whenever a referral is recorded. Registering a key again
    replaces its hook."""
    _ON_REFERRAL[key] = hook


def forget(key: str) -> None:
    """Unregister (for tests)."""
    _ON_REFERRAL.pop(key, None)


def referral_recorded(actor: Actor, referral: Referral) -> None:
    for key in sorted(_ON_REFERRAL):
        _ON_REFERRAL[key](actor, referral)
