"""The cross-agency timeline of a participant's events around an incident.

Each source (referrals, ownership changes, handoffs, visits, escalations, safeguarding
concerns, plan versions, acknowledgements, contact records, owned actions, risk flags, other
incidents) is read by one query through its own app's access layer, so a viewer sees only the
events of records they may see, and turned into plain `Event`s. `merge` (pure) puts the lists
together: the events inside the window, in time order. `load` is the whole: one query per
source however many events there are. Each event names its organisation, so the page can lay
the partners side by side and show at which seam things went wrong; `alert` marks the events
that usually mean a seam broke (a rejected handoff, a visit nobody was assigned to, a climb,
an acknowledgement or action past due, a record written late).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from seamline.access import Actor

if TYPE_CHECKING:
    from seamline.cases.models import Participant

SOURCES = (
    "referrals",
    "ownership",
    "handoffs",
    "visits",
    "escalations",
    "safeguarding",
    "plans",
    "acknowledgements",
    "records",
    "actions",
    "flags",
    "incidents",
)


@dataclass(frozen=True)
class Event:
    at: datetime
    source: str
    kind: str
    title: str
    organisation: str = ""  # code; "" when no organisation is known
    organisation_name: str = ""
    ref: str = ""
    url: str = ""
    alert: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "source": self.source,
            "kind": self.kind,
            "title": self.title,
            "organisation": self.organisation,
            "ref": self.ref,
            "url": self.url,
            "alert": self.alert,
        }


def _order(event: Event) -> tuple[datetime, int, str, str]:
    rank = SOURCES.index(event.source) if event.source in SOURCES else len(SOURCES)
    return (event.at, rank, event.ref, event.kind)


def merge(lists: Iterable[Iterable[Event]], start: datetime, end: datetime) -> list[Event]:
    """The events of every list that fall in [start, end], in time order; events at the same
    instant keep the order of `SOURCES`, then of their reference and kind, so the result is
    the same whatever order the lists and their events come in."""
    return sorted(
        (e for events in lists for e in events if start <= e.at <= end),
        key=_order,
    )


@dataclass(frozen=True)
class Lane:
    code: str
    name: str


def lanes(events: Sequence[Event]) -> list[Lane]:
    """One lane per organisation, in the order they first appear (events without an
    organisation go in a last lane)."""
    seen: dict[str, str] = {}
    for e in events:
        seen.setdefault(e.organisation, e.organisation_name or e.organisation or "Unattributed")
    found = [Lane(code, name) for code, name in seen.items() if code]
    if "" in seen:
        found.append(Lane("", "Unattributed"))
    return found


# --- loading: one query per source ---------------------------------------------------------------


def _url(name: str, *args: object) -> str:
    return reverse(name, args=[str(a) for a in args])


def _in(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lte": end})


def _org(org: Any) -> tuple[str, str]:
    return (org.code, org.name) if org is not None else ("", "")


def _referrals(actor: Actor, p: Participant, start: datetime, end: datetime) -> list[Event]:
    from seamline.cases.models import Referral

    rows = (
        Referral.objects.visible_to(actor)
        .filter(participant=p)
        .filter(
            _in("received_at", start, end)
            | _in("first_contact_at", start, end)
            | _in("discharged_at", start, end)
        )
        .select_related("pathway", "receiving_organisation", "owner_organisation")
    )
    out = []
    for r in rows:
        url = _url("cases:referral", r.code)
        owner = r.owner_organisation or r.receiving_organisation
        out.append(
            Event(
                r.received_at,
                "referrals",
                "referral.received",
                f"Referral {r.code} received ({r.pathway.name})",
                *_org(r.receiving_organisation),
                r.code,
                url,
            )
        )
        if r.first_contact_at:
            out.append(
                Event(
                    r.first_contact_at,
                    "referrals",
                    "referral.first_contact",
                    f"First contact on {r.code}",
                    *_org(owner),
                    r.code,
                    url,
                )
            )
        if r.discharged_at:
            out.append(
                Event(
                    r.discharged_at,
                    "referrals",
                    "referral.discharged",
                    f"{r.code} discharged ({r.get_outcome_display().lower()})",
                    *_org(owner),
                    r.code,
                    url,
                )
            )
    return out


def _ownership(actor: Actor, p: Participant, start: datetime, end: datetime) -> list[Event]:
    from seamline.cases.models import Ownership, Referral

    rows = (
        Ownership.objects.filter(
            referral__in=Referral.objects.visible_to(actor).filter(participant=p).values("pk"),
            seq__gt=1,
        )
        .filter(_in("started_at", start, end))
        .select_related("organisation", "referral")
    )
    return [
        Event(
            o.started_at,
            "ownership",
            "ownership.changed",
            f"{o.referral.code} now owned by {o.organisation.name} ({o.get_how_display().lower()})",
            *_org(o.organisation),
            o.referral.code,
            _url("cases:referral", o.referral.code),
        )
        for o in rows
    ]


HANDOFF_KINDS = ("sent", "info_requested", "accepted", "rejected", "withdrawn", "mismatch_flagged")


def _handoffs(actor: Actor, p: Participant, start: datetime, end: datetime) -> list[Event]:
    from seamline.handoffs.models import Handoff, HandoffEvent

    rows = (
        HandoffEvent.objects.filter(
            handoff__in=Handoff.objects.visible_to(actor)
            .filter(referral__participant=p)
            .values("pk"),
            kind__in=HANDOFF_KINDS,
        )
        .filter(_in("at", start, end))
        .select_related(
            "handoff__sender_organisation", "handoff__receiving_organisation", "organisation"
        )
    )
    out = []
    for e in rows:
        h = e.handoff
        acting = e.organisation or (
            h.sender_organisation if e.kind in ("sent", "withdrawn") else h.receiving_organisation
        )
        detail = ""
        if e.kind == "rejected" and h.rejection_reason:
            detail = f": {h.get_rejection_reason_display().lower()}"
        out.append(
            Event(
                e.at,
                "handoffs",
                f"handoff.{e.kind}",
                f"Handoff {h.code} {e.get_kind_display().lower()} "
                f"({h.sender_organisation.name} to {h.receiving_organisation.name}){detail}",
                *_org(acting),
                h.code,
                _url("handoffs:handoff", h.code),
                alert=e.kind in ("rejected", "mismatch_flagged"),
            )
        )
    return out


def _visits(actor: Actor, p: Participant, start: datetime, end: datetime) -> list[Event]:
    """One query: each visit joined to its assignments (one row per assignment, one row with
    none for a visit nobody is assigned to)."""
    from seamline.rota.models import Visit

    rows = (
        Visit.objects.visible_to(actor)
        .filter(participant=p)
        .filter(_in("starts_at", start, end))
        .values(
            "code",
            "starts_at",
            "ends_at",
            "status",
            "organisation__code",
            "organisation__name",
            "assignments__status",
            "assignments__worker__first_name",
            "assignments__worker__last_name",
        )
        .order_by("starts_at", "code", "assignments__worker__last_name")
    )
    visits: dict[str, dict[str, Any]] = {}
    for r in rows:
        v = visits.setdefault(r["code"], {**r, "workers": []})
        if r["assignments__status"] == "assigned":
            first, last = r["assignments__worker__first_name"], r["assignments__worker__last_name"]
            v["workers"].append(f"{first} {last}")
    out = []
    for code, v in visits.items():
        local = timezone.localtime(v["starts_at"])
        cancelled = v["status"] == "cancelled"
        if cancelled:
            what, alert = "cancelled", False
        elif v["workers"]:
            what, alert = "with " + ", ".join(v["workers"]), False
        else:
            what, alert = "nobody assigned", True
        out.append(
            Event(
                v["starts_at"],
                "visits",
                "visit.cancelled" if cancelled else "visit.planned",
                f"Visit {local:%H:%M} {what}",
                v["organisation__code"],
                v["organisation__name"],
                code,
                _url("rota:visit", code),
                alert=alert,
            )
        )
    return out


def _escalations(actor: Actor, p: Participant, start: datetime, end: datetime) -> list[Event]:
    from seamline.escalation.models import Escalation, EscalationEvent

    rows = (
        EscalationEvent.objects.filter(
            escalation__in=Escalation.objects.visible_to(actor).filter(participant=p).values("pk")
        )
        .filter(_in("at", start, end))
        .select_related("escalation__organisation")
    )
    return [
        Event(
            e.at,
            "escalations",
            f"escalation.{e.kind}",
            f"Escalation {e.escalation.code} ({e.escalation.get_trigger_display().lower()}): "
            f"{e.get_kind_display().lower()}" + (f", rung {e.rung}" if e.kind == "climbed" else ""),
            *_org(e.escalation.organisation),
            e.escalation.code,
            _url("escalation:detail", e.escalation.code),
            alert=e.kind in ("climbed", "breached"),
        )
        for e in rows
    ]


def _safeguarding(actor: Actor, p: Participant, start: datetime, end: datetime) -> list[Event]:
    from seamline.escalation.models import SafeguardingConcern

    rows = (
        SafeguardingConcern.objects.visible_to(actor)
        .filter(participant=p)
        .filter(_in("occurred_at", start, end) | _in("lead_notified_at", start, end))
        .select_related("organisation", "lead_organisation")
    )
    out = []
    for c in rows:
        url = _url("escalation:concern", c.code)
        out.append(
            Event(
                c.occurred_at,
                "safeguarding",
                "safeguarding.raised",
                f"Safeguarding concern {c.code} ({c.get_theme_display().lower()})",
                *_org(c.organisation),
                c.code,
                url,
                alert=True,
            )
        )
        if c.lead_notified_at:
            late = c.lead_notified_at > c.notify_by
            out.append(
                Event(
                    c.lead_notified_at,
                    "safeguarding",
                    "safeguarding.lead_told",
                    f"Safeguarding lead told of {c.code}" + (" (late)" if late else ""),
                    *_org(c.lead_organisation),
                    c.code,
                    url,
                    alert=late,
                )
            )
    return out


def _plans(actor: Actor, p: Participant, start: datetime, end: datetime) -> list[Event]:
    from seamline.plans.models import Plan, PlanVersion

    rows = (
        PlanVersion.objects.filter(
            plan__in=Plan.objects.visible_to(actor).filter(participant=p).values("pk")
        )
        .filter(_in("created_at", start, end))
        .select_related("author_organisation")
    )
    return [
        Event(
            v.created_at,
            "plans",
            "plan.version",
            f"Plan version {v.number}: {v.reason[:120]}",
            *_org(v.author_organisation),
            f"plan:{p.code}:v{v.number}",
            _url("plans:history", p.code),
        )
        for v in rows
    ]


def _acknowledgements(
    actor: Actor, p: Participant, start: datetime, end: datetime, now: datetime
) -> list[Event]:
    from seamline.plans.models import Acknowledgement

    rows = (
        Acknowledgement.objects.visible_to(actor)
        .filter(version__plan__participant=p)
        .filter(_in("acknowledged_at", start, end) | _in("due_at", start, end))
        .select_related("organisation", "version")
    )
    out = []
    for a in rows:
        ref = f"plan:{p.code}:v{a.version.number}"
        url = _url("plans:history", p.code)
        if a.acknowledged_at:
            out.append(
                Event(
                    a.acknowledged_at,
                    "acknowledgements",
                    "plan.acknowledged",
                    f"Plan version {a.version.number} acknowledged",
                    *_org(a.organisation),
                    ref,
                    url,
                )
            )
        missed = (a.acknowledged_at or now) > a.due_at and a.due_at <= now
        if missed:
            out.append(
                Event(
                    a.due_at,
                    "acknowledgements",
                    "plan.acknowledgement_overdue",
                    f"Plan version {a.version.number} not acknowledged by its deadline",
                    *_org(a.organisation),
                    ref,
                    url,
                    alert=True,
                )
            )
    return out


def _records(actor: Actor, p: Participant, start: datetime, end: datetime) -> list[Event]:
    from seamline.coordination.models import Record
    from seamline.coordination.rules import documented_on_time

    rows = (
        Record.objects.visible_to(actor)
        .filter(participant=p)
        .filter(_in("occurred_at", start, end))
        .select_related("organisation")
    )
    out = []
    for r in rows:
        on_time = documented_on_time(r.occurred_at, r.recorded_at)
        hours = (r.recorded_at - r.occurred_at).total_seconds() / 3600
        text = r.text if len(r.text) <= 100 else r.text[:99] + "…"
        out.append(
            Event(
                r.occurred_at,
                "records",
                f"record.{r.kind}",
                f"{r.get_kind_display()}: {text}"
                + ("" if on_time else f" (written {hours:.0f} hours later)"),
                *_org(r.organisation),
                str(r.uuid),
                _url("coordination:records", p.code),
                alert=not on_time,
            )
        )
    return out


def _actions(
    actor: Actor, p: Participant, start: datetime, end: datetime, now: datetime
) -> list[Event]:
    from seamline.coordination.models import Action

    rows = (
        Action.objects.visible_to(actor)
        .filter(participant=p)
        .filter(
            _in("created_at", start, end)
            | _in("completed_at", start, end)
            | _in("due_at", start, end)
        )
        .select_related("owner_organisation")
    )
    out = []
    for a in rows:
        what = a.description if len(a.description) <= 80 else a.description[:79] + "…"
        ref = str(a.uuid)
        org = _org(a.owner_organisation)
        out.append(Event(a.created_at, "actions", "action.created", f"Action: {what}", *org, ref))
        if a.completed_at:
            out.append(
                Event(a.completed_at, "actions", "action.completed", f"Done: {what}", *org, ref)
            )
        if (a.completed_at or now) > a.due_at and a.due_at <= now:
            out.append(
                Event(
                    a.due_at,
                    "actions",
                    "action.overdue",
                    f"Not done by its due time: {what}",
                    *org,
                    ref,
                    alert=True,
                )
            )
    return out


def _flags(actor: Actor, p: Participant, start: datetime, end: datetime) -> list[Event]:
    from seamline.cases.models import Participant as P
    from seamline.cases.models import RiskFlag

    rows = (
        RiskFlag.objects.filter(
            participant=p, participant__in=P.objects.visible_to(actor).values("pk")
        )
        .filter(_in("raised_at", start, end) | _in("resolved_at", start, end))
        .select_related("source_organisation")
    )
    out = []
    for f in rows:
        url = _url("cases:participant", p.code)
        label = f"{f.get_kind_display()} ({f.get_severity_display().lower()})"
        org = _org(f.source_organisation)
        out.append(
            Event(
                f.raised_at,
                "flags",
                "flag.raised",
                f"Risk flag raised: {label}",
                *org,
                str(f.uuid),
                url,
            )
        )
        if f.resolved_at:
            out.append(
                Event(
                    f.resolved_at,
                    "flags",
                    "flag.resolved",
                    f"Risk flag resolved: {label}",
                    *org,
                    str(f.uuid),
                    url,
                )
            )
    return out


def _incidents(actor: Actor, p: Participant, start: datetime, end: datetime) -> list[Event]:
    from .models import Incident

    rows = (
        Incident.objects.visible_to(actor)
        .filter(participant=p)
        .filter(_in("occurred_at", start, end))
        .select_related("organisation")
    )
    return [
        Event(
            i.occurred_at,
            "incidents",
            "incident",
            f"Incident {i.code}: {i.get_theme_display().lower()}, "
            f"{i.get_severity_display().lower()}",
            *_org(i.organisation),
            i.code,
            _url("quality:incident", i.code),
            alert=True,
        )
        for i in rows
    ]


Loader = Callable[[Actor, "Participant", datetime, datetime, datetime], list[Event]]

LOADERS: dict[str, Loader] = {
    "referrals": lambda a, p, s, e, now: _referrals(a, p, s, e),
    "ownership": lambda a, p, s, e, now: _ownership(a, p, s, e),
    "handoffs": lambda a, p, s, e, now: _handoffs(a, p, s, e),
    "visits": lambda a, p, s, e, now: _visits(a, p, s, e),
    "escalations": lambda a, p, s, e, now: _escalations(a, p, s, e),
    "safeguarding": lambda a, p, s, e, now: _safeguarding(a, p, s, e),
    "plans": lambda a, p, s, e, now: _plans(a, p, s, e),
    "acknowledgements": _acknowledgements,
    "records": lambda a, p, s, e, now: _records(a, p, s, e),
    "actions": _actions,
    "flags": lambda a, p, s, e, now: _flags(a, p, s, e),
    "incidents": lambda a, p, s, e, now: _incidents(a, p, s, e),
}


def load(
    actor: Actor,
    participant: Participant,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
) -> list[Event]:
    """Every event of `participant` in [start, end] that `actor` may see: one query per
    source (twelve, whatever the number of events), merged in time order."""
    when = now or timezone.now()
    return merge(
        (LOADERS[source](actor, participant, start, end, when) for source in SOURCES),
        start,
        end,
    )
