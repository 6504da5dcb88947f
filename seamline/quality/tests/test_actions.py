"""Calibration writes: who may answer for whom, closing, guidance and its threshold change,
and the audit entry each leaves."""

from __future__ import annotations

from typing import Any

from seamline.access import Actor
from seamline.audit.models import AuditEntry
from seamline.errors import RuleViolation
from seamline.escalation import actions as escalation
from seamline.quality import actions
from seamline.quality.models import CalibrationAnswer, GuidanceRule
from seamline.testing import CastTestCase, make_user

from .scene import make_round


class AnswerTests(CastTestCase):
    def setUp(self) -> None:
        self.round = make_round(self.cast)
        self.supervisor = self.cast.actor(self.cast.river_supervisor)

    def answer(self, actor: Actor, **kw: str) -> tuple[CalibrationAnswer, bool]:
        values: dict[str, Any] = {
            "vignette": "v-falls",
            "partner": "riverside",
            "rater": "Panel A",
            "question": "escalate",
            "answer": "yes",
        }
        values.update(kw)
        return actions.record_answer(actor, self.round, **values)

    def test_a_partner_supervisor_answers_for_their_own_partner(self) -> None:
        answer, changed = self.answer(self.supervisor)
        self.assertTrue(changed)
        self.assertEqual(answer.answer, "yes")
        self.assertTrue(AuditEntry.objects.filter(action="quality.answer").exists())

    def test_answering_again_replaces_and_the_same_answer_changes_nothing(self) -> None:
        self.answer(self.supervisor)
        _, changed = self.answer(self.supervisor, answer="no")
        self.assertTrue(changed)
        _, changed = self.answer(self.supervisor, answer="no")
        self.assertFalse(changed)
        self.assertEqual(CalibrationAnswer.objects.get().answer, "no")

    def test_not_for_another_partner(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            self.answer(self.supervisor, partner="northbridge")
        self.assertEqual(caught.exception.codes, ["not_permitted"])

    def test_roles_that_do_not_answer(self) -> None:
        for user in (self.cast.river_worker, self.cast.river_admin, self.cast.swift_admin):
            with self.subTest(user=user.username), self.assertRaises(RuleViolation):
                self.answer(self.cast.actor(user), partner=self.cast.actor(user).org_code)

    def test_the_keeper_records_for_any_partner_of_the_round_only(self) -> None:
        keeper = self.cast.actor(self.cast.quality)
        self.answer(keeper, partner="northbridge")
        with self.assertRaises(RuleViolation) as caught:
            self.answer(
                keeper, partner="swiftstaff", vignette="v-none", question="tier", answer="immediate"
            )
        self.assertEqual(caught.exception.codes, ["unknown_vignette", "unknown_partner"])

    def test_a_closed_round_takes_no_answers(self) -> None:
        actions.close_round(self.cast.actor(self.cast.quality), self.round)
        with self.assertRaises(RuleViolation) as caught:
            self.answer(self.cast.actor(self.cast.quality))
        self.assertIn("closed", caught.exception.codes)
        with self.assertRaises(RuleViolation):
            actions.close_round(self.cast.actor(self.cast.quality), self.round)

    def test_a_decision_is_recorded_whole_or_not_at_all(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            actions.record_decision(
                self.supervisor,
                self.round,
                vignette="v-falls",
                partner="riverside",
                rater="Panel A",
                answers={"escalate": "yes", "tier": "soon", "safeguarding": "", "hours": "4"},
            )
        self.assertEqual(caught.exception.reasons[0].field, "tier")
        self.assertFalse(CalibrationAnswer.objects.exists())
        changed = actions.record_decision(
            self.supervisor,
            self.round,
            vignette="v-falls",
            partner="riverside",
            rater="Panel A",
            answers={"escalate": "yes", "tier": "same_day", "safeguarding": "", "hours": "4"},
        )
        self.assertEqual(changed, 3)


class KeeperTests(CastTestCase):
    def test_only_the_network_quality_lead_or_admin_keeps_vignettes_and_rounds(self) -> None:
        partner_lead = make_user("river_quality", self.cast.riverside, ["quality_lead"])
        for user in (self.cast.river_supervisor, partner_lead, self.cast.commissioner):
            with self.subTest(user=user.username), self.assertRaises(RuleViolation):
                actions.add_vignette(self.cast.actor(user), code="v-x", title="X", text="X")
        actions.add_vignette(self.cast.actor(self.cast.net_admin), code="v-x", title="X", text="X")
        with self.assertRaises(RuleViolation) as caught:
            actions.add_vignette(
                self.cast.actor(self.cast.quality), code="v-x", title="X", text="X"
            )
        self.assertEqual(caught.exception.codes, ["duplicate_code"])

    def test_a_round_needs_known_vignettes_and_two_partners(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            actions.open_round(
                self.cast.actor(self.cast.quality),
                code="r1",
                title="R",
                vignettes=["v-none"],
                partners=["riverside"],
            )
        self.assertEqual(caught.exception.codes, ["too_few_partners", "unknown_vignette"])


class GuidanceTests(CastTestCase):
    def setUp(self) -> None:
        self.round = make_round(self.cast)
        self.keeper = self.cast.actor(self.cast.quality)

    def test_guidance_is_recorded_with_who_when_why(self) -> None:
        rule = actions.add_guidance(
            self.keeper, self.round, condition="a fall at night", hours=4, reason="Round agreed"
        )
        self.assertEqual((rule.tier, rule.created_by), ("same_day", self.cast.quality))
        self.assertTrue(AuditEntry.objects.filter(action="quality.guidance").exists())

    def test_guidance_naming_a_trigger_changes_the_threshold_set(self) -> None:
        escalation.load_defaults(self.keeper)
        before = escalation.current_thresholds()
        assert before is not None
        actions.add_guidance(
            self.keeper,
            self.round,
            condition="a safeguarding concern",
            hours=1,
            reason="Every partner but one escalated at once",
            trigger="safeguarding",
        )
        after = escalation.current_thresholds()
        assert after is not None
        self.assertEqual(after.number, before.number + 1)
        tiers = {r["trigger"]: r["tier"] for r in after.rows}
        self.assertEqual(tiers["safeguarding"], "immediate")
        self.assertIn("Calibration round r-test", after.reason)

    def test_an_unknown_trigger_records_nothing(self) -> None:
        escalation.load_defaults(self.keeper)
        with self.assertRaises(RuleViolation):
            actions.add_guidance(
                self.keeper, self.round, condition="x", hours=1, reason="y", trigger="nonsense"
            )
        self.assertFalse(GuidanceRule.objects.exists())

    def test_partners_do_not_make_guidance(self) -> None:
        with self.assertRaises(RuleViolation):
            actions.add_guidance(
                self.cast.actor(self.cast.river_supervisor),
                self.round,
                condition="x",
                hours=1,
                reason="y",
            )
