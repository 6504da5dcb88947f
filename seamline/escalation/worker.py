"""The escalation worker: opens the escalations triggers call for and climbs the ladders.

One tick (`tick(at)`) does two things:

1. `sweep(at)` looks at every source and opens what the threshold set asks for: risk flags
   (their kind's trigger, or any high-severity flag), two missed visits in 7 days, handoffs
   past their response standard (`handoffs.overdue.overdue_handoffs`) and reconciliation
   mismatches still unresolved past `RECONCILIATION_STANDARD`. Opening is once per trigger and
   episode (a unique constraint), so two workers sweeping together open each one once.
2. `climb_due(at)` takes every escalation whose rung deadline (`due_at`) has passed and claims
   it with one compare-and-set, `UPDATE ... WHERE id = ? AND due_at = ? AND version = ?`. Only
   the worker whose UPDATE changed the row climbs: it records the climb, notifies the next
   rung and appends the audit entry in the same transaction, so a worker killed part way
   through leaves the row exactly as it found it for the next worker.
3. `notify_concerns(at)` tells each pathway's safeguarding lead of the concerns recorded and
   not yet told, claiming each with `UPDATE ... WHERE id = ? AND lead_notified_at IS NULL`.

`run()` repeats the tick until SIGTERM or SIGINT (it finishes the row in hand, then stops); a
row that fails is logged and left for the next tick, never retried in a tight loop.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from seamline.access import Actor
from seamline.audit.actions import record
from seamline.cases.choices import RiskKind
from seamline.cases.models import Referral, RiskFlag
from seamline.cases.reconciliation.choices import Category
from seamline.cases.reconciliation.models import Finding, Run
from seamline.handoffs.choices import HandoffState
from seamline.handoffs.overdue import overdue_handoffs

from . import actions, mail, rules, timers
from .choices import CLIMBING_STATES, EventKind, Trigger
from .models import Escalation, EscalationEvent, Ladder

log = logging.getLogger("seamline.escalation.worker")

WORKER = Actor.system("escalation-worker")
# A partner's mismatch enters the ladder when its list has not been reconciled again within
# this long (a later run that no longer shows it resolves it).
RECONCILIATION_STANDARD = timedelta(days=7)
RECONCILIATION_CATEGORIES = (Category.WITHOUT_OWNER, Category.MISSING)

# Test hook: called after a row is claimed, inside its transaction (a test raises here to play
# a worker that dies before it commits).
after_claim: Callable[[Escalation], None] | None = None


@dataclass
class TickResult:
    opened: int = 0
    climbed: int = 0
    breached: int = 0
    lost: int = 0  # rows another worker claimed first
    emailed: int = 0  # notices sent by e-mail
    told: int = 0  # safeguarding concerns whose pathway lead was told
    untold: int = 0  # concerns waiting because nobody holds the lead's role
    packs: int = 0  # assurance packs issued on their schedule
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# --- opening ----------------------------------------------------------------------------------


def _case_of(participant_ids: set[int]) -> dict[int, Referral]:
    """Each participant's newest open referral (the episode an escalation belongs to)."""
    found: dict[int, Referral] = {}
    for ref in (
        Referral.objects.open()
        .filter(participant_id__in=participant_ids)
        .select_related("pathway__lead_organisation", "owner_organisation", "participant")
        .order_by("participant_id", "-received_at", "-id")
    ):
        found.setdefault(ref.participant_id, ref)
    return found


def _open(ref: Referral, trigger: str, at: datetime, *, episode: str = "", **kw: Any) -> bool:
    owner = ref.owner_organisation or ref.receiving_organisation
    return (
        actions.open_escalation(
            WORKER,
            participant=ref.participant,
            pathway=ref.pathway,
            organisation=kw.pop("organisation", None) or owner,
            trigger=trigger,
            episode=episode or ref.code,
            referral=ref,
            at=at,
            **kw,
        )
        is not None
    )


