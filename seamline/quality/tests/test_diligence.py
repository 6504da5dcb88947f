"""Partner due diligence: the review's evidence, findings and decision through the pages, the
API and the command, who may do what, and the gate: an organisation goes from onboarding to
active only with an approving decision in force."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from seamline.audit.models import AuditEntry
from seamline.errors import RuleViolation
from seamline.network import actions as network
from seamline.network.choices import OrgKind, OrgStatus
from seamline.network.models import Organisation
from seamline.quality import actions_diligence
from seamline.quality.choices import DiligenceArea
from seamline.quality.models import DiligenceDecision
from seamline.quality.testing import approve_due_diligence
from seamline.testing import CastTestCase, make_org


class DiligenceTestCase(CastTestCase):
    oakleaf: Organisation

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.oakleaf = make_org("oakleaf", status=OrgStatus.ONBOARDING, name="Oakleaf Therapy")

    def review_everything(self, finding: str = "met") -> None:
        keeper = self.cast.actor(self.cast.quality)
        for area in DiligenceArea.values:
            actions_diligence.add_evidence(
                keeper, self.oakleaf, area=area, title=f"{area} sample", reference="File 12"
            )
            actions_diligence.record_finding(keeper, self.oakleaf, area=area, finding=finding)

    def activate(self) -> None:
        org = Organisation.objects.get(pk=self.oakleaf.pk)
        network.change_organisation_status(
            self.cast.actor(self.cast.net_admin), org, OrgStatus.ACTIVE, reason="Checks passed"
        )


class GateTests(DiligenceTestCase):
    def test_onboarding_to_active_is_refused_without_a_decision(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            self.activate()
        (reason,) = caught.exception.reasons
        self.assertEqual((reason.code, reason.field), ("due_diligence_missing", "status"))
        self.assertIn("Oakleaf Therapy", reason.message)
        self.assertEqual(Organisation.objects.get(pk=self.oakleaf.pk).status, "onboarding")

    def test_a_declined_review_still_refuses(self) -> None:
        actions_diligence.decide(
            self.cast.actor(self.cast.quality),
            self.oakleaf,
            decision="declined",
            reason="No clinical governance lead",
        )
        with self.assertRaises(RuleViolation):
            self.activate()

    def test_allowed_once_approved(self) -> None:
        self.review_everything()
        actions_diligence.decide(
            self.cast.actor(self.cast.quality), self.oakleaf, decision="approved", reason="All met"
        )
        self.activate()
        self.assertEqual(Organisation.objects.get(pk=self.oakleaf.pk).status, "active")

    def test_allowed_once_approved_with_conditions(self) -> None:
        self.review_everything(finding="partly_met")
        actions_diligence.decide(
            self.cast.actor(self.cast.quality),
            self.oakleaf,
            decision="approved_with_conditions",
            conditions="Night cover audited in three months",
            reason="Safe to start with conditions",
        )
        self.activate()
        self.assertEqual(Organisation.objects.get(pk=self.oakleaf.pk).status, "active")

    def test_the_newest_decision_counts(self) -> None:
        self.review_everything()
        keeper = self.cast.actor(self.cast.quality)
        actions_diligence.decide(keeper, self.oakleaf, decision="approved", reason="All met")
        actions_diligence.decide(keeper, self.oakleaf, decision="declined", reason="Insurer left")
        with self.assertRaises(RuleViolation):
            self.activate()

    def test_other_moves_and_commissioners_are_not_checked(self) -> None:
        admin = self.cast.actor(self.cast.net_admin)
        network.change_organisation_status(
            admin, self.cast.swift, OrgStatus.SUSPENDED, reason="Checks lapsed"
        )
        swift = Organisation.objects.get(pk=self.cast.swift.pk)
        network.change_organisation_status(admin, swift, OrgStatus.ACTIVE, reason="Checks back")
        plan = make_org("plan-x", kind=OrgKind.HEALTH_PLAN, status=OrgStatus.ONBOARDING)
        network.change_organisation_status(admin, plan, OrgStatus.ACTIVE, reason="Contract")
        self.assertEqual(Organisation.objects.get(pk=plan.pk).status, "active")


class JoiningActiveTests(DiligenceTestCase):
    def test_a_partner_cannot_be_added_already_active(self) -> None:
        admin = self.cast.actor(self.cast.net_admin)
        for kind in (OrgKind.SUBCONTRACTOR, OrgKind.STAFFING_AGENCY, OrgKind.LOCAL_AUTHORITY):
            with self.subTest(kind=kind), self.assertRaises(RuleViolation) as caught:
                network.create_organisation(
                    admin,
                    code=f"new-{kind}",
                    name="Meadow Care",
                    kind=kind,
                    reason="Joins",
                    status=OrgStatus.ACTIVE,
                )
            self.assertIn("due_diligence_missing", [r.code for r in caught.exception.reasons])
        self.assertFalse(Organisation.objects.filter(code__startswith="new-").exists())
        # Added onboarding, it is reviewed and then made active.
        org = network.create_organisation(
            admin, code="meadow", name="Meadow Care", kind=OrgKind.VCSE, reason="Joins"
        )
        approve_due_diligence(org)
        network.change_organisation_status(admin, org, OrgStatus.ACTIVE, reason="Approved")
        # Commissioners and health plans are not reviewed: they may join active.
        plan = network.create_organisation(
            admin,
            code="plan-y",
            name="Plan Y",
            kind=OrgKind.HEALTH_PLAN,
            reason="Contract",
            status=OrgStatus.ACTIVE,
        )
        self.assertEqual(plan.status, OrgStatus.ACTIVE)

    def test_the_new_organisation_page_says_what_to_do(self) -> None:
        self.client.force_login(self.cast.net_admin)
        response = self.client.post(
            "/network/organisations/new/",
            {"code": "meadow", "name": "Meadow", "kind": "vcse", "status": "active", "reason": "x"},
        )
        self.assertContains(response, "due diligence is not yet decided")
        self.assertFalse(Organisation.objects.filter(code="meadow").exists())


class StatusPageTests(DiligenceTestCase):
    def test_the_network_admin_is_told_what_to_do_on_the_status_page(self) -> None:
        self.client.force_login(self.cast.net_admin)
        url = reverse("network:organisation_status", kwargs={"code": "oakleaf"})
        response = self.client.post(
            url, {"status": "active", "reason": "Contract signed", "version": self.oakleaf.version}
        )
        self.assertContains(response, "due diligence is not yet decided")
        self.assertEqual(Organisation.objects.get(pk=self.oakleaf.pk).status, "onboarding")


class ReviewPageTests(DiligenceTestCase):
    def test_the_quality_lead_reviews_and_decides_through_the_pages(self) -> None:
        self.client.force_login(self.cast.quality)
        url = reverse("quality:partner", args=["oakleaf"])
        for area in DiligenceArea.values:
            self.client.post(
                reverse("quality:partner_evidence", args=["oakleaf"]),
                {"area": area, "title": "Policy", "reference": "Seen 3 Nov"},
            )
            self.client.post(
                reverse("quality:partner_finding", args=["oakleaf"]),
                {"area": area, "finding": "met"},
            )
        refused = self.client.post(
            reverse("quality:partner_decide", args=["oakleaf"]),
            {"decision": "approved_with_conditions", "reason": "Fine"},
        )
        self.assertContains(refused, "Conditions: Write the conditions.", status_code=422)
        response = self.client.post(
            reverse("quality:partner_decide", args=["oakleaf"]),
            {"decision": "approved", "reason": "Every area met"},
        )
        self.assertRedirects(response, url)
        decision = DiligenceDecision.objects.get()
        self.assertEqual((decision.decision, decision.decided_by), ("approved", self.cast.quality))
        self.assertTrue(AuditEntry.objects.filter(action="quality.diligence.decide").exists())
        listing = self.client.get(reverse("quality:partners"), {"state": "approved"})
        self.assertContains(listing, "Oakleaf Therapy")

    def test_approving_without_evidence_names_the_areas(self) -> None:
        self.client.force_login(self.cast.quality)
        response = self.client.post(
            reverse("quality:partner_decide", args=["oakleaf"]),
            {"decision": "approved", "reason": "Looks fine"},
        )
        self.assertContains(
            response, "Clinical governance: add at least one evidence sample", status_code=422
        )

    def test_a_partner_reads_its_own_review_only_and_adds_evidence(self) -> None:
        self.client.force_login(self.cast.river_admin)
        self.assertEqual(
            self.client.get(reverse("quality:partner", args=["riverside"])).status_code, 200
        )
        self.assertEqual(
            self.client.get(reverse("quality:partner", args=["oakleaf"])).status_code, 404
        )
        self.assertEqual(self.client.get(reverse("quality:partners")).status_code, 404)
        # Their menu leads to their own review.
        home = self.client.get("/")
        self.assertContains(home, reverse("quality:our_review"))
        self.assertNotContains(home, f'href="{reverse("quality:partners")}"')
        self.assertRedirects(
            self.client.get(reverse("quality:our_review")),
            reverse("quality:partner", args=["riverside"]),
        )
        self.client.post(
            reverse("quality:partner_evidence", args=["riverside"]),
            {"area": "workforce_resilience", "title": "Rota", "reference": "Night rota"},
        )
        decided = self.client.post(
            reverse("quality:partner_decide", args=["riverside"]),
            {"decision": "approved", "reason": "Mine"},
        )
        self.assertEqual(decided.status_code, 403)

    def test_our_due_diligence_is_for_a_reviewed_partners_managers_only(self) -> None:
        for user in (self.cast.river_worker, self.cast.quality, self.cast.commissioner):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                self.assertEqual(self.client.get(reverse("quality:our_review")).status_code, 404)

    def test_the_list_awaiting_a_decision(self) -> None:
        rows = {r.code: r for r in actions_diligence.partner_rows()}
        self.assertTrue(rows["oakleaf"].awaiting)
        self.assertFalse(rows["riverside"].awaiting)
        self.assertNotIn("northbridge", rows)
        self.assertNotIn("icb", rows)


class ApiAndCommandTests(DiligenceTestCase):
    def test_api_decision_and_command_json(self) -> None:
        self.review_everything()
        from seamline.network.actions import issue_api_token

        key = issue_api_token(self.cast.actor(self.cast.quality), name="t")[1]
        auth = {"Authorization": f"Bearer {key}"}
        response = self.client.post(
            "/api/quality/due-diligence/oakleaf/decision",
            json.dumps({"decision": "approved", "reason": "All met"}),
            "application/json",
            headers=auth,
        )
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["decision"], "approved")
        out = StringIO()
        call_command("quality", "due-diligence", "--format", "json", stdout=out)
        rows = {r["organisation"]: r for r in json.loads(out.getvalue())}
        self.assertEqual(rows["oakleaf"]["decision"], "approved")
        self.assertEqual(rows["oakleaf"]["areas_with_findings"], 4)
