"""Each role's home page is built from the cards that apply to it."""

from seamline.audit.models import ChainHead
from seamline.network import actions
from seamline.network.cards import CARDS, Card, register
from seamline.network.choices import ActionKind, OrgKind, OrgStatus, Role
from seamline.network.models import RaciAssignment
from seamline.testing import CastTestCase, make_org, make_pathway


def card_keys(response):
    return [card.key for card in response.context["cards"]]


def card(response, key):
    return next(c.context for c in response.context["cards"] if c.key == key)


class HomeCardsTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_org("harbour", OrgKind.VCSE, OrgStatus.ONBOARDING, name="Harbour Community Trust")
        crisis = make_pathway("crisis", cls.cast.prime, name="Crisis response")
        RaciAssignment.objects.filter(step__pathway=crisis, step__position=2, letter="A").delete()
        admin = cls.cast.actor(cls.cast.net_admin)
        step = crisis.steps.get(position=1)
        actions.add_raci(admin, step, letter="C", organisation=cls.cast.riverside)
        actions.add_decision_right(
            admin, action_kind=ActionKind.REFER, pathway=crisis, role=Role.WORKER, reason="Speed"
        )

    def test_network_admin(self):
        self.client.force_login(self.cast.net_admin)
        response = self.client.get("/")
        self.assertEqual(
            card_keys(response),
            [
                "assurance",
                "network_partners",
                "network_raci_gaps",
                "workforce_worklists",
                "network_people",
                "audit_recent",
            ],
        )
        partners = card(response, "network_partners")
        self.assertIn(
            ("Voluntary, community and social enterprise", [1, 0, 0, 0]), partners["table"]
        )
        self.assertEqual([o.code for o in partners["attention"]], ["harbour"])
        gaps = card(response, "network_raci_gaps")["pathways"]
        self.assertEqual(
            [(p.code, [s.code for s, _ in steps]) for p, steps in gaps], [("crisis", ["step-2"])]
        )
        people = {o.code: o.people for o in card(response, "network_people")["orgs"]}
        self.assertEqual(people["riverside"], 5)
        audit = card(response, "audit_recent")
        self.assertEqual(audit["head"], ChainHead.objects.get())
        self.assertContains(response, "decision_right.add")

    def test_partner_admin(self):
        self.client.force_login(self.cast.swift_admin)
        response = self.client.get("/")
        self.assertEqual(
            card_keys(response),
            ["my_organisation", "our_people", "workforce_worklists", "links", "audit_recent"],
        )
        people = card(response, "our_people")
        self.assertEqual(
            sorted((p.username, roles) for p, roles in people["rows"]),
            [("swift_admin", ["Partner admin"]), ("swift_worker", ["Frontline worker"])],
        )
        entries = card(response, "audit_recent")["entries"]
        self.assertTrue(entries)
        self.assertTrue(
            all("swiftstaff" in (e.organisation_code, e.object_organisation_code) for e in entries)
        )
        self.assertNotContains(response, "decision_right.add")

    def test_worker_sees_their_pathways_and_rights(self):
        self.client.force_login(self.cast.river_worker)
        response = self.client.get("/")
        self.assertEqual(
            card_keys(response), ["my_organisation", "my_pathways", "my_rights", "links"]
        )
        pathways = card(response, "my_pathways")["rows"]
        self.assertEqual(
            [(p.code, [(s.code, letters) for s, letters in parts]) for p, parts in pathways],
            [("crisis", [("step-1", "C")])],
        )
        self.assertEqual(
            card(response, "my_rights")["held"], [("Refer onward", "on Crisis response")]
        )

    def test_supervisor_holds_a_right_on_every_pathway(self):
        self.client.force_login(self.cast.river_supervisor)
        response = self.client.get("/")
        self.assertEqual(
            card(response, "my_rights")["held"], [("Crisis escalation", "on every pathway")]
        )

    def test_coordinator_works_on_pathways_through_their_role(self):
        self.client.force_login(self.cast.river_coordinator)
        response = self.client.get("/")
        rows = card(response, "my_pathways")["rows"]
        self.assertEqual(
            [(p.code, [(s.code, letters) for s, letters in parts]) for p, parts in rows],
            [
                ("crisis", [("step-1", "RC"), ("step-2", "R")]),
                ("discharge", [("step-1", "R"), ("step-2", "R")]),
            ],
        )

    def test_commissioner_and_inspector(self):
        self.client.force_login(self.cast.commissioner)
        self.assertEqual(card_keys(self.client.get("/")), ["assurance", "aggregates"])
        self.client.force_login(self.cast.inspector)
        response = self.client.get("/")
        self.assertEqual(card_keys(response), ["assurance", "inspector"])
        self.assertEqual(
            card(response, "inspector")["until"], self.cast.actor(self.cast.inspector).access_until
        )

    def test_a_later_app_adds_a_card_for_the_roles_it_names(self):
        register(
            Card(
                "test_rota",
                "network/cards/my_organisation.html",
                applies=lambda actor: actor.has(Role.SCHEDULER),
                build=lambda actor: {"org": actor.organisation},
                order=1,
            )
        )
        self.addCleanup(CARDS.pop, "test_rota")
        self.client.force_login(self.cast.river_scheduler)
        self.assertEqual(card_keys(self.client.get("/"))[0], "test_rota")
        self.client.force_login(self.cast.river_worker)
        self.assertNotIn("test_rota", card_keys(self.client.get("/")))
