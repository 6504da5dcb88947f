"""The network's pure rules, as tables: plain values in, reason codes out."""

from __future__ import annotations

from typing import Any

from django.test import SimpleTestCase

from seamline.network.choices import ActionKind, OrgKind, OrgStatus, RaciLetter, Role
from seamline.network.rules import (
    RaciEntry,
    Right,
    may_initiate,
    raci_gaps,
    role_grant_reasons,
    status_move_reasons,
)

NA, PA, SV, CO, SC, WO, QL, CM, IN = (
    Role.NETWORK_ADMIN,
    Role.PARTNER_ADMIN,
    Role.SUPERVISOR,
    Role.COORDINATOR,
    Role.SCHEDULER,
    Role.WORKER,
    Role.QUALITY_LEAD,
    Role.COMMISSIONER,
    Role.INSPECTOR,
)

# Who grants: (roles held, in the prime?, member of the organisation receiving the role?)
GRANTERS = {
    "network admin": ({NA}, True, False),
    "network admin in own org": ({NA}, True, True),
    "partner admin, same org": ({PA}, False, True),
    "partner admin, other org": ({PA}, False, False),
    "prime partner admin, same org": ({PA}, True, True),
    "prime quality lead, same org": ({QL}, True, True),
    "supervisor, same org": ({SV}, False, True),
    "worker, same org": ({WO}, False, True),
    "inspector": ({IN}, True, False),
    "commissioner": ({CM}, False, False),
    "nobody": (set(), False, False),
    # The network admin role is the prime's: held anywhere else it grants nothing.
    "network admin outside the prime": ({NA}, False, True),
}


def grant_codes(role: str, granter: str, org_kind: str, has_expiry: bool = True) -> set[str]:
    roles, in_prime, same_org = GRANTERS[granter]
    reasons = role_grant_reasons(
        role=role,
        org_kind=org_kind,
        granter_roles=roles,
        granter_in_prime=in_prime,
        same_org=same_org,
        has_expiry=has_expiry,
    )
    return {r.code for r in reasons}


ADMIN_ONLY = {"grant_network_admin_only"}
PRIME_ONLY = {"role_prime_only"}
COMM_ORG = {"role_commissioner_org"}
OK: set[str] = set()


# Reason codes in the grid below, one letter each ("-": no reason, the grant is allowed).
CODES = {
    "P": "role_prime_only",
    "C": "role_commissioner_org",
    "N": "grant_not_entitled",
    "A": "grant_network_admin_only",
}


def cell(text: str) -> set[str]:
    return set() if text == "-" else {CODES[letter] for letter in text}


class RoleGrantIntoSubcontractorTests(SimpleTestCase):
    """Every role granted into a subcontractor (inspector with an end date), by every granter."""

    COLUMNS = (
        "network admin",
        "partner admin, same org",
        "partner admin, other org",
        "prime quality lead, same org",
        "supervisor, same org",
        "worker, same org",
        "inspector",
        "commissioner",
        "nobody",
        "network admin outside the prime",
    )
    # Granters:       NA   PA=  PA!= QL=  SV=  WO=  IN   CM   none NA-outside-prime
    TABLE = {
        NA: "          P    PA   PN   PN   PN   PN   PN   PN   PN   PN",
        PA: "          -    -    N    N    N    N    N    N    N    N",
        SV: "          -    -    N    N    N    N    N    N    N    N",
        CO: "          -    -    N    N    N    N    N    N    N    N",
        SC: "          -    -    N    N    N    N    N    N    N    N",
        WO: "          -    -    N    N    N    N    N    N    N    N",
        QL: "          -    -    N    N    N    N    N    N    N    N",
        CM: "          C    CA   CN   CN   CN   CN   CN   CN   CN   CN",
        IN: "          -    A    N    N    N    N    N    N    N    N",
    }

    def test_table_covers_every_role(self):
        self.assertEqual(set(self.TABLE), set(Role.values))

    def test_every_role_by_every_granter(self):
        for role, row in self.TABLE.items():
            for granter, expected in zip(self.COLUMNS, row.split(), strict=True):
                with self.subTest(role=role, granter=granter):
                    self.assertEqual(
                        grant_codes(role, granter, OrgKind.SUBCONTRACTOR), cell(expected)
                    )


