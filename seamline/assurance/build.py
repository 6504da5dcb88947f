"""Building and issuing a monthly pack: every installed metric for the month, by partner, with
its twelve-month trend; stamped with when it was built, from which data, and the audit chain
head at that moment; stored once and never changed (a correction is a new issue)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from seamline.access import Actor
from seamline.audit import actions as audit
from seamline.audit.models import ChainHead
from seamline.errors import Reason, RuleViolation
from seamline.network.models import Organisation

from . import access
from .catalogue import SECTION_TITLES, catalogue
from .compute import Calculator, Figure
from .frames import FRAMES
from .models import Pack, content_digest

FORMAT_VERSION = 1


def _figure(metric_red: Any, f: Figure) -> dict[str, Any]:
    return {**f.as_dict(), "red": metric_red(f.value)}


def pack_content(period: date, built_at: datetime, head: tuple[int, str]) -> dict[str, Any]:
    """The pack's whole content as plain JSON-ready data."""
    calc = Calculator()
    partners = list(Organisation.objects.order_by("code").values("code", "name", "kind", "status"))
    metrics = []
    for m in catalogue():
        figs = calc.figures(m, period, trend=True)
        metrics.append(
            {
                "code": m.code,
                "title": m.title,
                "section": str(m.section),
                "unit": str(m.unit),
                "additive": m.additive,
                "higher_is_better": m.higher_is_better,
                "target": m.target,
                "frames": list(m.frames),
                "network": _figure(m.is_red, figs.network),
                "partners": {
                    code: _figure(m.is_red, f) for code, f in sorted(figs.partners.items())
                },
                "breakdown": figs.breakdown,
                "trend": [
                    {
                        "period": label,
                        "network": net.as_dict(),
                        "partners": {c: f.as_dict() for c, f in sorted(parts.items())},
                    }
                    for label, net, parts in figs.trend
                ],
            }
        )
    return {
        "format": FORMAT_VERSION,
        "network": calc.network.name,
        "period": period.strftime("%Y-%m"),
        "time_zone": calc.network.time_zone,
        "built_at": built_at.isoformat(),
        "audit_chain_head": head[1],
        "audit_chain_seq": head[0],
        "data": {
            "database": connection.vendor,
            "database_name": str(settings.DATABASES["default"]["NAME"]).rsplit("/", 1)[-1],
            "apps": sorted({m.app for m in catalogue()}),
            "read_at": built_at.isoformat(),
        },
        "partners": partners,
        "sections": [{"code": str(k), "title": v} for k, v in SECTION_TITLES.items()],
        "frames": [
            {"code": f.code, "regulator": f.regulator, "title": f.title} for f in FRAMES.values()
        ],
        "metrics": metrics,
    }


def _chain_head() -> tuple[int, str]:
    head = ChainHead.objects.filter(singleton=True).values_list("seq", "hash").first()
    return (int(head[0]), str(head[1])) if head else (0, "")


def build_pack(
    actor: Actor, period: date, *, reason: str = "", now: datetime | None = None
) -> Pack:
    """Compute and issue the pack for `period`. The first issue needs no reason; a later one
    (a correction) must say why it replaces the one before."""
    if not access.can_build_packs(actor):
        raise RuleViolation(Reason("not_allowed", "You may not build assurance packs."))
    built_at = now or timezone.now()
    first_day = date(period.year, period.month, 1)
    if first_day > timezone.localdate(built_at):
        raise RuleViolation(
            Reason("future_period", "period: a pack covers a month that has begun.", "period")
        )
    with transaction.atomic():
        last = Pack.objects.filter(period=first_day).order_by("-issue").first()
        issue = 1 if last is None else last.issue + 1
        if last is not None and not reason.strip():
            raise RuleViolation(
                Reason(
                    "correction_needs_reason",
                    f"reason: issue {last.issue} of {first_day:%Y-%m} is already out; say "
                    "why this new issue replaces it.",
                    "reason",
                )
            )
        head = _chain_head()
        content = pack_content(first_day, built_at, head)
        content["issue"] = issue
        content["reason"] = reason.strip()
        content["built_by"] = actor.display
        try:
            pack = Pack.objects.create(
                period=first_day,
                issue=issue,
                built_at=built_at,
                built_by=actor.user,
                built_by_label=actor.display,
                reason=reason.strip(),
                audit_seq=head[0],
                audit_hash=head[1],
                content=content,
                digest=content_digest(content),
            )
        except IntegrityError:
            raise RuleViolation(
                Reason("issued_meanwhile", "Another issue of this pack was built meanwhile.")
            ) from None
        audit.record(
            actor,
            "assurance.pack.issue",
            pack,
            changes={"period": pack.label, "issue": issue, "digest": pack.digest},
            reason=reason.strip(),
        )
    return pack
