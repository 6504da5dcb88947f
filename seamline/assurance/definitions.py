"""The metrics of SPEC C10, one definition each (see `catalogue.py` for the shape).

Each `records` function is the whole definition in code: which records are counted, which
organisation each is attributed to (`_org`) and what it adds to the numerator (`_num`) and
denominator (`_den`). The words beside it are printed in docs/metrics.md and on the pack, so
the two cannot drift apart (a test compares docs/metrics.md with `seamline pack metrics`).
Rules that already live elsewhere are read from there: escalation standards from
`escalation.rules.STANDARDS`, the expiring window and remedial days from the network settings.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from .catalogue import Column, Metric, Section, Unit, Window, metric

if TYPE_CHECKING:
    from seamline.network.models import Network

ONE = Value(1, output_field=IntegerField())


def _flag(condition: Q) -> Case:
    """1 where `condition` holds, else 0: the numerator of a share."""
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


class HoursBetween(Func):
    """The hours from `earlier` to `later` as a float, computed by the database itself: Django's
    generic duration would have SQLite call back into Python for every row of a year."""

    output_field = FloatField()

    def __init__(self, later: str, earlier: str) -> None:
        super().__init__(F(later), F(earlier))

    def _parts(self, compiler: Any, connection: Any) -> tuple[str, str, list[Any]]:
        later, later_params = compiler.compile(self.source_expressions[0])
        earlier, earlier_params = compiler.compile(self.source_expressions[1])
        return later, earlier, [*later_params, *earlier_params]

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        later, earlier, params = self._parts(compiler, connection)
        return f"((julianday({later}) - julianday({earlier})) * 24.0)", params

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        later, earlier, params = self._parts(compiler, connection)
        return f"(CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS double precision) / 3600.0)", (
            params
        )


def _duration(later: str, earlier: str) -> HoursBetween:
    """What a record adds to a mean of hours."""
    return HoursBetween(later, earlier)


def _spread(partners: dict[str, float]) -> float | None:
    """The gap between the slowest and the quickest partner."""
    if len(partners) < 2:
        return None
    return round(max(partners.values()) - min(partners.values()), 1)


# --- workforce (C3) ---------------------------------------------------------------------------


def _standing_sign_offs(window: Window, network: Network) -> QuerySet[Any]:
    """Sign-offs standing at the end of the period (signed, not superseded, not revoked) of
    workers still in the network then."""
    from seamline.workforce.models import SignOff

    at = window.end
    return SignOff.objects.filter(
        Q(superseded_at__isnull=True) | Q(superseded_at__gte=at),
        Q(revoked_at__isnull=True) | Q(revoked_at__gte=at),
        Q(worker__left_on__isnull=True) | Q(worker__left_on__gte=window.end_day),
        signed_at__lt=at,
    ).annotate(_org=F("worker__organisation_id"))


def _sign_off_currency(window: Window, network: Network) -> QuerySet[Any]:
    return _standing_sign_offs(window, network).annotate(
        _num=_flag(Q(review_due__gte=window.end_day))
    )


def _expiring(window: Window, network: Network) -> QuerySet[Any]:
    horizon = window.end_day + timedelta(days=network.expiring_days)
    return (
        _standing_sign_offs(window, network)
        .filter(review_due__gte=window.end_day, review_due__lte=horizon)
        .annotate(_num=ONE)
    )


SIGN_OFF_COLUMNS = (
    Column("worker__staff_id", "Worker"),
    Column("competency__code", "Competency"),
    Column("stage", "Stage"),
    Column("review_due", "Review due"),
)

metric(
    Metric(
        code="signoff_currency",
        title="Sign-offs current",
        section=Section.STAFFING,
        unit=Unit.PERCENT,
        numerator="Standing sign-offs whose review date had not passed at the end of the month.",
        denominator=(
            "Sign-offs standing at the end of the month: signed, not superseded and not "
            "revoked, of workers still in the network."
        ),
        exclusions="Sign-offs of workers who had left by the end of the month.",
        definition="Current attainment (SPEC 3): signed off, not past its review date, "
        "not superseded, not revoked.",
        frames=("cqc-staffing", "us-438-214", "ncqa-credentialing"),
        records=_sign_off_currency,
        app="workforce",
        target=95.0,
        columns=SIGN_OFF_COLUMNS,
    )
)

metric(
    Metric(
        code="signoffs_expiring",
        title="Sign-offs expiring",
        section=Section.STAFFING,
        unit=Unit.COUNT,
        numerator="Standing sign-offs whose review date falls within the network's expiring "
        "window (30 days by default) after the end of the month.",
        denominator="None: a count.",
        exclusions="Sign-offs already past their review date (they count against currency).",
        definition="Expiring (SPEC 3): review date within 30 days (a network setting).",
        frames=("cqc-staffing", "ncqa-credentialing"),
        records=_expiring,
        app="workforce",
        higher_is_better=False,
        columns=SIGN_OFF_COLUMNS,
    )
)


def _supervision(window: Window, network: Network) -> QuerySet[Any]:
    from seamline.workforce.models import SupervisionSession

    return SupervisionSession.objects.filter(
        planned_for__gte=window.first_day, planned_for__lt=window.end_day
    ).annotate(
        _org=F("worker__organisation_id"),
        _num=_flag(Q(held_on__isnull=False, held_on__lte=F("planned_for"))),
    )


metric(
    Metric(
        code="supervision_on_time",
        title="Supervision held on time",
        section=Section.STAFFING,
        unit=Unit.PERCENT,
        numerator="Sessions held on or before the day they were planned for.",
        denominator="Supervision sessions planned for a day in the month.",
        exclusions="None.",
        definition="Supervision overdue (SPEC 3): the last held supervision is older than the "
        "competencies' minimum frequency; sessions are planned to that frequency.",
        frames=("cqc-staffing", "us-438-230", "ncqa-delegation"),
        records=_supervision,
        app="workforce",
        when="planned_for",
        target=90.0,
        columns=(
            Column("worker__staff_id", "Worker"),
            Column("kind", "Kind"),
            Column("planned_for", "Planned for"),
            Column("held_on", "Held on"),
        ),
    )
)


def _pauses(window: Window, network: Network) -> QuerySet[Any]:
    from seamline.workforce.models import DelegationPause

    return DelegationPause.objects.filter(
        started_at__gte=window.start, started_at__lt=window.end
    ).annotate(_org=F("worker__organisation_id"))


PAUSE_COLUMNS = (
    Column("worker__staff_id", "Worker"),
    Column("task_type__code", "Task type"),
    Column("started_at", "Paused at"),
    Column("remedial_due", "Remedial due"),
    Column("remedial_session__held_on", "Remedial held"),
)

metric(
    Metric(
        code="delegation_pauses",
        title="Delegations paused",
        section=Section.STAFFING,
        unit=Unit.COUNT,
        numerator="Delegations paused in the month (a failed spot-check or observed practice).",
        denominator="None: a count.",
        exclusions="None.",
        definition="Delegation pause (SPEC C3).",
        frames=("cqc-staffing", "us-438-230", "ncqa-delegation"),
        records=lambda w, n: _pauses(w, n).annotate(_num=ONE),
        app="workforce",
        when="started_at",
        higher_is_better=False,
        columns=PAUSE_COLUMNS,
    )
)

metric(
    Metric(
        code="remedial_within_standard",
        title="Remedial supervision within 7 days of a pause",
        section=Section.STAFFING,
        unit=Unit.PERCENT,
        numerator="Pauses whose remedial supervision was held by its due date.",
        denominator="Delegations paused in the month.",
        exclusions="None: a pause still waiting at the end of its due date counts as missed.",
        definition="Remedial supervision is due within 7 days of a pause (a network setting).",
        frames=("cqc-staffing", "cqc-learning", "ncqa-delegation"),
        records=lambda w, n: _pauses(w, n).annotate(
            _num=_flag(
                Q(
                    remedial_session__held_on__isnull=False,
                    remedial_session__held_on__lte=F("remedial_due"),
                )
            )
        ),
        app="workforce",
        when="started_at",
        target=100.0,
        columns=PAUSE_COLUMNS,
    )
)


def _temporary_bundles(window: Window, network: Network) -> QuerySet[Any]:
    """Temporary workers in the network at the end of the month; complete when their evidence
    bundle for the current placement lacks nothing then. The bundle is judged by the
    authorization register's own rule (`workforce.authorization.bundle_missing`, through
    `register.complete_bundles`: two queries), the count made in the database."""
    from seamline.competency.framework import framework_at
    from seamline.workforce.choices import TEMPORARY
    from seamline.workforce.models import Worker
    from seamline.workforce.register import complete_bundles

    at = window.end
    temporary = Worker.objects.filter(
        Q(left_on__isnull=True) | Q(left_on__gte=window.end_day),
        employment_type__in=TEMPORARY,
        start_date__lt=window.end_day,
    ).order_by("pk")
    complete = complete_bundles(temporary, at, framework_at(at))
    return temporary.annotate(_org=F("organisation_id"), _num=_flag(Q(pk__in=sorted(complete))))


metric(
    Metric(
        code="temporary_bundles_complete",
        title="Temporary workers with a complete evidence bundle",
        section=Section.STAFFING,
        unit=Unit.PERCENT,
        numerator="Temporary workers whose bundle for the current placement was complete at the "
        "end of the month: verified modules of the network-critical competencies, a "
        "supervised-practice sign-off and a local induction covering every topic.",
        denominator="Bank, agency and contractor workers in the network at the end of the "
        "month, by the organisation that employs them.",
        exclusions="Workers who had left by the end of the month.",
        definition="Temporary worker (SPEC 3): employment type bank, agency or contractor; their "
        "evidence bundle (SPEC C3) clears them beyond tier 1 tasks.",
        frames=("cqc-staffing", "us-438-214", "us-438-230", "ncqa-delegation"),
        records=_temporary_bundles,
        app="workforce",
        target=90.0,
        columns=(
            Column("staff_id", "Worker"),
            Column("employment_type", "Employment"),
            Column("placement_start", "Placement from"),
        ),
    )
)


# --- handoffs (C6) ----------------------------------------------------------------------------

HANDOFF_COLUMNS = (
    Column("code", "Handoff", "handoffs:handoff"),
    Column("referral__participant__code", "Participant", "cases:participant"),
    Column("sender_organisation__code", "From"),
    Column("receiving_organisation__code", "To"),
    Column("state", "State"),
)


def _handoffs_sent(window: Window, network: Network) -> QuerySet[Any]:
    from seamline.handoffs.models import Handoff

    return Handoff.objects.filter(
        first_sent_at__gte=window.start, first_sent_at__lt=window.end
    ).annotate(_org=F("sender_organisation_id"), _num=F("completeness"))


def _handoffs_accepted(window: Window, network: Network) -> QuerySet[Any]:
    from seamline.handoffs.models import Handoff

    return Handoff.objects.filter(
        accepted_at__gte=window.start, accepted_at__lt=window.end, first_sent_at__isnull=False
    ).annotate(_org=F("receiving_organisation_id"))


def _handoffs_rejected(window: Window, network: Network) -> QuerySet[Any]:
    from seamline.handoffs.models import Handoff

    return Handoff.objects.filter(
        rejected_at__gte=window.start, rejected_at__lt=window.end
    ).annotate(_org=F("receiving_organisation_id"), _num=ONE)


metric(
    Metric(
        code="handoff_completeness",
        title="Handoff bundle completeness",
        section=Section.TRANSITIONS,
        unit=Unit.SCORE,
        numerator="The sum of each handoff's completeness score (the share of its template's "
        "mandatory and required fields filled, 0-100) when first sent.",
        denominator="Handoffs first sent in the month, by the sending organisation.",
        exclusions="Drafts never sent.",
        definition="Handoff bundle (SPEC C6): the template's mandatory and required fields.",
        frames=("cqc-safe-systems", "us-438-208"),
        records=_handoffs_sent,
        app="handoffs",
        when="first_sent_at",
        target=95.0,
        columns=(*HANDOFF_COLUMNS, Column("completeness", "Completeness")),
    )
)

metric(
    Metric(
        code="handoff_accepted_in_standard",
        title="Handoffs accepted within the response standard",
        section=Section.TRANSITIONS,
        unit=Unit.PERCENT,
        numerator="Handoffs accepted by their respond-by time.",
        denominator="Handoffs accepted in the month, by the receiving organisation.",
        exclusions="Handoffs without a response standard count as within it.",
        definition="Acceptance time: from sending to acceptance, held to the pathway step's "
        "time standard (SPEC C1, C6).",
        frames=("cqc-safe-systems", "us-438-208"),
        records=lambda w, n: _handoffs_accepted(w, n).annotate(
            _num=_flag(Q(respond_by__isnull=True) | Q(accepted_at__lte=F("respond_by")))
        ),
        app="handoffs",
        when="accepted_at",
        target=90.0,
        columns=(*HANDOFF_COLUMNS, Column("accepted_at", "Accepted"), Column("respond_by", "Due")),
    )
)

metric(
    Metric(
        code="handoff_acceptance_hours",
        title="Time to accept a handoff (mean hours)",
        section=Section.TRANSITIONS,
        unit=Unit.HOURS,
        numerator="The sum of hours from first sending to acceptance.",
        denominator="Handoffs accepted in the month, by the receiving organisation.",
        exclusions="Handoffs rejected or withdrawn.",
        definition="Referral received (SPEC 3): the receiver has it in hand when it is sent "
        "through Seamline.",
        frames=("cqc-safe-systems", "us-438-208"),
        records=lambda w, n: _handoffs_accepted(w, n).annotate(
            _num=_duration("accepted_at", "first_sent_at")
        ),
        app="handoffs",
        when="accepted_at",
        higher_is_better=False,
        columns=(
            *HANDOFF_COLUMNS,
            Column("first_sent_at", "Sent"),
            Column("accepted_at", "Accepted"),
        ),
    )
)

metric(
    Metric(
        code="handoff_rejections",
        title="Handoffs rejected",
        section=Section.TRANSITIONS,
        unit=Unit.COUNT,
        numerator="Handoffs rejected in the month by the receiving organisation, by reason.",
        denominator="None: a count.",
        exclusions="None.",
        definition="Rejection reasons (SPEC C6): missing information, inappropriate, no "
        "capacity, other.",
        frames=("cqc-safe-systems", "cqc-partnerships", "us-438-208"),
        records=_handoffs_rejected,
        app="handoffs",
        when="rejected_at",
        higher_is_better=False,
        breakdown="rejection_reason",
        columns=(*HANDOFF_COLUMNS, Column("rejection_reason", "Reason")),
    )
)


# --- coordination and plans (C7) --------------------------------------------------------------


def _sprint_steps(window: Window, network: Network) -> QuerySet[Any]:
    """Sprint steps due in the month. A step is completed when done, or refused and handled,
    by its due time (the same rule as `coordination.rules.step_failed`)."""
    from seamline.coordination.models import SprintStep

    return SprintStep.objects.filter(
        action__due_at__gte=window.start, action__due_at__lt=window.end
    ).annotate(
        _org=F("action__owner_organisation_id"),
        _num=_flag(Q(resolved_at__isnull=False, resolved_at__lte=F("action__due_at"))),
    )


metric(
    Metric(
        code="sprint_steps_on_time",
        title="Post-discharge sprint steps completed on time",
        section=Section.COORDINATION,
        unit=Unit.PERCENT,
        numerator="Steps done, or refused and handled, by their due time.",
        denominator="Sprint steps due in the month, by the step's owner (from the pathway RACI).",
        exclusions="None: a step still open past its due time has failed.",
        definition="Post-discharge sprint (SPEC C7): 72 hours of templated steps after discharge.",
        frames=("cqc-safe-systems", "us-438-208"),
        records=_sprint_steps,
        app="coordination",
        when="action__due_at",
        target=90.0,
        columns=(
            Column("sprint__participant__code", "Participant", "cases:participant"),
            Column("code", "Step"),
            Column("action__due_at", "Due"),
            Column("status", "Status"),
            Column("resolved_at", "Resolved"),
        ),
    )
)


def _first_contact(window: Window, network: Network) -> QuerySet[Any]:
    from seamline.cases.models import Referral

    return Referral.objects.filter(
        first_contact_at__gte=window.start, first_contact_at__lt=window.end
    ).annotate(
        _org=F("receiving_organisation_id"), _num=_duration("first_contact_at", "received_at")
    )


metric(
    Metric(
        code="first_contact_hours",
        title="Time from referral to first contact (mean hours)",
        section=Section.COORDINATION,
        unit=Unit.HOURS,
        numerator="The sum of hours from the referral being received to first contact.",
        denominator="Referrals whose first contact was made in the month, by the receiving "
        "organisation.",
        exclusions="Referrals without a first contact yet (they show as long waits).",
        definition="Referral received and first contact (SPEC 3): received when the receiver "
        "has it in hand; first two-way contact with the participant or their representative.",
        frames=("cqc-safe-systems", "us-438-208"),
        records=_first_contact,
        app="cases",
        when="first_contact_at",
        higher_is_better=False,
        columns=(
            Column("code", "Referral", "cases:referral"),
            Column("participant__code", "Participant", "cases:participant"),
            Column("pathway__code", "Pathway"),
            Column("received_at", "Received"),
            Column("first_contact_at", "First contact"),
        ),
    )
)


def _huddle_actions(window: Window, network: Network) -> QuerySet[Any]:
    from seamline.coordination.models import Decision

    return Decision.objects.filter(
        action__due_at__gte=window.start, action__due_at__lt=window.end
    ).annotate(
        _org=F("action__owner_organisation_id"),
        _num=_flag(
            Q(action__completed_at__isnull=False, action__completed_at__lte=F("action__due_at"))
        ),
    )


metric(
    Metric(
        code="huddle_actions_on_time",
        title="Huddle actions closed on time",
        section=Section.COORDINATION,
        unit=Unit.PERCENT,
        numerator="Actions completed by their due time.",
        denominator="Actions decided at a huddle and due in the month, by the owning organisation.",
        exclusions="None.",
        definition="Actions (SPEC C7): owner, due time, source, completed time.",
        frames=("cqc-partnerships", "cqc-risks", "us-438-208"),
        records=_huddle_actions,
        app="coordination",
        when="action__due_at",
        target=85.0,
        columns=(
            Column("participant__code", "Participant", "cases:participant"),
            Column("huddle__cohort__code", "Cohort"),
            Column("action__due_at", "Due"),
            Column("action__completed_at", "Completed"),
        ),
    )
)


def _acknowledgements(window: Window, network: Network) -> QuerySet[Any]:
    from seamline.plans.models import Acknowledgement

    return Acknowledgement.objects.filter(due_at__gte=window.start, due_at__lt=window.end).annotate(
        _org=F("organisation_id"),
        _num=_flag(Q(acknowledged_at__isnull=False, acknowledged_at__lte=F("due_at"))),
    )


metric(
    Metric(
        code="plan_acknowledged_on_time",
        title="Plan changes acknowledged within 24 hours",
        section=Section.COORDINATION,
        unit=Unit.PERCENT,
        numerator="Acknowledgements made by their due time.",
        denominator="Acknowledgements of a new plan version due in the month, by the "
        "organisation whose daily work the change touches.",
        exclusions="None: an acknowledgement closed by acknowledging a later version counts "
        "when that was done in time.",
        definition="Plan change control (SPEC C7): recipients acknowledge within 24 hours.",
        frames=("cqc-risks", "cqc-safe-systems", "us-438-208"),
        records=_acknowledgements,
        app="plans",
        when="due_at",
        target=95.0,
        columns=(
            Column("version__plan__participant__code", "Participant", "cases:participant"),
            Column("version__number", "Version"),
            Column("due_at", "Due"),
            Column("acknowledged_at", "Acknowledged"),
        ),
    )
)


# --- escalation (C8) --------------------------------------------------------------------------


def _escalations(window: Window, network: Network, stamp: str, which: str) -> QuerySet[Any]:
    """Escalations raised in the month whose outcome against the tier's standard is known at
    the end of the month or since: met by `stamp` within the standard, or not (late, or not
    yet and past the standard)."""
    from django.utils import timezone

    from seamline.escalation.models import Escalation
    from seamline.escalation.rules import STANDARDS

    now = timezone.now()
    met = Q()
    known = Q(**{f"{stamp}__isnull": False})
    for tier, standard in STANDARDS.items():
        limit = getattr(standard, which)
        met |= Q(tier=tier, **{f"{stamp}__lte": F("raised_at") + limit})
        known |= Q(tier=tier, raised_at__lte=now - limit)
    return (
        Escalation.objects.filter(raised_at__gte=window.start, raised_at__lt=window.end)
        .filter(known)
        .annotate(_org=F("organisation_id"), _num=_flag(met))
    )


ESCALATION_COLUMNS = (
    Column("code", "Escalation", "escalation:detail"),
    Column("participant__code", "Participant", "cases:participant"),
    Column("trigger", "Trigger"),
    Column("tier", "Tier"),
    Column("raised_at", "Raised"),
    Column("acknowledged_at", "Acknowledged"),
    Column("responded_at", "Clinical review"),
)

metric(
    Metric(
        code="escalation_acknowledged_in_standard",
        title="Escalations acknowledged within their tier's standard",
        section=Section.ESCALATION,
        unit=Unit.PERCENT,
        numerator="Escalations acknowledged within the standard (immediate 1 h, same day 4 h, "
        "review 24 h).",
        denominator="Escalations raised in the month whose outcome is known: acknowledged, or "
        "past the standard without it, by the organisation holding the escalation.",
        exclusions="Escalations still inside their standard when the pack is built.",
        definition="Escalation tiers (SPEC C8): immediate, same day, review in 24-72 hours.",
        frames=("cqc-safe-systems", "cqc-risks", "us-438-330"),
        records=lambda w, n: _escalations(w, n, "acknowledged_at", "acknowledge"),
        app="escalation",
        when="raised_at",
        target=90.0,
        columns=ESCALATION_COLUMNS,
    )
)

metric(
    Metric(
        code="escalation_reviewed_in_standard",
        title="Escalations clinically reviewed within their tier's standard",
        section=Section.ESCALATION,
        unit=Unit.PERCENT,
        numerator="Escalations with a clinical review within the standard (immediate 4 h, "
        "same day 12 h, review 72 h).",
        denominator="Escalations raised in the month whose outcome is known.",
        exclusions="Escalations still inside their standard when the pack is built.",
        definition="Time to clinical review against standard (SPEC C8).",
        frames=("cqc-safe-systems", "cqc-risks", "us-438-330"),
        records=lambda w, n: _escalations(w, n, "responded_at", "review"),
        app="escalation",
        when="raised_at",
        target=90.0,
        columns=ESCALATION_COLUMNS,
    )
)


def _acknowledged_escalations(window: Window, network: Network) -> QuerySet[Any]:
    from seamline.escalation.models import Escalation

    return Escalation.objects.filter(
        raised_at__gte=window.start, raised_at__lt=window.end, acknowledged_at__isnull=False
    ).annotate(_org=F("organisation_id"), _num=_duration("acknowledged_at", "raised_at"))


metric(
    Metric(
        code="escalation_timing_spread",
        title="Spread of time to acknowledge across partners (hours)",
        section=Section.ESCALATION,
        unit=Unit.HOURS,
        numerator="Each partner: the sum of hours from raising to acknowledgement.",
        denominator="Each partner: escalations raised in the month and acknowledged.",
        exclusions="Escalations not acknowledged yet.",
        definition="Consistency (SPEC C8): the network answers for partners escalating the "
        "same concern at the same pace. The network figure is the gap between the slowest and "
        "the quickest partner's mean; it does not add up from the partners.",
        frames=("cqc-safe-systems", "cqc-governance", "ncqa-delegation"),
        records=_acknowledged_escalations,
        app="escalation",
        when="raised_at",
        higher_is_better=False,
        additive=False,
        network_value=_spread,
        columns=ESCALATION_COLUMNS,
    )
)


# --- register and reconciliation (C5) ---------------------------------------------------------


def _latest_runs(window: Window) -> QuerySet[Any]:
    """Each partner's last reconciliation upload in the month."""
    from seamline.cases.reconciliation.models import Run

    in_window = Run.objects.filter(uploaded_at__gte=window.start, uploaded_at__lt=window.end)
    latest = in_window.filter(organisation=OuterRef("organisation")).order_by("-uploaded_at", "-pk")
    return in_window.annotate(_latest=Subquery(latest.values("pk")[:1])).filter(pk=F("_latest"))


