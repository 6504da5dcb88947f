"""A demo context over the test cast, for testing one app's demo step on a small network."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from seamline.cases.testing import make_participant, make_referral
from seamline.demo.registry import DemoContext
from seamline.network.models import User


def cast_context(
    cast: Any, now: datetime, *, open_cases: int, received_days_ago: int
) -> DemoContext:
    """`open_cases` Riverside participants each with an open discharge referral received
    `received_days_ago` days before `now`, and a context holding the cast's people by
    organisation and by role, as the network step leaves them."""
    for i in range(open_cases):
        p = make_participant(cast.riverside, given_name=f"P{i}")
        make_referral(
            p,
            cast.discharge,
            cast.riverside,
            cast.river_coordinator,
            received_at=now - timedelta(days=received_days_ago),
        )
    people: dict[str, list[User]] = defaultdict(list)
    by_role: dict[str, list[User]] = defaultdict(list)
    for user in User.objects.order_by("pk"):
        membership = user.current_membership()
        if membership is None:
            continue
        people[membership.organisation.code].append(user)
        for role in sorted(cast.actor(user).roles):
            by_role[role].append(user)
    ctx = DemoContext(seed=1, now=now, rng=random.Random(1))  # noqa: S311 (test data)
    ctx.objects.update(people=dict(people), by_role=dict(by_role))
    return ctx
