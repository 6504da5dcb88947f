"""The handoff pages through HTTP: inbox and outbox (filters, CSV, a query count that does not
grow with the rows), the handoff page before and after acceptance, drafting and editing the
bundle, each move's form, templates and audits."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from seamline.cases.models import Referral
from seamline.cases.testing import make_referral
from seamline.handoffs import actions
from seamline.handoffs.models import AuditSample, BundleTemplate, Handoff, HandoffAudit
from seamline.handoffs.scoring import CRITERIA
from seamline.handoffs.testing import Scene, build_scene, fresh, make_handoff
from seamline.testing import CastTestCase

RISK = "She is at high risk of falling at night"
ESCALATE = "999 for any fall, then the Northbridge duty line within the hour"


class PageCase(CastTestCase):
    scene: Scene

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.scene = build_scene(cls.cast)

    def as_(self, name: str) -> None:
        self.client.force_login(self.cast[name])

    def url(self, name: str, handoff: Handoff) -> str:
        return reverse(f"handoffs:{name}", args=[handoff.code])


class BoxTests(PageCase):
    def test_inbox_lists_what_waits_with_completeness_and_no_drafts(self) -> None:
        self.as_("river_coordinator")
        response = self.client.get(reverse("handoffs:inbox"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.scene.sent.code)
        self.assertContains(response, "100%")
        for other in (self.scene.draft, self.scene.rejected, self.scene.accepted):
            self.assertNotContains(response, other.code)
        everything = self.client.get(reverse("handoffs:inbox"), {"state": "all"})
        self.assertContains(everything, self.scene.accepted.code)
        self.assertNotContains(everything, self.scene.draft.code)

    def test_outbox_shows_the_senders_drafts_and_filters(self) -> None:
        self.as_("prime_worker")
        response = self.client.get(reverse("handoffs:outbox"))
        for h in (self.scene.draft, self.scene.sent, self.scene.rejected, self.scene.accepted):
            self.assertContains(response, h.code)
        rejected = self.client.get(reverse("handoffs:outbox"), {"state": "rejected"})
        self.assertContains(rejected, self.scene.rejected.code)
        self.assertNotContains(rejected, self.scene.sent.code)
        low = self.client.get(reverse("handoffs:outbox"), {"below": "50"})
        self.assertContains(low, self.scene.draft.code)
        self.assertNotContains(low, self.scene.sent.code)

    def test_csv_export(self) -> None:
        self.as_("prime_worker")
        response = self.client.get(reverse("handoffs:outbox"), {"format": "csv"})
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        by_code = {r["code"]: r for r in rows}
        self.assertEqual(len(rows), 4)
        self.assertEqual(by_code[self.scene.draft.code]["missing_mandatory"], "6")
        self.assertEqual(by_code[self.scene.rejected.code]["rejection_reason"], "no_capacity")
        self.assertEqual(by_code[self.scene.accepted.code]["state"], "accepted")

    def test_the_inbox_query_count_does_not_grow_with_the_rows(self) -> None:
        self.as_("river_coordinator")
        url = reverse("handoffs:inbox") + "?state=all"
        self.client.get(url)
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        for _ in range(4):
            referral = make_referral(
                self.scene.participant, self.cast.discharge, self.cast.prime, self.cast.prime_worker
            )
            make_handoff(referral, self.cast.prime_worker, self.cast.riverside, send=True)
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(url)
        self.assertEqual(response.content.decode().count("/handoffs/H-"), 7)
        self.assertEqual(len(many), len(few))


class HandoffPageTests(PageCase):
    def test_before_acceptance_the_receiver_sees_the_bundle_not_the_record(self) -> None:
        self.as_("river_worker")
        # Riverside already holds one of Ada's cases (the accepted one), so use a new person.
        from seamline.cases.testing import make_participant

        bea = make_participant(self.cast.prime, given_name="Bea", family_name="Bundle")
        referral = make_referral(bea, self.cast.discharge, self.cast.prime, self.cast.prime_worker)
        handoff = make_handoff(referral, self.cast.prime_worker, self.cast.riverside, send=True)
        page = self.client.get(self.url("handoff", handoff))
        self.assertContains(page, "Falls at night since the new sleeping tablet")
        self.assertContains(page, "You see this bundle only")
        self.assertNotContains(page, reverse("cases:referral", args=[referral.code]))
        record = reverse("cases:participant", args=[bea.code])
        self.assertEqual(self.client.get(record).status_code, 404)
        response = self.client.post(
            self.url("accept", handoff),
            {
                "repeat_back_risk": RISK,
                "repeat_back_escalation": ESCALATE,
                "version": handoff.version,
            },
        )
        self.assertRedirects(response, self.url("handoff", handoff))
        self.assertEqual(self.client.get(record).status_code, 200)
        page = self.client.get(self.url("handoff", handoff))
        self.assertContains(page, reverse("cases:referral", args=[referral.code]))
        self.assertContains(page, "Repeat-back")
        self.assertContains(page, "First visit and home safety check")  # the owned action

    def test_a_draft_is_not_found_for_the_receiver(self) -> None:
        self.as_("river_worker")
        self.assertEqual(self.client.get(self.url("handoff", self.scene.draft)).status_code, 404)

    def test_each_side_sees_only_its_own_buttons(self) -> None:
        self.as_("river_worker")
        page = self.client.get(self.url("handoff", self.scene.sent))
        self.assertContains(page, self.url("accept", self.scene.sent))
        self.assertNotContains(page, self.url("withdraw", self.scene.sent))
        self.as_("prime_worker")
        page = self.client.get(self.url("handoff", self.scene.sent))
        self.assertNotContains(page, self.url("accept", self.scene.sent))
        self.assertContains(page, self.url("withdraw", self.scene.sent))

    def test_an_incomplete_handoff_shows_every_missing_field_on_accepting(self) -> None:
        referral = self.scene.free
        handoff = make_handoff(
            referral,
            self.cast.prime_worker,
            self.cast.riverside,
            content={"risk_status": "high", "escalation_instructions": "Ring the duty line"},
            send=True,
        )
        self.as_("river_worker")
        response = self.client.post(
            self.url("accept", handoff),
            {
                "repeat_back_risk": RISK,
                "repeat_back_escalation": ESCALATE,
                "version": handoff.version,
            },
        )
        self.assertEqual(response.status_code, 200)
        for label in (
            "Current risks",
            "Medication changes",
            "Consent",
            "Key contacts",
            "Action items",
        ):
            self.assertContains(response, f"{label} is mandatory and missing.")
        self.assertEqual(Referral.objects.get(pk=referral.pk).owner_organisation, self.cast.prime)

    def test_a_stale_form_is_told_of_the_conflict(self) -> None:
        handoff = self.scene.sent
        self.as_("river_coordinator")
        actions.request_information(fresh(self.cast.river_worker), handoff, text="Which GP?")
        response = self.client.post(
            self.url("reject", handoff),
            {"reason": "no_capacity", "text": "Full", "version": handoff.version - 1},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "information requested cannot be rejected")

    def test_rejecting_through_the_page(self) -> None:
        self.as_("river_coordinator")
        handoff = self.scene.sent
        response = self.client.post(
            self.url("reject", handoff),
            {
                "reason": "missing_information",
                "text": "No medication list",
                "version": handoff.version,
            },
        )
        self.assertRedirects(response, self.url("handoff", handoff))
        page = self.client.get(self.url("handoff", handoff))
        self.assertContains(page, "Rejected: Missing information")


class DraftingPageTests(PageCase):
    def test_draft_then_fill_in_the_bundle_then_send(self) -> None:
        self.as_("prime_worker")
        start = self.client.get(reverse("handoffs:new"), {"referral": self.scene.free.code})
        self.assertContains(start, "Draft the handoff")
        response = self.client.post(
            reverse("handoffs:new") + f"?referral={self.scene.free.code}",
            {"template": "hospital_discharge", "receiving_organisation": "riverside", "step": ""},
        )
        handoff = Handoff.objects.get(referral=self.scene.free)
        self.assertRedirects(response, self.url("edit", handoff))
        form = self.client.get(self.url("edit", handoff))
        self.assertContains(form, 'name="action_items-2-due_at"')  # three empty rows
        data: dict[str, Any] = {
            "version": handoff.version,
            "risk_status": "high",
            "escalation_instructions": "Call the duty line if she falls",
            "protective_factors": "Daughter visits\nMorning routine\n",
            "current_risks-0-risk": "Falls at night",
            "current_risks-0-severity": "high",
            "action_items-0-description": "First visit",
            "action_items-0-owner_organisation": "riverside",
            "action_items-0-owner_role": "coordinator",
            "action_items-0-due_at": "2026-12-01T10:00",
        }
        response = self.client.post(self.url("edit", handoff), data)
        self.assertRedirects(response, self.url("handoff", handoff))
        handoff.refresh_from_db()
        self.assertEqual(
            handoff.content["protective_factors"], ["Daughter visits", "Morning routine"]
        )
        self.assertEqual(
            handoff.content["current_risks"], [{"risk": "Falls at night", "severity": "high"}]
        )
        self.assertEqual(handoff.content["action_items"][0]["due_at"], "2026-12-01T10:00:00+00:00")
        self.assertEqual(handoff.completeness, 45)  # 5 of 11
        send = self.client.get(self.url("send", handoff))
        self.assertContains(send, "Mandatory fields are missing")
        response = self.client.post(
            self.url("send", handoff), {"version": handoff.version, "note": ""}
        )
        self.assertRedirects(response, self.url("handoff", handoff))

    def test_a_bad_row_is_named_on_its_field(self) -> None:
        handoff = self.scene.draft
        self.as_("prime_worker")
        response = self.client.post(
            self.url("edit", handoff),
            {
                "version": handoff.version,
                "action_items-0-description": "First visit",
                "action_items-0-owner_organisation": "riverside",
                "action_items-0-due_at": "2026-12-01T10:00",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Action items 1: name the person or the role that owns it.")

    def test_a_case_the_organisation_does_not_own_cannot_be_picked(self) -> None:
        self.as_("river_coordinator")
        response = self.client.get(reverse("handoffs:new"), {"referral": self.scene.free.code})
        self.assertContains(response, "Your organisation does not own this case.")

    def test_the_case_page_offers_its_owners_to_hand_it_over(self) -> None:
        free = self.scene.free
        page = reverse("cases:referral", args=[free.code])
        self.as_("prime_worker")
        response = self.client.get(page)
        link = f"{reverse('handoffs:new')}?referral={free.code}"
        self.assertContains(response, f'href="{link}">Hand over this case</a>', html=False)
        started = self.client.get(link)
        self.assertEqual(started.status_code, 200)
        self.assertEqual(started.context["referral"], free)
        self.as_("river_coordinator")  # sees the case (care team), does not own it
        seen = self.client.get(page)
        self.assertEqual(seen.status_code, 200)
        self.assertNotContains(seen, "Hand over this case")


class TemplateAndAuditPageTests(PageCase):
    def test_the_quality_lead_makes_a_new_version_and_the_old_one_stays(self) -> None:
        self.as_("quality")
        url = reverse("handoffs:template_edit", args=["hospital_discharge"])
        self.assertContains(self.client.get(url), "Safety-plan elements")
        current = BundleTemplate.objects.get(transition="hospital_discharge").current
        assert current is not None
        data = {
            "name": current.name,
            "description": current.description,
            "response_hours": 12,
            "version": 1,
            "reason": "Falls review: safety plans travel with every discharge",
            **{f"level_{s.key}": s.level for s in current.specs},
            "level_safety_plan": "mandatory",
        }
        response = self.client.post(url, data)
        detail = reverse("handoffs:template", args=["hospital_discharge"])
        self.assertRedirects(response, detail)
        page = self.client.get(detail)
        self.assertContains(page, "Version 2")
        self.assertContains(page, "Falls review")
        self.assertContains(page, "12 hours")
        old = self.client.get(detail, {"v": "1"})
        self.assertContains(old, "Earlier version")
        self.assertContains(old, "24 hours")
        self.assertEqual(self.client.get(detail, {"v": "9"}).status_code, 404)
        # A refusal is shown on the field it is about.
        data["level_risk_status"] = "required"
        data["version"] = 2
        refused = self.client.post(url, data)
        self.assertContains(refused, "Risk status stays mandatory")

    def test_an_auditor_scores_a_sampled_handoff(self) -> None:
        self.as_("quality")
        sample = self.scene.sample
        page = self.client.get(reverse("handoffs:sample", args=[sample.uuid]))
        self.assertContains(page, "seed <code>42</code>")
        item = sample.items.first()
        assert item is not None
        url = reverse("handoffs:score", args=[sample.uuid, item.handoff.code])
        ratings = {c.code: "yes" for c in CRITERIA} | {"synthesis": "no"}
        response = self.client.post(url, {**ratings, "notes": "Clear"})
        self.assertRedirects(response, reverse("handoffs:sample", args=[sample.uuid]))
        self.assertEqual(HandoffAudit.objects.get(sample=sample).score, 89)

    def test_drawing_a_sample_again_with_its_seed(self) -> None:
        for _ in range(6):
            referral = make_referral(
                self.scene.participant, self.cast.discharge, self.cast.prime, self.cast.prime_worker
            )
            make_handoff(referral, self.cast.prime_worker, self.cast.riverside, send=True)
        self.as_("quality")
        day = self.scene.sample.period_start.isoformat()

        def draw(seed: int) -> list[str]:
            response = self.client.post(
                reverse("handoffs:sample_new"),
                {"period_start": day, "period_end": day, "size": 4, "seed": seed},
            )
            drawn = AuditSample.objects.order_by("-id").first()
            assert drawn is not None
            self.assertRedirects(response, reverse("handoffs:sample", args=[drawn.uuid]))
            self.assertEqual((drawn.seed, drawn.candidates), (seed, 9))
            return list(drawn.items.values_list("handoff__code", flat=True))

        first, again, other = draw(7), draw(7), draw(8)
        self.assertEqual(len(first), 4)
        self.assertEqual(first, again)
        self.assertNotEqual(first, other)

    def test_home_card_counts(self) -> None:
        self.as_("river_coordinator")
        response = self.client.get(reverse("home"))
        self.assertContains(response, "Waiting for Riverside Home Support to answer</a>: 1")
