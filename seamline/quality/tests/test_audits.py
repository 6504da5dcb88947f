"""Audit samples, scoring and spot-checks through the actions and the pages: the same seed
draws the same sample and another seed another; scores leave "not applicable" out; a failing
documentation spot-check pauses the worker's delegation at once and the rota gate then
blocks; who sees which audit; constant queries on the list pages."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from seamline.access import Actor
from seamline.audit.models import AuditEntry, EntryKind
from seamline.errors import Conflict, RuleViolation
from seamline.quality import actions, sampling
from seamline.quality.models import Audit, AuditItem, ScoringTemplate, TemplateVersion
from seamline.rota import loading
from seamline.rota.models import Visit
from seamline.rota.testing import MONDAY, at, make_visit
from seamline.testing import CastTestCase, make_user
from seamline.workforce import register
from seamline.workforce.authorization import Decision
from seamline.workforce.models import DelegationPause

from .audit_scene import ALL_YES, THURSDAY, TUESDAY, AuditScene, build_audit_scene, today

SPOT_NO = {
    "recorded_on_time": "no",
    "task_as_delegated": "partial",
    "observations": "no",
    "concerns_escalated": "no",
    "consent": "yes",
    "identifiable": "yes",
}
SPOT_YES = dict.fromkeys(SPOT_NO, "yes")


class AuditCase(CastTestCase):
    scene: AuditScene
    handoff_tpl: ScoringTemplate
    spot_tpl: ScoringTemplate

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.scene = build_audit_scene(cls.cast)
        cls.handoff_tpl = ScoringTemplate.objects.get(code="handoff-audit")
        cls.spot_tpl = ScoringTemplate.objects.get(code="documentation-spot-check")

    def keeper(self) -> Actor:
        return self.cast.actor(self.cast.quality)

    def draw(self, seed: int, size: int = 3, **kwargs: object) -> Audit:
        return actions.draw_audit(
            self.keeper(),
            template=kwargs.pop("template", self.handoff_tpl),  # type: ignore[arg-type]
            partner=kwargs.pop("partner", self.cast.prime),  # type: ignore[arg-type]
            period_start=kwargs.pop("start", today()),  # type: ignore[arg-type]
            period_end=kwargs.pop("end", today()),  # type: ignore[arg-type]
            size=size,
            seed=seed,
            **kwargs,  # type: ignore[arg-type]
        )

    def keys(self, audit: Audit) -> list[str]:
        return list(audit.items.order_by("position").values_list("record_ref", flat=True))

    def spot_check(self, seed: int = 5) -> Audit:
        return self.draw(
            seed,
            size=2,
            template=self.spot_tpl,
            partner=self.cast.riverside,
            start=MONDAY,
            end=MONDAY + timedelta(days=6),
            worker=self.scene.amy,
            task_type=self.scene.prompt,
        )


class SampleTests(AuditCase):
    def test_the_same_seed_draws_the_same_sample_and_another_seed_another(self) -> None:
        first = self.draw(11)
        again = self.draw(11)
        other = self.draw(12)
        self.assertEqual(len(self.keys(first)), 3)
        self.assertEqual(self.keys(first), self.keys(again))
        self.assertNotEqual(self.keys(first), self.keys(other))
        self.assertEqual((first.seed, first.candidates), (11, 6))
        self.assertNotEqual(first.code, again.code)

    def test_stratified_by_pathway(self) -> None:
        audit = self.draw(3, size=4)
        strata = sorted(audit.items.values_list("stratum", flat=True))
        # Four of six (four discharge, two crisis): in proportion, 8/3 and 4/3.
        self.assertEqual(strata, ["crisis", "discharge", "discharge", "discharge"])

    def test_anyone_can_draw_it_again_from_the_seed(self) -> None:
        audit = self.draw(11)
        again = sampling.redraw(audit)
        self.assertTrue(again.same_sample and again.same_records)
        self.assertEqual(again.keys, self.keys(audit))
        # The page and the command say so too.
        self.client.force_login(self.cast.quality)
        response = self.client.get(
            reverse("quality:audit", args=[audit.code]),
            {"redraw": "1"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, "the same 3 records in the same order")
        out = StringIO()
        call_command("quality", "audits", "redraw", audit.code, "--format", "json", stdout=out)
        self.assertTrue(json.loads(out.getvalue())["same_sample"])

    def test_a_seed_is_chosen_when_none_is_given_and_kept(self) -> None:
        audit = actions.draw_audit(
            self.keeper(),
            template=self.handoff_tpl,
            partner=self.cast.prime,
            period_start=today(),
            period_end=today(),
            size=2,
        )
        self.assertTrue(audit.seed >= 0)
        self.assertTrue(sampling.redraw(audit).same_sample)
        entry = AuditEntry.objects.filter(action="quality.audit.draw").latest("seq")
        self.assertEqual(entry.changes["seed"], audit.seed)

    def test_bad_input_names_the_field(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            self.draw(1, size=0, end=today() - timedelta(days=3))
        self.assertEqual(sorted(r.field for r in caught.exception.reasons), ["period_end", "size"])

    def test_only_the_keepers_draw(self) -> None:
        with self.assertRaises(RuleViolation):
            actions.draw_audit(
                self.cast.actor(self.cast.river_admin),
                template=self.handoff_tpl,
                partner=self.cast.riverside,
                period_start=today(),
                period_end=today(),
                size=2,
            )

    def test_every_kind_of_record_is_sampled(self) -> None:
        from seamline.quality.choices import RecordKind

        visits = sampling.candidates(
            RecordKind.VISIT, self.cast.riverside, MONDAY, MONDAY + timedelta(days=6)
        )
        tasks = sampling.candidates(
            RecordKind.DELEGATED_TASK, self.cast.riverside, MONDAY, MONDAY + timedelta(days=6)
        )
        self.assertEqual(sorted(c.key for c in visits), sorted(v.code for v in self.scene.visits))
        self.assertEqual(
            sorted(c.key for c in tasks),
            sorted(f"{v.code}/medication_prompt/{self.scene.amy.uuid}" for v in self.scene.visits),
        )
        self.assertEqual(
            sampling.candidates(RecordKind.SAFEGUARDING, self.cast.riverside, MONDAY, today()), []
        )


class SafeguardingSampleTests(AuditCase):
    def test_a_safeguarding_sample_draws_the_concerns_the_partner_raised(self) -> None:
        from seamline.escalation.testing import load_defaults, make_case, make_concern

        load_defaults()
        person, _ = make_case(self.cast, received_at=at(MONDAY, 8))
        inside = make_concern(self.cast, person, at(MONDAY, 10))
        make_concern(self.cast, person, at(MONDAY - timedelta(days=3), 10))  # before the period
        sample = self.draw(
            4,
            template=ScoringTemplate.objects.get(code="safeguarding-case-sample"),
            partner=self.cast.riverside,
            start=MONDAY,
            end=MONDAY + timedelta(days=6),
        )
        item = sample.items.get()
        self.assertEqual((item.record_ref, item.stratum), (inside.code, "discharge"))
        self.assertEqual((item.concern, item.escalation), (inside, inside.escalation))
        self.assertIsNotNone(item.escalation)
        # Another partner's sample of the same week has none of Riverside's concerns.
        self.assertEqual(
            sampling.candidates("safeguarding", self.cast.prime, MONDAY, MONDAY + timedelta(6)),
            [],
        )
        self.client.force_login(self.cast.quality)
        page = self.client.get(reverse("quality:item", args=[sample.code, 1]))
        self.assertContains(page, inside.code)
        self.assertContains(page, "Neglect")


class TemplateTests(AuditCase):
    def test_the_builtins_load_once_and_a_change_is_a_new_version(self) -> None:
        self.assertEqual(ScoringTemplate.objects.count(), 4)
        self.assertEqual(actions.load_builtin_templates(self.keeper()), [])
        v2 = actions.save_template_version(
            self.keeper(),
            code="handoff-audit",
            title="Handoff audit",
            record_kind="handoff",
            criteria=[{"code": "summary", "title": "Summary", "weight": 1}],
            pass_mark=70,
            reason="Shorter trial version",
        )
        assert v2 is not None
        self.assertEqual(v2.number, 2)
        # An audit drawn before keeps scoring with the version it was drawn with.
        self.assertEqual(TemplateVersion.objects.filter(template=self.handoff_tpl).count(), 2)
        audit = self.draw(1)
        self.assertEqual(audit.template_version, v2)


class ScoringTests(AuditCase):
    def test_scores_weigh_and_leave_not_applicable_out(self) -> None:
        audit = self.draw(11)
        item = audit.items.get(position=1)
        answers = {**ALL_YES, "synthesis": "not_applicable", "action_list": "no"}
        scored = actions.score_item(self.keeper(), item, answers=answers)
        # Weights 2, 2, 2, 2 applicable (synthesis out): 6 of 8.
        self.assertEqual(scored.score, 75.0)
        with self.assertRaises(Conflict):
            actions.score_item(self.keeper(), scored, answers=ALL_YES)

    def test_every_criterion_must_be_answered(self) -> None:
        item = self.draw(11).items.get(position=1)
        with self.assertRaises(RuleViolation) as caught:
            actions.score_item(self.keeper(), item, answers={"summary": "yes"})
        self.assertIn("illness_severity", [r.field for r in caught.exception.reasons])
        item.refresh_from_db()
        self.assertIsNone(item.scored_at)

    def test_the_page_scores_an_item_and_the_partner_score_updates(self) -> None:
        audit = self.draw(11)
        self.client.force_login(self.cast.quality)
        url = reverse("quality:item", args=[audit.code, 1])
        page = self.client.get(url)
        self.assertContains(page, "Record the score")
        # Opening a sampled record is a read of personal data.
        self.assertTrue(
            AuditEntry.objects.filter(action="quality.audit.read", kind=EntryKind.READ).exists()
        )
        response = self.client.post(
            url, {**ALL_YES, "summary": "partial"}, headers={"HX-Request": "true"}
        )
        self.assertContains(response, "88.9%")  # (2+1+2+2+1) of 9
        self.assertNotContains(response, "<html")
        scores = self.client.get(reverse("quality:scores"))
        self.assertContains(scores, "88.9%")
        self.assertContains(scores, "<svg")
        # A missing answer names the criterion and scores nothing.
        bad = self.client.post(reverse("quality:item", args=[audit.code, 2]), {"summary": "yes"})
        self.assertEqual(bad.status_code, 422)
        self.assertContains(bad, "Answer &#x27;Severity stated&#x27;", status_code=422)


class SpotCheckTests(AuditCase):
    def gate_rules(self, visit: Visit) -> list[str]:
        facts = loading.stored_visits(Visit.objects.filter(pk=visit.pk))
        loaded = loading.load(facts, [self.scene.amy.pk])
        return loaded.check(self.scene.amy.pk, facts[0]).rules

    def register_says(self, when: datetime) -> Decision:
        return register.check(self.keeper(), self.scene.amy, "medication_prompt", at=when)

    def test_a_failing_spot_check_pauses_delegation_at_once_and_the_gate_blocks(self) -> None:
        thursday = make_visit(
            self.scene.visits[0].participant,
            self.cast.discharge,
            [self.scene.prompt],
            at(THURSDAY, 9),
            workers=[self.scene.amy],
        )
        self.assertEqual(self.gate_rules(thursday), [])
        self.assertTrue(self.register_says(at(THURSDAY, 9)).cleared)
        audit = self.spot_check()
        self.assertEqual(audit.items.count(), 2)
        item = audit.items.get(position=1)
        scored = actions.score_item(self.keeper(), item, answers=SPOT_NO, at=at(TUESDAY, 12))
        self.assertLess(scored.score or 0, 80)
        self.assertIsNotNone(scored.score)
        pause = DelegationPause.objects.get(
            worker=self.scene.amy, task_type=self.scene.prompt, lifted_at__isnull=True
        )
        self.assertEqual(scored.pause, pause)
        self.assertEqual(pause.remedial_due, TUESDAY + timedelta(days=7))
        self.assertIn(audit.code, pause.reason)
        self.assertEqual(self.gate_rules(thursday), ["G3"])
        decision = self.register_says(at(THURSDAY, 9))
        self.assertFalse(decision.cleared)
        self.assertIn("paused", " ".join(decision.codes))
        # The worker's page and the register show it.
        self.client.force_login(self.cast.river_supervisor)
        worker_page = self.client.get(reverse("workforce:worker", args=[self.scene.amy.uuid]))
        self.assertContains(worker_page, "Paused")
        self.assertContains(worker_page, audit.code)
        # The scored record's page says so.
        self.client.force_login(self.cast.quality)
        record_page = self.client.get(reverse("quality:item", args=[audit.code, 1]))
        self.assertContains(record_page, "Delegation of Medication prompt to Amy Audit is paused")
        self.assertContains(record_page, "below it")
        # A second failing record of the same task keeps the one pause.
        actions.score_item(
            self.keeper(), audit.items.get(position=2), answers=SPOT_NO, at=at(TUESDAY, 13)
        )
        self.assertEqual(DelegationPause.objects.filter(worker=self.scene.amy).count(), 1)

    def test_a_passing_spot_check_pauses_nothing(self) -> None:
        audit = self.spot_check()
        actions.score_item(self.keeper(), audit.items.get(position=1), answers=SPOT_YES)
        self.assertFalse(DelegationPause.objects.exists())

    def test_only_someone_who_may_change_the_worker_scores_a_spot_check(self) -> None:
        audit = self.spot_check()
        river_quality = make_user("river_quality", self.cast.riverside, ["quality_lead"])
        item = audit.items.get(position=1)
        with self.assertRaises(RuleViolation):
            actions.score_item(self.cast.actor(river_quality), item, answers=SPOT_NO)
        # Riverside's supervisor may.
        actions.score_item(self.cast.actor(self.cast.river_supervisor), item, answers=SPOT_NO)
        self.assertTrue(DelegationPause.objects.filter(worker=self.scene.amy).exists())


class AccessTests(AuditCase):
    def test_a_partner_manager_sees_only_their_organisation_s_audits(self) -> None:
        prime_audit = self.draw(11)
        river_audit = self.spot_check()
        self.client.force_login(self.cast.river_admin)
        listed = self.client.get(reverse("quality:audits"))
        self.assertContains(listed, river_audit.code)
        self.assertNotContains(listed, prime_audit.code)
        self.assertEqual(
            self.client.get(reverse("quality:audit", args=[prime_audit.code])).status_code, 404
        )
        self.assertEqual(
            self.client.get(reverse("quality:item", args=[prime_audit.code, 1])).status_code, 404
        )
        self.assertEqual(
            self.client.get(reverse("quality:audit", args=[river_audit.code])).status_code, 200
        )
        # A partner admin sees but does not score.
        post = self.client.post(reverse("quality:item", args=[river_audit.code, 1]), SPOT_NO)
        self.assertEqual(post.status_code, 403)
        self.assertFalse(AuditItem.objects.filter(scored_at__isnull=False).exists())

    def test_workers_and_other_partners_see_nothing(self) -> None:
        river_audit = self.spot_check()
        for user in (self.cast.river_worker, self.cast.swift_admin):
            self.client.force_login(user)
            self.assertEqual(
                self.client.get(reverse("quality:audit", args=[river_audit.code])).status_code,
                404,
            )
        self.client.force_login(self.cast.river_worker)
        self.assertEqual(self.client.get(reverse("quality:audits")).status_code, 404)

    def test_scores_of_their_own_partner_only(self) -> None:
        audit = self.draw(11)
        actions.score_item(self.keeper(), audit.items.get(position=1), answers=ALL_YES)
        self.client.force_login(self.cast.river_admin)
        self.assertNotContains(self.client.get(reverse("quality:scores")), "Northbridge")
        self.client.force_login(self.cast.commissioner)
        page = self.client.get(reverse("quality:scores"))
        self.assertContains(page, "Northbridge")
        # Commissioners find the scores in their menu; the audits themselves are not theirs.
        self.assertContains(page, f'href="{reverse("quality:scores")}"')
        self.assertEqual(self.client.get(reverse("quality:audits")).status_code, 404)


class QueryCountTests(AuditCase):
    def test_the_audit_list_reads_a_fixed_number_of_queries(self) -> None:
        self.client.force_login(self.cast.quality)
        self.draw(1)
        self.client.get(reverse("quality:audits"))  # warm the session and menus
        with CaptureQueriesContext(connection) as one:
            self.client.get(reverse("quality:audits"))
        for seed in range(2, 8):
            audit = self.draw(seed)
            actions.score_item(self.keeper(), audit.items.get(position=1), answers=ALL_YES)
        with self.assertNumQueries(len(one.captured_queries)):
            self.client.get(reverse("quality:audits"))
        with CaptureQueriesContext(connection) as scores_one:
            self.client.get(reverse("quality:scores"))
        self.draw(9)
        with self.assertNumQueries(len(scores_one.captured_queries)):
            self.client.get(reverse("quality:scores"))

    def test_the_sample_page_reads_a_fixed_number_of_queries(self) -> None:
        self.client.force_login(self.cast.quality)
        small = self.draw(1, size=1)
        big = self.draw(1, size=6)
        actions.score_item(self.keeper(), big.items.get(position=1), answers=ALL_YES)
        self.client.get(reverse("quality:audit", args=[small.code]))
        with CaptureQueriesContext(connection) as one:
            self.client.get(reverse("quality:audit", args=[small.code]))
        with CaptureQueriesContext(connection) as six:
            self.client.get(reverse("quality:audit", args=[big.code]))
        self.assertEqual(len(one.captured_queries), len(six.captured_queries))
