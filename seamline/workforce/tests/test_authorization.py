"""Table tests of the authorization rule (`workforce.authorization.decide`) and of the
temporary-worker bundle (`bundle_missing`): plain values in, a decision out, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from seamline.workforce.authorization import (
    BUNDLE_LABELS,
    Attainment,
    BundleEvidence,
    CompetencySpec,
    Decision,
    Pause,
    Requirement,
    TaskSpec,
    WorkerFacts,
    bundle_missing,
    decide,
    held_stage,
    judge,
)
from seamline.workforce.choices import LOCAL_INDUCTION_TOPICS

LONDON = ZoneInfo("Europe/London")
AT = datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)
SIGNED = datetime(2026, 1, 10, 10, 0, tzinfo=LONDON)
DUE = date(2027, 1, 10)

COMPETENCIES = {
    "medication": CompetencySpec("medication", "Medication support", pathway_specific=False),
    "safeguarding": CompetencySpec("safeguarding", "Safeguarding", pathway_specific=False),
    "crisis": CompetencySpec("crisis", "Crisis response", pathway_specific=True),
}
MED_PROMPT = TaskSpec(
    "medication_prompt",
    "Medication prompt",
    risk_tier=2,
    delegated=True,
    requirements=(Requirement("medication", "independent"),),
)
WELFARE = TaskSpec(
    "welfare_check",
    "Welfare check",
    risk_tier=1,
    delegated=False,
    requirements=(Requirement("safeguarding", "induction"),),
)
CRISIS_VISIT = TaskSpec(
    "crisis_visit",
    "Crisis visit",
    risk_tier=4,
    delegated=False,
    requirements=(Requirement("crisis", "independent"),),
)
TWO_NEEDS = TaskSpec(
    "duty_lead",
    "Duty lead",
    risk_tier=3,
    delegated=False,
    requirements=(
        Requirement("medication", "independent"),
        Requirement("safeguarding", "supervised"),
    ),
)


def signed(
    competency: str = "medication",
    stage: str = "independent",
    *,
    at: datetime = SIGNED,
    due: date = DUE,
    pathway: str | None = None,
    superseded_at: datetime | None = None,
    revoked_at: datetime | None = None,
) -> Attainment:
    return Attainment(competency, stage, at, due, pathway, superseded_at, revoked_at)


def facts(*attainments: Attainment, **changes: object) -> WorkerFacts:
    worker = WorkerFacts(
        key="w-1",
        name="Ada Brook",
        organisation="riverside",
        organisation_active=True,
        status="active",
        employment_type="employed",
        start_date=date(2026, 1, 5),
        attainments=attainments,
    )
    return replace(worker, **changes)  # type: ignore[arg-type]


def ask(
    worker: WorkerFacts, task: TaskSpec = MED_PROMPT, at: datetime = AT, pathway: str | None = None
) -> Decision:
    return decide(worker, task, COMPETENCIES, at, pathway)


# --- cleared ---------------------------------------------------------------------------------


def test_a_current_sign_off_at_the_needed_stage_clears_with_its_dates() -> None:
    decision = ask(facts(signed()))
    assert decision.cleared
    assert decision.reasons == ()
    assert decision.last_validated == date(2026, 1, 10)
    assert decision.valid_until == DUE


def test_a_higher_stage_than_needed_clears() -> None:
    assert ask(facts(signed(stage="enhanced"))).cleared


def test_with_two_needs_last_validated_is_the_latest_and_valid_until_the_soonest() -> None:
    decision = ask(
        facts(
            signed("medication", at=datetime(2026, 3, 1, 10, tzinfo=LONDON), due=date(2027, 3, 1)),
            signed("safeguarding", "supervised", due=date(2026, 9, 30)),
        ),
        TWO_NEEDS,
    )
    assert decision.cleared
    assert decision.last_validated == date(2026, 3, 1)
    assert decision.valid_until == date(2026, 9, 30)


def test_the_strongest_current_sign_off_is_the_one_that_counts() -> None:
    older = signed(due=date(2026, 8, 1))
    newer = signed(at=datetime(2026, 4, 1, 10, tzinfo=LONDON), due=date(2027, 4, 1))
    decision = ask(facts(older, newer))
    assert decision.valid_until == date(2027, 4, 1)


# --- every reason code -----------------------------------------------------------------------

REASON_CASES = [
    ("left (status)", facts(signed(), status="left"), MED_PROMPT, "worker_not_active"),
    ("left (date)", facts(signed(), left_on=date(2026, 5, 31)), MED_PROMPT, "worker_not_active"),
    ("suspended", facts(signed(), status="suspended"), MED_PROMPT, "worker_not_active"),
    ("not started", facts(signed(), start_date=date(2026, 7, 1)), MED_PROMPT, "worker_not_active"),
    (
        "organisation",
        facts(signed(), organisation_active=False),
        MED_PROMPT,
        "organisation_not_active",
    ),
    ("nothing signed", facts(), MED_PROMPT, "competency_missing"),
    ("other competency", facts(signed("safeguarding")), MED_PROMPT, "competency_missing"),
    ("below", facts(signed(stage="supervised")), MED_PROMPT, "stage_below"),
    ("review date passed", facts(signed(due=date(2026, 5, 31))), MED_PROMPT, "competency_expired"),
    (
        "revoked",
        facts(signed(revoked_at=datetime(2026, 5, 1, 12, tzinfo=LONDON))),
        MED_PROMPT,
        "competency_expired",
    ),
    (
        "other pathway",
        facts(signed("crisis", pathway="discharge"), pathways=("discharge", "crisis-team")),
        CRISIS_VISIT,
        "pathway_revalidation_due",
    ),
    (
        "paused",
        facts(signed(), pauses=(Pause("medication_prompt", datetime(2026, 5, 30, tzinfo=LONDON)),)),
        MED_PROMPT,
        "delegation_paused",
    ),
    (
        "bundle",
        facts(
            signed(),
            employment_type="agency",
            bundle_missing=(BUNDLE_LABELS["local_induction"],),
        ),
        MED_PROMPT,
        "bundle_incomplete",
    ),
]


@pytest.mark.parametrize(
    ("label", "worker", "task", "code"), REASON_CASES, ids=[c[0] for c in REASON_CASES]
)
def test_each_reason_code_refuses_with_that_code_alone(
    label: str, worker: WorkerFacts, task: TaskSpec, code: str
) -> None:
    decision = ask(worker, task)
    assert not decision.cleared
    assert decision.codes == [code]
    assert all(r.message.endswith(".") for r in decision.reasons)


def test_every_code_the_rule_knows_is_in_the_table() -> None:
    codes = {c[3] for c in REASON_CASES}
    assert codes == {
        "worker_not_active",
        "organisation_not_active",
        "competency_missing",
        "stage_below",
        "competency_expired",
        "pathway_revalidation_due",
        "delegation_paused",
        "bundle_incomplete",
    }


def test_reasons_add_up_rather_than_stop_at_the_first() -> None:
    worker = facts(organisation_active=False, status="suspended")
    assert ask(worker, TWO_NEEDS).codes == [
        "worker_not_active",
        "organisation_not_active",
        "competency_missing",
        "competency_missing",
    ]


def test_sentences_name_the_worker_the_competency_and_what_is_needed() -> None:
    below = ask(facts(signed(stage="supervised"))).reasons[0].message
    assert below == (
        "Ada Brook holds Medication support at supervised; this task needs independent or above."
    )
    expired = ask(facts(signed(due=date(2026, 5, 31)))).reasons[0].message
    assert "passed its review date on 31 May 2026" in expired
    revoked = ask(facts(signed(revoked_at=datetime(2026, 5, 1, 12, tzinfo=LONDON))))
    assert "was revoked on 01 May 2026" in revoked.reasons[0].message


# --- details of each rule ---------------------------------------------------------------------


def test_the_review_date_itself_is_still_in_date() -> None:
    assert ask(facts(signed(due=date(2026, 6, 1)))).cleared
    assert not ask(facts(signed(due=date(2026, 5, 31)))).cleared


def test_a_superseded_sign_off_does_not_count() -> None:
    superseded = signed(superseded_at=datetime(2026, 3, 1, tzinfo=LONDON))
    assert ask(facts(superseded)).codes == ["competency_missing"]


def test_a_lower_current_stage_is_reported_rather_than_missing() -> None:
    worker = facts(signed(stage="induction"), signed(stage="supervised"))
    decision = ask(worker)
    assert decision.codes == ["stage_below"]
    assert "at supervised" in decision.reasons[0].message


def test_a_pathway_specific_sign_off_counts_on_its_own_pathway_only() -> None:
    worker = facts(signed("crisis", pathway="discharge"), pathways=("discharge",))
    assert ask(worker, CRISIS_VISIT).cleared
    assert ask(worker, CRISIS_VISIT, pathway="discharge").cleared
    assert ask(worker, CRISIS_VISIT, pathway="crisis-team").codes == ["pathway_revalidation_due"]


def test_a_pathway_specific_need_with_no_sign_off_anywhere_is_missing() -> None:
    worker = facts(pathways=("discharge",))
    decision = ask(worker, CRISIS_VISIT)
    assert decision.codes == ["competency_missing"]
    assert "on pathway discharge" in decision.reasons[0].message


def test_a_pause_of_another_task_or_a_lifted_pause_does_not_refuse() -> None:
    other = Pause("crisis_visit", datetime(2026, 5, 30, tzinfo=LONDON))
    lifted = Pause(
        "medication_prompt",
        datetime(2026, 5, 1, tzinfo=LONDON),
        lifted_at=datetime(2026, 5, 20, tzinfo=LONDON),
    )
    assert ask(facts(signed(), pauses=(other, lifted))).cleared


def test_a_pause_on_a_task_that_is_not_delegated_does_not_apply() -> None:
    not_delegated = replace(MED_PROMPT, delegated=False)
    pause = Pause("medication_prompt", datetime(2026, 5, 30, tzinfo=LONDON))
    assert ask(facts(signed(), pauses=(pause,)), not_delegated).cleared


def test_an_incomplete_bundle_still_allows_tier_1() -> None:
    agency = facts(
        signed("safeguarding", "induction"),
        employment_type="agency",
        bundle_missing=(BUNDLE_LABELS["modules"],),
    )
    assert ask(agency, WELFARE).cleared
    permanent = replace(agency, employment_type="employed")
    assert ask(permanent, replace(WELFARE, risk_tier=2)).cleared
    assert ask(agency, replace(WELFARE, risk_tier=2)).codes == ["bundle_incomplete"]


# --- as of an instant ---------------------------------------------------------------------------


def test_a_sign_off_revoked_today_leaves_yesterday_cleared() -> None:
    today = datetime(2026, 6, 1, 8, 0, tzinfo=LONDON)
    worker = facts(signed(revoked_at=today))
    assert ask(worker, at=today - timedelta(days=1)).cleared
    assert ask(worker, at=today).codes == ["competency_expired"]


@pytest.mark.parametrize(
    "local",
    [
        datetime(2026, 6, 1, 0, 30, tzinfo=LONDON),  # 23:30 UTC the day before
        datetime(2026, 6, 1, 9, 0, tzinfo=LONDON),
        datetime(2026, 6, 1, 23, 30, tzinfo=LONDON),
    ],
)
def test_asked_in_utc_with_the_local_date_the_answer_is_the_same(local: datetime) -> None:
    # Due the local day before: lapsed on the local date, though at 00:30 the date in UTC is
    # still the due date.
    worker = facts(
        signed(due=date(2026, 5, 31)),
        signed("safeguarding", "induction", revoked_at=datetime(2026, 6, 1, 0, 15, tzinfo=LONDON)),
        pauses=(Pause("medication_prompt", datetime(2026, 6, 1, 0, 45, tzinfo=LONDON)),),
    )
    tasks = (MED_PROMPT, WELFARE)
    as_given = list(judge(worker, tasks, COMPETENCIES, local))
    in_utc = list(judge(worker, tasks, COMPETENCIES, local.astimezone(UTC), today=local.date()))
    assert in_utc == as_given
    assert as_given[0][2][0].code == "competency_expired"


def test_a_sign_off_made_after_the_instant_does_not_count_then() -> None:
    worker = facts(signed(at=datetime(2026, 6, 2, 10, tzinfo=LONDON)))
    assert ask(worker).codes == ["competency_missing"]
    assert ask(worker, at=datetime(2026, 6, 2, 11, tzinfo=LONDON)).cleared


def test_a_sign_off_superseded_later_still_counted_before() -> None:
    worker = facts(signed(superseded_at=datetime(2026, 7, 1, tzinfo=LONDON)))
    assert ask(worker).cleared


def test_a_worker_who_left_later_was_active_then() -> None:
    worker = facts(signed(), status="left", left_on=date(2026, 6, 15))
    assert ask(worker).cleared
    assert ask(worker, at=datetime(2026, 6, 15, 9, tzinfo=LONDON)).codes == ["worker_not_active"]


def test_a_pause_started_after_the_instant_did_not_apply_then() -> None:
    pause = Pause("medication_prompt", datetime(2026, 6, 2, tzinfo=LONDON))
    worker = facts(signed(), pauses=(pause,))
    assert ask(worker).cleared
    assert ask(worker, at=datetime(2026, 6, 3, tzinfo=LONDON)).codes == ["delegation_paused"]


def test_the_instant_may_be_given_in_any_zone() -> None:
    utc = AT.astimezone(ZoneInfo("UTC"))
    worker = facts(signed(revoked_at=datetime(2026, 6, 1, 8, 30, tzinfo=LONDON)))
    assert ask(worker, at=utc).codes == ask(worker).codes == ["competency_expired"]


# --- the temporary-worker bundle --------------------------------------------------------------

PLACEMENT = date(2026, 5, 1)
MODULES = ("medication", "safeguarding")


def complete(on: date = PLACEMENT) -> list[BundleEvidence]:
    return [
        BundleEvidence("module", on, "medication", verified=True),
        BundleEvidence("module", on, "safeguarding", verified=True),
        BundleEvidence("supervised_practice_signoff", on),
        BundleEvidence("local_induction", on, topics=LOCAL_INDUCTION_TOPICS),
    ]


def missing(evidence: list[BundleEvidence], day: date = date(2026, 6, 1)) -> tuple[str, ...]:
    return bundle_missing(
        evidence,
        placement_start=PLACEMENT,
        required_modules=MODULES,
        induction_topics=LOCAL_INDUCTION_TOPICS,
        at=day,
    )


def test_a_complete_bundle_lacks_nothing() -> None:
    assert missing(complete()) == ()


@pytest.mark.parametrize(
    ("drop", "label"),
    [
        (0, "modules"),
        (2, "supervised_practice"),
        (3, "local_induction"),
    ],
)
def test_each_part_of_the_bundle_is_needed(drop: int, label: str) -> None:
    evidence = complete()
    del evidence[drop]
    assert missing(evidence) == (BUNDLE_LABELS[label],)


def test_an_unverified_module_does_not_count() -> None:
    evidence = complete()
    evidence[0] = evidence[0]._replace(verified=False)
    assert missing(evidence) == (BUNDLE_LABELS["modules"],)


def test_an_induction_missing_a_topic_does_not_count() -> None:
    evidence = complete()
    evidence[3] = evidence[3]._replace(topics=LOCAL_INDUCTION_TOPICS[:3])
    assert missing(evidence) == (BUNDLE_LABELS["local_induction"],)


def test_evidence_from_before_the_placement_or_after_the_instant_does_not_count() -> None:
    assert len(missing(complete(PLACEMENT - timedelta(days=1)))) == 3
    assert len(missing(complete(date(2026, 6, 2)))) == 3


# --- the stages held, noted while judging ----------------------------------------------------


@pytest.mark.parametrize(
    ("attainments", "pathway", "expected"),
    [
        ((), "discharge", {"medication": None, "safeguarding": None, "crisis": None}),
        (
            (
                signed("medication", "supervised"),
                signed("medication", "enhanced", due=date(2026, 5, 31)),  # lapsed
                signed("safeguarding", "independent", revoked_at=SIGNED + timedelta(days=1)),
                signed("safeguarding", "induction"),
                signed("crisis", "enhanced", pathway="crisis"),
            ),
            "discharge",
            {"medication": "supervised", "safeguarding": "induction", "crisis": None},
        ),
        (
            (
                signed("medication", "independent", superseded_at=SIGNED + timedelta(days=2)),
                signed("medication", "enhanced", at=datetime(2026, 6, 2, tzinfo=LONDON)),  # later
                signed("crisis", "supervised", pathway="crisis"),
                signed("crisis", "enhanced", pathway="discharge"),
            ),
            "crisis",
            {"medication": None, "safeguarding": None, "crisis": "supervised"},
        ),
    ],
)
def test_judging_notes_the_stage_held_of_each_competency_as_held_stage_reads_it(
    attainments: tuple[Attainment, ...], pathway: str, expected: dict[str, str | None]
) -> None:
    worker = facts(*attainments)
    noted: dict[str, str | None] = dict.fromkeys(expected)
    judge(worker, (TWO_NEEDS, CRISIS_VISIT), COMPETENCIES, AT, pathway, stages=noted)
    assert noted == expected
    for code in expected:
        on = pathway if COMPETENCIES[code].pathway_specific else None
        assert held_stage(worker.attainments, code, AT, on) == expected[code]
