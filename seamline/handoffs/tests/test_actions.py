"""The handoff lifecycle through `handoffs.actions`: who may make which move, acceptance and
everything it does in one transaction, rejection, information requests, withdrawal, the
repeat-back mismatch flag, overdue handoffs and the history that never changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from seamline.access import Actor
from seamline.audit.models import AuditEntry
from seamline.cases import actions as cases_actions
from seamline.cases.choices import CareReason, OwnershipHow
from seamline.cases.models import CareTeamMember, Ownership, Participant
from seamline.cases.testing import make_participant, make_referral
from seamline.coordination.models import Action
from seamline.errors import Conflict, RuleViolation
from seamline.handoffs import actions
from seamline.handoffs.choices import HandoffState
from seamline.handoffs.models import BundleTemplate, Handoff, HandoffEvent, TemplateVersion
from seamline.handoffs.overdue import overdue_handoffs
from seamline.handoffs.testing import (
    clear_for_receipt,
    fresh,
    full_content,
    load_templates,
    make_handoff,
)
from seamline.network.models import PathwayStep
from seamline.testing import CastTestCase

RISK = "She is at high risk of falling at night"
ESCALATE = "999 for any fall, then the Northbridge duty line within the hour"


class HandoffCase(CastTestCase):
    """Cases owned by the prime, handed to Riverside, whose worker and coordinator are cleared
    for handoff receipt (its supervisor has a worker record but is not cleared)."""

    templates: dict[str, BundleTemplate]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.templates = load_templates()
        clear_for_receipt(cls.cast.river_worker, cls.cast.riverside)
        clear_for_receipt(cls.cast.river_coordinator, cls.cast.riverside)
        clear_for_receipt(cls.cast.river_supervisor, cls.cast.riverside, cleared=False)

    def setUp(self) -> None:
        self.ada = make_participant(self.cast.prime, given_name="Ada", family_name="Moving")
        self.referral = make_referral(
            self.ada, self.cast.discharge, self.cast.prime, self.cast.prime_worker
        )

    def actor(self, name: str) -> Actor:
        return fresh(self.cast[name])

    def sent(self, **kwargs: Any) -> Handoff:
        return make_handoff(
            self.referral, self.cast.prime_worker, self.cast.riverside, send=True, **kwargs
        )

    def accept(self, handoff: Handoff, who: str = "river_worker", **kwargs: Any) -> Handoff:
        values = {"risk_status": RISK, "escalation": ESCALATE, **kwargs}
        return actions.accept_handoff(self.actor(who), handoff, **values)

    def codes(self, exc: RuleViolation) -> list[str]:
        return exc.codes


class DraftingTests(HandoffCase):
    def test_the_owning_organisation_drafts_with_a_code_and_completeness(self) -> None:
        handoff = make_handoff(
            self.referral, self.cast.prime_worker, self.cast.riverside, content={"consent": "given"}
        )
        self.assertRegex(handoff.code, r"^H-\d{4}-\d{6}$")
        self.assertEqual(handoff.state, HandoffState.DRAFT)
        self.assertEqual(handoff.template_version, self.templates["hospital_discharge"].current)
        self.assertEqual(handoff.completeness, 9)  # 1 of 11
        self.assertEqual(handoff.events.get().kind, "created")

    def test_only_the_case_owner_hands_it_over(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            actions.create_handoff(
                self.actor("river_coordinator"),
                self.referral,
                template=self.templates["hospital_discharge"],
                receiving_organisation=self.cast.swift,
            )
        self.assertEqual(caught.exception.codes, ["not_case_owner"])

    def test_roles_that_do_not_own_cases_do_not_hand_over(self) -> None:
        for name in ("river_scheduler", "inspector", "commissioner"):
            with self.subTest(name), self.assertRaises(RuleViolation) as caught:
                actions.create_handoff(
                    self.actor(name),
                    self.referral,
                    template=self.templates["hospital_discharge"],
                    receiving_organisation=self.cast.riverside,
                )
            self.assertEqual(caught.exception.codes, ["not_permitted"])

    def test_receiver_must_be_an_active_provider_and_another_organisation(self) -> None:
        table = [
            (self.cast.icb, "hospital_discharge", ["receiver_not_a_provider"]),
            (self.cast.prime, "hospital_discharge", ["same_organisation"]),
        ]
        for receiver, transition, expected in table:
            with self.subTest(receiver.code), self.assertRaises(RuleViolation) as caught:
                actions.create_handoff(
                    self.actor("prime_worker"),
                    self.referral,
                    template=self.templates[transition],
                    receiving_organisation=receiver,
                )
            self.assertEqual(caught.exception.codes, expected)
        # The shift handover may stay within the organisation.
        handoff = actions.create_handoff(
            self.actor("prime_worker"),
            self.referral,
            template=self.templates["shift_handover"],
            receiving_organisation=self.cast.prime,
        )
        self.assertEqual(handoff.receiving_organisation, self.cast.prime)

    def test_one_handoff_in_play_per_case(self) -> None:
        make_handoff(self.referral, self.cast.prime_worker, self.cast.riverside)
        with self.assertRaises(Conflict) as caught:
            make_handoff(self.referral, self.cast.prime_worker, self.cast.swift)
        self.assertEqual(caught.exception.codes, ["handoff_in_progress"])
        # The database holds the line on its own, too.
        first = Handoff.objects.get()
        with self.assertRaises(IntegrityError), transaction.atomic():
            Handoff.objects.create(
                code="H-2026-999999",
                referral=self.referral,
                template=first.template,
                template_version=first.template_version,
                sender_organisation=self.cast.prime,
                receiving_organisation=self.cast.swift,
                created_by=self.cast.prime_worker,
            )

    def test_bad_values_are_refused_naming_the_field(self) -> None:
        handoff = make_handoff(
            self.referral, self.cast.prime_worker, self.cast.riverside, content={}
        )
        item = {**full_content()["action_items"][0], "owner_organisation": "nowhere"}
        with self.assertRaises(RuleViolation) as caught:
            actions.update_bundle(
                self.actor("prime_worker"),
                handoff,
                {"risk_status": "grave", "action_items": [item]},
            )
        self.assertEqual(
            [(r.code, r.field) for r in caught.exception.reasons],
            [
                ("invalid_value", "risk_status"),
                ("unknown_organisation", "action_items.0.owner_organisation"),
            ],
        )

    def test_editing_updates_completeness_and_names_the_fields_in_the_log(self) -> None:
        handoff = make_handoff(
            self.referral, self.cast.prime_worker, self.cast.riverside, content={}
        )
        actions.update_bundle(
            self.actor("prime_worker"),
            handoff,
            {"consent": "given", "risk_status": "high", "current_plan": "Visits"},
            version=handoff.version,
        )
        handoff.refresh_from_db()
        self.assertEqual(handoff.completeness, 27)  # 3 of 11
        entry = AuditEntry.objects.filter(action="handoff.edit").get()
        self.assertEqual(entry.changes["fields"], ["consent", "current_plan", "risk_status"])
        self.assertNotIn("Visits", str(entry.changes))

    def test_a_naive_due_time_is_the_networks_local_time(self) -> None:
        handoff = make_handoff(
            self.referral, self.cast.prime_worker, self.cast.riverside, content={}
        )
        item = {**full_content()["action_items"][0], "due_at": "2026-12-01T09:30"}
        actions.update_bundle(self.actor("prime_worker"), handoff, {"action_items": [item]})
        handoff.refresh_from_db()
        self.assertEqual(handoff.content["action_items"][0]["due_at"], "2026-12-01T09:30:00+00:00")


class SendingTests(HandoffCase):
    def test_sending_starts_the_clock_on_the_template_standard(self) -> None:
        handoff = self.sent()
        self.assertEqual(handoff.state, HandoffState.SENT)
        self.assertEqual(handoff.standard_hours, 24)
        self.assertEqual(handoff.respond_by, handoff.first_sent_at + timedelta(hours=24))  # type: ignore[operator]

    def test_a_named_pathway_step_sets_the_standard(self) -> None:
        step = PathwayStep.objects.get(pathway=self.cast.discharge, code="step-2")  # 48 h
        handoff = actions.create_handoff(
            self.actor("prime_worker"),
            self.referral,
            template=self.templates["hospital_discharge"],
            receiving_organisation=self.cast.riverside,
            step=step,
            content=full_content(),
        )
        handoff = actions.send_handoff(self.actor("prime_worker"), handoff)
        self.assertEqual(handoff.standard_hours, 48)

    def test_a_step_of_another_pathway_is_refused(self) -> None:
        from seamline.testing import make_pathway

        other = make_pathway("crisis", self.cast.prime)
        with self.assertRaises(RuleViolation) as caught:
            actions.create_handoff(
                self.actor("prime_worker"),
                self.referral,
                template=self.templates["hospital_discharge"],
                receiving_organisation=self.cast.riverside,
                step=other.steps.first(),
            )
        self.assertEqual(caught.exception.codes, ["step_not_on_pathway"])

    def test_an_incomplete_bundle_may_be_sent_and_says_what_is_missing(self) -> None:
        handoff = make_handoff(
            self.referral,
            self.cast.prime_worker,
            self.cast.riverside,
            content={"risk_status": "low"},
            send=True,
        )
        event = handoff.events.get(kind="sent")
        self.assertIn("escalation_instructions", event.data["missing_mandatory"])
        self.assertEqual(event.data["completeness"], 9)

    def test_the_receiver_sees_a_handoff_only_once_it_is_sent(self) -> None:
        handoff = make_handoff(self.referral, self.cast.prime_worker, self.cast.riverside)
        river = self.actor("river_worker")
        self.assertFalse(Handoff.objects.visible_to(river).exists())
        actions.send_handoff(self.actor("prime_worker"), handoff)
        self.assertTrue(Handoff.objects.visible_to(river).filter(pk=handoff.pk).exists())
        # The bundle, not the record: the participant stays out of sight until acceptance.
        self.assertFalse(Participant.objects.visible_to(river).filter(pk=self.ada.pk).exists())
        self.assertFalse(Handoff.objects.visible_to(self.actor("swift_admin")).exists())


class AcceptanceTests(HandoffCase):
    def test_acceptance_moves_ownership_and_does_the_rest_in_one_go(self) -> None:
        handoff = self.sent()
        self.accept(handoff, version=handoff.version)
        handoff.refresh_from_db()
        self.referral.refresh_from_db()
        river = self.cast.river_worker
        self.assertEqual(handoff.state, HandoffState.ACCEPTED)
        self.assertEqual(handoff.accepted_by, river)
        self.assertIsNone(handoff.respond_by)
        # Ownership: the referral and its append-only history.
        self.assertEqual(self.referral.owner_organisation, self.cast.riverside)
        self.assertEqual(self.referral.owner_person, river)
        last = Ownership.objects.filter(referral=self.referral).order_by("-seq").first()
        assert last is not None
        self.assertEqual(
            (last.seq, last.how, last.source), (2, OwnershipHow.HANDOFF, handoff.source_ref)
        )
        # The receiver joins the care team and now sees the record; the sender keeps a part.
        parts = CareTeamMember.objects.filter(participant=self.ada, reason=CareReason.HANDOFF)
        river_part = parts.get(organisation=self.cast.riverside)
        self.assertIsNone(river_part.ended_at)
        prime_part = parts.get(organisation=self.cast.prime)
        self.assertEqual(prime_part.ended_at, handoff.accepted_at + actions.SENDER_FOLLOW_UP)  # type: ignore[operator]
        self.assertTrue(
            Participant.objects.visible_to(self.actor("river_coordinator"))
            .filter(pk=self.ada.pk)
            .exists()
        )
        # The action item is an owned action, with its due time.
        action = Action.objects.get(source_ref=handoff.source_ref)
        item = handoff.content["action_items"][0]
        self.assertEqual(action.owner_organisation, self.cast.riverside)
        self.assertEqual(action.owner_role, "coordinator")
        self.assertEqual(action.due_at.isoformat(), item["due_at"])
        self.assertEqual(action.source, "handoff")
        # The repeat-back, the timeline and the audit log.
        self.assertEqual(handoff.repeat_back.risk_status, RISK)
        self.assertEqual(handoff.events.last().kind, "accepted")  # type: ignore[union-attr]
        self.assertTrue(
            AuditEntry.objects.filter(action="handoff.accept", object_id=handoff.code).exists()
        )
        self.assertTrue(AuditEntry.objects.filter(action="referral.handoff").exists())

    def test_an_incomplete_handoff_is_refused_listing_every_missing_field(self) -> None:
        content = full_content()
        for key in ("current_risks", "consent", "key_contacts"):
            content.pop(key)
        handoff = self.sent(content=content)
        with self.assertRaises(RuleViolation) as caught:
            self.accept(handoff)
        missing = [r.field for r in caught.exception.reasons if r.code == "field_missing"]
        self.assertEqual(missing, ["current_risks", "consent", "key_contacts"])
        self.assertEqual(caught.exception.status, 422)
        # Nothing moved.
        self.referral.refresh_from_db()
        handoff.refresh_from_db()
        self.assertEqual(self.referral.owner_organisation, self.cast.prime)
        self.assertEqual(handoff.state, HandoffState.SENT)
        self.assertFalse(Action.objects.exists())

    def test_each_acceptance_rule_refuses(self) -> None:
        handoff = self.sent()
        table: list[tuple[str, dict[str, str], str]] = [
            ("river_worker", {"risk_status": ""}, "repeat_back_missing"),
            ("river_worker", {"risk_status": "High"}, "repeat_back_too_short"),
            (
                "river_worker",
                {"escalation": handoff.content["escalation_instructions"]},
                "repeat_back_copied",
            ),
            ("river_supervisor", {}, "not_cleared_for_receipt"),
            ("river_admin", {}, "no_worker_record"),
        ]
        for who, change, expected in table:
            with (
                self.subTest(who=who, expected=expected),
                self.assertRaises(RuleViolation) as caught,
            ):
                self.accept(Handoff.objects.get(pk=handoff.pk), who, **change)
            self.assertEqual(caught.exception.codes, [expected])

    def test_clearance_is_judged_at_the_instant_of_acceptance(self) -> None:
        handoff = self.sent()
        # A year and more from now the worker's sign-offs are past their review date.
        with (
            time_machine.travel(timezone.now() + timedelta(days=400)),
            self.assertRaises(RuleViolation) as caught,
        ):
            self.accept(handoff)
        self.assertEqual(caught.exception.codes, ["not_cleared_for_receipt"])
        self.assertIn("review", caught.exception.reasons[0].message)

    def test_the_sender_never_accepts(self) -> None:
        handoff = self.sent()
        for who in ("prime_worker", "quality", "net_admin"):
            with self.subTest(who), self.assertRaises(RuleViolation) as caught:
                self.accept(handoff, who)
            self.assertEqual(caught.exception.codes, ["not_permitted"])

    def test_within_one_organisation_the_sender_cannot_accept_their_own(self) -> None:
        clear_for_receipt(self.cast.prime_worker, self.cast.prime)
        handoff = make_handoff(
            self.referral,
            self.cast.prime_worker,
            self.cast.prime,
            transition="shift_handover",
            content={
                "risk_status": "high",
                "escalation_instructions": "Ring the night duty lead if she falls",
                "action_items": full_content("northbridge", "worker")["action_items"],
            },
            send=True,
        )
        with self.assertRaises(RuleViolation) as caught:
            self.accept(handoff, "prime_worker")
        self.assertIn("own_handoff", caught.exception.codes)

    def test_a_case_moved_since_sending_cannot_be_accepted(self) -> None:
        handoff = self.sent()
        cases_actions.reassign(
            self.actor("net_admin"),
            self.referral,
            self.cast.swift,
            self.cast.swift_worker,
            "Riverside at capacity",
        )
        with self.assertRaises(RuleViolation) as caught:
            self.accept(handoff)
        self.assertEqual(caught.exception.codes, ["owner_changed"])

    def test_an_action_owner_outside_the_care_blocks_acceptance(self) -> None:
        content = full_content()
        content["action_items"].append(
            {**content["action_items"][0], "owner_organisation": "swiftstaff"}
        )
        handoff = self.sent(content=content)
        with self.assertRaises(RuleViolation) as caught:
            self.accept(handoff)
        self.assertEqual(caught.exception.codes, ["owner_outside_care"])
        self.assertEqual(caught.exception.reasons[0].field, "action_items.1.owner_organisation")

    def test_a_stale_version_or_an_answered_handoff_is_a_conflict(self) -> None:
        handoff = self.sent()
        stale = handoff.version
        actions.request_information(self.actor("river_coordinator"), handoff, text="Which GP?")
        with self.assertRaises(Conflict):
            self.accept(Handoff.objects.get(pk=handoff.pk), version=stale)
        with self.assertRaises(Conflict) as caught:
            self.accept(Handoff.objects.get(pk=handoff.pk))  # now info_requested
        self.assertEqual(caught.exception.codes, ["wrong_state"])
        self.assertEqual(caught.exception.status, 409)


class OtherMovesTests(HandoffCase):
    def test_rejection_leaves_the_sender_owner_and_starts_a_new_clock(self) -> None:
        handoff = self.sent()
        before = timezone.now()
        actions.reject_handoff(
            self.actor("river_coordinator"), handoff, reason="no_capacity", text="Full until Monday"
        )
        handoff.refresh_from_db()
        self.referral.refresh_from_db()
        self.assertEqual(handoff.state, HandoffState.REJECTED)
        self.assertEqual(self.referral.owner_organisation, self.cast.prime)
        assert handoff.respond_by is not None
        self.assertGreaterEqual(handoff.respond_by, before + timedelta(hours=24))
        self.assertEqual(Ownership.objects.filter(referral=self.referral).count(), 1)

    def test_rejection_needs_a_reason_code_and_text(self) -> None:
        handoff = self.sent()
        with self.assertRaises(RuleViolation) as caught:
            actions.reject_handoff(self.actor("river_coordinator"), handoff, reason="busy", text="")
        self.assertEqual(caught.exception.codes, ["invalid_value", "reason_required"])

    def test_information_request_round_trip(self) -> None:
        handoff = self.sent(content={**full_content(), "consent": ""})
        first_sent, deadline = handoff.first_sent_at, handoff.respond_by
        actions.request_information(
            self.actor("river_coordinator"), handoff, text="Has she agreed to the referral?"
        )
        prime = self.actor("prime_worker")
        actions.update_bundle(prime, handoff, {"consent": "given"})
        actions.send_handoff(prime, handoff, note="She agreed on the ward.")
        handoff.refresh_from_db()
        self.assertEqual(handoff.state, HandoffState.SENT)
        self.assertEqual((handoff.first_sent_at, handoff.respond_by), (first_sent, deadline))
        self.accept(handoff)
        kinds = list(handoff.events.values_list("kind", flat=True))
        self.assertEqual(kinds, ["created", "sent", "info_requested", "edited", "sent", "accepted"])

    def test_withdrawal_by_the_sender_ends_it(self) -> None:
        handoff = self.sent()
        with self.assertRaises(RuleViolation) as caught:
            actions.withdraw_handoff(self.actor("river_admin"), handoff, reason="Not ours")
        self.assertEqual(caught.exception.codes, ["not_permitted"])
        actions.withdraw_handoff(self.actor("prime_worker"), handoff, reason="Wrong team")
        with self.assertRaises(Conflict):
            self.accept(Handoff.objects.get(pk=handoff.pk))
        # The case is free for a new handoff.
        make_handoff(self.referral, self.cast.prime_worker, self.cast.swift)

    def test_the_sender_flags_a_mismatched_repeat_back_once(self) -> None:
        handoff = self.sent()
        with self.assertRaises(Conflict):
            actions.flag_mismatch(self.actor("prime_worker"), handoff, note="Too early")
        self.accept(handoff)
        handoff.refresh_from_db()
        with self.assertRaises(RuleViolation) as caught:
            actions.flag_mismatch(self.actor("river_coordinator"), handoff, note="x")
        self.assertEqual(caught.exception.codes, ["not_permitted"])
        back = actions.flag_mismatch(
            self.actor("prime_worker"), handoff, note="The duty line comes first, not 999"
        )
        self.assertIsNotNone(back.mismatch_flagged_at)
        with self.assertRaises(Conflict):
            actions.flag_mismatch(self.actor("quality"), handoff, note="Again")

    def test_a_rejection_is_resolved_by_the_sender_or_by_a_new_handoff(self) -> None:
        first = self.sent()
        actions.reject_handoff(
            self.actor("river_coordinator"), first, reason="inappropriate", text="Needs nursing"
        )
        second = make_handoff(self.referral, self.cast.prime_worker, self.cast.swift, send=True)
        first.refresh_from_db()
        self.assertIsNotNone(first.resolved_at)
        self.assertIn(second.code, first.resolution)
        self.assertIsNone(first.respond_by)

    def test_resolving_a_rejection(self) -> None:
        handoff = self.sent()
        actions.reject_handoff(self.actor("river_coordinator"), handoff, reason="other", text="No")
        handoff.refresh_from_db()
        with self.assertRaises(RuleViolation) as caught:
            actions.resolve_rejection(self.actor("prime_worker"), handoff, note=" ")
        self.assertEqual(caught.exception.codes, ["reason_required"])
        actions.resolve_rejection(self.actor("prime_worker"), handoff, note="We keep the case")
        handoff.refresh_from_db()
        self.assertEqual(handoff.resolution, "We keep the case")
        self.assertFalse(handoff.is_overdue(timezone.now() + timedelta(days=30)))


class MoveMatrixTests(HandoffCase):
    """Each move, through the actions, from each kind of person: the sender's staff, the
    receiver's staff, a third partner, and read-only access."""

    def test_who_may_make_each_move_on_a_sent_handoff(self) -> None:
        calls = {
            "edit": lambda a, h: actions.update_bundle(a, h, {"consent": "given"}),
            "send": lambda a, h: actions.send_handoff(a, h),
            "withdraw": lambda a, h: actions.withdraw_handoff(a, h, reason="x"),
            "accept": lambda a, h: self.accept(h, a.user.username),
            "reject": lambda a, h: actions.reject_handoff(a, h, reason="other", text="x"),
            "request_info": lambda a, h: actions.request_information(a, h, text="x"),
        }
        expected = {
            # move: (prime_worker, river_worker, swift_admin, inspector)
            "edit": ("wrong_state", "not_permitted", "not_permitted", "not_permitted"),
            "send": ("wrong_state", "not_permitted", "not_permitted", "not_permitted"),
            "withdraw": (None, "not_permitted", "not_permitted", "not_permitted"),
            "accept": ("not_permitted", None, "not_permitted", "not_permitted"),
            "reject": ("not_permitted", None, "not_permitted", "not_permitted"),
            "request_info": ("not_permitted", None, "not_permitted", "not_permitted"),
        }
        people = ("prime_worker", "river_worker", "swift_admin", "inspector")
        for move, outcomes in expected.items():
            for who, outcome in zip(people, outcomes, strict=True):
                with self.subTest(move=move, who=who):
                    sid = transaction.savepoint()
                    handoff = self.sent()
                    try:
                        calls[move](self.actor(who), handoff)
                        got = None
                    except RuleViolation as exc:
                        got = exc.codes[0]
                    transaction.savepoint_rollback(sid)
                    self.assertEqual(got, outcome)


