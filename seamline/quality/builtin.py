"""The built-in scoring templates every partner shares (loaded by `seamline quality templates
load` and by the demo). Criteria are written for community care in our own words.

The handoff audit is the handoffs app's I-PASS scoring tool (`handoffs.scoring.CRITERIA`) as a
template of the general engine: the same criteria, codes and weights, so a handoff scored here
and one scored on the handoffs app's own audit pages get the same score.
"""

from __future__ import annotations

from dataclasses import dataclass

from seamline.handoffs.scoring import CRITERIA as IPASS

from .choices import RecordKind
from .rules import Criterion


@dataclass(frozen=True)
class Builtin:
    code: str
    title: str
    record_kind: str
    purpose: str
    pass_mark: int
    criteria: tuple[Criterion, ...]


HANDOFF_AUDIT = Builtin(
    "handoff-audit",
    "Handoff audit (I-PASS elements)",
    RecordKind.HANDOFF,
    "Does the handoff carry what the receiver needs to keep the person safe, and did the "
    "receiver show they understood it?",
    80,
    tuple(Criterion(c.code, c.title, c.look_for, c.weight) for c in IPASS),
)

DOCUMENTATION_SPOT_CHECK = Builtin(
    "documentation-spot-check",
    "Documentation spot-check of a delegated task",
    RecordKind.DELEGATED_TASK,
    "Is a worker's record of a delegated task good enough to show it was done safely? A record "
    "below the pass mark pauses the delegation of that task to the worker at once (SPEC C3).",
    80,
    (
        Criterion(
            "recorded_on_time",
            "Recorded within 24 hours",
            "The record was written on the day of the visit and at the latest 24 hours after.",
            2,
        ),
        Criterion(
            "task_as_delegated",
            "Done as delegated",
            "What was done matches the delegation and the plan (for medicines: the right "
            "medicine, dose, route and time, from the current list).",
            3,
        ),
        Criterion(
            "observations",
            "Observations and the person's response",
            "How the person was, anything unusual noticed, and how they took the task.",
            2,
        ),
        Criterion(
            "concerns_escalated",
            "Concerns escalated",
            "Any concern, refusal or error is recorded with whom it was raised and when, by "
            "the escalation route.",
            3,
        ),
        Criterion(
            "consent",
            "Consent recorded",
            "The person's consent (or the best-interests basis) for the task is noted.",
            1,
        ),
        Criterion(
            "identifiable",
            "Signed and legible",
            "The worker is identifiable and the record can be read by the next person.",
            1,
        ),
    ),
)

URGENT_VISIT_REVIEW = Builtin(
    "urgent-visit-review",
    "Urgent-visit review",
    RecordKind.VISIT,
    "Was a visit that mattered done by the right person, on time, with the risk looked at again "
    "and anything found followed up?",
    75,
    (
        Criterion(
            "timely",
            "On time for the need",
            "The visit happened within the time its urgency called for.",
            3,
        ),
        Criterion(
            "right_worker",
            "The right worker",
            "The worker was cleared for the visit's tasks (the rota gate's answer) and any "
            "override is recorded with its reason.",
            2,
        ),
        Criterion(
            "risk_reassessed",
            "Risk looked at again",
            "The person's risks were reviewed at the visit and changes recorded.",
            2,
        ),
        Criterion(
            "follow_up",
            "Follow-up owned",
            "What must happen next has an owner and a due time.",
            2,
        ),
        Criterion(
            "documented",
            "Documented within 24 hours",
            "The visit's notes were written within the 24-hour documentation standard.",
            1,
        ),
    ),
)

SAFEGUARDING_CASE_SAMPLE = Builtin(
    "safeguarding-case-sample",
    "Safeguarding case sample",
    RecordKind.SAFEGUARDING,
    "Was a safeguarding concern recognised, raised and followed through the way the network "
    "agreed, with the person at the centre?",
    80,
    (
        Criterion(
            "raised_same_day",
            "Raised the same day",
            "The concern was recorded and the pathway's safeguarding lead told on the day it "
            "was noticed.",
            3,
        ),
        Criterion(
            "persons_views",
            "The person's views",
            "What the person wants to happen is asked and recorded (making safeguarding "
            "personal), or why it could not be.",
            2,
        ),
        Criterion(
            "triage_decision",
            "Triage decision recorded",
            "Whether the local authority or the police needed to be told is decided, with the "
            "reason, at the weekly triage at the latest.",
            3,
        ),
        Criterion(
            "immediate_safety",
            "Immediate safety",
            "Steps to keep the person safe now are recorded and owned.",
            2,
        ),
        Criterion(
            "shared_with_partners",
            "Shared with the partners who need it",
            "The partners in the person's care know what they need to, within consent and the law.",
            1,
        ),
        Criterion(
            "outcome",
            "Outcome recorded",
            "What happened in the end is recorded and the plan updated.",
            1,
        ),
    ),
)

BUILTINS: tuple[Builtin, ...] = (
    HANDOFF_AUDIT,
    DOCUMENTATION_SPOT_CHECK,
    URGENT_VISIT_REVIEW,
    SAFEGUARDING_CASE_SAMPLE,
)