def _reconciliation_rate(window: Window, network: Network) -> QuerySet[Any]:
    from seamline.cases.reconciliation.models import Run

    return Run.objects.filter(pk__in=_latest_runs(window).values("pk")).annotate(
        _org=F("organisation_id"), _num=F("matched"), _den=F("rows")
    )


metric(
    Metric(
        code="reconciliation_rate",
        title="Caseload reconciliation rate",
        section=Section.REGISTER,
        unit=Unit.PERCENT,
        numerator="Rows of the partner's list matched to one participant in the register.",
        denominator="Rows of each partner's last caseload list uploaded in the month.",
        exclusions="Earlier uploads in the same month (the last one stands).",
        definition="Reconciliation (SPEC C5): each partner's caseload against the register.",
        frames=("cqc-governance", "us-438-242", "ncqa-delegation"),
        records=_reconciliation_rate,
        app="cases.reconciliation",
        target=95.0,
        columns=(
            Column("organisation__code", "Partner"),
            Column("uploaded_at", "Uploaded"),
            Column("rows", "Rows"),
            Column("matched", "Matched"),
        ),
    )
)


def _findings(category: str) -> Any:
    def records(window: Window, network: Network) -> QuerySet[Any]:
        from seamline.cases.reconciliation.models import Finding

        return Finding.objects.filter(
            category=category, run__in=_latest_runs(window).values("pk")
        ).annotate(_org=F("run__organisation_id"), _num=ONE)

    return records