class RoleGrantByOrganisationKindTests(SimpleTestCase):
    """What the network admin may grant depends on the kind of organisation."""

    def test_network_admin_is_held_only_inside_the_prime(self):
        for kind in OrgKind.values:
            with self.subTest(kind=kind):
                expected = OK if kind == OrgKind.PRIME else PRIME_ONLY
                self.assertEqual(grant_codes(NA, "network admin", kind), expected)

    def test_commissioner_is_held_only_in_commissioner_kinds(self):
        allowed = {OrgKind.COMMISSIONER, OrgKind.HEALTH_PLAN, OrgKind.LOCAL_AUTHORITY}
        for kind in OrgKind.values:
            with self.subTest(kind=kind):
                expected = OK if kind in allowed else COMM_ORG
                self.assertEqual(grant_codes(CM, "network admin", kind), expected)

    def test_other_roles_may_be_held_in_every_kind(self):
        for role in (PA, SV, CO, SC, WO, QL, IN):
            for kind in OrgKind.values:
                with self.subTest(role=role, kind=kind):
                    self.assertEqual(grant_codes(role, "network admin", kind), OK)

    def test_network_admin_grants_network_admin_inside_own_prime(self):
        self.assertEqual(grant_codes(NA, "network admin in own org", OrgKind.PRIME), OK)

    def test_prime_partner_admin_cannot_make_a_network_admin(self):
        self.assertEqual(
            grant_codes(NA, "prime partner admin, same org", OrgKind.PRIME), ADMIN_ONLY
        )
        self.assertEqual(grant_codes(WO, "prime partner admin, same org", OrgKind.PRIME), OK)

    def test_partner_admin_in_a_commissioner_cannot_grant_commissioner(self):
        self.assertEqual(
            grant_codes(CM, "partner admin, same org", OrgKind.COMMISSIONER), ADMIN_ONLY
        )


class InspectorExpiryTests(SimpleTestCase):
    def test_inspector_needs_an_end_date(self):
        reasons = role_grant_reasons(
            role=IN,
            org_kind=OrgKind.PRIME,
            granter_roles={NA},
            granter_in_prime=True,
            same_org=True,
            has_expiry=False,
        )
        self.assertEqual(
            [(r.code, r.field) for r in reasons], [("inspector_needs_expiry", "expires_at")]
        )

    def test_only_inspectors_need_an_end_date(self):
        for role in (PA, SV, CO, SC, WO, QL):
            with self.subTest(role=role):
                self.assertEqual(
                    grant_codes(role, "network admin", OrgKind.SUBCONTRACTOR, has_expiry=False), OK
                )

    def test_missing_end_date_is_reported_with_the_other_reasons(self):
        self.assertEqual(
            grant_codes(IN, "partner admin, other org", OrgKind.SUBCONTRACTOR, has_expiry=False),
            {"inspector_needs_expiry", "grant_not_entitled"},
        )


class RoleGrantReasonTextTests(SimpleTestCase):
    def test_unknown_role_is_the_only_reason(self):
        reasons = role_grant_reasons(
            role="superuser",
            org_kind=OrgKind.PRIME,
            granter_roles={NA},
            granter_in_prime=True,
            same_org=True,
            has_expiry=True,
        )
        self.assertEqual([(r.code, r.field) for r in reasons], [("role_unknown", "role")])
        self.assertEqual(reasons[0].message, "'superuser' is not a role in Seamline.")

    def test_reasons_name_the_role_field_and_the_role(self):
        reasons = role_grant_reasons(
            role=NA,
            org_kind=OrgKind.SUBCONTRACTOR,
            granter_roles={PA},
            granter_in_prime=False,
            same_org=True,
            has_expiry=True,
        )
        self.assertEqual(
            [(r.code, r.field, r.message) for r in reasons],
            [
                (
                    "role_prime_only",
                    "role",
                    "Network admin is held only inside the prime provider.",
                ),
                (
                    "grant_network_admin_only",
                    "role",
                    "Only the network admin grants Network admin.",
                ),
            ],
        )


