"""Two people revising the same plan from the same version at the same moment (real threads
against the file database): exactly one wins, the other is told, and nothing is half-written."""

from __future__ import annotations

import threading

from seamline.access import actor_for
from seamline.cases.models import Participant
from seamline.errors import Conflict
from seamline.network.models import User
from seamline.network.tests.test_concurrency import run_in_threads
from seamline.plans import actions
from seamline.plans.models import Plan, PlanVersion
from seamline.testing import ConcurrentTestCase, build_cast

from .scene import ada, first_content


class ConcurrentRevisionTests(ConcurrentTestCase):
    def setUp(self) -> None:
        self.cast = build_cast()
        self.ada = ada(self.cast)

    def revise_from(self, version: int, writers: list[str]) -> list[object]:
        def revise(i: int, barrier: threading.Barrier) -> int:
            actor = actor_for(User.objects.get(username=writers[i]))
            participant = Participant.objects.get(pk=self.ada.pk)
            content = first_content()
            content["preferences"] = [f"Preference written by {writers[i]}"]
            barrier.wait()
            return actions.revise_plan(
                actor, participant, content=content, reason=f"By {writers[i]}", version=version
            ).number

        return run_in_threads(len(writers), revise)

    def test_two_first_versions_at_once_one_wins(self) -> None:
        results = self.revise_from(0, ["river_coordinator", "river_supervisor"])
        won = [r for r in results if isinstance(r, int)]
        lost = [r for r in results if isinstance(r, Conflict)]
        self.assertEqual((won, len(lost)), ([1], 1), results)
        self.assertEqual(PlanVersion.objects.count(), 1)

    def test_two_revisions_of_one_version_one_wins_and_the_other_is_told(self) -> None:
        coordinator = actor_for(User.objects.get(username="river_coordinator"))
        actions.revise_plan(
            coordinator, self.ada, content=first_content(), reason="Agreed", version=0
        )
        results = self.revise_from(1, ["river_coordinator", "river_admin"])
        won = [r for r in results if isinstance(r, int)]
        lost = [r for r in results if isinstance(r, Conflict)]
        self.assertEqual((won, len(lost)), ([2], 1), results)
        self.assertIn("stale_version", lost[0].codes)
        plan = Plan.objects.get(participant=self.ada)
        self.assertEqual(plan.version, 2)
        self.assertEqual(sorted(plan.versions.values_list("number", flat=True)), [1, 2])