FINDING_COLUMNS = (
    Column("run__organisation__code", "Partner"),
    Column("participant__code", "Participant", "cases:participant"),
    Column("referral__code", "Referral", "cases:referral"),
    Column("detail", "Detail"),
)

for _code, _category, _title, _what in (
    (
        "duplicates",
        "duplicated",
        "Participants open with more than one provider",
        "Participants open on the partner's list and with another provider for the same pathway.",
    ),
    (
        "unowned_cases",
        "without_owner",
        "Open cases without an owner",
        "Open referrals on the partner's list with no owning organisation in the register.",
    ),
    (
        "long_waits",
        "long_wait",
        "Long waits for first contact",
        "Open referrals waiting longer than the pathway's first-contact standard.",
    ),
):
    metric(
        Metric(
            code=_code,
            title=_title,
            section=Section.REGISTER,
            unit=Unit.COUNT,
            numerator=_what + " Read from each partner's last reconciliation in the month.",
            denominator="None: a count.",
            exclusions="Partners that uploaded no list in the month are absent, not zero.",
            definition="Reconciliation findings (SPEC C5).",
            frames=("cqc-safe-systems", "us-438-208", "us-438-242"),
            records=_findings(_category),
            app="cases.reconciliation",
            higher_is_better=False,
            columns=FINDING_COLUMNS,
        )
    )


