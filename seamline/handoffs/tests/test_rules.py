"""The pure rules of structured handoffs, as tables: bundle values, completeness, who may make
which move in which state, the repeat-back, acceptance, rejection, templates and time."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from seamline.errors import Reason
from seamline.handoffs import rules
from seamline.handoffs.bundles import CATALOGUE, DEFAULT_TEMPLATES, fields_for
from seamline.handoffs.choices import FieldLevel, HandoffState
from seamline.handoffs.rules import RECEIVER, SENDER, AcceptanceFacts, ActionOwner, Directory

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)
DISCHARGE = next(t for t in DEFAULT_TEMPLATES if t.transition == "hospital_discharge")
FIELDS = fields_for(DISCHARGE.levels)
PERSON = "5b0f6c2e-6d3a-4b59-9d55-0b6f2f1f6a01"
DIRECTORY = Directory(
    organisations={"riverside": "Riverside Home Support", "northbridge": "Northbridge"},
    people={PERSON: "riverside"},
)
ESCALATION = "Call 999 if she falls, then the duty line within the hour."
ITEM = {
    "description": "First visit",
    "owner_organisation": "riverside",
    "owner_role": "coordinator",
    "owner_person": "",
    "due_at": "2026-06-02T10:00:00+01:00",
}
CONTENT: dict[str, Any] = {
    "risk_status": "high",
    "current_risks": [{"risk": "Falls at night", "severity": "high"}],
    "medication_changes": [{"medicine": "Zopiclone", "change": "started", "detail": ""}],
    "escalation_instructions": ESCALATION,
    "consent": "given",
    "key_contacts": [{"name": "Mary", "role": "Daughter", "phone": "07700 900123"}],
    "action_items": [ITEM],
    "protective_factors": ["Daughter visits daily"],
    "safeguarding_status": "none_known",
    "current_plan": "Four visits a day.",
    "next_review": "2026-06-08",
}


def codes(reasons: list[Reason]) -> list[str]:
    return [r.code for r in reasons]


class ValueTests(SimpleTestCase):
    def test_each_field_type_accepts_good_values_and_names_bad_ones(self) -> None:
        c = CATALOGUE
        table = [
            (c["risk_status"], "high", []),
            (c["risk_status"], "catastrophic", ["invalid_value"]),
            (c["risk_status"], ["high"], ["invalid_value"]),
            (c["escalation_instructions"], ESCALATION, []),
            (c["escalation_instructions"], 42, ["invalid_value"]),
            (c["escalation_instructions"], "x" * (rules.MAX_TEXT + 1), ["value_too_long"]),
            (c["protective_factors"], ["Daughter", "Routine"], []),
            (c["protective_factors"], "Daughter", ["invalid_value"]),
            (c["protective_factors"], ["Daughter", ""], ["invalid_value"]),
            (c["next_review"], "2026-06-08", []),
            (c["next_review"], "8 June", ["invalid_value"]),
            (c["current_risks"], [{"risk": "Falls", "severity": "high"}], []),
            (c["current_risks"], [{"risk": "Falls", "severity": "dire"}], ["invalid_value"]),
            (c["current_risks"], [{"risk": "", "severity": "high"}], ["part_missing"]),
            (
                c["current_risks"],
                [{"risk": "Falls", "severity": "low", "x": "1"}],
                ["invalid_value"],
            ),
            (c["current_risks"], ["Falls"], ["invalid_value"]),
            (c["medication_changes"], [{"medicine": "A", "change": "stopped"}], []),
            (c["medication_changes"], [{"medicine": "A", "change": "halved"}], ["invalid_value"]),
            (c["key_contacts"], [{"name": "Mary", "phone": "07700 900123"}], []),
            (c["key_contacts"], [{"name": "Mary", "role": "Daughter"}], ["part_missing"]),
            (c["action_items"], [ITEM], []),
            (c["action_items"], [{**ITEM, "due_at": "tomorrow"}], ["invalid_value"]),
            (c["action_items"], [{**ITEM, "due_at": "2026-06-02T10:00"}], ["invalid_value"]),
            (c["action_items"], [{**ITEM, "owner_role": ""}], ["owner_required"]),
            (c["action_items"], [{**ITEM, "owner_role": "boss"}], ["invalid_value"]),
            (
                c["action_items"],
                [{**ITEM, "owner_organisation": "nowhere"}],
                ["unknown_organisation"],
            ),
            (c["action_items"], [{**ITEM, "owner_person": PERSON}], []),
            (
                c["action_items"],
                [{**ITEM, "owner_organisation": "northbridge", "owner_person": PERSON}],
                ["owner_not_member"],
            ),
            (
                c["action_items"],
                [{**ITEM, "owner_person": "5b0f6c2e-0000-4b59-9d55-0b6f2f1f6a01"}],
                ["unknown_person"],
            ),
            (c["action_items"], [{**ITEM, "description": ""}], ["part_missing"]),
        ]
        for spec, value, expected in table:
            with self.subTest(field=spec.key, value=value):
                self.assertEqual(codes(rules.value_reasons(spec, value, DIRECTORY)), expected)

    def test_an_empty_value_is_valid_here(self) -> None:
        empties: list[object] = [None, "", "   ", [], {}]
        for value in empties:
            with self.subTest(value=value):
                self.assertEqual(rules.value_reasons(CATALOGUE["action_items"], value), [])

    def test_item_reasons_name_the_entry_and_its_part(self) -> None:
        [reason] = rules.value_reasons(
            CATALOGUE["action_items"], [ITEM, {**ITEM, "due_at": ""}], DIRECTORY
        )
        self.assertEqual(reason.field, "action_items.1.due_at")
        self.assertIn("Action items 2", reason.message)

    def test_a_field_the_template_does_not_have_is_named(self) -> None:
        shift = fields_for(
            next(t for t in DEFAULT_TEMPLATES if t.transition == "shift_handover").levels
        )
        reasons = rules.content_reasons(shift, {"consent": "given", "risk_status": "low"})
        self.assertEqual([(r.code, r.field) for r in reasons], [("unknown_field", "consent")])


class CompletenessTests(SimpleTestCase):
    def test_share_of_mandatory_and_required_fields_present(self) -> None:
        counted = [s for s in FIELDS if s.level != FieldLevel.OPTIONAL]
        self.assertEqual(len(counted), 11)
        table = [
            ({}, 0),
            (CONTENT, 100),
            ({k: v for k, v in CONTENT.items() if k != "next_review"}, 90),  # 10 of 11
            ({"risk_status": "high", "consent": "given"}, 18),  # 2 of 11, rounded down
            ({**CONTENT, "safety_plan": ["Alarm"]}, 100),  # optional fields do not count
            ({**CONTENT, "current_plan": "   "}, 90),  # blank is missing
        ]
        for content, score in table:
            with self.subTest(score=score):
                self.assertEqual(rules.completeness(FIELDS, content).score, score)

    def test_names_what_is_missing_by_level(self) -> None:
        found = rules.completeness(FIELDS, {"risk_status": "high", "current_plan": "Visits"})
        self.assertEqual(
            found.missing_mandatory,
            (
                "current_risks",
                "medication_changes",
                "escalation_instructions",
                "consent",
                "key_contacts",
                "action_items",
            ),
        )
        self.assertEqual(
            found.missing_required, ("protective_factors", "safeguarding_status", "next_review")
        )
        self.assertFalse(found.complete)

    def test_every_missing_mandatory_field_is_listed(self) -> None:
        reasons = rules.missing_mandatory_reasons(FIELDS, {"consent": "given"})
        self.assertEqual(
            [r.field for r in reasons],
            [
                "risk_status",
                "current_risks",
                "medication_changes",
                "escalation_instructions",
                "key_contacts",
                "action_items",
            ],
        )
        self.assertEqual(set(codes(reasons)), {"field_missing"})
        self.assertIn("Medication changes is mandatory", reasons[2].message)


class MoveTests(SimpleTestCase):
    """Who may make which move in which state: the whole table."""

    ALLOWED = {
        "edit": (SENDER, {"draft", "info_requested"}),
        "send": (SENDER, {"draft", "info_requested"}),
        "withdraw": (SENDER, {"draft", "sent", "info_requested"}),
        "flag_mismatch": (SENDER, {"accepted"}),
        "resolve_rejection": (SENDER, {"rejected"}),
        "accept": (RECEIVER, {"sent"}),
        "reject": (RECEIVER, {"sent"}),
        "request_info": (RECEIVER, {"sent"}),
    }

    def test_every_move_in_every_state_from_every_side(self) -> None:
        self.assertEqual(set(self.ALLOWED), set(rules.MOVES))
        for move, (side, states) in self.ALLOWED.items():
            for state in HandoffState.values:
                every: list[set[str]] = [set(), {SENDER}, {RECEIVER}, {SENDER, RECEIVER}]
                for sides in every:
                    with self.subTest(move=move, state=state, sides=sorted(sides)):
                        got = codes(rules.move_reasons(move, state, sides))
                        if side not in sides:
                            expected = ["not_permitted"]
                        elif state not in states:
                            expected = ["wrong_state"]
                        else:
                            expected = []
                        self.assertEqual(got, expected)

    def test_refusals_say_who_may(self) -> None:
        [reason] = rules.move_reasons("accept", "sent", {SENDER})
        self.assertIn("receiving organisation", reason.message)
        [reason] = rules.move_reasons("send", "accepted", {SENDER})
        self.assertEqual(reason.message, "A handoff that is accepted cannot be sent.")


class RepeatBackTests(SimpleTestCase):
    def test_table(self) -> None:
        sent_risk = "High"
        table = [
            ("High risk of falls at night", "I ring 999 then the duty line", []),
            ("", "I ring 999 then the duty line", ["repeat_back_missing"]),
            ("High risk", "I ring 999 then the duty line", ["repeat_back_too_short"]),
            ("High risk of falls", "", ["repeat_back_missing"]),
            ("High risk of falls", ESCALATION, ["repeat_back_copied"]),
            ("High risk of falls", ESCALATION.upper().replace(",", " ;"), ["repeat_back_copied"]),
            ("  ", "?!", ["repeat_back_missing", "repeat_back_missing"]),
        ]
        for risk, escalation, expected in table:
            with self.subTest(risk=risk, escalation=escalation):
                got = rules.repeat_back_reasons(
                    risk_status=risk,
                    escalation=escalation,
                    sent_risk_status=sent_risk,
                    sent_escalation=ESCALATION,
                )
                self.assertEqual(codes(got), expected)

    def test_a_copied_risk_status_is_refused(self) -> None:
        got = rules.repeat_back_reasons(
            risk_status="High risk of falls now",
            escalation="Ring the duty line at once",
            sent_risk_status="high risk of falls now",
            sent_escalation=ESCALATION,
        )
        self.assertEqual(
            [(r.code, r.field) for r in got], [("repeat_back_copied", "repeat_back_risk")]
        )


GOOD = AcceptanceFacts(
    fields=FIELDS,
    content=CONTENT,
    repeat_back_risk="She is at high risk of falling at night",
    repeat_back_escalation="999 for a fall or confusion, then the duty line within an hour",
    cleared=True,
    care_organisations=frozenset({"riverside", "northbridge"}),
    action_owners=[ActionOwner(0, "riverside", "Riverside Home Support")],
    directory=DIRECTORY,
)


class AcceptanceTests(SimpleTestCase):
    def test_a_good_handoff_is_accepted(self) -> None:
        self.assertEqual(rules.acceptance_reasons(GOOD), [])

    def test_each_rule_refuses_on_its_own(self) -> None:
        without_review = {k: v for k, v in CONTENT.items() if k != "next_review"}
        table = [
            (replace(GOOD, case_open=False), ["case_closed"]),
            (replace(GOOD, sender_still_owns=False), ["owner_changed"]),
            (replace(GOOD, accepting_is_sender=True), ["own_handoff"]),
            (replace(GOOD, content={**CONTENT, "consent": ""}), ["field_missing"]),
            (replace(GOOD, content={**CONTENT, "consent": "maybe"}), ["invalid_value"]),
            (replace(GOOD, content=without_review), []),  # required, not mandatory
            (replace(GOOD, repeat_back_risk=""), ["repeat_back_missing"]),
            (replace(GOOD, repeat_back_escalation=ESCALATION), ["repeat_back_copied"]),
            (replace(GOOD, cleared=False), ["not_cleared_for_receipt"]),
            (replace(GOOD, cleared=None), ["no_worker_record"]),
            (replace(GOOD, care_organisations=frozenset({"northbridge"})), ["owner_outside_care"]),
        ]
        for facts, expected in table:
            with self.subTest(expected=expected):
                self.assertEqual(codes(rules.acceptance_reasons(facts)), expected)

    def test_an_incomplete_handoff_lists_every_missing_field_and_everything_else(self) -> None:
        facts = replace(
            GOOD,
            content={"risk_status": "high", "escalation_instructions": ESCALATION},
            action_owners=[],
            repeat_back_risk="high",
            cleared=False,
            clearance_reasons=(Reason("stage_below", "Handoff communication is supervised."),),
        )
        reasons = rules.acceptance_reasons(facts)
        self.assertEqual(
            [r.field for r in reasons if r.code == "field_missing"],
            ["current_risks", "medication_changes", "consent", "key_contacts", "action_items"],
        )
        self.assertIn("repeat_back_too_short", codes(reasons))
        cleared = next(r for r in reasons if r.code == "not_cleared_for_receipt")
        self.assertIn("Handoff communication is supervised.", cleared.message)

    def test_an_action_owner_outside_the_care_is_named_with_its_item(self) -> None:
        facts = replace(
            GOOD,
            action_owners=[
                ActionOwner(0, "riverside", "Riverside Home Support"),
                ActionOwner(1, "swiftstaff", "SwiftStaff Agency"),
            ],
        )
        [reason] = rules.acceptance_reasons(facts)
        self.assertEqual(reason.field, "action_items.1.owner_organisation")
        self.assertTrue(reason.message.startswith("Action item 2: SwiftStaff Agency has no part"))


class OtherMoveTests(SimpleTestCase):
    def test_rejection_needs_a_code_and_a_sentence(self) -> None:
        table = [
            ("no_capacity", "Full until Monday", []),
            ("missing_information", "No medication list", []),
            ("other", "", ["reason_required"]),
            ("busy", "Full", ["invalid_value"]),
            ("", "  ", ["invalid_value", "reason_required"]),
        ]
        for code, text, expected in table:
            with self.subTest(code=code, text=text):
                self.assertEqual(codes(rules.rejection_reasons(code=code, text=text)), expected)

    def test_creation_table(self) -> None:
        ok = {
            "case_open": True,
            "actor_org_owns": True,
            "receiver_active": True,
            "receiver_provides_care": True,
            "same_organisation": False,
            "template_allows_same": False,
            "step_on_pathway": True,
        }
        table = [
            ({}, []),
            ({"case_open": False}, ["case_closed"]),
            ({"actor_org_owns": False}, ["not_case_owner"]),
            ({"receiver_active": False}, ["receiver_inactive"]),
            ({"receiver_provides_care": False}, ["receiver_not_a_provider"]),
            ({"same_organisation": True}, ["same_organisation"]),
            ({"same_organisation": True, "template_allows_same": True}, []),
            ({"step_on_pathway": False}, ["step_not_on_pathway"]),
        ]
        for change, expected in table:
            with self.subTest(change=change):
                self.assertEqual(codes(rules.creation_reasons(**{**ok, **change})), expected)


class TemplateTests(SimpleTestCase):
    def test_every_default_template_keeps_the_core_fields_mandatory(self) -> None:
        for default in DEFAULT_TEMPLATES:
            with self.subTest(default.transition):
                self.assertEqual(
                    rules.template_reasons(
                        levels=default.levels, response_hours=default.response_hours, reason="x"
                    ),
                    [],
                )

    def test_table(self) -> None:
        levels = dict(DISCHARGE.levels)
        table = [
            (levels, 24, "Agreed at governance", []),
            ({**levels, "risk_status": "required"}, 24, "x", ["core_field_required"]),
            ({**levels, "escalation_instructions": ""}, 24, "x", ["core_field_required"]),
            ({**levels, "mood": "optional"}, 24, "x", ["invalid_value"]),
            ({**levels, "consent": "vital"}, 24, "x", ["invalid_value"]),
            (levels, 0, "x", ["invalid_value"]),
            (levels, rules.MAX_RESPONSE_HOURS + 1, "x", ["invalid_value"]),
            (levels, 24, " ", ["reason_required"]),
        ]
        for lv, hours, reason, expected in table:
            with self.subTest(hours=hours, expected=expected):
                got = rules.template_reasons(levels=lv, response_hours=hours, reason=reason)
                self.assertEqual(codes(got), expected)


class TimeTests(SimpleTestCase):
    def test_the_step_standard_wins_over_the_template(self) -> None:
        self.assertEqual(rules.response_standard(4, 24), 4)
        self.assertEqual(rules.response_standard(None, 24), 24)
        self.assertEqual(rules.response_standard(0, 24), 24)

    def test_overdue_table(self) -> None:
        due = NOW - timedelta(minutes=1)
        later = NOW + timedelta(hours=1)
        table = [
            ("sent", due, None, True),
            ("sent", later, None, False),
            ("info_requested", due, None, True),
            ("rejected", due, None, True),
            ("rejected", due, NOW - timedelta(hours=2), False),
            ("accepted", due, None, False),
            ("withdrawn", due, None, False),
            ("draft", due, None, False),
            ("sent", None, None, False),
            ("sent", NOW, None, False),  # due at this very instant: not yet past it
        ]
        for state, respond_by, resolved, expected in table:
            with self.subTest(state=state, respond_by=respond_by, resolved=resolved):
                self.assertEqual(
                    rules.is_overdue(
                        state=state, respond_by=respond_by, resolved_at=resolved, at=NOW
                    ),
                    expected,
                )

    def test_time_to_acceptance(self) -> None:
        self.assertEqual(
            rules.time_to_acceptance(NOW, NOW + timedelta(hours=3)), timedelta(hours=3)
        )
        self.assertIsNone(rules.time_to_acceptance(NOW, None))
        self.assertIsNone(rules.time_to_acceptance(None, NOW))
