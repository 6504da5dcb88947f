"""The pure rules of plan change control, as tables: the diff, the review a risk change opens,
who must acknowledge a version and when, and what a version must hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.test import SimpleTestCase

from seamline.plans import rules
from seamline.plans.rules import Change

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def content(risks=(), controls=(), preferences=(), consent=""):
    return {
        "risks": [{"title": t, "level": lvl} for t, lvl in risks],
        "controls": [{"description": d, "organisation": o} for d, o in controls],
        "preferences": list(preferences),
        "consent_summary": consent,
    }


BASE = content(
    risks=[("Falls at night", "high"), ("Missed medication", "medium")],
    controls=[("Evening visit checks the walking frame", "riverside")],
    preferences=["Tea without sugar"],
    consent="Shares with everyone involved",
)


class DiffTests(SimpleTestCase):
    def test_table(self) -> None:
        table: list[tuple[dict, list[tuple[str, str, str, str, str]]]] = [
            (BASE, []),
            (
                content(
                    risks=[("falls  at NIGHT", "high"), ("Missed medication", "medium")],
                    controls=[("Evening visit checks the walking frame", "riverside")],
                    preferences=["Tea without sugar"],
                    consent="Shares with everyone involved",
                ),
                [],
            ),
            (
                {**BASE, "risks": [*BASE["risks"], {"title": "Self-neglect", "level": "low"}]},
                [("risks", "added", "Self-neglect", "", "low")],
            ),
            (
                {**BASE, "risks": BASE["risks"][:1]},
                [("risks", "removed", "Missed medication", "medium", "")],
            ),
            (
                {
                    **BASE,
                    "risks": [{"title": "Falls at night", "level": "medium"}, BASE["risks"][1]],
                },
                [("risks", "changed", "Falls at night", "high", "medium")],
            ),
            (
                {
                    **BASE,
                    "controls": [
                        {
                            "description": "Evening visit checks the walking frame",
                            "organisation": "northbridge",
                        }
                    ],
                },
                [
                    (
                        "controls",
                        "changed",
                        "Evening visit checks the walking frame",
                        "riverside",
                        "northbridge",
                    )
                ],
            ),
            (
                {**BASE, "preferences": ["Tea with sugar"]},
                [
                    ("preferences", "removed", "Tea without sugar", "", ""),
                    ("preferences", "added", "Tea with sugar", "", ""),
                ],
            ),
            (
                {**BASE, "consent_summary": "Named organisations only"},
                [
                    (
                        "consent_summary",
                        "changed",
                        "",
                        "Shares with everyone involved",
                        "Named organisations only",
                    )
                ],
            ),
        ]
        for new, expected in table:
            with self.subTest(new=new):
                got = [(c.field, c.kind, c.item, c.before, c.after) for c in rules.diff(BASE, new)]
                self.assertEqual(got, expected)

    def test_sentences_name_the_item(self) -> None:
        change = Change("risks", "changed", "Falls at night", "high", "medium")
        self.assertEqual(change.sentence, "Risks: 'Falls at night' changed from high to medium.")
        self.assertEqual(Change.from_dict(change.as_dict()), change)


class ReviewTests(SimpleTestCase):
    def test_table(self) -> None:
        risk = [Change("risks", "added", "Self-neglect", "", "low")]
        control = [Change("controls", "added", "Pharmacy blister pack", "", "riverside")]
        table = [
            (risk, False, 7, AT + timedelta(days=7)),
            (risk, False, 3, AT + timedelta(days=3)),
            (risk, True, 7, None),
            (control, False, 7, None),
            ([], False, 7, None),
        ]
        for changes, first, days, expected in table:
            with self.subTest(changes=changes, first=first, days=days):
                got = rules.review_due(changes, first_version=first, at=AT, days=days)
                self.assertEqual(got, expected)


class AcknowledgementTests(SimpleTestCase):
    def recipients(self, changes, author="northbridge"):
        return rules.acknowledgement_recipients(
            changes,
            new_controls=[{"description": "Visit", "organisation": "swiftstaff"}],
            care_organisations=["northbridge", "riverside", "swiftstaff"],
            author_organisation=author,
        )

    def test_table(self) -> None:
        moved = [Change("controls", "changed", "Evening visit", "riverside", "swiftstaff")]
        table = [
            (
                moved,
                {"riverside": ["owns_changed_control"], "swiftstaff": ["owns_changed_control"]},
            ),
            (
                [Change("risks", "changed", "Falls", "high", "low")],
                {
                    "riverside": ["in_care_team_risk_change"],
                    "swiftstaff": ["in_care_team_risk_change"],
                },
            ),
            (
                [Change("preferences", "added", "Tea with sugar")],
                {"swiftstaff": ["delivers_controls_preferences_changed"]},
            ),
            ([Change("consent_summary", "changed", "", "a", "b")], {}),
            ([], {}),
        ]
        for changes, expected in table:
            with self.subTest(changes=changes):
                self.assertEqual(self.recipients(changes), expected)

    def test_the_author_organisation_is_asked_only_when_someone_else_writes(self) -> None:
        risk = [Change("risks", "added", "Falls", "", "high")]
        self.assertNotIn("northbridge", self.recipients(risk))
        self.assertIn("northbridge", self.recipients(risk, author="riverside"))

    def test_due_within_24_hours_and_overdue_after(self) -> None:
        due = rules.acknowledgement_due(AT)
        self.assertEqual(due, AT + timedelta(hours=24))
        self.assertFalse(rules.acknowledgement_overdue(due, None, due))
        self.assertTrue(rules.acknowledgement_overdue(due, None, due + timedelta(seconds=1)))
        self.assertFalse(rules.acknowledgement_overdue(due, AT, due + timedelta(days=3)))

    def test_acknowledge_table(self) -> None:
        self.assertEqual(rules.acknowledge_reasons(acknowledged_at=None, member=True), [])
        codes = [r.code for r in rules.acknowledge_reasons(acknowledged_at=AT, member=True)]
        self.assertEqual(codes, ["already_acknowledged"])
        codes = [r.code for r in rules.acknowledge_reasons(acknowledged_at=None, member=False)]
        self.assertEqual(codes, ["not_permitted"])


class ContentTests(SimpleTestCase):
    def test_table(self) -> None:
        care = {"riverside": "Riverside", "northbridge": "Northbridge"}
        table = [
            (BASE, []),
            (content(risks=[("Falls", "severe")]), ["invalid_value"]),
            (content(risks=[("", "low")]), ["required"]),
            (content(risks=[("Falls", "low"), ("FALLS", "high")]), ["duplicate"]),
            (content(controls=[("Visit", "swiftstaff")]), ["owner_not_in_care"]),
            (content(controls=[("Visit", "riverside"), ("visit", "riverside")]), ["duplicate"]),
            (content(preferences=["Tea", "tea"]), ["duplicate"]),
        ]
        for value, expected in table:
            with self.subTest(value=value):
                got = [r.code for r in rules.content_reasons(value, care)]
                self.assertEqual(got, expected)

    def test_a_reason_is_required(self) -> None:
        self.assertEqual([r.code for r in rules.reason_reasons("  ")], ["required"])
        self.assertEqual(rules.reason_reasons("New falls risk after the fall on Friday"), [])
