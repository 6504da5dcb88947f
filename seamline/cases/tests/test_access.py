"""Who sees a participant (SPEC C1): the database query and the plain rule agree on every
combination of care-team parts and consent, and the loaders refuse with "not found"."""

from __future__ import annotations

from datetime import timedelta
from itertools import product

from django.utils import timezone

from seamline.access import NotFound, ReadOnly
from seamline.audit.models import AuditEntry, EntryKind
from seamline.cases import access, rules
from seamline.cases.actions import consent_facts
from seamline.cases.choices import CareReason, ConsentScope
from seamline.cases.models import Participant, Referral
from seamline.cases.testing import (
    add_to_care_team,
    ago,
    make_consent,
    make_participant,
    make_referral,
)
from seamline.testing import CastTestCase

PARTS = [
    (),
    (CareReason.RECEIVING,),
    (CareReason.OWNER,),
    (CareReason.PRIME,),
    (CareReason.VISIT, CareReason.HANDOFF),
    (CareReason.OWNER, CareReason.RECEIVING),
]
CONSENTS = ["none", "all", "named_us", "named_other", "withdrawn", "lapsed", "not_yet"]


class VisibilityGridTests(CastTestCase):
    """One participant per (parts riverside holds, consent) pair."""

    grid: dict[tuple[tuple[str, ...], str], Participant]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cast = cls.cast
        today = timezone.localdate()
        cls.grid = {}
        for n, (parts, consent) in enumerate(product(PARTS, CONSENTS)):
            someone = make_participant(cast.prime, given_name=f"Grid{n}", family_name="Case")
            for reason in parts:
                add_to_care_team(someone, cast.riverside, reason)
            # Another organisation's part, which must not give riverside anything.
            add_to_care_team(someone, cast.swift, CareReason.OWNER)
            if consent == "all":
                make_consent(someone)
            elif consent == "named_us":
                make_consent(someone, ConsentScope.NAMED, [cast.riverside])
            elif consent == "named_other":
                make_consent(someone, ConsentScope.NAMED, [cast.swift])
            elif consent == "withdrawn":
                make_consent(someone, withdrawn_at=timezone.now() - timedelta(hours=1))
            elif consent == "lapsed":
                make_consent(someone, valid_to=today - timedelta(days=1))
            elif consent == "not_yet":
                make_consent(someone, valid_from=today + timedelta(days=2))
            cls.grid[(parts, consent)] = someone

    def test_the_query_and_the_rule_agree_on_every_combination(self) -> None:
        actor = self.cast.actor(self.cast.river_coordinator)
        seen = set(Participant.objects.visible_to(actor).values_list("pk", flat=True))
        now = timezone.now()
        for (parts, consent), someone in self.grid.items():
            someone.refresh_from_db()
            expected = rules.may_see(
                "riverside", parts, consent_facts(someone.current_consent), now
            )
            with self.subTest(parts=parts, consent=consent):
                self.assertEqual(someone.pk in seen, expected)

    def test_asked_of_one_participant_the_answer_is_the_list_s(self) -> None:
        # `organisation_sees` (one query compiled once, for the rota gate's single checks)
        # must answer as the list does, now and as of earlier instants.
        actor = self.cast.actor(self.cast.river_coordinator)
        for at in (None, timezone.now() - timedelta(days=3), timezone.now() + timedelta(days=3)):
            seen = set(Participant.objects.visible_to(actor, at).values_list("pk", flat=True))
            for (parts, consent), someone in self.grid.items():
                with self.subTest(parts=parts, consent=consent, at=at):
                    self.assertEqual(
                        access.organisation_sees(self.cast.riverside, someone.pk, at),
                        someone.pk in seen,
                    )

    def test_a_few_combinations_spelled_out(self) -> None:
        actor = self.cast.actor(self.cast.river_coordinator)
        seen = set(Participant.objects.visible_to(actor).values_list("pk", flat=True))
        receiving, owner = (CareReason.RECEIVING,), (CareReason.OWNER,)
        table = [
            ((), "none", False),
            (receiving, "none", True),
            (receiving, "named_us", True),
            (receiving, "named_other", False),
            (receiving, "withdrawn", False),
            (owner, "withdrawn", True),
            (owner, "named_other", True),
            (receiving, "lapsed", False),
            (receiving, "not_yet", False),
        ]
        for parts, consent, expected in table:
            with self.subTest(parts=parts, consent=consent):
                self.assertEqual(self.grid[(parts, consent)].pk in seen, expected)

    def test_commissioners_see_no_participant(self) -> None:
        add_to_care_team(self.grid[((), "none")], self.cast.icb, CareReason.PLAN)
        actor = self.cast.actor(self.cast.commissioner)
        self.assertFalse(Participant.objects.visible_to(actor).exists())
        self.assertFalse(access.can_list_participants(actor))


