"""Each metric on a small dataset whose figures were worked out by hand (September 2026,
Europe/London): Riverside and SwiftStaff records, with some just outside the month."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import F

from seamline.access import Actor
from seamline.assurance.catalogue import get_metric
from seamline.assurance.compute import Calculator
from seamline.cases.testing import make_participant, make_referral
from seamline.escalation import actions as escalation_actions
from seamline.escalation.models import Escalation
from seamline.escalation.testing import load_defaults, make_case
from seamline.handoffs.models import Handoff
from seamline.handoffs.testing import build_scene
from seamline.testing import CastTestCase
from seamline.workforce.testing import (
    make_competency,
    make_pause,
    make_session,
    make_sign_off,
    make_task_type,
    make_worker,
)

LONDON = ZoneInfo("Europe/London")
SEPTEMBER = date(2026, 9, 1)


def t(day: int, hour: int = 10, month: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=LONDON)


class MetricTestCase(CastTestCase):
    def figures(self, code: str) -> tuple[dict[str, object], dict[str, dict[str, object]]]:
        metric = get_metric(code)
        assert metric is not None, code
        figs = Calculator().figures(metric, SEPTEMBER)
        return figs.network.as_dict(), {c: f.as_dict() for c, f in figs.partners.items()}


class WorkforceMetrics(MetricTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        c = cls.cast
        comp = make_competency("medication", title="Medication support")
        other = make_competency("safeguarding", title="Safeguarding")
        signer = make_worker(c.prime, "P-1")
        r1 = make_worker(c.riverside, "R-1")
        r2 = make_worker(c.riverside, "R-2")
        s1 = make_worker(c.swift, "S-1", employment_type="agency")
        gone = make_worker(c.swift, "S-9", status="left")
        gone.left_on = date(2026, 9, 20)
        gone.save()
        kw: dict[str, Any] = {"signer": signer, "signed_at": t(1, month=3)}
        # Riverside: one current, one past its review date; an old superseded one not counted.
        make_sign_off(r1, comp, "independent", review_due=date(2026, 12, 1), **kw)
        make_sign_off(
            r1, comp, "supervised", review_due=date(2027, 1, 1), superseded_at=t(1, month=6), **kw
        )
        make_sign_off(r2, comp, "independent", review_due=date(2026, 9, 15), **kw)
        # SwiftStaff: one expiring in October, one revoked only after September (still standing).
        make_sign_off(s1, comp, "independent", review_due=date(2026, 10, 20), **kw)
        make_sign_off(
            s1, other, "independent", review_due=date(2027, 3, 1), revoked_at=t(15, month=10), **kw
        )
        # A worker who left in September, and a sign-off made after the month: neither counts.
        make_sign_off(gone, comp, "independent", review_due=date(2027, 1, 1), **kw)
        make_sign_off(
            r2,
            other,
            "independent",
            review_due=date(2027, 1, 1),
            signer=signer,
            signed_at=t(2, month=10),
        )
        # Supervision planned in September: on time, late, never held; one in October.
        make_session(r1, signer, date(2026, 9, 10), held_on=date(2026, 9, 9))
        make_session(r2, signer, date(2026, 9, 20), held_on=date(2026, 9, 22))
        make_session(s1, signer, date(2026, 9, 25))
        make_session(r1, signer, date(2026, 10, 2), held_on=date(2026, 10, 2))
        # Pauses: Riverside's remedial session in time, SwiftStaff's never held.
        task = make_task_type("med_admin", risk_tier=3, delegated=True)
        pause = make_pause(r2, task, t(5))
        pause.remedial_session = make_session(
            r2, signer, date(2026, 9, 11), held_on=date(2026, 9, 11), kind="remedial"
        )
        pause.save()
        make_pause(s1, task, t(28))
        make_pause(r1, task, t(1, month=10))

    def test_sign_off_currency_counts_standing_sign_offs_not_past_review(self) -> None:
        network, partners = self.figures("signoff_currency")
        self.assertEqual(network, {"numerator": 3, "denominator": 4, "value": 75.0})
        self.assertEqual(partners["riverside"]["value"], 50.0)
        self.assertEqual(partners["swiftstaff"]["value"], 100.0)

    def test_expiring_sign_offs_fall_within_the_network_window(self) -> None:
        network, partners = self.figures("signoffs_expiring")
        self.assertEqual(network["numerator"], 1)
        self.assertEqual(
            partners, {"swiftstaff": {"numerator": 1, "denominator": None, "value": 1}}
        )

    def test_supervision_held_by_its_planned_day(self) -> None:
        # Riverside's remedial session (planned and held on 11 September) counts too.
        network, partners = self.figures("supervision_on_time")
        self.assertEqual((network["numerator"], network["denominator"]), (2, 4))
        self.assertEqual(network["value"], 50.0)
        self.assertEqual(partners["riverside"]["value"], 66.7)
        self.assertEqual(partners["swiftstaff"]["value"], 0.0)

    def test_pauses_and_remedial_supervision_within_its_due_date(self) -> None:
        network, _ = self.figures("delegation_pauses")
        self.assertEqual(network["numerator"], 2)
        network, partners = self.figures("remedial_within_standard")
        self.assertEqual((network["numerator"], network["denominator"]), (1, 2))
        self.assertEqual(partners["riverside"]["value"], 100.0)
        self.assertEqual(partners["swiftstaff"]["value"], 0.0)


class HandoffMetrics(MetricTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        scene = build_scene(cls.cast)
        Handoff.objects.filter(pk=scene.sent.pk).update(first_sent_at=t(3), completeness=100)
        Handoff.objects.filter(pk=scene.rejected.pk).update(
            first_sent_at=t(4), rejected_at=t(5), completeness=80, rejection_reason="no_capacity"
        )
        Handoff.objects.filter(pk=scene.accepted.pk).update(
            first_sent_at=t(6, 10), accepted_at=t(6, 16), respond_by=t(6, 14), completeness=90
        )

    def test_completeness_is_the_mean_score_of_handoffs_first_sent(self) -> None:
        network, partners = self.figures("handoff_completeness")
        self.assertEqual((network["numerator"], network["denominator"]), (270, 3))
        self.assertEqual(partners["northbridge"]["value"], 90.0)

    def test_acceptance_within_the_response_standard_and_its_time(self) -> None:
        network, partners = self.figures("handoff_accepted_in_standard")
        self.assertEqual((network["numerator"], network["denominator"]), (0, 1))
        network, partners = self.figures("handoff_acceptance_hours")
        self.assertEqual(partners["riverside"], {"numerator": 6.0, "denominator": 1, "value": 6.0})

    def test_rejections_are_counted_by_reason(self) -> None:
        metric = get_metric("handoff_rejections")
        assert metric is not None
        figs = Calculator().figures(metric, SEPTEMBER)
        self.assertEqual(figs.network.numerator, 1)
        self.assertEqual(figs.breakdown, {"no_capacity": {"network": 1, "riverside": 1}})


class EscalationMetrics(MetricTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        c = cls.cast
        load_defaults()
        system = Actor.system("test")
        rows = [
            # organisation, tier trigger, raised, acknowledged after, reviewed after
            (c.riverside, t(2), timedelta(minutes=30), timedelta(hours=2)),
            (c.riverside, t(3), timedelta(hours=3), timedelta(hours=5)),
            (c.swift, t(4), timedelta(hours=1), None),
        ]
        for n, (org, raised, ack, review) in enumerate(rows):
            person = make_participant(org, family_name=f"Escalated{n}")
            referral = make_referral(person, c.discharge, org, c.river_coordinator)
            esc = escalation_actions.open_escalation(
                system,
                participant=person,
                pathway=c.discharge,
                organisation=org,
                trigger="ed_contact",
                episode=f"e{n}",
                referral=referral,
                at=raised,
            )
            assert esc is not None
            Escalation.objects.filter(pk=esc.pk).update(
                tier="immediate",
                raised_at=raised,
                acknowledged_at=raised + ack,
                responded_at=None if review is None else raised + review,
            )

    def test_acknowledgement_within_the_tier_standard(self) -> None:
        # Immediate: acknowledge within 1 hour. Riverside 1 of 2; SwiftStaff at exactly 1 h.
        network, partners = self.figures("escalation_acknowledged_in_standard")
        self.assertEqual((network["numerator"], network["denominator"]), (2, 3))
        self.assertEqual(partners["riverside"]["value"], 50.0)
        self.assertEqual(partners["swiftstaff"]["value"], 100.0)

    def test_clinical_review_within_the_tier_standard(self) -> None:
        # Immediate: review within 4 hours. Riverside 2 h (met), 5 h (missed); SwiftStaff none
        # and long past the standard (missed).
        network, _ = self.figures("escalation_reviewed_in_standard")
        self.assertEqual((network["numerator"], network["denominator"]), (1, 3))

    def test_timing_spread_is_the_gap_between_partner_means(self) -> None:
        # Riverside mean (0.5 + 3) / 2 = 1.75 h; SwiftStaff 1 h: spread 0.75 h.
        network, partners = self.figures("escalation_timing_spread")
        self.assertEqual(partners["riverside"]["value"], 1.8)
        self.assertEqual(partners["swiftstaff"]["value"], 1.0)
        self.assertEqual(network["value"], 0.8)

    def test_the_spread_is_the_same_read_from_the_years_trend(self) -> None:
        metric = get_metric("escalation_timing_spread")
        assert metric is not None
        figs = Calculator().figures(metric, SEPTEMBER, trend=True)
        self.assertEqual(figs.network.value, 0.8)
        self.assertEqual([label for label, _, _ in figs.trend][-1], "2026-09")
        self.assertIsNone(figs.trend[-2][1].value)  # August: no escalations

    def test_escalations_of_another_month_are_not_counted(self) -> None:
        later = timedelta(days=40)
        Escalation.objects.update(
            raised_at=F("raised_at") + later,
            acknowledged_at=F("acknowledged_at") + later,
            responded_at=F("responded_at") + later,
        )
        network, _ = self.figures("escalation_acknowledged_in_standard")
        self.assertEqual(network["denominator"], 0)


class SafeguardingMetrics(MetricTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from seamline.escalation.models import SafeguardingConcern
        from seamline.escalation.testing import make_concern

        c = cls.cast
        person, _ = make_case(c)
        told = [t(3, 22), t(8, 9) + timedelta(days=1), None, t(1, 12, month=10)]
        for n, (arose, lead_told) in enumerate(
            zip([t(3), t(8), t(20), t(1, month=10)], told, strict=True)
        ):
            concern = make_concern(c, person, arose, theme="neglect" if n else "financial")
            SafeguardingConcern.objects.filter(pk=concern.pk).update(lead_notified_at=lead_told)

    def test_same_day_notification_of_concerns_that_arose_in_the_month(self) -> None:
        # 3 Sept told 22:00 the same day (in time); 8 Sept told the next day (late); 20 Sept
        # never told (late); the October concern is another month's.
        network, partners = self.figures("safeguarding_same_day")
        self.assertEqual((network["numerator"], network["denominator"]), (1, 3))
        self.assertEqual(partners["riverside"]["value"], 33.3)

    def test_concerns_are_counted_by_theme(self) -> None:
        metric = get_metric("safeguarding_same_day")
        assert metric is not None
        figs = Calculator().figures(metric, SEPTEMBER)
        self.assertEqual(figs.breakdown["neglect"]["network"], 2)
        self.assertEqual(figs.breakdown["financial"]["riverside"], 1)


class DocumentationMetrics(MetricTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from seamline.coordination.models import Record
        from seamline.escalation.models import SafeguardingConcern
        from seamline.escalation.testing import make_concern

        c = cls.cast
        person, _ = make_case(c)
        for org, happened, written in (
            (c.riverside, t(2), t(2, 18)),  # on time
            (c.riverside, t(5), t(6, 10)),  # exactly 24 hours: on time
            (c.riverside, t(9), t(11)),  # 48 hours: late
            (c.swift, t(30, 9), t(1, 9, month=10)),  # on time, written the next month
            (c.swift, t(1, month=10), t(1, month=10)),  # another month
        ):
            Record.objects.create(
                participant=person,
                organisation=org,
                author=c.river_worker,
                kind="contact",
                occurred_at=happened,
                recorded_at=written,
                text="Visited.",
            )
        late = make_concern(c, person, t(12), recorded_at=t(14))
        SafeguardingConcern.objects.filter(pk=late.pk).update(recorded_at=t(14))

    def test_records_of_every_source_written_within_24_hours(self) -> None:
        # Riverside: three contact records (two on time) and one concern written two days on;
        # SwiftStaff: one on time.
        network, partners = self.figures("documentation_24h")
        self.assertEqual((network["numerator"], network["denominator"]), (3, 5))
        self.assertEqual(partners["riverside"]["value"], 50.0)
        self.assertEqual(partners["swiftstaff"]["value"], 100.0)


class TemporaryBundleMetrics(MetricTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from seamline.workforce.choices import LOCAL_INDUCTION_TOPICS
        from seamline.workforce.testing import make_evidence

        c = cls.cast
        med = make_competency("medication", network_critical=True)
        day = date(2026, 8, 3)
        whole, half = (
            make_worker(c.swift, f"S-{n}", employment_type="agency", placement_start=day)
            for n in (1, 2)
        )
        make_worker(c.riverside, "R-1")  # employed: not counted
        make_worker(c.swift, "S-3", employment_type="bank", start_date=date(2026, 10, 5))
        for worker in (whole, half):
            make_evidence(worker, "module", day, competency=med, verified_by=c.swift_admin)
            make_evidence(worker, "supervised_practice_signoff", day)
        make_evidence(
            whole, "local_induction", day, detail={"topics": list(LOCAL_INDUCTION_TOPICS)}
        )

    def test_the_bundle_is_judged_by_the_register_rule_at_the_end_of_the_month(self) -> None:
        # SwiftStaff: two agency workers placed in August, one without a local induction; the
        # bank worker starting in October is not yet in the network.
        network, partners = self.figures("temporary_bundles_complete")
        self.assertEqual((network["numerator"], network["denominator"]), (1, 2))
        self.assertEqual(set(partners), {"swiftstaff"})


class QualityMetrics(MetricTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from seamline.quality import actions as quality
        from seamline.quality.models import Audit, AuditItem, CorrectiveAction, TemplateVersion

        c = cls.cast
        quality.load_builtin_templates(c.actor(c.quality))
        version = TemplateVersion.objects.order_by("pk").first()
        assert version is not None
        for org, scores in ((c.riverside, [100.0, 50.0, None]), (c.swift, [80.0])):
            audit = Audit.objects.create(
                code=f"audit-{org.code}",
                template_version=version,
                record_kind=version.template.record_kind,
                partner=org,
                period_start=date(2026, 9, 1),
                period_end=date(2026, 9, 30),
                size=len(scores),
                seed=7,
                candidates=10,
                candidates_digest="0" * 64,
            )
            for n, score in enumerate(scores):
                AuditItem.objects.create(
                    audit=audit,
                    position=n,
                    stratum="discharge",
                    record_ref=f"r{n}",
                    score=score,
                    scored_at=t(10 + n),
                )
        AuditItem.objects.create(
            audit=audit,
            position=9,
            stratum="discharge",
            record_ref="late",
            score=0.0,
            scored_at=t(2, month=10),
        )
        rows = (
            # organisation, raised, due, completed
            (c.riverside, t(1, month=8), date(2026, 9, 15), None),  # open, overdue
            (c.riverside, t(5), date(2026, 10, 15), None),  # open, not yet due
            (c.riverside, t(5), date(2026, 9, 20), t(18)),  # completed in September
            (c.swift, t(5), date(2026, 9, 25), t(3, month=10)),  # completed after: open, overdue
            (c.swift, t(2, month=10), date(2026, 9, 25), None),  # raised in October
        )
        for n, (org, raised, due, done) in enumerate(rows):
            action = quality.raise_corrective_action(
                c.actor(c.quality),
                title=f"Action {n}",
                source_kind="audit",
                source_ref="audit-x",
                organisation=org,
                owner_person=c.river_admin if org == c.riverside else c.swift_admin,
                due_on=due,
            )
            CorrectiveAction.objects.filter(pk=action.pk).update(
                created_at=raised, completed_at=done
            )

    def test_the_audit_score_is_the_mean_of_records_scored_in_the_month(self) -> None:
        network, partners = self.figures("audit_score")
        self.assertEqual((network["numerator"], network["denominator"]), (230.0, 3))
        self.assertEqual(partners["riverside"]["value"], 75.0)
        self.assertEqual(partners["swiftstaff"]["value"], 80.0)

    def test_corrective_actions_open_and_overdue_at_the_end_of_the_month(self) -> None:
        network, partners = self.figures("corrective_actions_open")
        self.assertEqual(network["numerator"], 3)
        self.assertEqual(partners["riverside"]["value"], 2)
        network, partners = self.figures("corrective_actions_overdue")
        self.assertEqual(network["numerator"], 2)
        self.assertEqual(partners["swiftstaff"]["value"], 1)


class ReconciliationMetrics(MetricTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from seamline.cases.reconciliation.models import Finding, Run

        c = cls.cast
        person = make_participant(c.riverside, family_name="Listed")
        runs = {}
        for key, org, uploaded, rows, matched in (
            ("river-early", c.riverside, t(2), 50, 30),  # superseded by the later upload
            ("river-late", c.riverside, t(25), 40, 36),
            ("swift", c.swift, t(12), 10, 10),
            ("swift-oct", c.swift, t(2, month=10), 10, 0),  # another month
        ):
            runs[key] = Run.objects.create(
                organisation=org,
                uploaded_at=uploaded,
                file_name=f"{key}.csv",
                file_digest=key,
                rows=rows,
                matched=matched,
                rate=matched / rows,
            )
        for key, category, n in (
            ("river-early", "duplicated", 5),
            ("river-late", "duplicated", 2),
            ("river-late", "without_owner", 1),
            ("river-late", "long_wait", 3),
            ("swift", "long_wait", 1),
            ("swift-oct", "long_wait", 4),
        ):
            for _ in range(n):
                Finding.objects.create(
                    run=runs[key], category=category, participant=person, detail="x"
                )

    def test_the_rate_reads_each_partners_last_upload_of_the_month(self) -> None:
        network, partners = self.figures("reconciliation_rate")
        self.assertEqual((network["numerator"], network["denominator"]), (46, 50))
        self.assertEqual(partners["riverside"]["value"], 90.0)

    def test_findings_of_the_last_upload_are_counted(self) -> None:
        self.assertEqual(self.figures("duplicates")[0]["numerator"], 2)
        self.assertEqual(self.figures("unowned_cases")[0]["numerator"], 1)
        network, partners = self.figures("long_waits")
        self.assertEqual(network["numerator"], 4)
        self.assertEqual(partners["swiftstaff"]["value"], 1)


class IncidentMetrics(MetricTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from seamline.quality.models import Incident

        c = cls.cast
        person = make_participant(c.riverside)
        rows = (
            # partner, theme, happened (reported a day later)
            (c.riverside, "fall", t(2)),
            (c.riverside, "fall", t(30, 23)),  # the last hour of September
            (c.riverside, "missed_visit", t(14)),
            (c.swift, "fall", t(20)),
            (c.swift, "medication_error", t(1, 0, month=10)),  # October
            (c.riverside, "fall", t(31, 23, month=8)),  # August
        )
        for n, (org, theme, happened) in enumerate(rows):
            Incident.objects.create(
                code=f"INC-{n:05d}",
                participant=person,
                organisation=org,
                theme=theme,
                severity="low",
                occurred_at=happened,
                reported_at=happened + timedelta(days=1),
                description="Hand-checked.",
            )

    def test_incidents_that_happened_in_the_month_by_partner_and_theme(self) -> None:
        # September: Riverside two falls and a missed visit, SwiftStaff one fall; the October
        # and August incidents are other months'.
        network, partners = self.figures("incidents_by_theme")
        self.assertEqual(network["numerator"], 4)
        self.assertEqual(partners["riverside"]["value"], 3)
        self.assertEqual(partners["swiftstaff"]["value"], 1)
        metric = get_metric("incidents_by_theme")
        assert metric is not None
        figs = Calculator().figures(metric, SEPTEMBER)
        self.assertEqual(figs.breakdown["fall"]["network"], 3)
        self.assertEqual(figs.breakdown["fall"]["riverside"], 2)
        self.assertEqual(figs.breakdown["missed_visit"]["riverside"], 1)
        self.assertNotIn("medication_error", figs.breakdown)