class StatusMoveTests(SimpleTestCase):
    ON, AC, SU, EX = OrgStatus.ONBOARDING, OrgStatus.ACTIVE, OrgStatus.SUSPENDED, OrgStatus.EXITED
    # from -> to -> expected code (with a reason given); None: the move is allowed
    TABLE: dict[str, dict[str, str | None]] = {
        ON: {ON: "status_unchanged", AC: None, SU: "status_move_not_allowed", EX: None},
        AC: {ON: "status_move_not_allowed", AC: "status_unchanged", SU: None, EX: None},
        SU: {ON: "status_move_not_allowed", AC: None, SU: "status_unchanged", EX: None},
        EX: {
            ON: "status_move_not_allowed",
            AC: "status_move_not_allowed",
            SU: "status_move_not_allowed",
            EX: "status_unchanged",
        },
    }

    def test_every_from_and_to_pair(self):
        self.assertEqual(set(self.TABLE), set(OrgStatus.values))
        for current, row in self.TABLE.items():
            self.assertEqual(set(row), set(OrgStatus.values))
            for new, code in row.items():
                with self.subTest(current=current, new=new):
                    reasons = status_move_reasons(current, new, "Contract review")
                    self.assertEqual([r.code for r in reasons], [code] if code else [])
                    self.assertTrue(all(r.field == "status" for r in reasons))

    def test_a_reason_is_required_for_every_move(self):
        for current, new in ((self.ON, self.AC), (self.AC, self.SU), (self.SU, self.EX)):
            for blank in ("", "   "):
                with self.subTest(current=current, new=new, reason=blank):
                    reasons = status_move_reasons(current, new, blank)
                    self.assertEqual(
                        [(r.code, r.field) for r in reasons], [("reason_required", "reason")]
                    )

    def test_bad_move_and_missing_reason_are_both_reported(self):
        reasons = status_move_reasons(self.EX, self.AC, "")
        self.assertEqual([r.code for r in reasons], ["status_move_not_allowed", "reason_required"])

    def test_unknown_status(self):
        reasons = status_move_reasons(self.AC, "paused", "Contract review")
        self.assertEqual([(r.code, r.field) for r in reasons], [("status_unknown", "status")])

    def test_messages_say_what_is_possible(self):
        [reason] = status_move_reasons(self.AC, self.ON, "Contract review")
        self.assertEqual(
            reason.message,
            "An organisation that is active cannot become onboarding; it can become exited, "
            "suspended.",
        )
        [reason] = status_move_reasons(self.EX, self.AC, "Contract review")
        self.assertEqual(
            reason.message, "An organisation that is exited cannot become active; exited is final."
        )
        [reason] = status_move_reasons(self.SU, self.SU, "Contract review")
        self.assertEqual(reason.message, "The organisation is already suspended.")


def raci(*letters: str) -> list[RaciEntry]:
    return [RaciEntry(letter=letter, organisation="riverside", role=None) for letter in letters]


class RaciGapTests(SimpleTestCase):
    R, A = RaciLetter.RESPONSIBLE, RaciLetter.ACCOUNTABLE
    C, INF = RaciLetter.CONSULTED, RaciLetter.INFORMED

    def test_table(self):
        table = [
            ((), ["raci_accountable", "raci_responsible"]),
            ((self.C, self.INF), ["raci_accountable", "raci_responsible"]),
            ((self.A,), ["raci_responsible"]),
            ((self.R,), ["raci_accountable"]),
            ((self.R, self.R), ["raci_accountable"]),
            ((self.A, self.R), []),
            ((self.A, self.R, self.R, self.C, self.INF), []),
            ((self.A, self.A, self.R), ["raci_accountable"]),
            ((self.A, self.A), ["raci_accountable", "raci_responsible"]),
        ]
        for letters, expected in table:
            with self.subTest(letters=letters):
                self.assertEqual([r.code for r in raci_gaps("Triage", raci(*letters))], expected)

    def test_messages_name_the_step_and_the_count(self):
        reasons = raci_gaps("Triage", raci(self.A, self.A))
        self.assertEqual(
            [r.message for r in reasons],
            [
                "Step 'Triage' needs exactly one Accountable party (it has 2).",
                "Step 'Triage' has nobody Responsible for doing it.",
            ],
        )

    def test_parties_named_by_role_count_the_same(self):
        entries = [
            RaciEntry(letter=self.A, organisation=None, role=Role.SUPERVISOR),
            RaciEntry(letter=self.R, organisation=None, role=Role.COORDINATOR),
        ]
        self.assertEqual(raci_gaps("Triage", entries), [])


