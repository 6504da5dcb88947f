"""The demo participants and referral register, built small: synthetic NHS numbers with valid
check digits, every open referral owned, the consent and risk mix, reassignments, duplicates
for the duplicates page, and an audit chain that verifies afterwards."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from django.test import TestCase

from seamline.audit.models import AuditEntry
from seamline.audit.verify import verify_chain
from seamline.cases import demo, rules
from seamline.cases.duplicates import candidates
from seamline.cases.lists import first_contact_standards, long_wait_filter
from seamline.cases.models import (
    CareTeamMember,
    Consent,
    DeclinedWorker,
    LocalId,
    Merge,
    NotDuplicate,
    Ownership,
    Participant,
    Referral,
    RiskFlag,
)
from seamline.demo import registry
from seamline.workforce import demo as workforce_demo

SEED = 2026
NOW = datetime(2026, 10, 5, 9, 30, tzinfo=ZoneInfo("Europe/London"))
SIZE = 240


def build_small() -> registry.DemoContext:
    """The network and framework steps as they are, a small workforce, then this step."""
    ctx = registry.DemoContext(seed=SEED, now=NOW, rng=registry.rng_for(SEED, ""))
    for step in registry.steps():
        if step.order >= 30:
            continue
        ctx.rng = registry.rng_for(SEED, step.name)
        ctx._budget = step.units
        step.build(ctx)
    ctx.rng = registry.rng_for(SEED, "workforce")
    ctx._budget = 1000
    workforce_demo.populate(ctx, 40)
    ctx.rng = registry.rng_for(SEED, "cases")
    ctx._budget = 6
    demo.populate(ctx, SIZE)
    return ctx


@time_machine.travel(NOW, tick=False)
class DemoCasesTests(TestCase):
    ctx: registry.DemoContext

    @classmethod
    def setUpTestData(cls) -> None:
        cls.ctx = build_small()

    def test_step_comes_after_the_workforce(self) -> None:
        step = next(s for s in registry.steps() if s.name == "cases")
        self.assertEqual(step.order, 40)
        self.assertEqual(demo.SIZE, 2000)

    def test_synthetic_nhs_numbers_with_valid_check_digits(self) -> None:
        numbers = list(
            Participant.objects.exclude(nhs_number="").values_list("nhs_number", flat=True)
        )
        self.assertGreater(len(numbers), SIZE * 0.85)
        self.assertLess(len(numbers), Participant.objects.count())  # some have none
        for number in numbers:
            self.assertTrue(number.startswith("999"), number)
            self.assertTrue(rules.is_valid_nhs_number(number), number)

    def test_participants_and_their_identifiers(self) -> None:
        self.assertEqual(Participant.objects.count(), SIZE + len(demo.DUPLICATE_KINDS))
        self.assertGreater(LocalId.objects.count(), SIZE // 2)
        codes = list(Participant.objects.values_list("code", flat=True))
        self.assertEqual(len(set(codes)), len(codes))

    def test_referrals_across_pathways_and_partners(self) -> None:
        referrals = Referral.objects.all()
        self.assertEqual(
            set(referrals.values_list("pathway__code", flat=True)),
            {"discharge", "crisis", "therapy"},
        )
        owners = set(referrals.values_list("owner_organisation__code", flat=True))
        self.assertLessEqual({"northbridge", "riverside", "hearth", "northshire-asc"}, owners)
        self.assertTrue(referrals.filter(discharged_at__isnull=False).exists())
        self.assertTrue(referrals.filter(discharged_at__isnull=True).exists())
        outcomes = Counter(referrals.closed().values_list("outcome", flat=True))
        self.assertGreater(len(outcomes), 4)
        self.assertFalse(referrals.open().filter(owner_person__isnull=True).exists())
        # Every referral has its first ownership and the care-team parts it gives.
        self.assertEqual(Ownership.objects.filter(seq=1).count(), referrals.count())
        self.assertFalse(
            referrals.exclude(pk__in=CareTeamMember.objects.values("referral_id")).exists()
        )

    def test_a_few_long_waits(self) -> None:
        waiting = Referral.objects.filter(long_wait_filter(NOW, first_contact_standards()))
        self.assertGreater(waiting.count(), 3)
        self.assertLess(waiting.count(), 30)

    def test_the_consent_mix(self) -> None:
        current = Consent.objects.filter(pk__in=Participant.objects.values("current_consent"))
        self.assertTrue(current.filter(scope="all_involved", withdrawn_at__isnull=True).exists())
        self.assertTrue(current.filter(scope="named").exists())
        self.assertTrue(current.filter(withdrawn_at__isnull=False).exists())
        self.assertTrue(Participant.objects.filter(current_consent__isnull=True).exists())
        self.assertFalse(Consent.objects.filter(scope="named", organisations__isnull=True).exists())

    def test_flags_preferences_and_declined_workers(self) -> None:
        severities = set(RiskFlag.objects.values_list("severity", flat=True))
        self.assertEqual(severities, {"low", "medium", "high"})
        self.assertTrue(RiskFlag.objects.filter(resolved_at__isnull=False).exists())
        self.assertTrue(Participant.objects.high_risk(NOW).exists())
        self.assertTrue(Participant.objects.exclude(preferences="").exists())
        self.assertTrue(DeclinedWorker.objects.exists())

    def test_reassignments_went_through_the_action(self) -> None:
        moved = Ownership.objects.filter(how="reassigned")
        self.assertTrue(moved.exists())
        self.assertFalse(moved.filter(reason="").exists())
        self.assertEqual(
            AuditEntry.objects.filter(action="referral.reassigned").count(), moved.count()
        )

    def test_duplicates_for_the_page(self) -> None:
        self.assertEqual(Merge.objects.count(), 1)
        self.assertEqual(NotDuplicate.objects.count(), 1)
        quality = self.ctx.objects["quality_actor"]
        found = candidates(quality)
        self.assertGreaterEqual(len(found), 3)
        self.assertTrue(any(c.basis == "details" for c in found))

    def test_the_audit_chain_verifies(self) -> None:
        entry = AuditEntry.objects.get(action="cases.import")
        self.assertEqual(entry.changes["participants"], SIZE)
        self.assertIsNotNone(entry.actor_uuid)
        report = verify_chain(anchor_file=Path("/nonexistent/seamline-demo-anchors.jsonl"))
        self.assertTrue(report.ok, report.problems)
