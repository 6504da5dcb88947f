"""The pure rules of incidents and due diligence, and the timeline's merge, as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.test import SimpleTestCase

from seamline.quality import rules_diligence, rules_incidents
from seamline.quality.timeline import Event, lanes, merge

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ALL_AREAS = (
    "pathway_capability",
    "clinical_governance",
    "workforce_resilience",
    "information_readiness",
)


def codes(reasons: list) -> list[str]:
    return [r.code for r in reasons]


class IncidentReasonsTests(SimpleTestCase):
    def reasons(self, **changes: object) -> list[str]:
        values: dict = {
            "theme": "fall",
            "severity": "moderate",
            "occurred_at": NOW - timedelta(hours=3),
            "reported_at": NOW - timedelta(hours=1),
            "description": "Found on the floor.",
            "now": NOW,
            "participant_found": True,
            "partner_found": True,
        }
        values.update(changes)
        return codes(rules_incidents.incident_reasons(**values))

    def test_a_complete_report_passes(self) -> None:
        self.assertEqual(self.reasons(), [])

    def test_each_field_is_checked(self) -> None:
        table: list[tuple[dict[str, object], list[str]]] = [
            ({"theme": "slip"}, ["invalid_theme"]),
            ({"severity": "catastrophic"}, ["invalid_severity"]),
            ({"occurred_at": None}, ["occurred_required"]),
            (
                {"occurred_at": NOW + timedelta(minutes=5)},
                ["occurred_in_future", "reported_before_occurred"],
            ),
            ({"reported_at": None}, ["reported_required"]),
            ({"reported_at": NOW - timedelta(hours=4)}, ["reported_before_occurred"]),
            ({"reported_at": NOW + timedelta(hours=1)}, ["reported_in_future"]),
            ({"description": "  "}, ["description_required"]),
            ({"description": "x" * 5001}, ["description_too_long"]),
            ({"participant_found": False}, ["unknown_participant"]),
            ({"partner_found": False}, ["unknown_partner"]),
        ]
        for changes, expected in table:
            with self.subTest(changes=changes):
                self.assertEqual(self.reasons(**changes), expected)

    def test_reasons_name_their_field(self) -> None:
        fields = [
            r.field
            for r in rules_incidents.incident_reasons(
                theme="x",
                severity="y",
                occurred_at=None,
                reported_at=None,
                description="",
                now=NOW,
                participant_found=False,
                partner_found=False,
            )
        ]
        self.assertEqual(
            fields,
            [
                "participant",
                "organisation",
                "theme",
                "severity",
                "occurred_at",
                "reported_at",
                "description",
            ],
        )


class LinkReasonsTests(SimpleTestCase):
    def test_table(self) -> None:
        table = [
            (("handoff", "H-1", True, True, False), []),
            (("handoff", "H-1", False, False, False), ["link_not_found"]),
            (("escalation", "E-1", True, False, False), ["link_other_participant"]),
            (("worker", "riverside/7", True, True, True), ["link_duplicate"]),
            (("plan_version", " ", True, True, False), ["link_required"]),
            (("visit", "V-1", True, True, False), ["invalid_link_kind"]),
        ]
        for (kind, ref, found, same, already), expected in table:
            with self.subTest(kind=kind, ref=ref):
                got = rules_incidents.link_reasons(
                    kind, ref, found=found, same_participant=same, already=already
                )
                self.assertEqual(codes(got), expected)

    def test_missing_and_out_of_sight_read_the_same(self) -> None:
        (reason,) = rules_incidents.link_reasons(
            "handoff", "H-9", found=False, same_participant=False, already=False
        )
        self.assertEqual(reason.message, "There is no handoff 'H-9' that you can see.")
        self.assertEqual(reason.field, "handoff")


class WindowTests(SimpleTestCase):
    def test_default_is_fourteen_days_before_to_three_after(self) -> None:
        self.assertEqual(
            rules_incidents.window(NOW), (NOW - timedelta(days=14), NOW + timedelta(days=3))
        )

    def test_each_side_is_clamped(self) -> None:
        self.assertEqual(rules_incidents.window(NOW, 400, -2), (NOW - timedelta(days=90), NOW))


def event(hours: float, source: str = "visits", ref: str = "V-1", org: str = "riverside") -> Event:
    return Event(NOW + timedelta(hours=hours), source, f"{source}.x", "t", org, org.title(), ref)


class MergeTests(SimpleTestCase):
    def test_events_from_every_list_come_out_in_time_order(self) -> None:
        a = [event(5), event(-2)]
        b = [event(1, "handoffs", "H-1", "northbridge"), event(-30, "referrals", "R-1")]
        merged = merge([a, b], NOW - timedelta(days=14), NOW + timedelta(days=3))
        self.assertEqual(
            [e.at - NOW for e in merged], [timedelta(hours=h) for h in (-30, -2, 1, 5)]
        )

    def test_only_the_window_is_kept_with_both_ends(self) -> None:
        start, end = rules_incidents.window(NOW)
        inside = [event(-14 * 24), event(3 * 24)]
        outside = [event(-14 * 24 - 0.01), event(3 * 24 + 0.01)]
        merged = merge([inside + outside], start, end)
        self.assertEqual(merged, inside)

    def test_ties_follow_the_source_order_whatever_the_input_order(self) -> None:
        same = [event(0, "visits", "V-1"), event(0, "referrals", "R-1"), event(0, "handoffs", "H")]
        start, end = rules_incidents.window(NOW)
        forwards = merge([same], start, end)
        backwards = merge([list(reversed(same))], start, end)
        self.assertEqual([e.source for e in forwards], ["referrals", "handoffs", "visits"])
        self.assertEqual(forwards, backwards)

    def test_lanes_by_first_appearance_unattributed_last(self) -> None:
        events = [event(0, org=""), event(1, org="riverside"), event(2, org="northbridge")]
        self.assertEqual([lane.code for lane in lanes(events)], ["riverside", "northbridge", ""])


class DecisionReasonsTests(SimpleTestCase):
    def reasons(self, decision: str, findings: dict, evidence: dict, **kw: str) -> list[str]:
        return codes(
            rules_diligence.decision_reasons(
                decision,
                conditions=kw.get("conditions", ""),
                reason=kw.get("reason", "Reviewed at the quality forum"),
                findings=findings,
                evidence=evidence,
            )
        )

    def test_table(self) -> None:
        met = dict.fromkeys(ALL_AREAS, "met")
        some = {**met, "workforce_resilience": "partly_met"}
        unmet = {**met, "information_readiness": "not_met"}
        full = dict.fromkeys(ALL_AREAS, 1)
        table = [
            ("approved", met, full, {}, []),
            ("approved", some, full, {}, ["areas_not_met"]),
            ("approved_with_conditions", some, full, {"conditions": "Rota audit in 3 months"}, []),
            ("approved_with_conditions", some, full, {}, ["conditions_required"]),
            ("approved_with_conditions", unmet, full, {"conditions": "x"}, ["areas_not_met"]),
            ("approved", met, {**full, "clinical_governance": 0}, {}, ["evidence_missing"]),
            ("approved", {"pathway_capability": "met"}, full, {}, ["finding_missing"] * 3),
            ("declined", {}, {}, {}, []),
            ("declined", {}, {}, {"reason": " "}, ["reason_required"]),
            ("maybe", met, full, {}, ["invalid_decision"]),
        ]
        for decision, findings, evidence, kw, expected in table:
            with self.subTest(decision=decision, findings=findings, kw=kw):
                self.assertEqual(self.reasons(decision, findings, evidence, **kw), expected)

    def test_activation_needs_an_approving_decision(self) -> None:
        table = [
            ("approved", []),
            ("approved_with_conditions", []),
            ("declined", ["due_diligence_missing"]),
            (None, ["due_diligence_missing"]),
        ]
        for decision, expected in table:
            with self.subTest(decision=decision):
                got = rules_diligence.activation_reasons("Oakleaf", decision)
                self.assertEqual(codes(got), expected)
        (reason,) = rules_diligence.activation_reasons("Oakleaf", None)
        self.assertIn("Oakleaf's due diligence is not yet decided", reason.message)
        self.assertIn("records an approving decision", reason.message)

    def test_evidence_and_findings_name_their_fields(self) -> None:
        got = rules_diligence.evidence_reasons("finance", "", "")
        self.assertEqual(
            [(r.code, r.field) for r in got],
            [
                ("invalid_area", "area"),
                ("title_required", "title"),
                ("reference_required", "reference"),
            ],
        )
        self.assertEqual(
            codes(rules_diligence.finding_reasons("clinical_governance", "great")),
            ["invalid_finding"],
        )
