"""The actions of participants and referrals: each rule refuses through the action that writes,
a refusal writes nothing, ownership moves only by reassignment or the handoff seam, and every
write leaves an audit entry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial

from django.utils import timezone

from seamline.access import Actor
from seamline.audit.models import AuditEntry
from seamline.cases import actions, risk
from seamline.cases.choices import CareReason, ConsentScope
from seamline.cases.models import (
    CareTeamMember,
    Consent,
    LocalId,
    Merge,
    NotDuplicate,
    Ownership,
    Participant,
    Referral,
)
from seamline.cases.testing import (
    add_to_care_team,
    ago,
    make_consent,
    make_flag,
    make_participant,
    make_referral,
    synthetic_nhs,
)
from seamline.errors import Conflict, RuleViolation
from seamline.testing import CastTestCase, make_user
from seamline.workforce.testing import make_worker


class CasesCase(CastTestCase):
    ada: Participant

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cast = cls.cast
        # In Riverside's care (it registered her) and in the prime's sight (it leads her
        # pathway): the agency has no part in it.
        cls.ada = make_participant(
            cast.riverside, nhs_number=synthetic_nhs(0), care=[(cast.prime, CareReason.PRIME)]
        )
        registered = timezone.now() - timedelta(days=1)
        add_to_care_team(
            cls.ada,
            cast.riverside,
            CareReason.REGISTERED,
            started_at=registered,
            ended_at=registered + actions.REGISTRATION_VISIBILITY,
        )

    def actor(self, name: str) -> Actor:
        return self.cast.actor(self.cast[name])

    def refused(self, call: Callable[[], object], *codes: str) -> RuleViolation:
        before = AuditEntry.objects.count()
        with self.assertRaises(RuleViolation) as caught:
            call()
        self.assertEqual(sorted(caught.exception.codes), sorted(codes))
        self.assertEqual(AuditEntry.objects.count(), before, "a refusal writes nothing")
        return caught.exception

    def referral(self, **kwargs: object) -> Referral:
        return actions.create_referral(
            self.actor("river_coordinator"),
            self.ada,
            pathway=self.cast.discharge,
            receiving_organisation=self.cast.riverside,
            received_at=kwargs.pop("received_at", ago(days=2)),  # type: ignore[arg-type]
            owner_person=kwargs.pop("owner_person", self.cast.river_coordinator),  # type: ignore[arg-type]
            referrer_name="Ward 7 discharge team",
            referrer_organisation=kwargs.pop("referrer_organisation", None),  # type: ignore[arg-type]
        )


class RegisterTests(CasesCase):
    def test_register_gives_a_code_and_a_time_boxed_part(self) -> None:
        someone = actions.register_participant(
            self.actor("river_coordinator"),
            given_name=" Grace ",
            family_name="Hopper",
            date_of_birth=timezone.localdate() - timedelta(days=365 * 80),
            postcode="ns14ab",
            nhs_number="999 000 0026",
            medicaid_state="tx",
            medicaid_id="123-456-789",
            local_id="rhs-0042",
        )
        self.assertRegex(someone.code, r"^P-\d{6}$")
        self.assertEqual(
            (someone.given_name, someone.postcode, someone.nhs_number, someone.medicaid_id),
            ("Grace", "NS1 4AB", "9990000026", "123456789"),
        )
        self.assertTrue(someone.medicaid_checked)
        self.assertEqual(LocalId.objects.get(participant=someone).value, "RHS-0042")
        [part] = CareTeamMember.objects.filter(participant=someone)
        self.assertEqual((part.organisation, part.reason), (self.cast.riverside, "registered"))
        assert part.ended_at is not None
        self.assertEqual(part.ended_at - part.started_at, actions.REGISTRATION_VISIBILITY)
        entry = AuditEntry.objects.get(action="participant.register")
        self.assertEqual((entry.object_id, entry.object_label), (someone.code, someone.code))

    def test_identifiers_are_checked(self) -> None:
        def call() -> Participant:
            return actions.register_participant(
                self.actor("river_coordinator"),
                given_name="Grace",
                family_name="Hopper",
                date_of_birth=None,
                nhs_number="9990000027",
                medicaid_state="NY",
                medicaid_id="12345678",
            )

        error = self.refused(call, "required", "nhs_number_check_digit", "medicaid_id_format")
        self.assertEqual(
            {r.field for r in error.reasons}, {"date_of_birth", "nhs_number", "medicaid_id"}
        )

    def test_unknown_state_formats_are_kept_unchecked(self) -> None:
        someone = actions.register_participant(
            self.actor("river_coordinator"),
            given_name="Grace",
            family_name="Hopper",
            date_of_birth=timezone.localdate() - timedelta(days=365 * 80),
            medicaid_state="OR",
            medicaid_id="xy 99",
        )
        self.assertEqual((someone.medicaid_id, someone.medicaid_checked), ("XY99", False))

    def test_local_ids_are_one_per_person_in_a_partner(self) -> None:
        LocalId.objects.create(participant=self.ada, organisation=self.cast.riverside, value="R1")
        self.refused(
            lambda: actions.register_participant(
                self.actor("river_coordinator"),
                given_name="Grace",
                family_name="Hopper",
                date_of_birth=timezone.localdate() - timedelta(days=9000),
                local_id=" r1 ",
            ),
            "local_id_taken",
        )

    def test_workers_inspectors_and_commissioners_do_not_register(self) -> None:
        for name in ("river_worker", "inspector", "commissioner"):
            with self.subTest(name):
                self.refused(
                    partial(
                        actions.register_participant,
                        self.actor(name),
                        given_name="Grace",
                        family_name="Hopper",
                        date_of_birth=timezone.localdate() - timedelta(days=9000),
                    ),
                    "not_permitted",
                )

    def test_update_checks_the_version_and_logs_the_change(self) -> None:
        coordinator = self.actor("river_coordinator")
        make_referral(self.ada, self.cast.discharge, self.cast.riverside, self.cast.river_admin)
        actions.update_participant(
            coordinator, self.ada, {"postcode": "ns2 8hx"}, version=1, reason="Moved house"
        )
        self.ada.refresh_from_db()
        self.assertEqual((self.ada.postcode, self.ada.version), ("NS2 8HX", 2))
        entry = AuditEntry.objects.get(action="participant.update")
        self.assertEqual(entry.changes, {"postcode": ["NS1 4AB", "NS2 8HX"]})
        with self.assertRaises(Conflict):
            actions.update_participant(coordinator, self.ada, {"postcode": "NS1 1AA"}, version=1)


class OutOfSightTests(CasesCase):
    def test_actions_refuse_a_participant_out_of_the_actors_sight(self) -> None:
        agency = self.actor("swift_admin")  # a partner admin, but Ada is not in its care
        calls: list[Callable[[], object]] = [
            lambda: actions.raise_flag(agency, self.ada, kind="safeguarding", severity="high"),
            lambda: actions.update_participant(agency, self.ada, {"postcode": "NS1 1AA"}),
            lambda: actions.record_consent(agency, self.ada, scope="all_involved"),
            lambda: actions.add_local_id(agency, self.ada, "SW-1"),
        ]
        for call in calls:
            with self.subTest(call):
                self.refused(call, "not_permitted")

    def test_an_unchanged_save_keeps_the_version(self) -> None:
        coordinator = self.actor("river_coordinator")
        actions.update_participant(coordinator, self.ada, {"postcode": "NS1 4AB"}, version=1)
        self.assertEqual(Participant.objects.get(pk=self.ada.pk).version, 1)
        with self.assertRaises(Conflict):
            actions.update_participant(coordinator, self.ada, {"postcode": "NS1 4AB"}, version=7)


class ReferralTests(CasesCase):
    def test_a_referral_opens_with_an_owner_its_history_and_the_care_team(self) -> None:
        referral = self.referral(referrer_organisation=self.cast.swift)
        self.assertRegex(referral.code, rf"^R-{timezone.localdate().year}-\d{{6}}$")
        self.assertEqual(
            (referral.owner_organisation, referral.owner_person),
            (self.cast.riverside, self.cast.river_coordinator),
        )
        [first] = referral.ownerships.all()
        self.assertEqual(
            (first.seq, first.how, first.started_at), (1, "created", referral.received_at)
        )
        parts = set(
            CareTeamMember.objects.filter(referral=referral).values_list(
                "organisation__code", "reason"
            )
        )
        self.assertEqual(
            parts,
            {
                ("riverside", "owner"),
                ("riverside", "receiving"),
                ("swiftstaff", "referrer"),
                ("northbridge", "prime"),
            },
        )
        self.assertTrue(AuditEntry.objects.filter(action="referral.create").exists())

    def test_the_owner_must_belong_to_the_owning_organisation(self) -> None:
        self.refused(lambda: self.referral(owner_person=self.cast.swift_admin), "owner_not_member")
        self.refused(lambda: self.referral(owner_person=None), "required")

    def test_received_cannot_be_in_the_future(self) -> None:
        self.refused(
            lambda: self.referral(received_at=timezone.now() + timedelta(hours=1)),
            "date_in_future",
        )

    def test_only_the_receiving_organisation_or_the_lead_records_it(self) -> None:
        self.refused(
            lambda: actions.create_referral(
                self.actor("swift_admin"),
                self.ada,
                pathway=self.cast.discharge,
                receiving_organisation=self.cast.riverside,
                received_at=ago(days=1),
                owner_person=self.cast.river_coordinator,
                referrer_name="GP",
            ),
            "not_permitted",
        )
        referral = actions.create_referral(
            self.actor("quality"),
            self.ada,
            pathway=self.cast.discharge,
            receiving_organisation=self.cast.riverside,
            received_at=ago(days=1),
            owner_person=self.cast.river_coordinator,
            referrer_name="GP",
        )
        self.assertEqual(referral.receiving_organisation, self.cast.riverside)

    def test_first_contact_once_and_not_before_the_referral(self) -> None:
        referral = self.referral()
        worker = self.actor("river_worker")
        self.refused(
            lambda: actions.record_first_contact(
                worker, referral, at=referral.received_at - timedelta(minutes=1)
            ),
            "before_received",
        )
        self.refused(
            lambda: actions.record_first_contact(
                self.actor("swift_admin"), referral, at=timezone.now()
            ),
            "not_permitted",
        )
        contact = ago(days=1)
        actions.record_first_contact(worker, referral, at=contact, version=1)
        self.assertEqual(Referral.objects.get(pk=referral.pk).first_contact_at, contact)
        self.refused(
            lambda: actions.record_first_contact(worker, referral, at=timezone.now()),
            "already_recorded",
        )

    def test_discharge_needs_an_outcome_and_closes_the_care_team_later(self) -> None:
        referral = self.referral()
        coordinator = self.actor("river_coordinator")
        self.refused(
            lambda: actions.discharge(coordinator, referral, at=timezone.now(), outcome=""),
            "outcome_required",
        )
        at = ago(hours=1)
        actions.discharge(coordinator, referral, at=at, outcome="goals_met")
        referral.refresh_from_db()
        self.assertEqual((referral.discharged_at, referral.outcome), (at, "goals_met"))
        ends = set(
            CareTeamMember.objects.filter(referral=referral).values_list("ended_at", flat=True)
        )
        self.assertEqual(ends, {at + timedelta(days=90)})
        river = self.actor("river_worker")
        self.assertTrue(Participant.objects.visible_to(river).filter(pk=self.ada.pk).exists())
        later = at + timedelta(days=91)
        self.assertFalse(
            Participant.objects.visible_to(river, at=later).filter(pk=self.ada.pk).exists()
        )
        self.refused(
            lambda: actions.discharge(coordinator, referral, at=timezone.now(), outcome="died"),
            "already_discharged",
        )


class OwnershipTests(CasesCase):
    def test_reassign_needs_an_administrator_and_a_reason(self) -> None:
        referral = self.referral()
        for name in ("river_admin", "river_coordinator", "quality", "inspector"):
            with self.subTest(name):
                self.refused(
                    partial(
                        actions.reassign,
                        self.actor(name),
                        referral,
                        self.cast.swift,
                        self.cast.swift_admin,
                        "Cover",
                    ),
                    "not_permitted",
                )
        admin = self.actor("net_admin")
        self.refused(
            lambda: actions.reassign(admin, referral, self.cast.swift, self.cast.swift_admin, ""),
            "reason_required",
        )
        self.refused(
            lambda: actions.reassign(
                admin, referral, self.cast.riverside, self.cast.river_coordinator, "No change"
            ),
            "already_owner",
        )
        self.refused(
            lambda: actions.reassign(admin, referral, self.cast.swift, self.cast.river_admin, "x"),
            "owner_not_member",
        )

    def test_a_prime_partner_admin_may_reassign(self) -> None:
        prime_admin = make_user("prime_admin", self.cast.prime, ["partner_admin"])
        referral = self.referral()
        actions.reassign(
            self.cast.actor(prime_admin),
            referral,
            self.cast.swift,
            self.cast.swift_admin,
            "Riverside at capacity this week",
        )
        self.assertEqual(Referral.objects.get(pk=referral.pk).owner_organisation, self.cast.swift)

    def test_who_owned_the_case_at_any_instant(self) -> None:
        t0 = ago(days=10)
        referral = self.referral(received_at=t0)
        admin = self.actor("net_admin")
        second = actions.reassign(
            admin, referral, self.cast.swift, self.cast.swift_admin, "Capacity"
        )
        referral.refresh_from_db()
        third = actions.transfer_ownership(
            admin, referral, self.cast.riverside, self.cast.river_worker, source="handoff:7d1c"
        )
        referral.refresh_from_db()
        tick = timedelta(microseconds=1)
        table = [
            (t0 - timedelta(minutes=1), None),
            (t0, "river_coordinator"),
            (t0 + timedelta(days=1), "river_coordinator"),
            (second.started_at - tick, "river_coordinator"),
            (second.started_at, "swift_admin"),
            (third.started_at - tick, "swift_admin"),
            (third.started_at, "river_worker"),
            (timezone.now() + timedelta(days=1), "river_worker"),
        ]
        for at, expected in table:
            with self.subTest(at=at):
                found = actions.owner_at(referral, at)
                self.assertEqual(found.person.username if found else None, expected)
        history = list(Ownership.objects.filter(referral=referral).with_end().order_by("seq"))
        self.assertEqual([o.how for o in history], ["created", "reassigned", "handoff"])
        self.assertEqual(history[0].ended_at, history[1].started_at)  # type: ignore[attr-defined]
        self.assertIsNone(history[2].ended_at)  # type: ignore[attr-defined]
        self.assertEqual(history[2].source, "handoff:7d1c")

    def test_the_owner_part_moves_with_the_case(self) -> None:
        referral = self.referral()
        actions.reassign(
            self.actor("net_admin"), referral, self.cast.swift, self.cast.swift_admin, "Capacity"
        )
        owners = CareTeamMember.objects.active().filter(referral=referral, reason="owner")
        self.assertEqual([m.organisation for m in owners], [self.cast.swift])
        # Riverside still received the referral, so it keeps its part; the agency now sees it.
        swift = self.actor("swift_admin")
        self.assertTrue(Participant.objects.visible_to(swift).filter(pk=self.ada.pk).exists())

    def test_handoff_seam_names_its_handoff_and_refuses_closed_cases(self) -> None:
        referral = self.referral()
        admin = self.actor("net_admin")
        self.refused(
            lambda: actions.transfer_ownership(
                admin, referral, self.cast.swift, self.cast.swift_admin, source=""
            ),
            "required",
        )
        actions.discharge(admin, referral, at=timezone.now(), outcome="goals_met")
        self.refused(
            lambda: actions.transfer_ownership(
                admin, referral, self.cast.swift, self.cast.swift_admin, source="handoff:1"
            ),
            "case_closed",
        )

    def test_a_stale_version_is_a_conflict(self) -> None:
        referral = self.referral()
        admin = self.actor("net_admin")
        actions.reassign(admin, referral, self.cast.swift, self.cast.swift_admin, "One", version=1)
        with self.assertRaises(Conflict):
            actions.reassign(
                admin, referral, self.cast.prime, self.cast.net_admin, "Two", version=1
            )
        self.assertEqual(Ownership.objects.filter(referral=referral).count(), 2)


class ConsentTests(CasesCase):
    def test_new_consent_supersedes_and_narrows_sight(self) -> None:
        make_referral(self.ada, self.cast.discharge, self.cast.riverside, self.cast.river_admin)
        add_to_care_team(self.ada, self.cast.swift, CareReason.VISIT)
        coordinator = self.actor("river_coordinator")
        swift = self.actor("swift_admin")
        self.assertTrue(Participant.objects.visible_to(swift).filter(pk=self.ada.pk).exists())
        first = actions.record_consent(coordinator, self.ada, scope=ConsentScope.ALL_INVOLVED)
        second = actions.record_consent(
            coordinator, self.ada, scope=ConsentScope.NAMED, organisations=[self.cast.riverside]
        )
        self.assertEqual(second.supersedes, first)
        self.assertFalse(Participant.objects.visible_to(swift).filter(pk=self.ada.pk).exists())
        third = actions.withdraw_consent(
            coordinator, self.ada, note="Told the coordinator by phone"
        )
        self.assertEqual((third.supersedes, third.scope), (second, ConsentScope.NAMED))
        self.assertIsNotNone(third.withdrawn_at)
        self.assertEqual(Consent.objects.filter(participant=self.ada).count(), 3)
        self.refused(
            lambda: actions.withdraw_consent(coordinator, self.ada, note="Again"),
            "already_recorded",
        )
        prime = self.actor("net_admin")
        self.assertFalse(Participant.objects.visible_to(prime).filter(pk=self.ada.pk).exists())
        # The owner keeps it: it must go on delivering the care.
        self.assertTrue(Participant.objects.visible_to(coordinator).filter(pk=self.ada.pk).exists())

    def test_named_consent_needs_organisations_and_a_stale_write_conflicts(self) -> None:
        coordinator = self.actor("river_coordinator")
        self.refused(
            lambda: actions.record_consent(coordinator, self.ada, scope=ConsentScope.NAMED),
            "consent_no_organisations",
        )
        actions.record_consent(coordinator, self.ada, scope="all_involved", version=1)
        with self.assertRaises(Conflict):
            actions.record_consent(coordinator, self.ada, scope="all_involved", version=1)


class FlagTests(CasesCase):
    def test_raise_and_resolve_a_high_flag(self) -> None:
        worker = self.actor("river_worker")
        self.assertFalse(risk.is_high_risk(self.ada))
        flag = actions.raise_flag(
            worker, self.ada, kind="safeguarding", severity="high", raised_at=ago(hours=2)
        )
        self.assertEqual(flag.source_organisation, self.cast.riverside)
        self.assertTrue(risk.is_high_risk(self.ada))
        self.assertEqual(list(Participant.objects.high_risk()), [self.ada])
        self.refused(lambda: actions.resolve_flag(worker, flag, resolution=""), "reason_required")
        actions.resolve_flag(
            worker, flag, resolution="Strategy meeting held; plan in place", at=ago(hours=1)
        )
        self.assertFalse(risk.is_high_risk(self.ada))
        self.assertTrue(risk.is_high_risk(self.ada, at=ago(minutes=90)))
        self.assertFalse(Participant.objects.high_risk().exists())
        self.refused(lambda: actions.resolve_flag(worker, flag, resolution="x"), "flag_resolved")

    def test_a_medium_flag_is_not_high_risk(self) -> None:
        make_flag(self.ada, severity="medium")
        self.assertFalse(risk.is_high_risk(self.ada))

    def test_escalations_plug_into_the_high_risk_seam(self) -> None:
        grace = make_participant(given_name="Grace")
        source = risk.EscalationSource(
            open_tiers=lambda p, at: ["same_day"] if p.pk == grace.pk else [],
            high_risk_ids=lambda at: Participant.objects.filter(pk=grace.pk),
        )
        risk.register_escalation_source(source)
        self.addCleanup(risk._ESCALATIONS.remove, source)
        self.assertTrue(risk.is_high_risk(grace))
        self.assertFalse(risk.is_high_risk(self.ada))
        self.assertEqual(list(Participant.objects.high_risk()), [grace])


class DeclineTests(CasesCase):
    def test_decline_a_worker_once_and_withdraw(self) -> None:
        worker = make_worker(self.cast.riverside, "RIV-9")
        coordinator = self.actor("river_coordinator")
        declined = actions.decline_worker(coordinator, self.ada, worker, reason="Prefers a woman")
        self.refused(
            lambda: actions.decline_worker(coordinator, self.ada, worker), "already_recorded"
        )
        actions.withdraw_decline(coordinator, declined)
        actions.decline_worker(coordinator, self.ada, worker)
        self.assertEqual(self.ada.declined_workers.count(), 2)


class MergeTests(CasesCase):
    def test_merge_moves_everything_and_unmerge_puts_back_exactly(self) -> None:
        cast = self.cast
        twin = make_participant(cast.swift, given_name="Ada", postcode="", nhs_number="")
        Participant.objects.filter(pk=self.ada.pk).update(address="")
        self.ada.refresh_from_db()
        referral = make_referral(twin, cast.discharge, cast.swift, cast.swift_admin)
        LocalId.objects.create(participant=twin, organisation=cast.swift, value="SW-1")
        flag = make_flag(twin)
        Participant.objects.filter(pk=twin.pk).update(address="9 Quay Street")
        twin.refresh_from_db()
        quality = self.actor("quality")
        merged = actions.merge(quality, self.ada, twin, reason="Same NHS number and birth date")
        twin.refresh_from_db()
        self.ada.refresh_from_db()
        self.assertEqual((twin.status, twin.merged_into), ("merged", self.ada))
        self.assertEqual(Referral.objects.get(pk=referral.pk).participant, self.ada)
        self.assertEqual(self.ada.flags.get(), flag)
        self.assertEqual(self.ada.address, "9 Quay Street")
        self.assertEqual(merged.moved["filled"], {"address": "9 Quay Street"})
        self.assertEqual(len(merged.moved["care_team"]), 3)
        self.assertFalse(CareTeamMember.objects.filter(participant=twin).exists())

        actions.unmerge(quality, merged, reason="Different people: checked with the GP")
        twin.refresh_from_db()
        self.ada.refresh_from_db()
        self.assertEqual((twin.status, twin.merged_into), ("active", None))
        self.assertEqual(Referral.objects.get(pk=referral.pk).participant, twin)
        self.assertEqual(twin.local_ids.get().value, "SW-1")
        self.assertEqual(twin.flags.get(), flag)
        self.assertEqual(CareTeamMember.objects.filter(participant=twin).count(), 3)
        self.assertEqual(self.ada.address, "")
        self.assertIsNotNone(Merge.objects.get(pk=merged.pk).unmerged_at)
        self.refused(lambda: actions.unmerge(quality, merged, reason="Again"), "already_recorded")

    def test_a_merge_never_widens_consent(self) -> None:
        twin = make_participant(self.cast.swift, given_name="Ada")
        add_to_care_team(twin, self.cast.prime, CareReason.PRIME)
        make_consent(twin, ConsentScope.NAMED, [self.cast.swift, self.cast.prime])
        quality = self.actor("quality")
        self.refused(lambda: actions.merge(quality, self.ada, twin, reason="Same"), "merge_consent")
        # The other way round is fine: the survivor's consent is the narrower one.
        actions.merge(quality, twin, self.ada, reason="Same")

    def test_only_reviewers_merge(self) -> None:
        twin = make_participant(self.cast.swift)
        self.refused(
            lambda: actions.merge(self.actor("river_admin"), self.ada, twin, reason="Same"),
            "not_permitted",
        )

    def test_not_the_same_is_one_pair_either_way_round(self) -> None:
        twin = make_participant(self.cast.swift, care=[(self.cast.prime, CareReason.PRIME)])
        quality = self.actor("quality")
        first = actions.not_the_same(quality, twin, self.ada, reason="Different mothers' names")
        again = actions.not_the_same(quality, self.ada, twin)
        self.assertEqual(first, again)
        self.assertEqual(NotDuplicate.objects.count(), 1)
        self.assertLess(first.first_id, first.second_id)
