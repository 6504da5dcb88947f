"""The authorization register as loaded from the database (`workforce.register`): facts as of
an instant, who sees which workers, the query count, and the `seamline authz` command."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from io import StringIO
from uuid import UUID

import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seamline.access import Actor, NotFound
from seamline.competency.framework import snapshot
from seamline.competency.models import Competency, FrameworkVersion, TaskType
from seamline.errors import RuleViolation
from seamline.network import actions as network_actions
from seamline.network.models import OrganisationStatusChange
from seamline.testing import CastTestCase, make_pathway
from seamline.workforce import actions
from seamline.workforce import register as register_module
from seamline.workforce.choices import LOCAL_INDUCTION_TOPICS
from seamline.workforce.models import SignOff, Worker, WorkerPathway
from seamline.workforce.register import Row, check, register, register_view
from seamline.workforce.testing import (
    at,
    make_competency,
    make_evidence,
    make_pause,
    make_sign_off,
    make_task_type,
    make_worker,
)

AT = at(date(2026, 6, 1), 9)
SYSTEM = Actor.system("test")


class RegisterCase(CastTestCase):
    """Two task types, a Riverside worker cleared for both, a SwiftStaff worker cleared for
    neither. Organisations joined the network in 2025."""

    med: Competency
    safe: Competency
    prompt: TaskType
    welfare: TaskType
    lead: Worker
    ada: Worker
    sam: Worker
    ada_med: SignOff

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        OrganisationStatusChange.objects.update(changed_at=at(date(2025, 1, 1)))
        cls.med = make_competency("medication", title="Medication support", network_critical=True)
        cls.safe = make_competency("safeguarding", title="Safeguarding")
        cls.prompt = make_task_type(
            "medication_prompt", [(cls.med, "independent")], risk_tier=2, delegated=True
        )
        cls.welfare = make_task_type("welfare_check", [(cls.safe, "induction")], risk_tier=1)
        riverside = cls.cast.riverside
        cls.lead = make_worker(riverside, "RIV-LEAD", first_name="Lena", last_name="Lead")
        cls.ada = make_worker(
            riverside, "RIV-001", first_name="Ada", last_name="Brook", pathways=[cls.cast.discharge]
        )
        cls.sam = make_worker(
            cls.cast.swift,
            "SW-001",
            first_name="Sam",
            last_name="Swift",
            employment_type="agency",
            placement_start=date(2026, 5, 1),
        )
        signed = at(date(2026, 1, 10))
        cls.ada_med = make_sign_off(
            cls.ada, cls.med, "independent", signer=cls.lead, signed_at=signed
        )
        make_sign_off(cls.ada, cls.safe, "supervised", signer=cls.lead, signed_at=signed)

    def rows(
        self, actor: Actor = SYSTEM, when: datetime = AT, **filters: str
    ) -> dict[tuple[str, str], Row]:
        found = register(
            actor,
            when,
            organisation=filters.get("organisation"),
            task_type=filters.get("task_type"),
            pathway=filters.get("pathway"),
        )
        return {(r.worker_name, r.task_type): r for r in found}


class RegisterFactsTests(RegisterCase):
    def test_a_row_per_worker_and_task_type_by_name_then_framework_order(self) -> None:
        rows = register(SYSTEM, AT)
        self.assertEqual(
            [(r.worker_name, r.task_type) for r in rows],
            [
                ("Ada Brook", "medication_prompt"),
                ("Ada Brook", "welfare_check"),
                ("Lena Lead", "medication_prompt"),
                ("Lena Lead", "welfare_check"),
                ("Sam Swift", "medication_prompt"),
                ("Sam Swift", "welfare_check"),
            ],
        )
        ada = rows[0]
        self.assertTrue(ada.cleared)
        self.assertEqual(ada.worker, str(self.ada.uuid))
        self.assertEqual(ada.organisation, "riverside")
        self.assertEqual(ada.last_validated, date(2026, 1, 10))
        self.assertEqual(ada.valid_until, date(2027, 1, 10))
        self.assertEqual(rows[4].reasons[0].code, "competency_missing")

    def test_filters_by_organisation_and_task_type(self) -> None:
        rows = register(SYSTEM, AT, organisation="riverside", task_type="welfare_check")
        self.assertEqual([r.worker_name for r in rows], ["Ada Brook", "Lena Lead"])
        self.assertEqual({r.task_type for r in rows}, {"welfare_check"})

    def test_an_unknown_task_type_is_a_rule_violation(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            register(SYSTEM, AT, task_type="juggling")
        self.assertEqual(caught.exception.codes, ["unknown_task_type"])

    def test_a_sign_off_revoked_today_leaves_yesterday_cleared(self) -> None:
        supervisor = self.cast.actor(self.cast.river_supervisor)
        today = at(date(2026, 6, 1), 12)
        with time_machine.travel(today, tick=False):
            actions.revoke_sign_off(supervisor, self.ada_med, reason="Spot-check findings")
        yesterday = self.rows(when=today - timedelta(days=1))[("Ada Brook", "medication_prompt")]
        self.assertTrue(yesterday.cleared)
        now = self.rows(when=today + timedelta(hours=1))[("Ada Brook", "medication_prompt")]
        self.assertFalse(now.cleared)
        self.assertEqual([r.code for r in now.reasons], ["competency_expired"])

    def test_a_worker_suspended_today_was_cleared_yesterday(self) -> None:
        supervisor = self.cast.actor(self.cast.river_supervisor)
        today = at(date(2026, 6, 1), 12)
        with time_machine.travel(today, tick=False):
            actions.update_worker(
                supervisor, self.ada, {"status": "suspended"}, reason="Under investigation"
            )
        yesterday = self.rows(when=today - timedelta(days=1))[("Ada Brook", "medication_prompt")]
        self.assertTrue(yesterday.cleared)
        now = self.rows(when=today + timedelta(hours=1))[("Ada Brook", "medication_prompt")]
        self.assertEqual([r.code for r in now.reasons], ["worker_not_active"])
        self.assertIn("suspended", now.reasons[0].message)
        # Reinstated a week later: cleared again from then, suspended in between.
        with time_machine.travel(today + timedelta(days=7), tick=False):
            actions.update_worker(supervisor, self.ada, {"status": "active"}, reason="Cleared")
        between = self.rows(when=today + timedelta(days=3))[("Ada Brook", "medication_prompt")]
        self.assertFalse(between.cleared)
        after = self.rows(when=today + timedelta(days=8))[("Ada Brook", "medication_prompt")]
        self.assertTrue(after.cleared)
        self.assertEqual(
            check(SYSTEM, self.ada, "medication_prompt", today + timedelta(days=3)).codes,
            ["worker_not_active"],
        )

    def test_an_organisation_suspended_today_was_active_yesterday(self) -> None:
        admin = self.cast.actor(self.cast.net_admin)
        today = at(date(2026, 6, 1), 12)
        riverside = self.cast.riverside
        with time_machine.travel(today, tick=False):
            network_actions.change_organisation_status(
                admin, riverside, "suspended", reason="Contract review", version=riverside.version
            )
        before = self.rows(when=today - timedelta(hours=1))[("Ada Brook", "welfare_check")]
        after = self.rows(when=today + timedelta(hours=1))[("Ada Brook", "welfare_check")]
        self.assertTrue(before.cleared)
        self.assertEqual([r.code for r in after.reasons], ["organisation_not_active"])

    def test_an_organisation_that_joined_later_was_not_active_then(self) -> None:
        OrganisationStatusChange.objects.filter(organisation=self.cast.riverside).update(
            changed_at=at(date(2026, 7, 1))
        )
        row = self.rows()[("Ada Brook", "welfare_check")]
        self.assertEqual([r.code for r in row.reasons], ["organisation_not_active"])

    def test_the_pathway_filter_uses_the_pathways_open_then(self) -> None:
        WorkerPathway.objects.filter(worker=self.ada).update(started_on=date(2026, 6, 10))
        self.assertEqual(register(SYSTEM, AT, pathway="discharge"), [])
        later = register(SYSTEM, at(date(2026, 6, 10)), pathway="discharge")
        self.assertEqual({r.worker_name for r in later}, {"Ada Brook"})

    def test_a_pathway_specific_competency_needs_re_validation_on_a_new_pathway(self) -> None:
        crisis = make_competency("crisis", title="Crisis response", pathway_specific=True)
        make_task_type("crisis_visit", [(crisis, "independent")], risk_tier=4)
        make_sign_off(
            self.ada,
            crisis,
            "independent",
            signer=self.lead,
            signed_at=at(date(2026, 2, 1)),
            pathway=self.cast.discharge,
        )
        community = make_pathway("community", self.cast.prime)
        WorkerPathway.objects.create(
            worker=self.ada, pathway=community, started_on=date(2026, 5, 20)
        )
        before = self.rows(when=at(date(2026, 5, 19)))[("Ada Brook", "crisis_visit")]
        self.assertTrue(before.cleared)
        after = self.rows()[("Ada Brook", "crisis_visit")]
        self.assertEqual([r.code for r in after.reasons], ["pathway_revalidation_due"])

    def test_a_pause_refuses_the_delegated_task_while_it_is_open(self) -> None:
        make_pause(self.ada, self.prompt, at(date(2026, 5, 30)))
        self.assertTrue(
            self.rows(when=at(date(2026, 5, 29)))[("Ada Brook", "medication_prompt")].cleared
        )
        row = self.rows()[("Ada Brook", "medication_prompt")]
        self.assertEqual([r.code for r in row.reasons], ["delegation_paused"])

    def test_a_temporary_worker_is_tier_1_only_until_the_bundle_is_complete(self) -> None:
        make_sign_off(self.sam, self.safe, "induction", signer=self.lead)
        make_sign_off(self.sam, self.med, "independent", signer=self.lead)
        day = date(2026, 5, 2)
        make_evidence(
            self.sam, "module", day, competency=self.med, verified_by=self.cast.swift_admin
        )
        make_evidence(self.sam, "supervised_practice_signoff", day)
        rows = self.rows()
        self.assertTrue(rows[("Sam Swift", "welfare_check")].cleared)
        prompt = rows[("Sam Swift", "medication_prompt")]
        self.assertEqual([r.code for r in prompt.reasons], ["bundle_incomplete"])
        self.assertIn("local induction", prompt.reasons[0].message)
        self.assertEqual(self.complete_bundles(), set())
        make_evidence(
            self.sam, "local_induction", day, detail={"topics": list(LOCAL_INDUCTION_TOPICS)}
        )
        self.assertTrue(self.rows()[("Sam Swift", "medication_prompt")].cleared)
        self.assertEqual(self.complete_bundles(), {self.sam.pk})
        # Evidence from an earlier placement does not count towards this one.
        Worker.objects.filter(pk=self.sam.pk).update(placement_start=date(2026, 5, 20))
        self.assertFalse(self.rows()[("Sam Swift", "medication_prompt")].cleared)
        self.assertEqual(self.complete_bundles(), set())

    def complete_bundles(self) -> set[int]:
        """`complete_bundles` (the bundle alone, for counts) agrees with the facts the
        register judges by, and answers the temporary workers whose bundle lacks nothing."""
        from seamline.competency.framework import framework_at
        from seamline.workforce.register import complete_bundles, load_facts

        workers = Worker.objects.order_by("pk")
        framework = framework_at(AT)
        facts = load_facts(workers, AT, framework)
        by_key = dict(workers.values_list("uuid", "pk"))
        expected = {by_key[UUID(f.key)] for f in facts if f.temporary and not f.bundle_missing}
        found = complete_bundles(workers, AT, framework)
        self.assertEqual(found, expected)
        return found

    def test_the_framework_is_the_version_in_force_then(self) -> None:
        FrameworkVersion.objects.create(
            number=1, created_at=at(date(2026, 1, 1)), reason="First", snapshot=snapshot()
        )
        make_task_type("late_lone_cover", [(self.safe, "supervised")], risk_tier=3)
        FrameworkVersion.objects.create(
            number=2, created_at=at(date(2026, 6, 15)), reason="Lone cover", snapshot=snapshot()
        )
        self.assertNotIn(("Ada Brook", "late_lone_cover"), self.rows())
        self.assertIn(("Ada Brook", "late_lone_cover"), self.rows(when=at(date(2026, 6, 16))))

    def test_workers_who_had_left_before_the_day_are_left_out(self) -> None:
        Worker.objects.filter(pk=self.lead.pk).update(status="left", left_on=date(2026, 3, 1))
        names = {r.worker_name for r in register(SYSTEM, AT)}
        self.assertEqual(names, {"Ada Brook", "Sam Swift"})
        earlier = {r.worker_name for r in register(SYSTEM, at(date(2026, 2, 1)))}
        self.assertIn("Lena Lead", earlier)


class RegisterAccessTests(RegisterCase):
    def test_each_actor_sees_the_workers_the_access_layer_allows(self) -> None:
        cast = self.cast
        seen = {
            name: {r.worker_name for r in register(cast.actor(cast[name]), AT)}
            for name in ("net_admin", "river_supervisor", "swift_admin", "commissioner")
        }
        self.assertEqual(seen["net_admin"], {"Ada Brook", "Lena Lead", "Sam Swift"})
        self.assertEqual(seen["river_supervisor"], {"Ada Brook", "Lena Lead"})
        self.assertEqual(seen["swift_admin"], {"Sam Swift"})
        self.assertEqual(seen["commissioner"], set())

    def test_check_answers_for_a_visible_worker_and_refuses_another(self) -> None:
        supervisor = self.cast.actor(self.cast.river_supervisor)
        decision = check(supervisor, self.ada, "medication_prompt", AT)
        self.assertTrue(decision.cleared)
        self.assertEqual(decision.valid_until, date(2027, 1, 10))
        with self.assertRaises(NotFound):
            check(supervisor, self.sam, "medication_prompt", AT)
        with self.assertRaises(RuleViolation):
            check(supervisor, self.ada, "juggling", AT)

    def test_the_check_finds_its_worker_as_the_access_layer_does(self) -> None:
        # The single check reads its worker in one compiled query; it must find exactly the
        # worker the access layer's queryset finds, for every reach and way of naming one.
        Worker.objects.filter(pk=self.ada.pk).update(user=self.cast.river_worker)
        cast = self.cast
        actors = [SYSTEM, Actor(user=None, organisation=None, label="anonymous")] + [
            cast.actor(cast[name])
            for name in (
                "net_admin",
                "river_supervisor",
                "river_scheduler",
                "swift_admin",
                "river_worker",
                "swift_worker",
                "commissioner",
            )
        ]
        reaches = {register_module._worker_shape(a, "x")[1] for a in actors}
        self.assertEqual(reaches, {"all", "organisation", "own", "none"})
        names: list[Worker | str] = ["riverside/RIV-404", "not-a-uuid", str(UUID(int=7))]
        for worker in (self.ada, self.lead, self.sam):
            names += [worker, str(worker.uuid), f" {worker.organisation.code}/{worker.staff_id}"]
        for actor in actors:
            for name in names:
                with self.subTest(actor=actor.label, worker=str(name)):
                    wanted = register_module._named(register_module.workers_for(actor), name)
                    expected = (
                        list(wanted.values_list(*register_module._WORKER_COLUMNS))
                        if wanted is not None
                        else []
                    )
                    found = register_module.worker_rows_for(actor, name)
                    self.assertEqual(found, expected)
        with self.assertRaises(NotFound):
            check(cast.actor(cast.river_worker), self.lead, "medication_prompt", AT)
        own = check(cast.actor(cast.river_worker), self.ada, "medication_prompt", AT)
        self.assertTrue(own.cleared)


class RegisterQueryCountTests(RegisterCase):
    def _queries(self) -> int:
        with CaptureQueriesContext(connection) as ctx:
            rows = register(SYSTEM, AT)
        self.assertEqual(len(rows), Worker.objects.count() * 2)
        return len(ctx.captured_queries)

    def test_the_query_count_does_not_grow_with_the_workers(self) -> None:
        few = self._queries()
        for n in range(18):
            temporary = n % 3 == 0
            worker = make_worker(
                self.cast.riverside,
                f"RIV-{n + 100}",
                employment_type="bank" if temporary else "employed",
                placement_start=date(2026, 5, 1) if temporary else None,
                pathways=[self.cast.discharge],
            )
            make_sign_off(worker, self.med, "independent", signer=self.lead)
            make_evidence(worker, "supervised_practice_signoff", date(2026, 5, 2))
            make_pause(worker, self.prompt, at(date(2026, 5, 1)))
        self.assertEqual(Worker.objects.count(), 21)
        self.assertEqual(self._queries(), few)
        # The framework from the live tables (4), the workers, status history, pathways,
        # sign-offs, pauses and bundle evidence.
        self.assertLessEqual(few, 10)


class AuthzCommandTests(RegisterCase):
    def run_command(self, *args: str) -> str:
        out = StringIO()
        call_command("authz", *args, stdout=out)
        return out.getvalue()

    def test_register_json_has_the_documented_shape(self) -> None:
        data = json.loads(
            self.run_command("register", "--as-of", "2026-06-01T09:00", "--format", "json")
        )
        self.assertEqual(len(data), 6)
        self.assertEqual(
            data[0],
            {
                "worker": str(self.ada.uuid),
                "organisation": "riverside",
                "task_type": "medication_prompt",
                "cleared": True,
                "reasons": [],
                "last_validated": "2026-01-10",
                "valid_until": "2027-01-10",
            },
        )
        refused = data[4]
        self.assertFalse(refused["cleared"])
        self.assertEqual(set(refused["reasons"][0]), {"code", "message"})
        self.assertEqual(refused["reasons"][0]["code"], "competency_missing")

    def test_register_as_a_person_sees_through_their_access(self) -> None:
        data = json.loads(
            self.run_command(
                "register", "--as-of", "2026-06-01", "--format", "json", "--as", "swift_admin"
            )
        )
        self.assertEqual({row["organisation"] for row in data}, {"swiftstaff"})

    def test_register_csv_and_text(self) -> None:
        csv_out = self.run_command(
            "register", "--as-of", "2026-06-01T09:00", "--format", "csv", "--org", "swiftstaff"
        )
        lines = csv_out.strip().splitlines()
        self.assertEqual(
            lines[0].split(",")[:5],
            ["worker", "worker_name", "organisation", "task_type", "cleared"],
        )
        self.assertEqual(len(lines), 3)
        text = self.run_command(
            "register", "--as-of", "2026-06-01T09:00", "--task-type", "welfare_check"
        )
        self.assertIn("Ada Brook (riverside) welfare_check: cleared until 10 Jan 2027", text)
        self.assertIn("competency_missing: Sam Swift has no sign-off of Safeguarding", text)

    def test_check_exits_0_when_cleared_and_1_when_not(self) -> None:
        out = self.run_command(
            "check",
            "--worker",
            "riverside/RIV-001",
            "--task-type",
            "medication_prompt",
            "--at",
            "2026-06-01T09:00",
        )
        self.assertIn("Ada Brook is cleared for medication_prompt until 10 Jan 2027.", out)
        with self.assertRaises(SystemExit) as exited:
            self.run_command(
                "check",
                "--worker",
                str(self.sam.uuid),
                "--task-type",
                "medication_prompt",
                "--format",
                "json",
            )
        self.assertEqual(exited.exception.code, 1)

    def test_check_of_a_worker_out_of_sight_is_an_error(self) -> None:
        with self.assertRaises(CommandError):
            self.run_command(
                "check",
                "--worker",
                "swiftstaff/SW-001",
                "--task-type",
                "medication_prompt",
                "--as",
                "river_admin",
            )

    def test_now_is_the_default_instant(self) -> None:
        with time_machine.travel(timezone.make_aware(datetime(2026, 6, 1, 9)), tick=False):
            data = json.loads(
                self.run_command("register", "--format", "json", "--org", "riverside")
            )
        self.assertTrue(data[0]["cleared"])


class RegisterViewTests(RegisterCase):
    def test_a_slice_or_an_index_computes_the_same_rows_as_the_whole(self) -> None:
        view = register_view(SYSTEM, AT)
        whole = view.rows()
        self.assertEqual(len(view), 6)
        self.assertEqual(view[1:5], whole[1:5])
        self.assertEqual(view[3], whole[3])
        self.assertEqual(view[-1], whole[-1])
        self.assertEqual(view[4:], whole[4:])
        with self.assertRaises(IndexError):
            view[6]