def sweep(at: datetime) -> int:
    """Open every escalation the sources call for at `at`; answers how many were opened."""
    opened = 0
    taken = set(Escalation.objects.values_list("trigger", "episode"))
    recent = list(RiskFlag.objects.filter(raised_at__lte=at, raised_at__gt=at - timedelta(days=30)))
    # A flag fires while it stands; a missed visit counts towards the pattern even once its
    # flag is resolved (the visit was still missed).
    flags = [f for f in recent if f.resolved_at is None or f.resolved_at > at]
    missed = [f for f in recent if f.kind == RiskKind.MISSED_VISITS]
    cases = _case_of({f.participant_id for f in recent})
    for flag in flags:
        trigger = rules.flag_trigger(flag.kind, flag.severity)
        ref = cases.get(flag.participant_id)
        if trigger is None or ref is None or (trigger, ref.code) in taken:
            continue
        if _open(ref, trigger, flag.raised_at, source_ref=f"flag:{flag.uuid}", detail=flag.note):
            taken.add((trigger, ref.code))
            opened += 1
    by_participant: dict[int, list[datetime]] = {}
    for flag in missed:
        by_participant.setdefault(flag.participant_id, []).append(flag.raised_at)
    for pid, times in by_participant.items():
        ref = cases.get(pid)
        when = rules.missed_visits_pattern(times, at)
        if ref is None or when is None or (Trigger.MISSED_VISITS, ref.code) in taken:
            continue
        if _open(ref, Trigger.MISSED_VISITS, when, detail="Two missed visits within 7 days."):
            opened += 1
    for handoff in overdue_handoffs(at).select_related(
        "referral__participant",
        "referral__pathway__lead_organisation",
        "referral__owner_organisation",
        "sender_organisation",
        "receiving_organisation",
    ):
        rejected = handoff.state == HandoffState.REJECTED
        episode = f"handoff:{handoff.code}:{'rejected' if rejected else 'unanswered'}"
        if (Trigger.HANDOFF_OVERDUE, episode) in taken or handoff.respond_by is None:
            continue
        detail = (
            f"Handoff {handoff.code} rejected and not resolved by its standard."
            if rejected
            else f"Handoff {handoff.code} not answered by its standard."
        )
        if _open(
            handoff.referral,
            Trigger.HANDOFF_OVERDUE,
            handoff.respond_by,
            episode=episode,
            organisation=handoff.sender_organisation
            if rejected
            else handoff.receiving_organisation,
            source_ref=f"handoff:{handoff.code}",
            detail=detail,
        ):
            opened += 1
    opened += _sweep_reconciliation(at, taken)
    return opened


def _sweep_reconciliation(at: datetime, taken: set[tuple[str, str]]) -> int:
    latest = (
        Run.objects.filter(uploaded_at__lte=at)
        .values("organisation_id")
        .annotate(last=Max("uploaded_at"))
    )
    stale = [
        (row["organisation_id"], row["last"])
        for row in latest
        if row["last"] <= at - RECONCILIATION_STANDARD
    ]
    opened = 0
    for org_id, last in stale:
        findings = list(
            Finding.objects.filter(
                run__organisation_id=org_id,
                run__uploaded_at=last,
                category__in=RECONCILIATION_CATEGORIES,
                participant__isnull=False,
            ).select_related("run__organisation", "participant")
        )
        cases = _case_of({f.participant_id for f in findings if f.participant_id})
        for finding in findings:
            assert finding.participant is not None
            org = finding.run.organisation
            episode = f"recon:{org.code}:{finding.participant.code}:{finding.category}"
            ref = cases.get(finding.participant_id)  # type: ignore[arg-type]
            if ref is None or (Trigger.RECONCILIATION, episode) in taken:
                continue
            if _open(
                ref,
                Trigger.RECONCILIATION,
                last + RECONCILIATION_STANDARD,
                episode=episode,
                organisation=org,
                source_ref=f"reconciliation:{finding.run.uuid}",
                detail=f"{finding.get_category_display()}: {finding.detail}",
            ):
                taken.add((Trigger.RECONCILIATION, episode))
                opened += 1
    return opened


# --- safeguarding ---------------------------------------------------------------------------


def notify_concerns(at: datetime, result: TickResult | None = None) -> TickResult:
    """Tell the pathway's safeguarding lead of every concern recorded by `at` and not yet told,
    each claimed once by compare-and-set (`safeguarding.actions.notify_lead`). A concern whose
    lead role nobody holds is left untold, to be told once someone does; past its deadline it
    counts as late."""
    from .models import SafeguardingConcern
    from .safeguarding import actions as safeguarding

    result = result or TickResult()
    rows = list(
        SafeguardingConcern.objects.to_notify(at)
        .order_by("notify_by", "id")
        .values_list("id", "code", "lead_organisation_id", "lead_role")
    )
    holders: dict[tuple[int, str], int] = {}
    for row_id, code, org_id, role in rows:
        if (org_id, role) not in holders:
            holders[(org_id, role)] = safeguarding.lead_holders(org_id, role, at)
        if not holders[(org_id, role)]:
            result.untold += 1
            continue
        try:
            if safeguarding.notify_lead(row_id, at, WORKER):
                result.told += 1
            else:
                result.lost += 1
        except Exception:  # one bad row must not stop the others
            log.exception("safeguarding concern %s: the lead could not be told", code)
            result.failed.append(code)
    return result


# --- climbing ---------------------------------------------------------------------------------


