"""Notices by e-mail, through Django's mail framework (the console backend in the demo and
locally, SMTP in production: docs/operations.md).

The worker sends them after each tick: it claims each notice not yet e-mailed with one
conditional UPDATE (`... WHERE id = ? AND emailed_at IS NULL`), so two workers never send the
same notice twice, then sends it to every person who holds the notice's role in its
organisation now. A notice whose sending fails is logged and not retried (at most once): the
in-app notice on *Waiting for me* is the record that counts.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from seamline.network.models import RoleGrant

from .models import Notification

log = logging.getLogger("seamline.escalation.mail")
BATCH = 200


def recipients(note: Notification, at: datetime) -> list[str]:
    """E-mail addresses of the people holding the notice's role in its organisation at `at`."""
    grants = (
        RoleGrant.objects.active(at)
        .filter(
            role=note.role,
            membership__organisation_id=note.organisation_id,
            membership__ended_at__isnull=True,
            membership__user__is_active=True,
        )
        .exclude(membership__user__email="")
        .values_list("membership__user__email", flat=True)
    )
    return sorted(set(grants))


def send_pending(at: datetime) -> int:
    """E-mail every notice not yet sent; answers how many notices were sent."""
    sent = 0
    base = getattr(settings, "SEAMLINE_BASE_URL", "").rstrip("/")
    pending = list(
        Notification.objects.filter(emailed_at__isnull=True)
        .select_related("escalation", "concern")
        .order_by("created_at", "id")[:BATCH]
    )
    for note in pending:
        if not Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(
            emailed_at=at
        ):
            continue  # another worker took it
        to = recipients(note, at)
        if not to:
            continue
        if note.concern is not None:
            link = base + reverse("escalation:concern", args=[note.concern.code])
        else:
            assert note.escalation is not None
            link = base + reverse("escalation:detail", args=[note.escalation.code])
        try:
            send_mail(
                subject=f"[Seamline] {note.message}"[:200],
                message=f"{note.message}\n\nOpen it: {link}\n",
                from_email=None,
                recipient_list=to,
            )
        except Exception:  # a mail server down must not stop the clock
            log.exception("notice %s could not be e-mailed", note.uuid)
            continue
        Notification.objects.filter(pk=note.pk).update(emailed_to=len(to))
        sent += 1
    return sent
