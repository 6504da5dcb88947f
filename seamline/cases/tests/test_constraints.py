"""What the database itself refuses, proven by writes that bypass the ORM's validation
(`QuerySet.update` and bare `create`): these hold on SQLite and on PostgreSQL in CI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from seamline.cases import codes, db
from seamline.cases.choices import ConsentScope, OwnershipHow
from seamline.cases.models import (
    Consent,
    LocalId,
    Merge,
    NotDuplicate,
    Ownership,
    Participant,
    Referral,
    RiskFlag,
)
from seamline.cases.testing import make_consent, make_participant, make_referral
from seamline.testing import CastTestCase


class ConstraintTests(CastTestCase):
    ada: Participant
    grace: Participant
    referral: Referral

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cast = cls.cast
        cls.ada = make_participant(cast.riverside)
        cls.grace = make_participant(cast.riverside, given_name="Grace", family_name="Hopper")
        cls.referral = make_referral(
            cls.ada, cast.discharge, cast.riverside, cast.river_coordinator
        )

    def assert_refused(self, write: Callable[[], object]) -> None:
        """The write must fail with IntegrityError (in a savepoint of its own)."""
        with self.assertRaises(IntegrityError), transaction.atomic():
            write()

    def referral_rows(self) -> QuerySet[Referral]:
        return Referral.objects.filter(pk=self.referral.pk)

    # -- an open referral always has an owner ------------------------------------------------

    def test_open_referral_without_owner_person_is_refused(self) -> None:
        self.assert_refused(lambda: self.referral_rows().update(owner_person=None))

    def test_open_referral_without_owner_organisation_is_refused(self) -> None:
        self.assert_refused(lambda: self.referral_rows().update(owner_organisation=None))

    def test_open_referral_created_without_owner_is_refused(self) -> None:
        self.assert_refused(
            lambda: Referral.objects.create(
                code="R-2026-999999",
                participant=self.ada,
                pathway=self.cast.discharge,
                receiving_organisation=self.cast.riverside,
                received_at=timezone.now(),
            )
        )

    def test_a_discharged_referral_may_have_no_owner(self) -> None:
        rows = Referral.objects.filter(pk=self.referral.pk)
        rows.update(
            discharged_at=timezone.now(),
            outcome="goals_met",
            owner_person=None,
            owner_organisation=None,
        )
        self.assertIsNone(rows.get().owner_person)

    # -- the timeline ------------------------------------------------------------------------

    def test_first_contact_before_received_is_refused(self) -> None:
        before = self.referral.received_at - timedelta(minutes=1)
        self.assert_refused(lambda: self.referral_rows().update(first_contact_at=before))

    def test_first_contact_at_received_is_allowed(self) -> None:
        rows = Referral.objects.filter(pk=self.referral.pk)
        self.assertEqual(rows.update(first_contact_at=self.referral.received_at), 1)

    def test_discharge_before_received_is_refused(self) -> None:
        before = self.referral.received_at - timedelta(minutes=1)
        self.assert_refused(
            lambda: self.referral_rows().update(discharged_at=before, outcome="died")
        )

    def test_discharge_needs_an_outcome_and_only_discharge_has_one(self) -> None:
        now = timezone.now()
        self.assert_refused(lambda: self.referral_rows().update(discharged_at=now))
        self.assert_refused(lambda: self.referral_rows().update(outcome="goals_met"))
        self.assert_refused(lambda: self.referral_rows().update(discharged_at=now, outcome="cured"))

    def test_referral_codes_are_unique(self) -> None:
        other = make_referral(
            self.grace, self.cast.discharge, self.cast.riverside, self.cast.river_coordinator
        )
        rows = Referral.objects.filter(pk=other.pk)
        self.assert_refused(lambda: rows.update(code=self.referral.code))

    # -- ownership history -------------------------------------------------------------------

    def test_two_ownerships_cannot_share_a_sequence_number(self) -> None:
        self.assert_refused(
            lambda: Ownership.objects.create(
                referral=self.referral,
                seq=1,
                organisation=self.cast.swift,
                person=self.cast.swift_admin,
                started_at=timezone.now(),
                how=OwnershipHow.HANDOFF,
            )
        )

    def test_a_reassignment_carries_a_reason(self) -> None:
        self.assert_refused(
            lambda: Ownership.objects.create(
                referral=self.referral,
                seq=2,
                organisation=self.cast.swift,
                person=self.cast.swift_admin,
                started_at=timezone.now(),
                how=OwnershipHow.REASSIGNED,
                reason="",
            )
        )

    # -- consent, identifiers, duplicates ------------------------------------------------------

    def test_a_consent_is_superseded_once(self) -> None:
        first = make_consent(self.grace)
        make_consent(self.grace, ConsentScope.NAMED, [self.cast.riverside])
        self.assert_refused(
            lambda: Consent.objects.create(
                participant=self.grace,
                scope=ConsentScope.ALL_INVOLVED,
                valid_from=timezone.localdate(),
                supersedes=first,
            )
        )

    def test_a_consent_cannot_end_before_it_starts(self) -> None:
        today = timezone.localdate()
        self.assert_refused(
            lambda: Consent.objects.create(
                participant=self.grace,
                scope=ConsentScope.ALL_INVOLVED,
                valid_from=today,
                valid_to=today - timedelta(days=1),
            )
        )

    def test_local_ids_are_unique_within_a_partner_only(self) -> None:
        LocalId.objects.create(participant=self.ada, organisation=self.cast.riverside, value="R1")
        LocalId.objects.create(participant=self.grace, organisation=self.cast.swift, value="R1")
        self.assert_refused(
            lambda: LocalId.objects.create(
                participant=self.grace, organisation=self.cast.riverside, value="R1"
            )
        )

    def test_a_merged_record_names_its_survivor(self) -> None:
        rows = Participant.objects.filter(pk=self.grace.pk)
        self.assert_refused(lambda: rows.update(status="merged"))
        self.assert_refused(lambda: rows.update(merged_into=self.ada))
        self.assert_refused(lambda: rows.update(status="merged", merged_into=self.grace))
        self.assertEqual(rows.update(status="merged", merged_into=self.ada), 1)

    def test_a_merge_joins_two_records_and_absorbs_each_once(self) -> None:
        self.assert_refused(
            lambda: Merge.objects.create(survivor=self.ada, absorbed=self.ada, reason="x")
        )
        Merge.objects.create(survivor=self.ada, absorbed=self.grace, reason="Same person")
        self.assert_refused(
            lambda: Merge.objects.create(survivor=self.ada, absorbed=self.grace, reason="Again")
        )

    def test_not_the_same_person_is_one_ordered_pair(self) -> None:
        low, high = sorted([self.ada, self.grace], key=lambda p: p.pk)
        self.assert_refused(lambda: NotDuplicate.objects.create(first=high, second=low))
        NotDuplicate.objects.create(first=low, second=high)
        self.assert_refused(lambda: NotDuplicate.objects.create(first=low, second=high))

    def test_flags_keep_to_their_vocabulary_and_timeline(self) -> None:
        now = timezone.now()
        self.assert_refused(
            lambda: RiskFlag.objects.create(
                participant=self.ada, kind="boredom", severity="high", raised_at=now
            )
        )
        self.assert_refused(
            lambda: RiskFlag.objects.create(
                participant=self.ada,
                kind="safeguarding",
                severity="high",
                raised_at=now,
                resolved_at=now - timedelta(minutes=1),
            )
        )


class CodeTests(CastTestCase):
    def test_codes_count_up_without_gaps(self) -> None:
        first = codes.next_participant_code()
        second = codes.next_participant_code()
        self.assertEqual(int(second[2:]), int(first[2:]) + 1)
        start = codes.reserve("participant", 10)
        self.assertEqual(start, int(second[2:]) + 1)
        self.assertEqual(codes.next_participant_code(), f"P-{start + 10:06d}")

    def test_referral_codes_count_within_their_year(self) -> None:
        this_year = timezone.localdate().year
        code = codes.next_referral_code()
        self.assertTrue(code.startswith(f"R-{this_year}-"))
        other = codes.next_referral_code(timezone.now().replace(year=this_year - 1))
        self.assertEqual(other, f"R-{this_year - 1}-000001")


class AppendOnlyTests(CastTestCase):
    """The ownership and consent histories refuse UPDATE in the database itself."""

    def test_history_rows_cannot_be_changed(self) -> None:
        ada = make_participant(self.cast.riverside)
        referral = make_referral(
            ada, self.cast.discharge, self.cast.riverside, self.cast.river_admin
        )
        consent = make_consent(ada)
        ownership = Ownership.objects.get(referral=referral)
        for table, pk in (("cases_ownership", ownership.pk), ("cases_consent", consent.pk)):
            with self.subTest(table):
                with (
                    self.assertRaises(DatabaseError) as caught,
                    transaction.atomic(),
                    connection.cursor() as cursor,
                ):
                    cursor.execute(f"UPDATE {table} SET id = id WHERE id = %s", [pk])  # noqa: S608
                self.assertIn(db.MESSAGE, str(caught.exception))
        self.assertEqual(Ownership.objects.get(pk=ownership.pk).person, self.cast.river_admin)
        # New rows are how history moves on.
        make_consent(ada, ConsentScope.NAMED, [self.cast.riverside])
        self.assertEqual(Consent.objects.filter(participant=ada).count(), 2)
