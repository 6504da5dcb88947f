"""The gate's pure rules with plain values: tables of allowed and blocked cases, and the
sentences they give. (The same rules through the loaded gate: test_gate.py.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from seamline.errors import Reason
from seamline.rota import rules
from seamline.rota.choices import NOT_OVERRIDABLE, RULES
from seamline.workforce.authorization import Attainment, held_stage

T = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
CAPS = {"induction": 0, "supervised": 2, "independent": 6, "enhanced": 10}
TITLES = {"med": "Medication support", "safe": "Safeguarding adults"}


@pytest.mark.parametrize(
    ("start", "end", "late"),
    [
        ((16, 19, 0), (16, 19, 59), False),
        ((16, 19, 0), (16, 20, 0), False),  # ends at the threshold: not after it
        ((16, 19, 30), (16, 20, 1), True),
        ((16, 23, 0), (17, 0, 30), True),  # past midnight
        ((16, 6, 0), (16, 7, 0), False),
    ],
)
def test_late_is_ending_after_the_threshold_of_the_start_day(
    start: tuple[int, int, int], end: tuple[int, int, int], late: bool
) -> None:
    s = datetime(2026, 11, start[0], start[1], start[2], tzinfo=UTC)
    e = datetime(2026, 11, end[0], end[1], end[2], tzinfo=UTC)
    assert rules.is_late(s, e, time(20, 0)) is late


def test_weeks_are_iso_weeks() -> None:
    assert rules.week_of(date(2026, 11, 16)) == "2026-W47"
    assert rules.week_of(date(2026, 11, 22)) == "2026-W47"
    assert rules.week_of(date(2026, 11, 23)) == "2026-W48"
    assert rules.week_of(date(2027, 1, 1)) == "2026-W53"
    assert rules.week_days("2026-W47") == (date(2026, 11, 16), date(2026, 11, 23))
    with pytest.raises(ValueError):
        rules.week_monday("2026-W60")
    assert rules.visit_code("2026-W47", 123) == "V-2026-W47-000123"


def _a(stage: str, **kwargs: object) -> Attainment:
    fields: dict[str, object] = {
        "competency": "med",
        "stage": stage,
        "signed_at": T - timedelta(days=100),
        "review_due": date(2027, 1, 1),
    }
    fields.update(kwargs)
    return Attainment(**fields)  # type: ignore[arg-type]


def test_held_stage_is_the_highest_current_one() -> None:
    held = [_a("supervised"), _a("independent"), _a("enhanced", review_due=date(2026, 11, 1))]
    assert held_stage(held, "med", T, None) == "independent"
    assert held_stage(held, "safe", T, None) is None
    revoked = [_a("independent", revoked_at=T - timedelta(days=1))]
    assert held_stage(revoked, "med", T, None) is None
    later = [_a("independent", signed_at=T + timedelta(hours=1))]
    assert held_stage(later, "med", T, None) is None
    on_path = [_a("independent", pathway="crisis")]
    assert held_stage(on_path, "med", T, "discharge") is None
    assert held_stage(on_path, "med", T, "crisis") == "independent"


def test_g1_to_g4_sort_the_authorization_reasons_by_code() -> None:
    reasons = [
        Reason("worker_not_active", "Amy is suspended."),
        Reason("stage_below", "Amy holds med at induction."),
        Reason("competency_expired", "Expired."),
        Reason("delegation_paused", "Paused."),
        Reason("bundle_incomplete", "Bundle."),
        Reason("organisation_not_active", "Org."),
    ]
    assert [v.code for v in rules.g1_active(reasons)] == [
        "worker_not_active",
        "organisation_not_active",
    ]
    assert [v.code for v in rules.g2_competencies(reasons)] == ["stage_below", "competency_expired"]
    assert [v.code for v in rules.g3_delegation(reasons)] == ["delegation_paused"]
    g4 = rules.g4_temporary(reasons, worker="Amy", temporary=True, enhanced=None, tier=2)
    assert [v.code for v in g4] == ["bundle_incomplete"]
    assert all(v.rule == "G1" for v in rules.g1_active(reasons))
    assert rules.g1_active([Reason("stage_below", "x")]) == []


@pytest.mark.parametrize(
    ("temporary", "enhanced", "tier", "blocked"),
    [
        (True, (date(2026, 11, 10), date(2026, 12, 8)), 2, True),
        (True, (date(2026, 11, 10), date(2026, 12, 8)), 1, False),
        (False, (date(2026, 11, 10), date(2026, 12, 8)), 2, False),
        (True, None, 3, False),
    ],
)
def test_g4_enhanced_supervision_part(
    temporary: bool, enhanced: tuple[date, date] | None, tier: int, blocked: bool
) -> None:
    found = rules.g4_temporary([], worker="Amy", temporary=temporary, enhanced=enhanced, tier=tier)
    assert bool(found) is blocked
    if blocked:
        assert "10 Nov 2026 to 07 Dec 2026" in found[0].message
        assert f"tier {tier}" in found[0].message


@pytest.mark.parametrize(
    ("lone", "late", "held", "enhanced", "codes"),
    [
        (False, False, {"med": "supervised"}, None, []),
        (True, False, {"med": "independent", "safe": "enhanced"}, None, []),
        (True, False, {"med": "supervised"}, None, ["lone_late_stage"]),
        (False, True, {"med": None}, None, ["lone_late_stage"]),
        (True, True, {"med": "supervised", "safe": "induction"}, None, ["lone_late_stage"] * 2),
        (
            True,
            False,
            {"med": "independent"},
            (date(2026, 11, 10), date(2026, 12, 8)),
            ["lone_late_new_starter"],
        ),
        (False, False, {"med": "independent"}, (date(2026, 11, 10), date(2026, 12, 8)), []),
    ],
)
def test_g5_table(
    lone: bool,
    late: bool,
    held: dict[str, str | None],
    enhanced: tuple[date, date] | None,
    codes: list[str],
) -> None:
    found = rules.g5_lone_late(
        worker="Amy",
        lone=lone,
        late=late,
        held=held,
        titles=TITLES,
        enhanced=enhanced,
        late_threshold=time(20, 0),
    )
    assert [v.code for v in found] == codes


def test_g5_sentence_names_the_competency_and_the_stage_held() -> None:
    (found,) = rules.g5_lone_late(
        worker="Amy",
        lone=False,
        late=True,
        held={"med": "supervised"},
        titles=TITLES,
        enhanced=None,
        late_threshold=time(20, 0),
    )
    assert found.message == (
        "This visit is late (ends after 20:00): it needs independent or above on Medication "
        "support, which Amy holds at supervised."
    )


@pytest.mark.parametrize(
    ("held", "co_workers", "blocked"),
    [
        ({"med": "independent"}, [], 0),
        ({"med": "supervised"}, [], 1),
        ({"med": "supervised"}, [("Bo", {"med": "independent"})], 0),
        ({"med": "supervised"}, [("Bo", {"med": "supervised"})], 1),
        ({"med": "supervised"}, [("Bo", {"med": None})], 1),
        ({"med": "supervised", "safe": "supervised"}, [("Bo", {"med": "enhanced"})], 1),
        ({"med": "induction"}, [], 0),  # below supervised is G2's, not G6's
    ],
)
def test_g6_table(
    held: dict[str, str | None], co_workers: list[tuple[str, dict[str, str | None]]], blocked: int
) -> None:
    found = rules.g6_pairing(worker="Amy", held=held, titles=TITLES, co_workers=co_workers)
    assert len(found) == blocked
    assert all(v.rule == "G6" and v.code == "pairing_needed" for v in found)


@pytest.mark.parametrize(
    ("high_risk", "participants", "lowest", "blocked"),
    [
        (True, 2, "supervised", False),
        (True, 3, "supervised", True),
        (True, 1, "induction", True),
        (True, 1, None, True),
        (True, 6, "independent", False),
        (True, 7, "independent", True),
        (True, 10, "enhanced", False),
        (False, 9, "supervised", False),
    ],
)
def test_g7_table(high_risk: bool, participants: int, lowest: str | None, blocked: bool) -> None:
    found = rules.g7_caseload(
        worker="Amy",
        high_risk=high_risk,
        participants=participants,
        week="2026-W47",
        lowest=lowest,
        lowest_title="Medication support",
        caps=CAPS,
    )
    assert bool(found) is blocked


def test_g8_overlap_and_shift() -> None:
    start, end = T, T + timedelta(minutes=45)
    other = ("V-1", T - timedelta(minutes=30), T + timedelta(minutes=15))
    assert rules.g8_time(worker="Amy", start=start, end=end, others=[other], shifts=None)
    before = ("V-2", T - timedelta(hours=1), T)
    assert not rules.g8_time(worker="Amy", start=start, end=end, others=[before], shifts=None)
    inside = [(T - timedelta(hours=2), T + timedelta(hours=6))]
    assert not rules.g8_time(worker="Amy", start=start, end=end, others=[], shifts=inside)
    short = [(T - timedelta(hours=2), T + timedelta(minutes=30))]
    (found,) = rules.g8_time(worker="Amy", start=start, end=end, others=[], shifts=short)
    assert found.code == "outside_shift"
    assert rules.g8_time(worker="Amy", start=start, end=end, others=[], shifts=[])


@pytest.mark.parametrize(
    ("declined", "preferences", "temporary", "org", "role", "count"),
    [
        (None, [], False, "riverside", "support_worker", 0),
        (date(2026, 11, 1), [], False, "riverside", "support_worker", 1),
        (None, [("no_temporary", "")], True, "swiftstaff", "support_worker", 1),
        (None, [("no_temporary", "")], False, "riverside", "support_worker", 0),
        (None, [("organisation", "riverside"), ("organisation", "nb")], False, "nb", "nurse", 0),
        (None, [("organisation", "riverside")], False, "nb", "nurse", 1),
        (None, [("role_group", "nurse")], False, "riverside", "support_worker", 1),
        (None, [("role_group", "nurse"), ("organisation", "rv")], False, "rv", "nurse", 0),
    ],
)  # fmt: skip
def test_g9_table(
    declined: date | None,
    preferences: list[tuple[str, str]],
    temporary: bool,
    org: str,
    role: str,
    count: int,
) -> None:
    found = rules.g9_preferences(
        worker="Amy",
        participant="P-000001",
        declined_on=declined,
        preferences=preferences,
        organisation=org,
        temporary=temporary,
        role_group=role,
    )
    assert len(found) == count
    assert all(v.rule == "G9" for v in found)


@pytest.mark.parametrize(
    ("tier", "frequency", "last_held", "blocked"),
    [
        (3, 28, date(2026, 11, 1), False),
        (3, 28, date(2026, 10, 19), False),  # 28 days: not beyond
        (3, 28, date(2026, 10, 18), True),
        (4, 14, date(2026, 10, 30), True),
        (3, 28, None, True),  # never held, started long ago
        (2, 28, None, False),
        (3, None, None, False),
    ],
)
def test_g10_table(tier: int, frequency: int | None, last_held: date | None, blocked: bool) -> None:
    found = rules.g10_supervision(
        worker="Amy",
        tier=tier,
        frequency_days=frequency,
        last_held=last_held,
        since=date(2025, 1, 6),
        day=date(2026, 11, 16),
    )
    assert bool(found) is blocked


@pytest.mark.parametrize(
    ("rule", "reason", "expires", "codes"),
    [
        ("G2", "Only cover tonight", T + timedelta(hours=12), []),
        ("G11", "x", T + timedelta(hours=12), ["unknown_rule"]),
        ("G1", "x", T + timedelta(hours=12), ["not_overridable"]),
        ("G5", "  ", T + timedelta(hours=12), ["reason_required"]),
        ("G5", "x", None, ["required"]),
        ("G5", "x", T - timedelta(hours=1), ["expiry_past"]),
        ("G5", "x", T + timedelta(hours=1), ["expiry_before_visit"]),
    ],
)
def test_override_reasons(
    rule: str, reason: str, expires: datetime | None, codes: list[str]
) -> None:
    found = rules.override_reasons(
        rule=rule,
        reason=reason,
        expires_at=expires,
        visit_start=T + timedelta(hours=2),
        now=T,
        known=RULES,
        not_overridable=NOT_OVERRIDABLE,
    )
    assert [r.code for r in found] == codes