class TimeTests(CastTestCase):
    def test_parts_count_only_between_their_start_and_end(self) -> None:
        cast = self.cast
        now = timezone.now()
        ended = make_participant(cast.prime, given_name="Ended")
        add_to_care_team(
            ended, cast.riverside, "visit", started_at=now - timedelta(days=5), ended_at=now
        )
        future = make_participant(cast.prime, given_name="Future")
        add_to_care_team(future, cast.riverside, "visit", started_at=now + timedelta(days=1))
        actor = cast.actor(cast.river_worker)
        self.assertFalse(Participant.objects.visible_to(actor).exists())
        earlier = Participant.objects.visible_to(actor, at=now - timedelta(days=1))
        self.assertEqual(list(earlier), [ended])
        later = Participant.objects.visible_to(actor, at=now + timedelta(days=2))
        self.assertEqual(list(later), [future])


class ConsentAsOfTests(CastTestCase):
    def test_the_consent_in_force_then_decides_then(self) -> None:
        cast = self.cast
        ada = make_participant(cast.prime)
        add_to_care_team(ada, cast.riverside, CareReason.VISIT, started_at=ago(days=30))
        make_consent(
            ada, valid_from=timezone.localdate() - timedelta(days=20), recorded_at=ago(days=20)
        )
        make_consent(ada, ConsentScope.NAMED, [cast.swift], recorded_at=ago(days=10))
        make_consent(ada, ConsentScope.NAMED, [cast.riverside], recorded_at=ago(days=2))
        river = cast.actor(cast.river_worker)

        def seen(days: float) -> bool:
            found = Participant.objects.visible_to(river, at=ago(days=days)).exists()
            one = access.organisation_sees(cast.riverside, ada.pk, ago(days=days))
            self.assertEqual(one, found)
            return found

        self.assertEqual(
            [seen(25), seen(15), seen(5), seen(0)],
            [True, True, False, True],  # none yet, everyone, agency only, Riverside named
        )


class LoaderTests(CastTestCase):
    ada: Participant
    referral: Referral

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cast = cls.cast
        cls.ada = make_participant(cast.riverside)
        cls.referral = make_referral(
            cls.ada, cast.discharge, cast.riverside, cast.river_coordinator
        )

    def test_a_participant_out_of_scope_is_not_found_and_the_refusal_logged(self) -> None:
        actor = self.cast.actor(self.cast.swift_admin)
        for code in (self.ada.code, "P-999999", "nonsense"):
            with self.subTest(code), self.assertRaises(NotFound):
                access.get_participant_for_user(actor, code)
        refused = AuditEntry.objects.filter(kind=EntryKind.REFUSED, actor_label="swift_admin")
        self.assertEqual(
            sorted(refused.values_list("object_id", flat=True)),
            sorted([self.ada.code, "P-999999", "nonsense"]),
        )
        self.assertEqual(set(refused.values_list("object_label", flat=True)), {""})

    def test_those_in_the_care_team_and_the_prime_load_it(self) -> None:
        for name in ("river_worker", "river_coordinator", "net_admin", "quality", "inspector"):
            with self.subTest(name):
                actor = self.cast.actor(self.cast[name])
                self.assertEqual(access.get_participant_for_user(actor, self.ada.code), self.ada)
                found = access.get_referral_for_user(actor, self.referral.code.lower())
                self.assertEqual(found, self.referral)

    def test_inspectors_and_workers_may_not_change_the_record(self) -> None:
        for name in ("inspector", "river_worker"):
            with self.subTest(name), self.assertRaises(ReadOnly):
                access.get_participant_for_user(
                    self.cast.actor(self.cast[name]), self.ada.code, write=True
                )
        coordinator = self.cast.actor(self.cast.river_coordinator)
        access.get_participant_for_user(coordinator, self.ada.code, write=True)

    def test_a_referral_is_hidden_with_its_participant(self) -> None:
        make_consent(self.ada, ConsentScope.NAMED, [self.cast.riverside])
        prime = self.cast.actor(self.cast.net_admin)
        with self.assertRaises(NotFound):
            access.get_referral_for_user(prime, self.referral.code)
        self.assertFalse(Referral.objects.visible_to(prime).exists())

    def test_only_the_owners_work_a_referral(self) -> None:
        cast = self.cast
        self.assertTrue(access.can_work_referral(cast.actor(cast.river_worker), self.referral))
        self.assertTrue(access.can_work_referral(cast.actor(cast.net_admin), self.referral))
        self.assertFalse(access.can_work_referral(cast.actor(cast.quality), self.referral))
        self.assertFalse(access.can_work_referral(cast.actor(cast.inspector), self.referral))
        with self.assertRaises(ReadOnly):
            access.get_referral_for_user(cast.actor(cast.quality), self.referral.code, write=True)

    def test_a_merged_record_is_seen_through_its_survivor(self) -> None:
        cast = self.cast
        twin = make_participant(cast.swift, given_name="Ada")
        add_to_care_team(twin, cast.swift, CareReason.RECEIVING)
        Participant.objects.filter(pk=twin.pk).update(status="merged", merged_into=self.ada)
        river = cast.actor(cast.river_coordinator)
        found = access.get_participant_for_user(river, twin.code)
        self.assertTrue(found.is_merged)
        self.assertEqual(access.survivor_of(found), self.ada)
        with self.assertRaises(ReadOnly):
            access.get_participant_for_user(river, twin.code, write=True)
        # The swift agency no longer sees the absorbed record: it sees no survivor.
        with self.assertRaises(NotFound):
            access.get_participant_for_user(cast.actor(cast.swift_admin), twin.code)