# --- the rota gate (C4) -----------------------------------------------------------------------


def _overrides(window: Window, network: Network) -> QuerySet[Any]:
    from seamline.rota.models import Override

    return Override.objects.filter(
        granted_at__gte=window.start, granted_at__lt=window.end
    ).annotate(_org=F("visit__organisation_id"), _num=ONE)


metric(
    Metric(
        code="gate_overrides",
        title="Rota gate overrides",
        section=Section.GOVERNANCE,
        unit=Unit.COUNT,
        numerator="Blocks of the rota gate overridden in the month, by the rule overridden and "
        "the organisation running the visit.",
        denominator="None: a count.",
        exclusions="None: revoked overrides still count.",
        definition="Overrides (SPEC C4): one visit, a reason and an expiry, by a permitted role.",
        frames=("cqc-staffing", "cqc-governance", "us-438-230", "ncqa-delegation"),
        records=_overrides,
        app="rota",
        when="granted_at",
        higher_is_better=False,
        breakdown="rule",
        columns=(
            Column("visit__code", "Visit"),
            Column("worker__staff_id", "Worker"),
            Column("rule", "Rule"),
            Column("reason", "Reason"),
            Column("granted_at", "Granted"),
        ),
    )
)


# --- safeguarding (C8) ------------------------------------------------------------------------


