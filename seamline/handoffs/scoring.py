"""The common scoring tool for auditing handoffs, and the seeded sample it is used on.

The criteria follow the five elements observers look for in an I-PASS handoff (illness
severity, patient summary, action list, situation awareness and contingency planning,
synthesis by the receiver), written for community care in our own words. Every partner's
auditor uses the same criteria and weights, so scores compare across the network (SPEC C9).

Pure: ratings in, a score out; a seed and a candidate list in, the same sample out every time.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from seamline.errors import Reason

from .choices import Rating


@dataclass(frozen=True)
class Criterion:
    code: str
    title: str
    look_for: str
    weight: int


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "illness_severity",
        "Severity stated",
        "The bundle says plainly how unwell or at risk the person is now (stable, watcher, "
        "unstable), in a way the receiver cannot miss.",
        2,
    ),
    Criterion(
        "summary",
        "Person summary",
        "Who the person is, why they are being handed over, the current risks and the plan, "
        "without the receiver needing the wider record.",
        2,
    ),
    Criterion(
        "action_list",
        "Action list with owners",
        "Each next step is listed with a named owner (organisation and person or role) and a "
        "due time; nothing is left as 'someone should'.",
        2,
    ),
    Criterion(
        "situation_awareness",
        "Situation awareness and contingency",
        "What could go wrong is named, with what to do if it does: the escalation instructions "
        "say when, to whom and how fast.",
        2,
    ),
    Criterion(
        "synthesis",
        "Synthesis by the receiver",
        "The receiver's repeat-back restates the risk and the escalation route correctly in "
        "their own words, and any mismatch was caught.",
        1,
    ),
)
CRITERION_CODES = tuple(c.code for c in CRITERIA)
# Each rating's share of the criterion's weight; "not applicable" leaves the criterion out.
VALUES = {Rating.YES: 1.0, Rating.PARTIAL: 0.5, Rating.NO: 0.0}


def rating_reasons(ratings: Mapping[str, str]) -> list[Reason]:
    """Every criterion rated, each with one of the ratings, and nothing else."""
    reasons = [
        Reason("invalid_value", f"'{code}' is not a criterion of the scoring tool.", code)
        for code in ratings
        if code not in CRITERION_CODES
    ]
    for criterion in CRITERIA:
        given = ratings.get(criterion.code)
        if not given:
            reasons.append(Reason("required", f"Rate '{criterion.title}'.", criterion.code))
        elif given not in Rating.values:
            reasons.append(
                Reason(
                    "invalid_value",
                    f"'{criterion.title}' is rated yes, partial, no or not_applicable.",
                    criterion.code,
                )
            )
    return reasons


def audit_score(ratings: Mapping[str, str]) -> int | None:
    """The weighted share of the applicable criteria met, in whole percent (a partial counts
    half). None when every criterion is "not applicable": there is nothing to score."""
    earned = 0.0
    possible = 0
    for criterion in CRITERIA:
        rating = ratings.get(criterion.code)
        if rating not in VALUES:
            continue
        earned += criterion.weight * VALUES[Rating(rating)]
        possible += criterion.weight
    if possible == 0:
        return None
    return round(100 * earned / possible)


def draw(seed: int, candidates: Sequence[str], size: int) -> list[str]:
    """`size` of `candidates` (public codes), chosen by the seed. The candidates are sorted
    first, so the same seed over the same records always gives the same sample, whatever order
    the database returned them in."""
    pool = sorted(set(candidates))
    if size >= len(pool):
        return pool
    return random.Random(seed).sample(pool, size)  # noqa: S311 (audit sampling, not secrets)


def sample_reasons(*, size: int, period_start: object, period_end: object) -> list[Reason]:
    reasons = []
    if not 1 <= size <= 200:
        reasons.append(Reason("invalid_value", "Sample between 1 and 200 handoffs.", "size"))
    if period_start is None or period_end is None:
        reasons.append(Reason("required", "Give the period to sample from.", "period_start"))
    elif period_end < period_start:  # type: ignore[operator]
        reasons.append(Reason("invalid_value", "The period ends after it starts.", "period_end"))
    return reasons
