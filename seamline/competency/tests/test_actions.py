"""Framework and catalogue actions: versions written once per change, with who and why; the
default applied twice changes nothing; refusals."""

from __future__ import annotations

import copy

from seamline.access import Actor
from seamline.audit.models import AuditEntry
from seamline.competency import actions
from seamline.competency.defaults import DEFAULT_FRAMEWORK
from seamline.competency.framework import framework_as_of, snapshot
from seamline.competency.models import (
    Competency,
    FrameworkVersion,
    ModuleMapping,
    PartnerModule,
    TaskRequirement,
    TaskType,
)
from seamline.errors import RuleViolation
from seamline.testing import CastTestCase


class DefaultFrameworkTests(CastTestCase):
    def test_the_default_has_what_the_issue_asks(self) -> None:
        actions.apply_framework(self.cast.actor(self.cast.quality), DEFAULT_FRAMEWORK, "Start")
        critical = set(
            Competency.objects.filter(network_critical=True).values_list("code", flat=True)
        )
        self.assertEqual(
            critical,
            {
                "crisis_response",
                "documentation_quality",
                "medication_support",
                "safeguarding",
                "handoff_communication",
            },
        )
        self.assertGreaterEqual(TaskType.objects.count(), 12)
        self.assertEqual(set(TaskType.objects.values_list("risk_tier", flat=True)), {1, 2, 3, 4})
        for code in ("duty_lead", "handoff_receipt", "welfare_check", "crisis_visit"):
            self.assertTrue(TaskType.objects.filter(code=code).exists(), code)
        meds = Competency.objects.get(code="medication_support")
        self.assertIn("assessment", meds.stage_evidence["independent"])
        self.assertTrue(meds.pathway_specific)
        self.assertEqual(Competency.objects.get(code="moving_handling").review_interval_months, 24)
        self.assertEqual(
            Competency.objects.get(code="safeguarding_adults").review_interval_months, 36
        )
        self.assertEqual(
            Competency.objects.get(code="basic_life_support").review_interval_months, 12
        )

    def test_applying_it_twice_changes_nothing(self) -> None:
        quality = self.cast.actor(self.cast.quality)
        first = actions.apply_framework(quality, DEFAULT_FRAMEWORK, "Start")
        entries = AuditEntry.objects.count()
        second = actions.apply_framework(quality, DEFAULT_FRAMEWORK, "Again")
        self.assertTrue(first.changed)
        self.assertFalse(second.changed)
        self.assertIsNone(second.version)
        self.assertEqual(FrameworkVersion.objects.count(), 1)
        self.assertEqual(AuditEntry.objects.count(), entries)

    def test_the_version_holds_the_snapshot_who_and_why(self) -> None:
        result = actions.apply_framework(
            self.cast.actor(self.cast.net_admin), DEFAULT_FRAMEWORK, "Agreed at the board"
        )
        version = FrameworkVersion.objects.get()
        self.assertEqual(result.version, version)
        self.assertEqual(version.number, 1)
        self.assertEqual(version.created_by, self.cast.net_admin)
        self.assertEqual(version.reason, "Agreed at the board")
        self.assertEqual(version.snapshot, snapshot())
        self.assertIn("Added competencies", version.summary)
        entry = AuditEntry.objects.get(action="framework.apply")
        self.assertEqual(entry.reason, "Agreed at the board")
        self.assertEqual(entry.changes["framework_version"], 1)

    def test_dry_run_reports_and_writes_nothing(self) -> None:
        result = actions.apply_framework(
            self.cast.actor(self.cast.quality), DEFAULT_FRAMEWORK, "Try", dry_run=True
        )
        self.assertTrue(result.changed)
        self.assertEqual(Competency.objects.count(), 0)
        self.assertEqual(FrameworkVersion.objects.count(), 0)

    def test_entries_left_out_are_retired_and_stay_in_the_old_version(self) -> None:
        quality = self.cast.actor(self.cast.quality)
        actions.apply_framework(quality, DEFAULT_FRAMEWORK, "Start")
        smaller = copy.deepcopy(DEFAULT_FRAMEWORK)
        smaller["task_types"] = [t for t in smaller["task_types"] if t["code"] != "companionship"]
        actions.apply_framework(quality, smaller, "Companionship is not a separate task")
        self.assertTrue(TaskType.objects.get(code="companionship").retired)
        self.assertNotIn("companionship", [t["code"] for t in snapshot()["task_types"]])
        first = FrameworkVersion.objects.get(number=1)
        self.assertIn("companionship", first.task_types())
        self.assertEqual(FrameworkVersion.objects.current().number, 2)  # type: ignore[union-attr]
        then = framework_as_of(first.created_at)
        self.assertIn("companionship", [t.code for t in then.tasks])
        self.assertNotIn("companionship", [t.code for t in framework_as_of().tasks])


