"""Handoffs past their response standard: the question the pages flag and the escalation
ladder will be wired to.

A handoff is overdue when it was sent and nobody has accepted, rejected or withdrawn it within
the response standard counted from its first sending (asking the sender for more does not stop
the clock), or when it was rejected and the sender has not resolved the rejection within the
same standard counted from the rejection. The standard is the time standard of the pathway
step the handoff names, or else the template's own (`rules.response_standard`). The deadline
is kept on the row (`Handoff.respond_by`), so the question is one indexed query, and a worker
can later claim the rows it escalates by compare-and-set on that column.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from .models import Handoff, HandoffQuerySet


def overdue_handoffs(
    at: datetime | None = None, among: HandoffQuerySet | None = None
) -> HandoffQuerySet:
    """Every handoff overdue at `at` (now when None), oldest deadline first; `among` narrows
    the search (e.g. `Handoff.objects.visible_to(actor)`)."""
    handoffs = among if among is not None else Handoff.objects.all()
    return handoffs.overdue(at or timezone.now()).order_by("respond_by", "id")