def _safeguarding_same_day(window: Window, network: Network) -> QuerySet[Any]:
    """Concerns that arose in the month whose notice is settled: told (in time or late) or past
    the same-day deadline untold (as `escalation.safeguarding.rules.notice_status`)."""
    from django.utils import timezone

    from seamline.escalation.models import SafeguardingConcern

    return (
        SafeguardingConcern.objects.filter(
            occurred_at__gte=window.start, occurred_at__lt=window.end
        )
        .filter(Q(lead_notified_at__isnull=False) | Q(notify_by__lte=timezone.now()))
        .annotate(
            _org=F("organisation_id"),
            _num=_flag(Q(lead_notified_at__isnull=False, lead_notified_at__lt=F("notify_by"))),
        )
    )


metric(
    Metric(
        code="safeguarding_same_day",
        title="Safeguarding concerns notified to the lead the same day",
        section=Section.SAFEGUARDING,
        unit=Unit.PERCENT,
        numerator="Concerns whose pathway safeguarding lead was told before midnight ending the "
        "day the concern arose (the network's time zone).",
        denominator="Safeguarding concerns that arose in the month, by the organisation that "
        "raised them, once told or past the deadline.",
        exclusions="Concerns still inside their same-day deadline when the pack is built.",
        definition="Safeguarding (SPEC C8): a concern raised at a contact notifies the pathway "
        "safeguarding lead the same day.",
        frames=("cqc-safeguarding", "us-438-330", "ncqa-delegation"),
        records=_safeguarding_same_day,
        app="escalation",
        when="occurred_at",
        target=95.0,
        breakdown="theme",
        columns=(
            Column("code", "Concern", "escalation:concern"),
            Column("participant__code", "Participant", "cases:participant"),
            Column("theme", "Theme"),
            Column("occurred_at", "Arose"),
            Column("notify_by", "Notify by"),
            Column("lead_notified_at", "Lead told"),
        ),
    )
)


