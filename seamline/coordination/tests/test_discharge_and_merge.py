"""Recording a discharge referral starts its post-discharge sprint, exactly once (the hook in
`cases.actions.create_referral`); an owned action and a contact record follow their participant
through a merge and back through an unmerge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.test import SimpleTestCase
from django.utils import timezone

from seamline.access import Actor
from seamline.audit.models import AuditEntry
from seamline.cases import actions as case_actions
from seamline.cases.choices import CareReason
from seamline.cases.models import Participant, Referral
from seamline.cases.testing import make_participant
from seamline.coordination import actions, rules
from seamline.coordination.models import Action, Record, Sprint
from seamline.network.choices import OrgKind
from seamline.network.models import Organisation
from seamline.testing import CastTestCase, make_org

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class StartsOnItsOwnRuleTests(SimpleTestCase):
    def test_only_while_the_72_hours_run(self) -> None:
        table = [
            ("just received", NOW, True),
            ("71 hours later", NOW + timedelta(hours=71), True),
            ("72 hours later: over", NOW + timedelta(hours=72), False),
            ("received in the future", NOW - timedelta(minutes=1), False),
        ]
        for label, now, expected in table:
            with self.subTest(label):
                self.assertEqual(rules.starts_on_its_own(NOW, now), expected)


class DischargeStartsSprintTests(CastTestCase):
    trust: Organisation
    ada: Participant

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.trust = make_org("trust", OrgKind.NHS_TRUST, name="Northshire Hospitals")
        cls.ada = make_participant(
            cls.cast.riverside, given_name="Ada", care=[(cls.cast.riverside, CareReason.OWNER)]
        )

    def _refer(self, referrer: Organisation | None, received_at: datetime) -> Referral:
        c = self.cast
        return case_actions.create_referral(
            c.actor(c.river_coordinator),
            self.ada,
            pathway=c.discharge,
            receiving_organisation=c.riverside,
            received_at=received_at,
            owner_person=c.river_coordinator,
            referrer_organisation=referrer,
            referrer_name="" if referrer else "Her GP",
        )

    def test_a_discharge_referral_starts_its_sprint_exactly_once(self) -> None:
        referral = self._refer(self.trust, timezone.now() - timedelta(hours=2))
        sprint = Sprint.objects.get(referral=referral)
        self.assertEqual(sprint.started_at, referral.received_at)
        self.assertEqual(sprint.steps.count(), 9)
        entry = AuditEntry.objects.get(action="sprint.start")
        self.assertEqual(entry.actor_label, "system:sprint-on-discharge")
        self.assertIn(referral.code, entry.reason)
        self.assertIn(self.cast.river_coordinator.display_name, entry.reason)
        # The hook again, or a person pressing "Start", gives the same sprint back.
        again = actions.start_sprint_on_discharge(
            self.cast.actor(self.cast.river_coordinator), referral
        )
        self.assertEqual(again, sprint)
        actions.start_sprint(Actor.system("test"), referral)
        self.assertEqual(Sprint.objects.filter(referral=referral).count(), 1)
        self.assertEqual(Action.objects.filter(source="sprint").count(), 9)
        self.assertEqual(AuditEntry.objects.filter(action="sprint.start").count(), 1)

    def test_no_sprint_for_other_referrals_or_after_the_72_hours(self) -> None:
        self._refer(None, timezone.now() - timedelta(hours=2))
        agency = make_org("hands", OrgKind.SUBCONTRACTOR)
        self._refer(agency, timezone.now() - timedelta(hours=2))
        late = self._refer(self.trust, timezone.now() - timedelta(days=4))
        self.assertFalse(Sprint.objects.exists())
        # The late one waits on the sprint list for a person to start it.
        self.assertEqual(late.participant, self.ada)


class FollowsMergeTests(CastTestCase):
    def test_an_action_and_a_record_follow_their_participant_through_a_merge(self) -> None:
        c = self.cast
        ada = make_participant(
            c.riverside, given_name="Ada", care=[(c.riverside, CareReason.OWNER)]
        )
        twin = make_participant(
            c.riverside, given_name="Ada", care=[(c.riverside, CareReason.OWNER)]
        )
        for p in (ada, twin):
            case_actions.join_care_team(Actor.system("test"), p, c.prime, CareReason.PRIME)
        action = actions.create_action(
            Actor.system("test"),
            twin,
            description="Ring her daughter",
            owner_organisation=c.riverside,
            owner_role="coordinator",
            due_at=timezone.now() + timedelta(days=1),
            source="huddle",
        )
        note = Record.objects.create(
            participant=twin,
            organisation=c.riverside,
            author=c.river_worker,
            kind="contact",
            occurred_at=timezone.now() - timedelta(hours=1),
            recorded_at=timezone.now(),
            text="Seen at home.",
        )
        quality = c.actor(c.quality)
        merged = case_actions.merge(quality, ada, twin, reason="The same person")
        action.refresh_from_db()
        note.refresh_from_db()
        self.assertEqual((action.participant, note.participant), (ada, ada))
        self.assertEqual(merged.moved["coordination_actions"], [action.pk])
        self.assertEqual(merged.moved["coordination_records"], [note.pk])
        # Her open action is on the surviving record's "my actions" and roster now.
        self.assertIn(action, Action.objects.filter(participant=ada).open())

        case_actions.unmerge(quality, merged, reason="Two people after all")
        action.refresh_from_db()
        note.refresh_from_db()
        self.assertEqual((action.participant, note.participant), (twin, twin))
