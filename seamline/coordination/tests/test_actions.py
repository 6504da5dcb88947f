"""Owned actions: the owner rule (an organisation with a part in the care, and a person or a
role in it), who completes them, the constraints the database keeps, the rules as a table and
the pages."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.test import SimpleTestCase
from django.urls import reverse
from django.utils import timezone

from seamline.access import Actor, actor_for
from seamline.cases.choices import CareReason
from seamline.cases.testing import make_participant
from seamline.coordination import actions, rules
from seamline.coordination.models import Action
from seamline.errors import Conflict, RuleViolation
from seamline.network.models import User
from seamline.testing import CastTestCase

SYSTEM = Actor.system("test")
NOW = timezone.now()


class OwnerRuleTests(SimpleTestCase):
    def test_table(self) -> None:
        base = {
            "organisation": "riverside",
            "organisation_name": "Riverside",
            "care_organisations": {"riverside", "northbridge"},
            "person_organisation": None,
            "person_named": False,
            "role": "coordinator",
        }
        table: list[tuple[dict[str, object], list[str]]] = [
            ({}, []),
            ({"role": ""}, ["owner_required"]),
            ({"role": "", "person_named": True, "person_organisation": "riverside"}, []),
            ({"person_named": True, "person_organisation": "northbridge"}, ["owner_not_member"]),
            ({"role": "chief"}, ["invalid_value"]),
            ({"organisation": "swiftstaff"}, ["owner_outside_care"]),
        ]
        for change, expected in table:
            with self.subTest(change=change):
                got = rules.owner_reasons(**{**base, **change})  # type: ignore[arg-type]
                self.assertEqual([r.code for r in got], expected)

    def test_completion_table(self) -> None:
        table = [
            (None, NOW - timedelta(hours=1), []),
            (NOW, NOW, ["already_completed"]),
            (None, NOW + timedelta(hours=1), ["date_in_future"]),
            (None, NOW - timedelta(days=9), ["before_created"]),
        ]
        for completed, at, expected in table:
            with self.subTest(at=at):
                got = rules.completion_reasons(
                    completed_at=completed, created_at=NOW - timedelta(days=1), at=at, now=NOW
                )
                self.assertEqual([r.code for r in got], expected)


class ActionTests(CastTestCase):
    def setUp(self) -> None:
        self.eve = make_participant(
            self.cast.riverside, given_name="Eve", care=[(self.cast.riverside, CareReason.OWNER)]
        )

    def actor(self, name: str) -> Actor:
        user: User = self.cast[name]
        user.__dict__.pop("_seamline_actor", None)
        return actor_for(user)

    def make(self, **kwargs: object) -> Action:
        values: dict[str, object] = {
            "description": "Book the review",
            "owner_organisation": self.cast.riverside,
            "owner_role": "coordinator",
            "due_at": timezone.now() + timedelta(days=1),
            "source": "huddle",
            **kwargs,
        }
        return actions.create_action(self.actor("river_coordinator"), self.eve, **values)  # type: ignore[arg-type]

    def test_an_owner_outside_the_care_is_refused(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            self.make(owner_organisation=self.cast.swift)
        self.assertEqual(caught.exception.codes, ["owner_outside_care"])
        with self.assertRaises(RuleViolation) as caught:
            self.make(owner_role="", owner_person=self.cast.swift_worker)
        self.assertEqual(caught.exception.codes, ["owner_not_member"])

    def test_someone_who_cannot_see_the_person_sets_no_action(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            actions.create_action(
                self.actor("swift_admin"),
                self.eve,
                description="x",
                owner_organisation=self.cast.riverside,
                owner_role="coordinator",
                due_at=timezone.now(),
                source="huddle",
            )
        self.assertEqual(caught.exception.codes, ["not_permitted"])

    def test_who_completes(self) -> None:
        action = self.make()
        with self.assertRaises(RuleViolation):
            actions.complete_action(self.actor("river_worker"), action)
        actions.complete_action(self.actor("river_coordinator"), action, note="Booked")
        action.refresh_from_db()
        self.assertEqual(action.completed_by, self.cast.river_coordinator)
        with self.assertRaises(RuleViolation) as caught:
            actions.complete_action(self.actor("river_admin"), action)
        self.assertEqual(caught.exception.codes, ["already_completed"])

    def test_a_named_person_completes_their_own_and_a_stale_version_conflicts(self) -> None:
        action = self.make(owner_role="", owner_person=self.cast.river_worker)
        with self.assertRaises(Conflict):
            actions.complete_action(self.actor("river_worker"), action, version=action.version + 1)
        actions.complete_action(self.actor("river_worker"), action, version=action.version)
        self.assertIsNotNone(Action.objects.get(pk=action.pk).completed_at)

    def test_the_database_wants_a_person_or_a_role(self) -> None:
        with self.assertRaises(IntegrityError), transaction.atomic():
            Action.objects.create(
                participant=self.eve,
                description="x",
                owner_organisation=self.cast.riverside,
                due_at=timezone.now(),
                source="huddle",
            )

    def test_mine_and_overdue(self) -> None:
        mine = self.make(owner_role="", owner_person=self.cast.river_worker)
        late = self.make(due_at=timezone.now() - timedelta(hours=1))
        self.assertEqual(list(Action.objects.owned_by(self.actor("river_worker"))), [mine])
        self.assertEqual(list(Action.objects.owned_by(self.actor("river_coordinator"))), [late])
        self.assertEqual(list(Action.objects.overdue()), [late])
        self.assertFalse(Action.objects.visible_to(self.actor("swift_admin")).exists())

    def test_pages(self) -> None:
        late = self.make(due_at=timezone.now() - timedelta(hours=1))
        self.client.force_login(self.cast.river_coordinator)
        listing = self.client.get(reverse("coordination:actions"))
        self.assertContains(listing, "Book the review")
        self.assertContains(listing, "Overdue")
        url = reverse("coordination:action_complete", args=[late.uuid])
        response = self.client.post(url, {"note": "Done", "version": late.version})
        self.assertRedirects(response, reverse("coordination:actions"))
        done = self.client.get(reverse("coordination:actions"), {"show": "done"})
        self.assertContains(done, "Done ")
