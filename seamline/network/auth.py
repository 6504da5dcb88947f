"""Sign-in: only people with a current membership and at least one live role get in.

Sign-in successes, failures and lockouts are written to the audit log. (Signals are used here
because the events come from django.contrib.auth and django-axes, not from our domain flow.)
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from seamline.access import Actor, actor_for
from seamline.audit.actions import record
from seamline.audit.models import EntryKind


class MembershipBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        if user.is_superuser:
            return True
        return bool(actor_for(user).roles)


def _target(username: str) -> dict[str, str]:
    return {
        "object_type": "network.user",
        "object_id": username[:100],
        "object_label": username[:300],
        "object_organisation_code": "",
    }


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    actor = actor_for(user)
    record(actor, "auth.login", kind=EntryKind.AUTH, target=_target(user.username))


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(actor_for(user), "auth.logout", kind=EntryKind.AUTH, target=_target(user.username))


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))
    record(
        Actor(user=None, organisation=None, label="anonymous"),
        "auth.login_failed",
        kind=EntryKind.AUTH,
        target=_target(username),
    )


@receiver(user_locked_out)
def _locked_out(sender: Any, request: Any = None, username: str = "", **kwargs: Any) -> None:
    record(
        Actor(user=None, organisation=None, label="anonymous"),
        "auth.locked_out",
        kind=EntryKind.AUTH,
        target=_target(username or ""),
    )
