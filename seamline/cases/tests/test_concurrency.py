"""Concurrent writers on participants and referrals (SQLite and PostgreSQL): codes are never
handed out twice, and of two people moving the same case from the same version, exactly one
wins while the ownership history stays one unbroken line."""

from __future__ import annotations

import threading
from datetime import timedelta

from django.utils import timezone

from seamline.access import actor_for
from seamline.cases import actions
from seamline.cases.models import Ownership, Participant, Referral
from seamline.cases.testing import make_participant, make_referral
from seamline.errors import Conflict
from seamline.network.models import User
from seamline.network.tests.test_concurrency import run_in_threads
from seamline.testing import ConcurrentTestCase, build_cast

THREADS = 6


class ConcurrentCasesTests(ConcurrentTestCase):
    def setUp(self) -> None:
        self.cast = build_cast()

    def test_registrations_at_the_same_moment_get_distinct_codes(self) -> None:
        def register(i: int, barrier: threading.Barrier) -> str:
            actor = actor_for(User.objects.get(username="river_coordinator"))
            barrier.wait()
            return actions.register_participant(
                actor,
                given_name=f"Person{i}",
                family_name="Parallel",
                date_of_birth=timezone.localdate() - timedelta(days=30000),
            ).code

        codes = run_in_threads(THREADS, register)
        self.assertTrue(all(isinstance(c, str) for c in codes), codes)
        self.assertEqual(len(set(codes)), THREADS)
        self.assertEqual(Participant.objects.count(), THREADS)

    def test_two_reassignments_from_one_version_one_wins(self) -> None:
        ada = make_participant(self.cast.riverside)
        referral = make_referral(
            ada, self.cast.discharge, self.cast.riverside, self.cast.river_admin
        )
        targets = [("swiftstaff", "swift_admin"), ("northbridge", "net_admin")]

        def move(i: int, barrier: threading.Barrier) -> str:
            actor = actor_for(User.objects.get(username="net_admin"))
            case = Referral.objects.get(pk=referral.pk)
            org_code, username = targets[i % 2]
            person = User.objects.get(username=username)
            membership = person.current_membership()
            assert membership is not None
            barrier.wait()
            actions.reassign(
                actor,
                case,
                membership.organisation,
                person,
                f"Move {i}",
                version=1,
            )
            return org_code

        results = run_in_threads(2, move)
        won = [r for r in results if isinstance(r, str)]
        lost = [r for r in results if isinstance(r, Conflict)]
        self.assertEqual((len(won), len(lost)), (1, 1), results)
        referral.refresh_from_db()
        self.assertEqual(referral.owner_organisation.code, won[0])  # type: ignore[union-attr]
        history = list(Ownership.objects.filter(referral=referral).order_by("seq"))
        self.assertEqual([o.seq for o in history], [1, 2])
        self.assertEqual(history[-1].organisation.code, won[0])
