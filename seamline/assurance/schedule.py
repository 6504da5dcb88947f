"""Packs on a schedule: from the third day of each month (when late records of the month before
have had two days to land) the worker issues the previous month's pack, once. Two workers racing
settle on the unique (period, issue): the loser finds the pack out and does nothing."""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from seamline.access import Actor
from seamline.errors import RuleViolation
from seamline.network.models import Network

from .build import build_pack
from .catalogue import add_months
from .models import Pack

log = logging.getLogger("seamline.worker")

ISSUE_ON_DAY = 3
WORKER = Actor.system("pack-schedule")


def due_period(at: datetime, tz: ZoneInfo) -> date | None:
    """The month whose pack is due at `at`: the previous one, from the third of the month."""
    local = at.astimezone(tz)
    if local.day < ISSUE_ON_DAY:
        return None
    return add_months(date(local.year, local.month, 1), -1)


def issue_due_pack(at: datetime) -> Pack | None:
    """Issue the pack that is due, unless it is already out. Returns the pack issued now."""
    period = due_period(at, ZoneInfo(Network.current().time_zone))
    if period is None or Pack.objects.filter(period=period).exists():
        return None
    try:
        pack = build_pack(WORKER, period, now=at)
    except RuleViolation as exc:
        log.info("pack %s not issued: %s", period, exc)
        return None
    log.info("issued the %s assurance pack (audit chain head #%s)", pack.label, pack.audit_seq)
    return pack