class CompetencyActionTests(CastTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        actions.apply_framework(cls.cast.actor(cls.cast.quality), DEFAULT_FRAMEWORK, "Start")

    def test_update_writes_one_new_version_with_the_change(self) -> None:
        quality = self.cast.actor(self.cast.quality)
        comp = Competency.objects.get(code="medication_support")
        actions.update_competency(
            quality, comp, {"review_interval_months": 6}, reason="Medicine errors rose"
        )
        comp.refresh_from_db()
        self.assertEqual(comp.review_interval_months, 6)
        version = FrameworkVersion.objects.current()
        assert version is not None
        self.assertEqual(version.number, 2)
        self.assertEqual(version.reason, "Medicine errors rose")
        self.assertEqual(version.created_by, self.cast.quality)
        self.assertEqual(version.competencies()["medication_support"]["review_interval_months"], 6)
        self.assertEqual(
            FrameworkVersion.objects.get(number=1).competencies()["medication_support"][
                "review_interval_months"
            ],
            12,
        )
        entry = AuditEntry.objects.get(action="framework.competency.update")
        self.assertEqual(entry.object_id, "medication_support")
        self.assertEqual(entry.reason, "Medicine errors rose")

    def test_an_update_that_changes_nothing_writes_no_version(self) -> None:
        comp = Competency.objects.get(code="medication_support")
        actions.update_competency(
            self.cast.actor(self.cast.quality), comp, {"review_interval_months": 12}, reason="Same"
        )
        self.assertEqual(FrameworkVersion.objects.count(), 1)

    def test_create_and_retire(self) -> None:
        quality = self.cast.actor(self.cast.quality)
        created = actions.create_competency(
            quality,
            reason="Needed for the therapy pathway",
            code="falls_prevention",
            title="Falls prevention",
            domain="health_and_safety",
            stages={"induction": ["module"]},
        )
        self.assertEqual(created.review_interval_months, 12)
        actions.retire_competency(quality, created, reason="Folded into moving and handling")
        created.refresh_from_db()
        self.assertTrue(created.retired)
        self.assertEqual(FrameworkVersion.objects.count(), 3)

    def test_a_retired_code_is_not_reused(self) -> None:
        quality = self.cast.actor(self.cast.quality)
        actions.retire_competency(
            quality, Competency.objects.get(code="preventing_radicalisation"), reason="Moved"
        )
        with self.assertRaises(RuleViolation) as caught:
            actions.create_competency(
                quality,
                reason="Back",
                code="preventing_radicalisation",
                title="P",
                domain="safeguarding",
            )
        self.assertEqual(caught.exception.codes, ["code_retired"])

    def test_a_competency_still_required_cannot_be_retired(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            actions.retire_competency(
                self.cast.actor(self.cast.quality),
                Competency.objects.get(code="safeguarding"),
                reason="Tidy",
            )
        self.assertEqual(caught.exception.codes, ["competency_in_use"])
        self.assertIn("duty_lead", str(caught.exception))
        self.assertFalse(Competency.objects.get(code="safeguarding").retired)

    def test_invalid_values_name_the_field_and_change_nothing(self) -> None:
        comp = Competency.objects.get(code="medication_support")
        with self.assertRaises(RuleViolation) as caught:
            actions.update_competency(
                self.cast.actor(self.cast.quality),
                comp,
                {"review_interval_months": 61, "stages": {"independent": ["gossip"]}},
                reason="Bad",
            )
        self.assertEqual(
            sorted((r.code, r.field) for r in caught.exception.reasons),
            [
                ("invalid_evidence_kind", "stages"),
                ("invalid_review_interval", "review_interval_months"),
            ],
        )
        self.assertEqual(FrameworkVersion.objects.count(), 1)

    def test_a_reason_is_required(self) -> None:
        comp = Competency.objects.get(code="medication_support")
        with self.assertRaises(RuleViolation) as caught:
            actions.update_competency(
                self.cast.actor(self.cast.quality), comp, {"review_interval_months": 6}, reason=" "
            )
        self.assertEqual(caught.exception.codes, ["reason_required"])

    def test_only_the_primes_network_admin_or_quality_lead_change_it(self) -> None:
        comp = Competency.objects.get(code="medication_support")
        for name in (
            "river_admin",
            "river_supervisor",
            "prime_worker",
            "commissioner",
            "inspector",
        ):
            with self.subTest(who=name), self.assertRaises(RuleViolation) as caught:
                actions.update_competency(
                    self.cast.actor(self.cast[name]),
                    comp,
                    {"review_interval_months": 6},
                    reason="x",
                )
            self.assertEqual(caught.exception.codes, ["not_permitted"])
        self.assertEqual(FrameworkVersion.objects.count(), 1)

    def test_the_command_line_acts_as_the_system(self) -> None:
        comp = Competency.objects.get(code="medication_support")
        actions.update_competency(
            Actor.system("framework import"), comp, {"review_interval_months": 6}, reason="Import"
        )
        version = FrameworkVersion.objects.current()
        assert version is not None
        self.assertIsNone(version.created_by)


class TaskTypeActionTests(CastTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        actions.apply_framework(cls.cast.actor(cls.cast.quality), DEFAULT_FRAMEWORK, "Start")

    def test_set_requirements_replaces_them_in_a_new_version(self) -> None:
        task = TaskType.objects.get(code="medication_prompt")
        actions.set_requirements(
            self.cast.actor(self.cast.net_admin),
            task,
            [("medication_support", "independent")],
            reason="Prompts now need independence",
        )
        self.assertEqual(
            list(
                TaskRequirement.objects.filter(task_type=task).values_list(
                    "competency__code", "min_stage"
                )
            ),
            [("medication_support", "independent")],
        )
        version = FrameworkVersion.objects.current()
        assert version is not None
        self.assertEqual(version.number, 2)
        self.assertIn("requirements.documentation_quality", version.summary)

    def test_requirements_must_name_known_competencies_and_stages(self) -> None:
        task = TaskType.objects.get(code="medication_prompt")
        with self.assertRaises(RuleViolation) as caught:
            actions.set_requirements(
                self.cast.actor(self.cast.quality),
                task,
                [("juggling", "independent"), ("medication_support", "expert")],
                reason="Bad",
            )
        self.assertEqual(
            sorted((r.code, r.field) for r in caught.exception.reasons),
            [("invalid_stage", "requirements"), ("unknown_competency", "requirements")],
        )
        self.assertEqual(task.requirements.count(), 2)

    def test_create_checks_the_tier(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            actions.create_task_type(
                self.cast.actor(self.cast.quality),
                code="night_sit",
                title="Night sit",
                risk_tier=5,
                reason="New",
            )
        self.assertEqual(
            [(r.code, r.field) for r in caught.exception.reasons],
            [("invalid_risk_tier", "risk_tier")],
        )

    def test_create_update_and_retire(self) -> None:
        quality = self.cast.actor(self.cast.quality)
        task = actions.create_task_type(
            quality,
            code="night_sit",
            title="Night sit",
            risk_tier=3,
            requirements=[{"competency": "safeguarding", "min_stage": "independent"}],
            reason="New service",
        )
        task = actions.update_task_type(quality, task, {"delegated": True}, reason="Delegated")
        self.assertTrue(task.delegated)
        actions.retire_task_type(quality, task, reason="Service ended")
        task.refresh_from_db()
        self.assertTrue(task.retired)
        self.assertEqual(FrameworkVersion.objects.count(), 4)


class CatalogueActionTests(CastTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        actions.apply_framework(cls.cast.actor(cls.cast.quality), DEFAULT_FRAMEWORK, "Start")

    def _module(self) -> PartnerModule:
        return actions.add_partner_module(
            self.cast.actor(self.cast.river_admin),
            self.cast.riverside,
            code="RHS-MED-2",
            title="Medicines in the home",
            refresher_months=12,
        )

    def test_partner_admin_adds_and_maps_modules_of_their_own_organisation(self) -> None:
        module = self._module()
        admin = self.cast.actor(self.cast.river_admin)
        for code, kind in (
            ("medication_support", "exact"),
            ("documentation_quality", "part_of"),
            ("handling_information", "related"),
        ):
            actions.add_module_mapping(admin, module, Competency.objects.get(code=code), kind)
        self.assertEqual(
            [c.code for c in actions.map_module_completion(module)],
            ["documentation_quality", "medication_support"],
        )
        self.assertEqual(AuditEntry.objects.filter(action="catalogue.mapping.add").count(), 3)

    def test_an_unmapped_or_related_only_module_gives_no_evidence(self) -> None:
        module = self._module()
        self.assertEqual(actions.map_module_completion(module), [])
        actions.add_module_mapping(
            self.cast.actor(self.cast.quality),
            module,
            Competency.objects.get(code="medication_support"),
            "related",
        )
        self.assertEqual(actions.map_module_completion(module), [])

    def test_other_partners_may_not_change_the_catalogue(self) -> None:
        module = self._module()
        for name in ("swift_admin", "river_supervisor", "inspector"):
            with self.subTest(who=name):
                with self.assertRaises(RuleViolation):
                    actions.add_partner_module(
                        self.cast.actor(self.cast[name]), self.cast.riverside, code="X1", title="X"
                    )
                with self.assertRaises(RuleViolation):
                    actions.add_module_mapping(
                        self.cast.actor(self.cast[name]),
                        module,
                        Competency.objects.get(code="safeguarding"),
                        "exact",
                    )
        self.assertEqual(PartnerModule.objects.count(), 1)
        self.assertEqual(ModuleMapping.objects.count(), 0)

    def test_module_and_mapping_rules(self) -> None:
        module = self._module()
        admin = self.cast.actor(self.cast.river_admin)
        with self.assertRaises(RuleViolation) as caught:
            actions.add_partner_module(admin, self.cast.riverside, code="RHS-MED-2", title="")
        self.assertEqual(
            sorted((r.code, r.field) for r in caught.exception.reasons),
            [("code_taken", "code"), ("title_required", "title")],
        )
        comp = Competency.objects.get(code="medication_support")
        actions.add_module_mapping(admin, module, comp, "exact")
        with self.assertRaises(RuleViolation) as again:
            actions.add_module_mapping(admin, module, comp, "part_of")
        self.assertEqual(again.exception.codes, ["mapping_exists"])
        with self.assertRaises(RuleViolation) as bad_kind:
            actions.add_module_mapping(
                admin, module, Competency.objects.get(code="safeguarding"), "close"
            )
        self.assertEqual(bad_kind.exception.codes, ["invalid_mapping_kind"])

    def test_remove_mapping(self) -> None:
        module = self._module()
        admin = self.cast.actor(self.cast.river_admin)
        mapping = actions.add_module_mapping(
            admin, module, Competency.objects.get(code="medication_support"), "exact"
        )
        actions.remove_module_mapping(admin, mapping, reason="Wrong module")
        self.assertEqual(actions.map_module_completion(module), [])
        self.assertTrue(AuditEntry.objects.filter(action="catalogue.mapping.remove").exists())
