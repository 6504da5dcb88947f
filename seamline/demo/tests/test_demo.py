"""The demo network: built from a fixed seed, through the actions, into a clean audit chain."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from django.test import SimpleTestCase, TestCase
from django.utils import timezone

from seamline.assurance.models import Pack
from seamline.audit.models import AuditEntry
from seamline.audit.verify import verify_chain
from seamline.demo import registry
from seamline.network import demo as network_demo
from seamline.network.choices import ActionKind, OrgKind, OrgStatus, RaciLetter, Role
from seamline.network.models import (
    DecisionRight,
    Organisation,
    OrganisationStatusChange,
    Pathway,
    RoleGrant,
    User,
)
from seamline.network.rules import RaciEntry, raci_gaps

SEED = 2026


class DemoNetworkTests(TestCase):
    ctx: registry.DemoContext

    @classmethod
    def setUpTestData(cls):
        cls.ctx = registry.build(seed=SEED)

    def test_network_step_is_registered_first(self):
        names = [step.name for step in registry.steps()]
        self.assertEqual(names[0], "network")

    def test_has_prime_and_every_kind_of_partner(self):
        kinds = Counter(Organisation.objects.values_list("kind", flat=True))
        self.assertEqual(kinds[OrgKind.PRIME], 1)
        for kind in (
            OrgKind.SUBCONTRACTOR,
            OrgKind.STAFFING_AGENCY,
            OrgKind.VCSE,
            OrgKind.LOCAL_AUTHORITY,
            OrgKind.NHS_TRUST,
            OrgKind.COMMISSIONER,
        ):
            with self.subTest(kind=kind):
                self.assertGreaterEqual(kinds[kind], 1)
        self.assertEqual(
            Organisation.objects.get(kind=OrgKind.PRIME).name, "Northbridge Community Care"
        )

    def test_one_partner_is_onboarding(self):
        onboarding = Organisation.objects.filter(status=OrgStatus.ONBOARDING)
        self.assertEqual([o.code for o in onboarding], ["oakleaf"])

    def test_partners_joined_long_before_now_and_the_onboarding_one_recently(self):
        # Other apps tell eighteen months of history: every active partner was in by then.
        before = self.ctx.now - timedelta(days=network_demo.JOINED_DAYS - 1)
        for org in Organisation.objects.exclude(code="oakleaf"):
            with self.subTest(org=org.code):
                self.assertIsNotNone(org.status_on(before))
        oakleaf = Organisation.objects.get(code="oakleaf")
        self.assertIsNone(oakleaf.status_on(before))
        self.assertEqual(oakleaf.status_on(self.ctx.now), OrgStatus.ONBOARDING)

    def test_every_partner_went_active_after_an_approving_due_diligence_decision(self):
        from seamline.quality.models import DiligenceDecision

        decided = {
            d.review.organisation.code: d
            for d in DiligenceDecision.objects.select_related("review__organisation")
        }
        for org in Organisation.objects.exclude(
            kind__in=(OrgKind.PRIME, OrgKind.COMMISSIONER, OrgKind.HEALTH_PLAN)
        ).exclude(code="oakleaf"):
            with self.subTest(org=org.code):
                went_active = org.status_changes.filter(
                    from_status=OrgStatus.ONBOARDING, to_status=OrgStatus.ACTIVE
                ).get()
                self.assertIn(decided[org.code].decision, ("approved", "approved_with_conditions"))
                self.assertLess(decided[org.code].decided_at, went_active.changed_at)
        self.assertNotIn("oakleaf", decided)

    def test_agency_was_suspended_and_reinstated_with_reasons(self):
        agency = Organisation.objects.get(code="swiftstaff")
        history = list(OrganisationStatusChange.objects.filter(organisation=agency).order_by("id"))
        self.assertEqual(
            [(c.from_status, c.to_status) for c in history],
            [
                ("", OrgStatus.ONBOARDING),
                (OrgStatus.ONBOARDING, OrgStatus.ACTIVE),
                (OrgStatus.ACTIVE, OrgStatus.SUSPENDED),
                (OrgStatus.SUSPENDED, OrgStatus.ACTIVE),
            ],
        )
        self.assertIn("DBS", history[2].reason)
        self.assertIn("spot-check", history[3].reason)
        self.assertEqual(agency.status, OrgStatus.ACTIVE)

    def test_three_pathways_with_four_to_seven_ordered_timed_steps(self):
        pathways = {p.code: p for p in Pathway.objects.prefetch_related("steps")}
        self.assertEqual(sorted(pathways), ["crisis", "discharge", "therapy"])
        for pathway in pathways.values():
            steps = list(pathway.steps.order_by("position"))
            with self.subTest(pathway=pathway.code):
                self.assertTrue(4 <= len(steps) <= 7)
                self.assertEqual([s.position for s in steps], list(range(1, len(steps) + 1)))
                self.assertTrue(all(s.time_standard_hours for s in steps))

    def test_first_contact_within_a_day_and_first_visit_within_two_days(self):
        discharge = Pathway.objects.get(code="discharge")
        contact = discharge.steps.get(code="first-contact")
        visit = discharge.steps.get(code="first-visit")
        self.assertEqual(
            (contact.time_standard_hours, contact.clock_starts), (24, "referral_received")
        )
        self.assertEqual((visit.time_standard_hours, visit.clock_starts), (48, "discharge"))

    def test_every_step_has_a_complete_raci_mixing_organisations_and_roles(self):
        for pathway in Pathway.objects.prefetch_related("steps__raci__organisation"):
            entries = [e for step in pathway.steps.all() for e in step.raci.all()]
            with self.subTest(pathway=pathway.code):
                self.assertTrue(any(e.organisation_id for e in entries))
                self.assertTrue(any(e.role for e in entries))
            for step in pathway.steps.all():
                raci = [
                    RaciEntry(e.letter, e.organisation.code if e.organisation else None, e.role)
                    for e in step.raci.all()
                ]
                letters = {e.letter for e in raci}
                with self.subTest(step=f"{pathway.code}/{step.code}"):
                    self.assertEqual(raci_gaps(step.name, raci), [])
                    self.assertEqual(letters, set(RaciLetter.values))

    def test_decision_rights_cover_every_action_kind(self):
        rights = DecisionRight.objects.all()
        self.assertGreaterEqual(rights.count(), 12)
        self.assertEqual(set(rights.values_list("action_kind", flat=True)), set(ActionKind.values))

    def test_someone_holds_every_role(self):
        live = set(RoleGrant.objects.current().values_list("role", flat=True))
        self.assertEqual(live, set(Role.values))

    def test_every_provider_has_several_workers(self):
        for code in ("northbridge", "riverside", "swiftstaff"):
            workers = RoleGrant.objects.current().filter(
                role=Role.WORKER, membership__organisation__code=code
            )
            with self.subTest(organisation=code):
                self.assertGreaterEqual(workers.count(), 3)

    def test_inspector_access_ends_in_fourteen_days(self):
        grant = RoleGrant.objects.get(role=Role.INSPECTOR)
        self.assertEqual(grant.expires_at, self.ctx.now + timedelta(days=14))

    def test_one_printed_login_per_role_holding_that_role(self):
        self.assertEqual([login.role for login in self.ctx.logins], list(Role.values))
        for login in self.ctx.logins:
            user = User.objects.get(username=login.username)
            with self.subTest(role=login.role):
                membership = user.current_membership()
                assert membership is not None
                self.assertIn(login.role, membership.active_roles())
                self.assertTrue(user.check_password(registry.DEMO_PASSWORD))

    def test_partner_logins_show_one_partner(self):
        partner = {
            login.role: login.organisation
            for login in self.ctx.logins
            if login.role in (Role.PARTNER_ADMIN, Role.WORKER)
        }
        self.assertEqual(set(partner.values()), {"Riverside Home Support"})

    def test_same_seed_gives_same_names(self):
        planned = network_demo.plan_people(registry.rng_for(SEED, "network"))
        built = set(User.objects.values_list("username", "first_name", "last_name"))
        self.assertEqual(built, {(p.username, p.first_name, p.last_name) for p in planned})
        again = network_demo.plan_people(registry.rng_for(SEED, "network"))
        self.assertEqual(planned, again)

    def test_another_seed_gives_other_names(self):
        one = network_demo.plan_people(registry.rng_for(SEED, "network"))
        other = network_demo.plan_people(registry.rng_for(SEED + 1, "network"))
        self.assertNotEqual([p.username for p in one], [p.username for p in other])

    def test_every_write_is_in_the_audit_log_by_a_person(self):
        actions = Counter(AuditEntry.objects.values_list("action", flat=True))
        self.assertEqual(actions["network.setup"], 1)
        created = set(
            AuditEntry.objects.filter(action="organisation.create").values_list(
                "object_id", flat=True
            )
        )
        partners = set(
            Organisation.objects.exclude(kind=OrgKind.PRIME).values_list("code", flat=True)
        )
        self.assertEqual(created, partners)
        self.assertEqual(actions["person.add"], User.objects.count() - 1)
        self.assertEqual(actions["decision_right.add"], DecisionRight.objects.count())
        # Only the setup, the escalation worker (which opens escalations from their triggers
        # and climbs ladders on its own) and the post-discharge sprint that a discharge
        # referral starts as it is recorded write without a person.
        by_system = AuditEntry.objects.filter(actor_uuid__isnull=True)
        self.assertEqual(
            set(by_system.values_list("actor_label", flat=True)),
            {"system:setup", "system:escalation-worker", "system:sprint-on-discharge"},
        )
        self.assertEqual(
            set(
                by_system.filter(actor_label="system:sprint-on-discharge").values_list(
                    "action", flat=True
                )
            ),
            {"sprint.start", "action.create"},
        )
        self.assertEqual(
            list(by_system.filter(actor_label="system:setup").values_list("action", flat=True)),
            ["network.setup"],
        )

    def test_partner_admins_add_their_own_people(self):
        worker = next(x for x in self.ctx.logins if x.role == Role.WORKER)
        entry = AuditEntry.objects.get(action="person.add", object_label=worker.username)
        admin = next(x for x in self.ctx.logins if x.role == Role.PARTNER_ADMIN)
        self.assertEqual(
            (entry.actor_label, entry.organisation_code), (admin.username, "riverside")
        )

    def test_audit_chain_verifies_clean(self):
        result = verify_chain(anchor_file=Path("/nonexistent/seamline-demo-anchors.jsonl"))
        self.assertTrue(result.ok, result.problems)
        self.assertEqual(result.checked, AuditEntry.objects.count())
        self.assertGreater(result.checked, 150)

    def test_partner_figures_add_up_to_the_network_in_the_latest_demo_pack(self):
        """Every additive metric, in the month and at each of its twelve trend points: the
        partners' numerators and denominators sum to the network's."""
        pack = Pack.objects.order_by("-period", "-issue").first()
        assert pack is not None
        checked = Counter[str]()
        for m in pack.content["metrics"]:
            if not m["additive"]:
                continue
            points = [("month", m["network"], m["partners"])]
            points += [(t["period"], t["network"], t["partners"]) for t in m["trend"]]
            for label, network, partners in points:
                for part in ("numerator", "denominator"):
                    if network[part] is None:
                        continue
                    total = sum(f[part] or 0 for f in partners.values())
                    self.assertAlmostEqual(
                        total, network[part], places=3, msg=f"{m['code']} {label} {part}"
                    )
                    checked["nonzero" if network[part] else "zero"] += 1
        self.assertGreater(checked["nonzero"], 200, checked)


class DemoPlanTests(SimpleTestCase):
    """Pure checks of the plan itself, no database needed beyond the registry."""

    def test_usernames_are_unique_and_plain(self):
        people = network_demo.plan_people(registry.rng_for(SEED, "network"))
        usernames = [p.username for p in people]
        self.assertEqual(len(usernames), len(set(usernames)))
        self.assertTrue(all(u.replace(".", "").isalnum() and u.isascii() for u in usernames))

    def test_demo_password_passes_the_password_validators(self):
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        person = network_demo.plan_people(registry.rng_for(SEED, "network"))[0]
        user = User(username=person.username, first_name=person.first_name, email="a@b.example")
        try:
            validate_password(registry.DEMO_PASSWORD, user)
        except ValidationError as exc:
            self.fail(f"The demo password is refused: {exc.messages}")

    def test_progress_never_exceeds_a_step_share(self):
        reported: list[int] = []
        ctx = registry.DemoContext(
            seed=1,
            now=timezone.now(),
            rng=registry.rng_for(1, "x"),
            report=reported.append,
        )
        ctx._budget = 3
        ctx.progress(2)
        ctx.progress(5)
        ctx.progress()
        self.assertEqual(reported, [2, 1])