# --- the 24-hour documentation standard (C7) --------------------------------------------------


def _documentation(window: Window, network: Network) -> list[QuerySet[Any]]:
    """Every record counted by the standard, from each source the coordination app knows
    (its own contact records, safeguarding concerns, ...), by the time what they record
    happened. On time is `coordination.documentation.on_time_expression`, the SQL form of
    `coordination.rules.documented_on_time`."""
    from seamline.coordination.documentation import on_time_expression, sources

    return [
        rows.filter(occurred_at__gte=window.start, occurred_at__lt=window.end).annotate(
            _org=F("organisation_id"), _num=on_time_expression()
        )
        for _, rows in sources()
    ]


metric(
    Metric(
        code="documentation_24h",
        title="Records written within 24 hours",
        section=Section.COORDINATION,
        unit=Unit.PERCENT,
        numerator="Records written no more than 24 hours after what they record happened.",
        denominator="Contacts, refusals, risk changes, service disruptions and safeguarding "
        "concerns that happened in the month, by the writing organisation.",
        exclusions="None.",
        definition="24-hour documentation standard (SPEC C7): recorded within 24 hours of "
        "occurring.",
        frames=("cqc-safe-systems", "cqc-risks", "us-438-208", "ncqa-delegation"),
        records=_documentation,
        app="coordination",
        when="occurred_at",
        target=95.0,
        columns=(
            Column("participant__code", "Participant", "cases:participant"),
            Column("organisation__code", "Written by"),
            Column("occurred_at", "Happened"),
            Column("recorded_at", "Written"),
        ),
    )
)


