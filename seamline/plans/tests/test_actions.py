"""Revising a plan: versions with who, when, why and the changes; the version current at an
instant; stale versions refused; the review a risk change opens; acknowledgements asked,
given and overdue; follow-up actions citing the version; every write and read audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from django.db import IntegrityError, transaction
from django.test import override_settings

from seamline.audit.models import AuditEntry, EntryKind
from seamline.coordination.models import Action
from seamline.errors import Conflict, RuleViolation
from seamline.plans import actions, lists
from seamline.plans.models import Acknowledgement, Plan, PlanReview
from seamline.testing import CastTestCase

from .scene import ada, first_content

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


class RevisePlanTests(CastTestCase):
    def setUp(self) -> None:
        self.ada = ada(self.cast)
        self.coordinator = self.cast.actor(self.cast.river_coordinator)

    def revise(self, content, version, at, actor=None, reason="Change"):
        return actions.revise_plan(
            actor or self.coordinator,
            self.ada,
            content=content,
            reason=reason,
            version=version,
            at=at,
        )

    def test_versions_record_who_when_why_and_what(self) -> None:
        v1 = self.revise(first_content(), 0, T0, reason="Plan agreed at the first visit")
        content = first_content()
        content["risks"][0]["level"] = "medium"
        v2 = self.revise(content, 1, T0 + timedelta(days=2), reason="Fewer falls since the rail")
        self.assertEqual((v1.number, v2.number), (1, 2))
        self.assertEqual(v2.author, self.cast.river_coordinator)
        self.assertEqual(v2.author_organisation, self.cast.riverside)
        self.assertEqual(v2.reason, "Fewer falls since the rail")
        self.assertEqual(
            v2.changes,
            [
                {
                    "field": "risks",
                    "kind": "changed",
                    "item": "Falls at night",
                    "before": "high",
                    "after": "medium",
                }
            ],
        )
        entry = AuditEntry.objects.filter(action="plan.revise").order_by("-seq").first()
        assert entry is not None
        self.assertEqual(entry.object_id, f"plan:{self.ada.code}:v2")
        self.assertEqual(entry.reason, "Fewer falls since the rail")

    def test_version_current_at_an_instant(self) -> None:
        self.revise(first_content(), 0, T0)
        content = first_content()
        content["preferences"] = ["Tea with one sugar"]
        self.revise(content, 1, T0 + timedelta(days=1))
        plan = Plan.objects.get(participant=self.ada)
        self.assertIsNone(plan.version_at(T0 - timedelta(seconds=1)))
        self.assertEqual(plan.version_at(T0).number, 1)  # type: ignore[union-attr]
        self.assertEqual(plan.version_at(T0 + timedelta(hours=23)).number, 1)  # type: ignore[union-attr]
        self.assertEqual(plan.version_at(T0 + timedelta(days=1)).number, 2)  # type: ignore[union-attr]
        self.assertEqual(plan.version_at(T0 + timedelta(days=30)).number, 2)  # type: ignore[union-attr]

    def test_a_stale_version_is_a_conflict_and_writes_nothing(self) -> None:
        self.revise(first_content(), 0, T0)
        content = first_content()
        content["preferences"] = ["Coffee"]
        self.revise(content, 1, T0 + timedelta(hours=1))
        other = first_content()
        other["consent_summary"] = "Named organisations only"
        with self.assertRaises(Conflict):
            self.revise(other, 1, T0 + timedelta(hours=2))
        with self.assertRaises(Conflict):
            self.revise(first_content(), 0, T0 + timedelta(hours=2))
        plan = Plan.objects.get(participant=self.ada)
        self.assertEqual(plan.version, 2)
        self.assertEqual(plan.versions.count(), 2)

    def test_an_unchanged_plan_is_refused_and_a_stale_unchanged_one_is_a_conflict(self) -> None:
        self.revise(first_content(), 0, T0)
        with self.assertRaises(RuleViolation) as raised:
            self.revise(first_content(), 1, T0 + timedelta(hours=1))
        self.assertEqual(raised.exception.codes, ["no_change"])
        content = first_content()
        content["preferences"] = ["Coffee"]
        self.revise(content, 1, T0 + timedelta(hours=2))
        with self.assertRaises(Conflict):
            self.revise(content, 1, T0 + timedelta(hours=3))

    def test_a_reason_and_owners_in_the_care_are_required(self) -> None:
        content = first_content()
        content["controls"].append(
            {"description": "Agency night sit", "organisation": "swiftstaff"}
        )
        with self.assertRaises(RuleViolation) as raised:
            self.revise(content, 0, T0, reason=" ")
        self.assertEqual(raised.exception.codes, ["required", "owner_not_in_care"])
        self.assertFalse(Plan.objects.filter(participant=self.ada, version__gt=0).exists())

    def test_only_record_keepers_who_see_the_participant_revise(self) -> None:
        for user in (self.cast.river_worker, self.cast.swift_admin, self.cast.inspector):
            with self.subTest(user=user.username), self.assertRaises(RuleViolation):
                self.revise(first_content(), 0, T0, actor=self.cast.actor(user))


class ReviewAndAcknowledgementTests(CastTestCase):
    def setUp(self) -> None:
        self.ada = ada(self.cast)
        self.coordinator = self.cast.actor(self.cast.river_coordinator)
        actions.revise_plan(
            self.coordinator, self.ada, content=first_content(), reason="Agreed", version=0, at=T0
        )

    def change_risk(self, version: int, at: datetime, level: str = "medium"):
        content = first_content()
        content["risks"][0]["level"] = level
        return actions.revise_plan(
            self.coordinator, self.ada, content=content, reason="Risk", version=version, at=at
        )

    def test_the_first_version_opens_no_review_and_asks_the_other_control_owner(self) -> None:
        self.assertFalse(PlanReview.objects.exists())
        asked = Acknowledgement.objects.filter(version__number=1)
        self.assertEqual(
            [(a.organisation.code, a.due_at) for a in asked],
            [("northbridge", T0 + timedelta(hours=24))],
        )

    def test_a_risk_change_opens_a_review_due_in_seven_days(self) -> None:
        v2 = self.change_risk(1, T0 + timedelta(days=1))
        review = PlanReview.objects.get()
        self.assertEqual(review.opened_by, v2)
        self.assertEqual(review.due_at, T0 + timedelta(days=8))
        # A second risk change while it is open joins it (one open review per plan).
        self.change_risk(2, T0 + timedelta(days=2), level="low")
        self.assertEqual(PlanReview.objects.count(), 1)

    @override_settings(SEAMLINE_PLAN_REVIEW_DAYS=3)
    def test_the_review_period_is_configurable(self) -> None:
        self.change_risk(1, T0 + timedelta(days=1))
        self.assertEqual(PlanReview.objects.get().due_at, T0 + timedelta(days=4))

    def test_a_preference_change_opens_no_review(self) -> None:
        content = first_content()
        content["preferences"] = ["Coffee"]
        actions.revise_plan(
            self.coordinator, self.ada, content=content, reason="Asked", version=1, at=T0
        )
        self.assertFalse(PlanReview.objects.exists())

    def test_completing_a_review(self) -> None:
        self.change_risk(1, T0 + timedelta(days=1))
        review = PlanReview.objects.get()
        supervisor = self.cast.actor(self.cast.river_supervisor)
        actions.complete_review(supervisor, review, outcome="Rail fitted; keep evening visit")
        review.refresh_from_db()
        self.assertIsNotNone(review.completed_at)
        with self.assertRaises(RuleViolation):
            actions.complete_review(supervisor, review, outcome="Again")

    def test_a_risk_change_asks_the_care_team_and_acknowledging_covers_earlier(self) -> None:
        self.change_risk(1, T0 + timedelta(days=1))
        prime = self.cast.actor(self.cast.net_admin)
        pending = Acknowledgement.objects.pending().filter(organisation=self.cast.prime)
        self.assertEqual(sorted(a.version.number for a in pending), [1, 2])
        latest = pending.get(version__number=2)
        actions.acknowledge(prime, latest, at=T0 + timedelta(days=1, hours=2))
        self.assertFalse(Acknowledgement.objects.pending().exists())
        earlier = Acknowledgement.objects.get(version__number=1)
        self.assertEqual(earlier.covered_by_number, 2)
        with self.assertRaises(RuleViolation):
            actions.acknowledge(prime, latest)

    def test_only_the_organisation_asked_acknowledges(self) -> None:
        ack = Acknowledgement.objects.get()
        for user in (self.cast.river_admin, self.cast.inspector):
            with self.subTest(user=user.username), self.assertRaises(RuleViolation):
                actions.acknowledge(self.cast.actor(user), ack)

    def test_overdue_lists_and_counts_by_partner(self) -> None:
        self.change_risk(1, T0 + timedelta(days=1))
        at = T0 + timedelta(days=1, hours=12)
        # v1 (due T0+24h) is overdue for the prime; v2 (due T0+48h) is not yet.
        self.assertEqual(lists.overdue_counts_by_partner(at), {"northbridge": 1})
        self.assertEqual(
            lists.overdue_counts_by_partner(T0 + timedelta(days=3)), {"northbridge": 2}
        )
        prime = self.cast.actor(self.cast.net_admin)
        waiting = lists.acknowledgements(prime, "waiting", at)
        self.assertEqual(len(waiting), 2)
        overdue = lists.acknowledgements(
            self.coordinator, "overdue", at, organisation="northbridge"
        )
        self.assertEqual([a.version.number for a in overdue], [1])
        agency = self.cast.actor(self.cast.swift_admin)
        self.assertEqual(len(lists.acknowledgements(agency, "overdue", at)), 0)

    def test_one_acknowledgement_per_organisation_and_version(self) -> None:
        ack = Acknowledgement.objects.get()
        with self.assertRaises(IntegrityError), transaction.atomic():
            Acknowledgement.objects.create(
                version=ack.version, organisation=ack.organisation, due_at=ack.due_at
            )


class FollowUpAndReadTests(CastTestCase):
    def setUp(self) -> None:
        self.ada = ada(self.cast)
        self.coordinator = self.cast.actor(self.cast.river_coordinator)

    @time_machine.travel(T0, tick=False)
    def test_a_follow_up_action_cites_the_version(self) -> None:
        version = actions.revise_plan(
            self.coordinator, self.ada, content=first_content(), reason="Agreed", version=0
        )
        action = actions.set_follow_up(
            self.coordinator,
            version,
            description="Order a bed rail",
            owner_organisation=self.cast.riverside,
            owner_role="coordinator",
            due_at=T0 + timedelta(days=2),
        )
        self.assertEqual((action.source, action.source_ref), ("plan", f"plan:{self.ada.code}:v1"))
        cited = actions.actions_citing(version.plan)
        self.assertEqual(list(cited), [version.ref])
        self.assertEqual(Action.objects.filter(source="plan").count(), 1)

    def test_reading_a_plan_is_audited(self) -> None:
        version = actions.revise_plan(
            self.coordinator, self.ada, content=first_content(), reason="Agreed", version=0
        )
        actions.record_read(self.coordinator, version.plan, "page")
        entry = AuditEntry.objects.filter(action="plan.read").get()
        self.assertEqual(entry.kind, EntryKind.READ)
