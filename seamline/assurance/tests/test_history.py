"""The history step on the small test cast: a year of figures in every metric it feeds, partners
that differ, and nothing left open for today's boards."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from seamline.access import Actor
from seamline.assurance import history
from seamline.assurance.catalogue import Unit, add_months, catalogue
from seamline.assurance.compute import Calculator, Figure
from seamline.audit.models import AuditEntry
from seamline.cases.models import Participant, Referral
from seamline.coordination.choices import Acuity, Cadence
from seamline.coordination.models import Action, Cohort, Huddle, Record, SprintStep
from seamline.demo.testing import cast_context
from seamline.escalation.choices import ConcernState, State
from seamline.escalation.models import Escalation, SafeguardingConcern
from seamline.escalation.testing import load_defaults
from seamline.handoffs.choices import OPEN_STATES
from seamline.handoffs.models import Handoff
from seamline.handoffs.testing import load_templates
from seamline.network.choices import OrgKind
from seamline.plans.models import Acknowledgement, PlanVersion
from seamline.plans.rules import Change, diff, empty_content
from seamline.quality.actions import load_builtin_templates
from seamline.quality.models import Audit, TemplateVersion
from seamline.rota.models import Override
from seamline.rota.testing import make_visit
from seamline.testing import CastTestCase, make_org
from seamline.workforce.models import DelegationPause, SupervisionSession, Worker
from seamline.workforce.testing import make_session, make_task_type, make_worker

# Metrics whose records the history does not write: the workforce step already tells eighteen
# months of sign-offs and temporary workers' bundles.
LEFT_TO_THEIR_APPS = {"signoff_currency", "signoffs_expiring", "temporary_bundles_complete"}


Trend = list[tuple[str, Figure, dict[str, Figure]]]


class HistoryStepTests(CastTestCase):
    now: datetime
    period: date
    before: dict[str, int]
    on_rota: Worker
    audited: tuple[date, date]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        c = cls.cast
        cls.now = timezone.now().replace(second=0, microsecond=0)
        ctx = cast_context(c, cls.now, open_cases=3, received_days_ago=5)
        make_org("county-trust", OrgKind.NHS_TRUST, name="County Hospitals")
        load_templates()
        load_defaults()
        Cohort.objects.create(
            code="rapid",
            name="Rapid response",
            organisation=c.riverside,
            acuity=Acuity.HIGH,
            cadence=Cadence.DAILY,
        )
        make_task_type("meds", delegated=True)
        begun = cls.now.date() - timedelta(days=500)
        recent = cls.now.date() - timedelta(days=20)
        supervisor = make_worker(c.riverside, "rs-lead", start_date=begun)
        prime_lead = make_worker(c.prime, "nb-lead", start_date=begun)
        make_session(supervisor, prime_lead, recent, held_on=recent)
        make_session(prime_lead, supervisor, recent, held_on=recent)
        for i in range(6):
            for org, lead in ((c.riverside, supervisor), (c.prime, prime_lead)):
                worker = make_worker(org, f"{org.code}-{i}", start_date=begun)
                make_session(worker, lead, recent, held_on=recent)
        # A worker the rota sent on a visit, and a quality audit of Riverside's handoffs of
        # three months ago: the history leaves both alone.
        cls.on_rota = make_worker(c.riverside, "rs-rota", start_date=begun)
        make_session(cls.on_rota, supervisor, recent, held_on=recent)
        visited = Participant.objects.order_by("pk").first()
        assert visited is not None
        make_visit(visited, c.discharge, [], cls.now - timedelta(days=2), workers=[cls.on_rota])
        this_month = date(cls.now.year, cls.now.month, 1)
        cls.audited = (add_months(this_month, -3), add_months(this_month, -2) - timedelta(days=1))
        load_builtin_templates(Actor.system("test"))
        Audit.objects.create(
            code="riverside-handoffs",
            template_version=TemplateVersion.objects.filter(
                template__record_kind="handoff"
            ).earliest("pk"),
            record_kind="handoff",
            partner=c.riverside,
            period_start=cls.audited[0],
            period_end=cls.audited[1],
            size=5,
            seed=7,
            candidates=0,
            candidates_digest="-",
        )
        cls.before = {
            "audit entries": AuditEntry.objects.count(),
            "participants": Participant.objects.count(),
            "supervision": SupervisionSession.objects.filter(planned_for__gte=recent).count(),
        }
        history.build(ctx)
        cls.period = add_months(this_month, -1)

    def trend(self, code: str) -> Trend:
        metric = next(m for m in catalogue() if m.code == code)
        return Calculator().trend(metric, self.period)

    def test_every_metric_it_feeds_has_figures_in_most_months(self) -> None:
        fed = [m for m in catalogue() if m.code in history.FEEDS]
        self.assertGreaterEqual(len(fed), 15)
        for metric in fed:
            points = Calculator().trend(metric, self.period)
            with self.subTest(metric=metric.code):
                if metric.unit == Unit.COUNT:
                    # A count is a figure even when it is nought (overdue actions and pauses
                    # are rare): it means something when some months have some.
                    filled = [m for m, network, _ in points if network.numerator]
                    self.assertGreaterEqual(len(filled), 4, [p[0] for p in points])
                    continue
                filled = [
                    m
                    for m, network, partners in points
                    if network.value is not None or (not metric.additive and partners)
                ]
                self.assertGreaterEqual(len(filled), 9, [p[0] for p in points])

    def test_every_metric_is_fed_by_the_history_or_by_its_own_app(self) -> None:
        # A metric added later needs history too (or a line here saying who tells it).
        unfed = {m.code for m in catalogue()} - LEFT_TO_THEIR_APPS - history.FEEDS
        self.assertEqual(unfed, set())

    def test_partners_differ_and_riverside_improves(self) -> None:
        points = self.trend("plan_acknowledged_on_time")

        def mean(rows: Trend, code: str) -> float:
            values = [p[code].value or 0.0 for _, _, p in rows if code in p]
            return sum(values) / len(values)

        self.assertLess(mean(points[1:4], "riverside") + 10, mean(points[-3:], "riverside"))
        spreads = [
            abs((p["riverside"].value or 0.0) - (p["northbridge"].value or 0.0))
            for _, _, p in points[1:4]
            if "riverside" in p and "northbridge" in p
        ]
        self.assertGreater(max(spreads), 10)

    def test_seeded_history_writes_no_audit_entries(self) -> None:
        self.assertEqual(AuditEntry.objects.count(), self.before["audit entries"])

    def test_volumes_are_a_county_pilot(self) -> None:
        per_month = Handoff.objects.count() / history.MONTHS
        self.assertGreater(per_month, 20)
        self.assertLess(Action.objects.count(), 20_000)

    def test_nothing_is_left_open_for_todays_boards(self) -> None:
        self.assertFalse(Handoff.objects.filter(state__in=OPEN_STATES).exists())
        self.assertFalse(Handoff.objects.filter(respond_by__lt=self.now, state="rejected").exists())
        self.assertFalse(Escalation.objects.exclude(state=State.RESOLVED).exists())
        self.assertFalse(Acknowledgement.objects.filter(acknowledged_at__isnull=True).exists())
        self.assertFalse(Action.objects.filter(completed_at__isnull=True).exists())
        self.assertFalse(SprintStep.objects.filter(resolved_at__isnull=True).exists())
        self.assertFalse(DelegationPause.objects.filter(lifted_at__isnull=True).exists())
        self.assertFalse(
            SafeguardingConcern.objects.exclude(state=ConcernState.CLOSED).exists()
            or SafeguardingConcern.objects.filter(lead_notified_at__isnull=True).exists()
        )
        # Only the three open cases the test context made itself.
        self.assertEqual(Referral.objects.filter(discharged_at__isnull=True).count(), 3)
        for stamp in ("accepted_at", "rejected_at", "resolved_at"):
            self.assertFalse(Handoff.objects.filter(**{f"{stamp}__gt": self.now}).exists())
        self.assertFalse(Record.objects.filter(recorded_at__gt=self.now).exists())
        self.assertFalse(Override.objects.filter(granted_at__gt=self.now).exists())

    def test_supervision_history_stays_before_each_workers_first_session(self) -> None:
        recent = self.now.date() - timedelta(days=20)
        self.assertEqual(
            SupervisionSession.objects.filter(planned_for__gte=recent).count(),
            self.before["supervision"],
        )
        self.assertFalse(
            SupervisionSession.objects.filter(held_on__gte=recent, planned_for__lt=recent).exists()
        )
        self.assertGreater(SupervisionSession.objects.filter(planned_for__lt=recent).count(), 50)

    def test_no_pause_for_a_worker_on_the_rota(self) -> None:
        self.assertGreater(DelegationPause.objects.count(), 20)
        self.assertFalse(DelegationPause.objects.filter(worker=self.on_rota).exists())

    def test_an_audited_partners_records_of_the_audited_period_are_left_alone(self) -> None:
        start, end = self.audited
        riverside = Handoff.objects.filter(sender_organisation=self.cast.riverside)
        in_period = riverside.filter(first_sent_at__date__gte=start, first_sent_at__date__lte=end)
        self.assertFalse(in_period.exists())
        self.assertGreater(riverside.count(), 50)
        others = Handoff.objects.exclude(sender_organisation=self.cast.riverside)
        self.assertTrue(
            others.filter(first_sent_at__date__gte=start, first_sent_at__date__lte=end).exists()
        )

    def test_each_plan_version_says_what_changed_as_the_plans_app_does(self) -> None:
        versions = list(PlanVersion.objects.order_by("plan_id", "number"))
        self.assertGreater(len(versions), 100)
        previous: dict[int, dict[str, object]] = {}
        for v in versions:
            expected = diff(previous.get(v.plan_id, empty_content()), v.content)
            self.assertTrue(expected)
            self.assertEqual([Change.from_dict(c) for c in v.changes], expected)
            previous[v.plan_id] = v.content

    def test_huddles_meet_once_a_day_and_escalations_keep_their_own_episodes(self) -> None:
        days = list(Huddle.objects.values_list("cohort_id", "held_on"))
        self.assertEqual(len(days), len(set(days)))
        self.assertGreater(len(days), 150)
        episodes = list(Escalation.objects.values_list("trigger", "episode"))
        self.assertEqual(len(episodes), len(set(episodes)))
        self.assertTrue(all(e.startswith("history:") for _, e in episodes))