# --- quality audits and corrective actions (C9) -----------------------------------------------


def _audit_scores(window: Window, network: Network) -> QuerySet[Any]:
    from seamline.quality.models import AuditItem

    return AuditItem.objects.filter(
        scored_at__gte=window.start, scored_at__lt=window.end, score__isnull=False
    ).annotate(_org=F("audit__partner_id"), _num=F("score"))


metric(
    Metric(
        code="audit_score",
        title="Audit score (mean of records scored)",
        section=Section.QUALITY,
        unit=Unit.SCORE,
        numerator="The sum of each sampled record's weighted score (yes 1, partial 0.5, no 0, "
        "not applicable left out of its denominator), in percent.",
        denominator="Sampled records scored in the month, by the audited partner, with any "
        "shared template (handoff audit, documentation spot-check, urgent-visit review, "
        "safeguarding case sample).",
        exclusions="Records whose every answer was not applicable (no score).",
        definition="Audit tools (SPEC C9): shared scoring templates; reproducible seeded samples "
        "of N records per partner per period.",
        frames=("cqc-governance", "cqc-learning", "us-438-330", "ncqa-delegation"),
        records=_audit_scores,
        app="quality",
        when="scored_at",
        target=85.0,
        breakdown="audit__record_kind",
        columns=(
            Column("audit__code", "Audit", "quality:audit"),
            Column("record_ref", "Record"),
            Column("score", "Score"),
            Column("scored_at", "Scored"),
        ),
    )
)


