"""What the coordination commands share: who acts."""

from __future__ import annotations

from django.core.management.base import CommandError

from seamline.access import Actor, actor_for
from seamline.network.models import User


def actor_named(username: str | None, label: str) -> Actor:
    """The person `--as` names (their access, exactly), or the platform operator."""
    if not username:
        return Actor.system(label)
    user = User.objects.filter(username=username.strip().lower(), is_active=True).first()
    if user is None:
        raise CommandError(f"There is no active person with username '{username}'.")
    actor = actor_for(user)
    if not actor.roles:
        raise CommandError(f"{username} holds no current role.")
    return actor
