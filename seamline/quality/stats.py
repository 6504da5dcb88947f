"""A round's agreement statistics: its answers read in one query and handed to the pure
rules (`quality.rules.question_stats`), one entry per question."""

from __future__ import annotations

from typing import Any

from .choices import Question
from .models import CalibrationAnswer, CalibrationRound
from .rules import Rating, question_stats


def round_stats(rnd: CalibrationRound) -> dict[str, Any]:
    by_question: dict[str, list[Rating]] = {q: [] for q in Question.values}
    rows = CalibrationAnswer.objects.filter(round=rnd).values_list(
        "question", "vignette__code", "organisation__code", "rater", "answer"
    )
    for question, vignette, partner, rater, answer in rows:
        by_question[question].append(Rating(vignette, partner, rater, answer))
    return {
        "round": rnd.code,
        "status": rnd.status,
        "questions": {q: question_stats(q, by_question[q]) for q in Question.values},
    }
