"""Races on one handoff, with real threads and real commits (SQLite here; PostgreSQL in CI):
two people accepting at once, or the receiver accepting while the sender withdraws. Exactly
one wins; the other is told of the conflict (409), and the case moves at most once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from seamline.cases.models import Ownership, Referral
from seamline.cases.testing import make_participant, make_referral
from seamline.coordination.models import Action
from seamline.errors import Conflict
from seamline.handoffs import actions
from seamline.handoffs.choices import HandoffState
from seamline.handoffs.models import Handoff
from seamline.handoffs.testing import clear_for_receipt, fresh, load_templates, make_handoff
from seamline.network.models import User
from seamline.network.tests.test_concurrency import run_in_threads
from seamline.testing import ConcurrentTestCase, build_cast

RISK = "She is at high risk of falling at night"
ESCALATE = "999 for any fall, then the Northbridge duty line within the hour"


def accept(username: str) -> Callable[[Handoff], Any]:
    def run(handoff: Handoff) -> Any:
        actor = fresh(User.objects.get(username=username))
        return actions.accept_handoff(
            actor, handoff, risk_status=RISK, escalation=ESCALATE, version=handoff.version
        )

    return run


def withdraw(handoff: Handoff) -> Any:
    actor = fresh(User.objects.get(username="prime_worker"))
    return actions.withdraw_handoff(
        actor, handoff, reason="Sent to the wrong team", version=handoff.version
    )


class HandoffRaceTests(ConcurrentTestCase):
    def setUp(self) -> None:
        self.cast = build_cast()
        load_templates()
        clear_for_receipt(self.cast.river_worker, self.cast.riverside)
        clear_for_receipt(self.cast.river_coordinator, self.cast.riverside)
        ada = make_participant(self.cast.prime, given_name="Ada", family_name="Racing")
        self.referral = make_referral(
            ada, self.cast.discharge, self.cast.prime, self.cast.prime_worker
        )
        self.handoff = make_handoff(
            self.referral, self.cast.prime_worker, self.cast.riverside, send=True
        )

    def race(self, moves: list[Callable[[Handoff], Any]]) -> list[Any]:
        def work(i: int, barrier: threading.Barrier) -> Any:
            handoff = Handoff.objects.select_related(
                "template_version", "sender_organisation", "receiving_organisation", "step"
            ).get(pk=self.handoff.pk)
            barrier.wait()
            return moves[i](handoff)

        return run_in_threads(len(moves), work)

    def test_two_acceptances_at_once_one_wins(self) -> None:
        results = self.race([accept("river_worker"), accept("river_coordinator")])
        won = [r for r in results if isinstance(r, Handoff)]
        lost = [r for r in results if isinstance(r, Conflict)]
        self.assertEqual((len(won), len(lost)), (1, 1), results)
        handoff = Handoff.objects.get(pk=self.handoff.pk)
        self.assertEqual(handoff.state, HandoffState.ACCEPTED)
        referral = Referral.objects.get(pk=self.referral.pk)
        self.assertEqual(referral.owner_person, handoff.accepted_by)
        self.assertEqual(Ownership.objects.filter(referral=referral).count(), 2)
        self.assertEqual(Action.objects.count(), 1)

    def test_acceptance_against_withdrawal_one_wins(self) -> None:
        results = self.race([accept("river_worker"), withdraw])
        won = [r for r in results if isinstance(r, Handoff)]
        lost = [r for r in results if isinstance(r, Conflict)]
        self.assertEqual((len(won), len(lost)), (1, 1), results)
        handoff = Handoff.objects.get(pk=self.handoff.pk)
        referral = Referral.objects.get(pk=self.referral.pk)
        owners = Ownership.objects.filter(referral=referral).count()
        if handoff.state == HandoffState.ACCEPTED:
            self.assertEqual((referral.owner_organisation, owners), (self.cast.riverside, 2))
        else:
            self.assertEqual(handoff.state, HandoffState.WITHDRAWN)
            self.assertEqual((referral.owner_organisation, owners), (self.cast.prime, 1))
            self.assertFalse(Action.objects.exists())