class OverdueTests(HandoffCase):
    def test_unanswered_and_unresolved_handoffs_past_the_standard(self) -> None:
        waiting = self.sent()
        other_case = make_referral(
            self.ada, self.cast.discharge, self.cast.prime, self.cast.prime_worker
        )
        rejected = make_handoff(other_case, self.cast.prime_worker, self.cast.riverside, send=True)
        actions.reject_handoff(self.actor("river_coordinator"), rejected, reason="other", text="No")
        third = make_referral(
            self.ada, self.cast.discharge, self.cast.prime, self.cast.prime_worker
        )
        answered = make_handoff(third, self.cast.prime_worker, self.cast.riverside, send=True)
        self.accept(answered)
        soon = timezone.now() + timedelta(hours=23)
        later = timezone.now() + timedelta(hours=25)
        self.assertEqual(list(overdue_handoffs(soon)), [])
        self.assertEqual([h.code for h in overdue_handoffs(later)], [waiting.code, rejected.code])
        self.assertTrue(Handoff.objects.get(pk=waiting.pk).is_overdue(later))
        # Visible ones only, when asked that way.
        swift = Handoff.objects.visible_to(self.actor("swift_admin"))
        self.assertEqual(list(overdue_handoffs(later, swift)), [])


class HistoryTests(HandoffCase):
    def test_a_new_template_version_leaves_earlier_handoffs_on_theirs(self) -> None:
        handoff = make_handoff(self.referral, self.cast.prime_worker, self.cast.riverside)
        template = self.templates["hospital_discharge"]
        first = template.current
        assert first is not None
        levels = {s.key: s.level for s in first.specs} | {"safety_plan": "mandatory"}
        new = actions.revise_template(
            self.actor("quality"), template, levels=levels, reason="Safety plans after a review"
        )
        self.assertEqual((new.number, template.current), (2, new))
        handoff.refresh_from_db()
        self.assertEqual(handoff.template_version, first)
        self.assertEqual(TemplateVersion.objects.filter(template=template).count(), 2)

    def test_only_the_networks_quality_lead_or_admin_edits_templates(self) -> None:
        template = self.templates["hospital_discharge"]
        assert template.current is not None
        levels = {s.key: s.level for s in template.current.specs}
        with self.assertRaises(RuleViolation) as caught:
            actions.revise_template(self.actor("river_admin"), template, levels=levels, reason="x")
        self.assertEqual(caught.exception.codes, ["not_permitted"])
        with self.assertRaises(RuleViolation) as caught:
            actions.revise_template(
                self.actor("quality"), template, levels={**levels, "risk_status": ""}, reason="x"
            )
        self.assertEqual(caught.exception.codes, ["core_field_required"])

    def test_the_timeline_and_template_versions_refuse_updates(self) -> None:
        make_handoff(self.referral, self.cast.prime_worker, self.cast.riverside)
        for table in ("handoffs_handoffevent", "handoffs_templateversion"):
            with (
                self.subTest(table),
                self.assertRaises(Exception) as caught,
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(f"UPDATE {table} SET id = id")  # noqa: S608
            self.assertIn("append-only", str(caught.exception))
        self.assertEqual(HandoffEvent.objects.count(), 1)