def _open_corrective_actions(window: Window, network: Network) -> QuerySet[Any]:
    from seamline.quality.models import CorrectiveAction

    return CorrectiveAction.objects.filter(
        Q(completed_at__isnull=True) | Q(completed_at__gte=window.end),
        created_at__lt=window.end,
    ).annotate(_org=F("organisation_id"))


CORRECTIVE_COLUMNS = (
    Column("title", "Corrective action"),
    Column("source_kind", "From"),
    Column("due_on", "Due"),
    Column("status", "Status now"),
)

metric(
    Metric(
        code="corrective_actions_open",
        title="Corrective actions open",
        section=Section.QUALITY,
        unit=Unit.COUNT,
        numerator="Corrective actions raised and not completed at the end of the month, by the "
        "owning organisation.",
        denominator="None: a count.",
        exclusions="None.",
        definition="Corrective actions (SPEC C9): owner, due date, status, evidence of completion.",
        frames=("cqc-governance", "cqc-learning", "us-438-330", "ncqa-delegation"),
        records=lambda w, n: _open_corrective_actions(w, n).annotate(_num=ONE),
        app="quality",
        higher_is_better=False,
        breakdown="source_kind",
        columns=CORRECTIVE_COLUMNS,
    )
)

metric(
    Metric(
        code="corrective_actions_overdue",
        title="Corrective actions overdue",
        section=Section.QUALITY,
        unit=Unit.COUNT,
        numerator="Corrective actions open at the end of the month whose due date had passed.",
        denominator="None: a count.",
        exclusions="None.",
        definition="Corrective actions (SPEC C9): overdue tracking.",
        frames=("cqc-governance", "us-438-330", "ncqa-delegation"),
        records=lambda w, n: (
            _open_corrective_actions(w, n).filter(due_on__lt=w.end_day).annotate(_num=ONE)
        ),
        app="quality",
        higher_is_better=False,
        columns=CORRECTIVE_COLUMNS,
    )
)


# --- incidents (C9) ----------------------------------------------------------------------------


def _incidents(window: Window, network: Network) -> QuerySet[Any]:
    from seamline.quality.models import Incident

    return Incident.objects.filter(
        occurred_at__gte=window.start, occurred_at__lt=window.end
    ).annotate(_org=F("organisation_id"), _num=ONE)


metric(
    Metric(
        code="incidents_by_theme",
        title="Incidents by theme",
        section=Section.QUALITY,
        unit=Unit.COUNT,
        numerator="Incidents that happened in the month, by the partner they happened at, "
        "counted by theme (missed visit, medication error, fall, safeguarding, communication "
        "failure at handoff, delayed escalation, documentation, equipment, other).",
        denominator="None: a count.",
        exclusions="None; incidents reported later are counted in the month they happened.",
        definition="Incidents (SPEC C9): theme, severity, partner and the records involved, with "
        "a cross-agency timeline of the participant's events.",
        frames=("cqc-learning", "cqc-safe-systems", "us-438-330"),
        records=_incidents,
        app="quality",
        when="occurred_at",
        higher_is_better=False,
        breakdown="theme",
        columns=(
            Column("code", "Incident", "quality:incident"),
            Column("participant__code", "Participant", "cases:participant"),
            Column("theme", "Theme"),
            Column("severity", "Severity"),
            Column("occurred_at", "Happened"),
        ),
    )
)
