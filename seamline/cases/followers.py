"""Records of other apps that belong to a participant and follow them through a merge.

A merge moves the absorbed record's referrals, identifiers, risk flags, care team and declined
workers onto the surviving record. Other apps keep records about a participant too (owned
actions, visits, ...): one that should be found on the surviving record after a merge
registers its model once, from its `AppConfig.ready()`::

    from seamline.cases.followers import follows_participant

    follows_participant("actions", Action)

`merge` moves every registered model's rows with the participant's own and lists their ids
in the `Merge` under the key given, so `unmerge` puts back exactly those rows.
"""

from __future__ import annotations

from django.db.models import Model

_FOLLOWERS: dict[str, tuple[type[Model], str]] = {}


def follows_participant(key: str, model: type[Model], field: str = "participant") -> None:
    """Register `model`, whose foreign key `field` names a participant, to follow merges.
    `key` names its rows in a `Merge`'s record of what moved (it must stay the same)."""
    known = _FOLLOWERS.get(key)
    if known is not None and known != (model, field):
        raise ValueError(f"{key!r} already names {known[0].__name__} rows in merges.")
    _FOLLOWERS[key] = (model, field)


def forget(key: str) -> None:
    """Unregister (for tests)."""
    _FOLLOWERS.pop(key, None)


def followers() -> list[tuple[str, type[Model], str]]:
    """The participant's own records (cases) and every registered model: (key, model, field)."""
    from .models import CareTeamMember, DeclinedWorker, LocalId, Referral, RiskFlag

    own: list[tuple[str, type[Model], str]] = [
        ("referrals", Referral, "participant"),
        ("local_ids", LocalId, "participant"),
        ("flags", RiskFlag, "participant"),
        ("care_team", CareTeamMember, "participant"),
        ("declined_workers", DeclinedWorker, "participant"),
    ]
    return own + [(key, model, field) for key, (model, field) in sorted(_FOLLOWERS.items())]