def climb_one(row_id: int, due_at: datetime, version: int, at: datetime) -> str:
    """Climb one escalation past the deadline `due_at` it was read with. Answers "climbed",
    "breached" or "lost" (another worker claimed it first, or someone answered it)."""
    with transaction.atomic():
        esc = Escalation.objects.select_related(
            "pathway__lead_organisation", "organisation", "participant"
        ).get(pk=row_id)
        ladder = Ladder.objects.filter(pathway_id=esc.pathway_id).first()
        specs = actions.rung_specs(ladder) if ladder is not None else []
        rung = min(esc.rung, len(specs)) or 1
        step = (
            timers.next_step(specs, rung, esc.tier, due_at)
            if specs
            else timers.Step(rung, None, True)
        )
        won = Escalation.objects.filter(
            pk=row_id, due_at=due_at, version=version, state__in=CLIMBING_STATES
        ).update(
            rung=step.position,
            due_at=step.due_at,
            breached_at=due_at if step.breached else None,
            version=version + 1,
        )
        if not won:
            return "lost"
        esc.refresh_from_db()
        if after_claim is not None:
            after_claim(esc)
        kind = EventKind.BREACHED if step.breached else EventKind.CLIMBED
        if step.breached:
            note = "No answer by the last rung's deadline."
        else:
            spec = specs[step.position - 1]
            by = timezone.localtime(due_at)
            note = f"No clinical review by {by:%d %b %H:%M}: now with {spec.level} ({spec.role})."
        EscalationEvent.objects.create(
            escalation=esc,
            kind=kind,
            at=due_at,
            by_label=WORKER.display,
            rung=step.position,
            note=note,
        )
        if specs:
            reached = specs[step.position - 1]
            recipient = actions.rung_recipient(esc, reached)
            actions.notify(esc, kind, step.position, recipient, reached.role, at)
        record(
            WORKER,
            f"escalation.{kind}",
            esc,
            changes={"rung": step.position, "deadline": due_at, "next_due_at": step.due_at},
        )
        return "breached" if step.breached else "climbed"


def climb_due(
    at: datetime, result: TickResult | None = None, stop: threading.Event | None = None
) -> TickResult:
    """Climb every escalation due at `at`. A row whose next deadline has also passed (the
    worker was down) climbs again in the next pass, rung by rung, each at its own deadline."""
    result = result or TickResult()
    for _ in range(10):
        due = list(
            Escalation.objects.due(at)
            .order_by("due_at", "id")
            .values_list("id", "due_at", "version", "code")
        )
        moved = 0
        for row_id, due_at, version, code in due:
            assert due_at is not None  # `due()` filters on it
            if stop is not None and stop.is_set():
                return result
            if code in result.failed:
                continue
            try:
                outcome = climb_one(row_id, due_at, version, at)
            except Exception:  # one bad row must not stop the others, nor loop hot
                log.exception("escalation %s could not climb", code)
                result.failed.append(code)
                continue
            if outcome == "lost":
                result.lost += 1
            else:
                moved += 1
                setattr(result, outcome, getattr(result, outcome) + 1)
        if not moved:
            break
    return result


def tick(at: datetime | None = None, stop: threading.Event | None = None) -> TickResult:
    """One pass of the worker at `at` (now when None)."""
    when = at or timezone.now()
    result = TickResult()
    try:
        result.opened = sweep(when)
    except Exception:
        log.exception("the sweep of escalation sources failed")
        result.failed.append("sweep")
    climb_due(when, result, stop)
    notify_concerns(when, result)
    try:
        result.emailed = mail.send_pending(when)
    except Exception:
        log.exception("e-mailing notices failed")
        result.failed.append("mail")
    return result


def _scheduled_packs(when: datetime, result: TickResult) -> None:
    """The monthly assurance pack, issued once when due (docs/assurance.md)."""
    if not apps.is_installed("seamline.assurance"):
        return
    from seamline.assurance.schedule import issue_due_pack

    try:
        result.packs = int(issue_due_pack(when) is not None)
    except Exception:
        log.exception("issuing the scheduled assurance pack failed")
        result.failed.append("pack")


def run(
    interval: float = 30.0, stop: threading.Event | None = None, once: bool = False
) -> TickResult:
    """Tick every `interval` seconds until stopped (SIGTERM, SIGINT or `stop`)."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    last = tick(stop=stop)
    _scheduled_packs(timezone.now(), last)
    while not once and not stop.is_set():
        stop.wait(interval)
        if stop.is_set():
            break
        try:
            last = tick(stop=stop)
            _scheduled_packs(timezone.now(), last)
        except Exception:  # the database away for a moment: wait a tick, never spin
            log.exception("the tick failed; trying again in %s s", interval)
            connection.close()
            continue
        if (
            any((last.opened, last.climbed, last.breached, last.emailed, last.told, last.packs))
            or last.failed
        ):
            log.info("tick: %s", last.as_dict())
    return last