CRISIS = ActionKind.CRISIS_ESCALATION
HOUSING = ActionKind.HOUSING_ACTION


def ask(rights: list[Right], **overrides: Any) -> bool:
    question: dict[str, Any] = {
        "action_kind": CRISIS,
        "pathway": "discharge",
        "organisation": "riverside",
        "roles": {SV},
    }
    question.update(overrides)
    allowed, reasons = may_initiate(rights, **question)
    if allowed:
        assert reasons == []
    else:
        assert [r.code for r in reasons] == ["no_decision_right"]
    return allowed


class MayInitiateTests(SimpleTestCase):
    def test_open_right_lets_anyone_start_that_action(self):
        rights = [Right(CRISIS, pathway=None, organisation=None, role=None)]
        self.assertTrue(ask(rights))
        self.assertTrue(ask(rights, pathway=None, organisation="swiftstaff", roles={WO}))
        self.assertTrue(ask(rights, roles=set()))
        self.assertFalse(ask(rights, action_kind=HOUSING))

    def test_no_rights_no_start(self):
        self.assertFalse(ask([]))

    def test_table_of_specific_rights(self):
        table: list[tuple[tuple[str | None, str | None, str | None], dict[str, Any], bool]] = [
            # (right's pathway, organisation, role) -> question overrides -> allowed?
            (("discharge", None, None), {}, True),
            (("discharge", None, None), {"pathway": "crisis"}, False),
            (("discharge", None, None), {"pathway": None}, False),
            ((None, "riverside", None), {}, True),
            ((None, "riverside", None), {"organisation": "swiftstaff"}, False),
            ((None, None, SV), {}, True),
            ((None, None, SV), {"roles": {WO, CO}}, False),
            ((None, None, SV), {"roles": {WO, SV}}, True),
            (("discharge", "riverside", SV), {}, True),
            (("discharge", "riverside", SV), {"pathway": "crisis"}, False),
            (("discharge", "riverside", SV), {"organisation": "northbridge"}, False),
            (("discharge", "riverside", SV), {"roles": {CO}}, False),
        ]
        for (pathway, organisation, role), overrides, expected in table:
            right = Right(CRISIS, pathway=pathway, organisation=organisation, role=role)
            with self.subTest(right=right, question=overrides):
                self.assertEqual(ask([right], **overrides), expected)

    def test_any_matching_right_is_enough(self):
        rights = [
            Right(HOUSING, pathway=None, organisation=None, role=None),
            Right(CRISIS, pathway="crisis", organisation=None, role=None),
            Right(CRISIS, pathway=None, organisation="riverside", role=SV),
        ]
        self.assertTrue(ask(rights))
        self.assertFalse(ask(rights, roles={WO}))
        self.assertTrue(ask(rights, roles={WO}, pathway="crisis"))

    def test_refusal_says_who_asked_and_what_for(self):
        allowed, reasons = may_initiate(
            [],
            action_kind=CRISIS,
            pathway="discharge",
            organisation="riverside",
            roles={WO, SV},
            action_label="Crisis escalation",
        )
        self.assertFalse(allowed)
        self.assertEqual(
            reasons[0].message,
            "Nobody at riverside with roles supervisor, worker may start 'Crisis escalation' on "
            "pathway discharge without the network's agreement: take it to the huddle or ask the "
            "accountable party.",
        )

    def test_refusal_without_roles_or_pathway(self):
        _, reasons = may_initiate(
            [], action_kind=HOUSING, pathway=None, organisation="swiftstaff", roles=()
        )
        self.assertEqual(
            reasons[0].message,
            "Nobody at swiftstaff with roles none may start 'housing_action' without the "
            "network's agreement: take it to the huddle or ask the accountable party.",
        )
