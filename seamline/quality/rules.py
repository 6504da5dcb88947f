"""The pure rules of joint calibration: what an answer may be, which tier a number of hours
falls in, Fleiss' kappa, percent agreement, the consensus and each partner's drift from it.
Plain values in, plain values or reasons out; no database.

Agreement (docs/quality.md says how to read it):

* `fleiss_kappa(items)`: each item is the count of raters who chose each category for one
  vignette. Fleiss (1971): P_i = (sum_j n_ij^2 - n_i) / (n_i (n_i - 1)), P-bar the mean of P_i,
  p_j the share of all ratings in category j, P_e = sum_j p_j^2, kappa = (P-bar - P_e)/(1 - P_e).
  Unequal raters per item: each P_i uses that item's own n_i and p_j is taken over all
  ratings (with the same n everywhere this is exactly Fleiss' formula). An item with fewer
  than two ratings says nothing about agreement and is left out. When every rating falls in
  one category P_e is 1 and kappa is undefined: None (the agreement is then 100%).
* `percent_agreement(items)`: P-bar, the share of agreeing pairs of raters, averaged over items.
* The numeric "hours" question is binned into the tier bands (`hours_band`) for kappa and
  agreement, and its spread (median, lowest, highest) is reported as well.
* The consensus of a vignette is its modal answer over every rater (None on a tie); for hours
  it is the median. A partner's drift on a categorical question is the share of its raters'
  answers that differ from the consensus (vignettes without one are left out), with its
  leaning on the escalate question; on hours it is the median of its answers minus the
  consensus median, in hours (negative: it would escalate sooner).
"""

from __future__ import annotations

import hashlib
import random
import re
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from seamline.errors import Reason

from .choices import Question

YES_NO = ("yes", "no")
TIERS = ("immediate", "same_day", "review_24_72h")
CATEGORIES: dict[str, tuple[str, ...]] = {
    Question.ESCALATE: YES_NO,
    Question.TIER: TIERS,
    Question.SAFEGUARDING: YES_NO,
}
# The bands "hours to escalate" is binned into: up to 1 hour is immediate, up to 24 the same
# day, up to 72 the 24-72 hour review, anything longer "later".
HOURS_BANDS = ((1.0, "immediate"), (24.0, "same_day"), (72.0, "review_24_72h"))
LATER = "later"
MAX_HOURS = 24 * 30
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_SYNONYMS = {"y": "yes", "true": "yes", "1": "yes", "n": "no", "false": "no", "0": "no"}


def parse_answer(question: str, raw: str) -> tuple[str, list[Reason]]:
    """The answer as stored (lower case; hours as a plain number) or the reasons it is not one."""
    value = str(raw).strip().lower().replace(" ", "_").replace("-", "_")
    if question not in Question.values:
        known = ", ".join(Question.values)
        return "", [Reason("unknown_question", f"'{raw}' is not a question ({known}).", "question")]
    if question == Question.HOURS:
        try:
            hours = float(str(raw).strip())
        except ValueError:
            return "", [Reason("not_a_number", f"'{raw}' is not a number of hours.", "answer")]
        if not 0 <= hours <= MAX_HOURS or hours != hours:
            return "", [
                Reason("hours_range", f"Hours must be between 0 and {MAX_HOURS}.", "answer")
            ]
        return f"{hours:g}", []
    value = _SYNONYMS.get(value, value)
    allowed = CATEGORIES[question]
    if value not in allowed:
        return "", [
            Reason(
                "unknown_answer",
                f"'{raw}' is not an answer to '{question}' ({', '.join(allowed)}).",
                "answer",
            )
        ]
    return value, []


def hours_band(hours: float) -> str:
    for limit, band in HOURS_BANDS:
        if hours <= limit:
            return band
    return LATER


def code_reasons(code: str, field: str = "code") -> list[Reason]:
    if not CODE.match(code):
        return [
            Reason(
                "bad_code",
                "A code is lower-case letters, digits and hyphens (at most 40).",
                field,
            )
        ]
    return []


def vignette_reasons(code: str, title: str, text: str) -> list[Reason]:
    found = code_reasons(code)
    if not title.strip():
        found.append(Reason("title_required", "Give the vignette a title.", "title"))
    if not text.strip():
        found.append(Reason("text_required", "Write the vignette's text.", "text"))
    return found


def round_reasons(code: str, title: str, vignettes: int, partners: int) -> list[Reason]:
    found = code_reasons(code)
    if not title.strip():
        found.append(Reason("title_required", "Give the round a title.", "title"))
    if vignettes < 1:
        found.append(Reason("no_vignettes", "A round needs at least one vignette.", "vignettes"))
    if partners < 2:
        found.append(
            Reason("too_few_partners", "A round compares at least two partners.", "partners")
        )
    return found


def guidance_reasons(condition: str, hours: int, reason: str) -> list[Reason]:
    found = []
    if not condition.strip():
        found.append(Reason("condition_required", "Say what must be present.", "condition"))
    if not 0 <= hours <= MAX_HOURS:
        found.append(Reason("hours_range", f"Hours must be between 0 and {MAX_HOURS}.", "hours"))
    if not reason.strip():
        found.append(Reason("reason_required", "Say why the round led to this rule.", "reason"))
    return found


# --- agreement --------------------------------------------------------------------------------


def _usable(items: Sequence[Mapping[str, int]]) -> list[Mapping[str, int]]:
    return [item for item in items if sum(item.values()) >= 2]


def _item_agreement(item: Mapping[str, int]) -> float:
    n = sum(item.values())
    return (sum(c * c for c in item.values()) - n) / (n * (n - 1))


def percent_agreement(items: Sequence[Mapping[str, int]]) -> float | None:
    """The mean share of agreeing pairs of raters per item (None with no usable item)."""
    usable = _usable(items)
    if not usable:
        return None
    return sum(_item_agreement(item) for item in usable) / len(usable)


def fleiss_kappa(items: Sequence[Mapping[str, int]]) -> float | None:
    """Fleiss' kappa over `items` (category -> count of raters per item); see the module."""
    usable = _usable(items)
    if not usable:
        return None
    p_bar = sum(_item_agreement(item) for item in usable) / len(usable)
    totals: Counter[str] = Counter()
    for item in usable:
        totals.update(item)
    ratings = sum(totals.values())
    p_e = sum((count / ratings) ** 2 for count in totals.values())
    if p_e >= 1.0:
        return None
    return (p_bar - p_e) / (1 - p_e)


@dataclass(frozen=True)
class Rating:
    vignette: str
    partner: str
    rater: str
    answer: str


def category(question: str, answer: str) -> str:
    return hours_band(float(answer)) if question == Question.HOURS else answer


def items_of(question: str, ratings: Sequence[Rating]) -> list[dict[str, int]]:
    """Counts per category for each vignette, in vignette order."""
    by: dict[str, Counter[str]] = {}
    for r in ratings:
        by.setdefault(r.vignette, Counter())[category(question, r.answer)] += 1
    return [dict(by[v]) for v in sorted(by)]


def consensus(question: str, ratings: Sequence[Rating]) -> dict[str, str | float | None]:
    """Per vignette: the modal answer (None on a tie) or, for hours, the median."""
    by: dict[str, list[str]] = {}
    for r in ratings:
        by.setdefault(r.vignette, []).append(r.answer)
    out: dict[str, str | float | None] = {}
    for vignette, answers in by.items():
        if question == Question.HOURS:
            out[vignette] = statistics.median(float(a) for a in answers)
            continue
        ranked = Counter(answers).most_common()
        tied = len(ranked) > 1 and ranked[0][1] == ranked[1][1]
        out[vignette] = None if tied else ranked[0][0]
    return out


def drift(question: str, ratings: Sequence[Rating]) -> dict[str, dict[str, object]]:
    """Each partner's drift from the consensus (see the module)."""
    agreed = consensus(question, ratings)
    by_partner: dict[str, list[Rating]] = {}
    for r in ratings:
        by_partner.setdefault(r.partner, []).append(r)
    out: dict[str, dict[str, object]] = {}
    for partner in sorted(by_partner):
        mine = by_partner[partner]
        if question == Question.HOURS:
            gaps = [float(r.answer) - float(agreed[r.vignette] or 0) for r in mine]
            out[partner] = {
                "median_hours_from_consensus": statistics.median(gaps) if gaps else None,
                "answers": len(mine),
            }
            continue
        compared = [r for r in mine if agreed.get(r.vignette) is not None]
        differ = [r for r in compared if r.answer != agreed[r.vignette]]
        entry: dict[str, object] = {
            "disagreement": len(differ) / len(compared) if compared else None,
            "answers": len(compared),
        }
        if question == Question.ESCALATE:
            entry["no_where_consensus_yes"] = sum(1 for r in differ if r.answer == "no")
            entry["yes_where_consensus_no"] = sum(1 for r in differ if r.answer == "yes")
        out[partner] = entry
    return out


def spread(ratings: Sequence[Rating]) -> dict[str, float | None]:
    hours = sorted(float(r.answer) for r in ratings)
    if not hours:
        return {"median": None, "lowest": None, "highest": None}
    return {"median": statistics.median(hours), "lowest": hours[0], "highest": hours[-1]}


def question_stats(question: str, ratings: Sequence[Rating]) -> dict[str, object]:
    """Everything the stats report says about one question."""
    items = items_of(question, ratings)
    out: dict[str, object] = {
        "fleiss_kappa": fleiss_kappa(items),
        "percent_agreement": percent_agreement(items),
        "ratings": len(ratings),
        "vignettes": len(items),
        "drift": drift(question, ratings),
    }
    if question == Question.HOURS:
        out["binned_into"] = [band for _, band in HOURS_BANDS] + [LATER]
        out["spread"] = spread(ratings)
    return out


def tier_for_hours(hours: int) -> str:
    """The threshold tier a guidance rule's "within Y hours" falls in (72+ is the review)."""
    band = hours_band(float(hours))
    return band if band != LATER else TIERS[-1]


# --- audit tools (SPEC C9 parts 1-3) -------------------------------------------------------------
#
# A template's criteria each carry a weight; an answer is yes, partial, no or not applicable.
# The score is the weighted share of the applicable criteria met, in percent: yes counts the
# whole weight, partial half of it, no nothing; "not applicable" leaves the criterion out of
# both the numerator and the denominator (the convention of the handoffs app's I-PASS tool,
# `handoffs.scoring`, and of the usual weighted audit checklists). With every criterion "not
# applicable" there is nothing to score: None.

ANSWER_VALUES = {"yes": 1.0, "partial": 0.5, "no": 0.0}
NOT_APPLICABLE = "not_applicable"
ANSWERS = (*ANSWER_VALUES, NOT_APPLICABLE)
MAX_WEIGHT = 10
MAX_SAMPLE = 200


@dataclass(frozen=True)
class Criterion:
    code: str
    title: str
    look_for: str
    weight: int

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "title": self.title,
            "look_for": self.look_for,
            "weight": self.weight,
        }


def criteria_of(raw: Sequence[Mapping[str, object]]) -> list[Criterion]:
    """A template version's stored criteria as `Criterion`s (already validated when stored)."""
    return [
        Criterion(str(c["code"]), str(c["title"]), str(c.get("look_for", "")), int(c["weight"]))  # type: ignore[call-overload]
        for c in raw
    ]


def criteria_reasons(raw: Sequence[Mapping[str, object]], pass_mark: int) -> list[Reason]:
    """At least one criterion; each with a code (unique), a title and a weight of 1 to 10; a
    pass mark from 0 to 100."""
    reasons: list[Reason] = []
    if not raw:
        reasons.append(Reason("criteria_required", "Give at least one criterion.", "criteria"))
    seen: set[str] = set()
    for i, c in enumerate(raw, start=1):
        code = str(c.get("code", "")).strip()
        where = f"criteria[{i}]"
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", code):
            reasons.append(
                Reason(
                    "invalid_code",
                    f"Criterion {i}: a code of lower-case letters, digits and _.",
                    where,
                )
            )
        elif code in seen:
            reasons.append(
                Reason("duplicate_code", f"Criterion {i}: '{code}' is used twice.", where)
            )
        seen.add(code)
        if not str(c.get("title", "")).strip():
            reasons.append(Reason("title_required", f"Criterion {i}: give a title.", where))
        weight = c.get("weight")
        if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= MAX_WEIGHT:
            reasons.append(
                Reason(
                    "invalid_weight",
                    f"Criterion {i}: a whole weight from 1 to {MAX_WEIGHT}.",
                    where,
                )
            )
    if not 0 <= pass_mark <= 100:
        reasons.append(
            Reason("invalid_pass_mark", "The pass mark is a percent, 0 to 100.", "pass_mark")
        )
    return reasons


def answer_reasons(criteria: Sequence[Criterion], answers: Mapping[str, str]) -> list[Reason]:
    """Every criterion answered with yes, partial, no or not_applicable, and nothing else."""
    codes = {c.code for c in criteria}
    reasons = [
        Reason("unknown_criterion", f"'{code}' is not a criterion of this template.", code)
        for code in answers
        if code not in codes
    ]
    for c in criteria:
        given = answers.get(c.code, "")
        if not given:
            reasons.append(Reason("required", f"Answer '{c.title}'.", c.code))
        elif given not in ANSWERS:
            reasons.append(
                Reason(
                    "invalid_answer",
                    f"'{c.title}' is answered yes, partial, no or not_applicable.",
                    c.code,
                )
            )
    return reasons


def score(criteria: Sequence[Criterion], answers: Mapping[str, str]) -> float | None:
    """The weighted share of the applicable criteria met, in percent (one decimal); None when
    no criterion applies."""
    earned = 0.0
    possible = 0
    for c in criteria:
        value = ANSWER_VALUES.get(answers.get(c.code, ""))
        if value is None:  # not applicable (or unanswered): out of the denominator
            continue
        earned += c.weight * value
        possible += c.weight
    if possible == 0:
        return None
    return round(100 * earned / possible, 1)


def below_pass_mark(value: float | None, pass_mark: int) -> bool:
    """A scored record falls below the template's pass mark (nothing scored never does)."""
    return value is not None and value < pass_mark


def mean(values: Sequence[float | None]) -> float | None:
    """The mean of the scored values (unscored and all-not-applicable ones left out)."""
    scored = [v for v in values if v is not None]
    return round(sum(scored) / len(scored), 1) if scored else None


# --- seeded, stratified sampling -----------------------------------------------------------------


def allocate(sizes: Mapping[str, int], n: int) -> dict[str, int]:
    """How many of `n` to draw from each stratum of `sizes` (records per stratum).

    Everyone when `n` covers every record. Otherwise in proportion to each stratum's records,
    by largest remainder (ties go to the stratum whose code sorts first); then, when `n`
    allows, a stratum left with none takes one from the largest share, so every pathway is
    seen. Never more than a stratum holds."""
    strata = sorted(s for s, k in sizes.items() if k > 0)
    total = sum(sizes[s] for s in strata)
    if n >= total:
        return {s: sizes[s] for s in strata}
    quotas = {s: n * sizes[s] / total for s in strata}
    alloc = {s: int(q) for s, q in quotas.items()}
    left = n - sum(alloc.values())
    for s in sorted(strata, key=lambda s: (-(quotas[s] - int(quotas[s])), s))[:left]:
        alloc[s] += 1
    if n >= len(strata):
        for s in strata:
            if alloc[s] == 0:
                donor = min(strata, key=lambda d: (-alloc[d], d))
                alloc[donor] -= 1
                alloc[s] = 1
    return alloc


def draw_sample(
    seed: int, candidates: Sequence[tuple[str, str]], size: int
) -> list[tuple[str, str]]:
    """`size` of the (key, stratum) `candidates`, stratified by stratum, chosen by `seed`.

    The same seed over the same candidates always gives the same sample in the same order,
    whatever order they came in: each stratum's keys are sorted and drawn with a generator
    seeded by the seed and the stratum's code. Strata come in code order."""
    by_stratum: dict[str, list[str]] = {}
    for key, stratum in sorted(set(candidates)):
        by_stratum.setdefault(stratum, []).append(key)
    counts = allocate({s: len(keys) for s, keys in by_stratum.items()}, size)
    out: list[tuple[str, str]] = []
    for stratum in sorted(by_stratum):
        keys = by_stratum[stratum]
        k = counts.get(stratum, 0)
        chosen = random.Random(f"{seed}:{stratum}").sample(keys, k)  # noqa: S311 (sampling, not secrets)
        out += [(key, stratum) for key in chosen]
    return out


def digest(candidates: Sequence[tuple[str, str]]) -> str:
    """A fingerprint of the candidate records, to tell whether a re-draw saw the same ones."""
    text = "\n".join(f"{s}\t{k}" for k, s in sorted(set(candidates)))
    return hashlib.sha256(text.encode()).hexdigest()


def sample_reasons(size: int, period_start: date | None, period_end: date | None) -> list[Reason]:
    reasons = []
    if not 1 <= size <= MAX_SAMPLE:
        reasons.append(Reason("invalid_size", f"Sample 1 to {MAX_SAMPLE} records.", "size"))
    if period_start is None:
        reasons.append(Reason("required", "Give the first day of the period.", "period_start"))
    if period_end is None:
        reasons.append(Reason("required", "Give the last day of the period.", "period_end"))
    elif period_start is not None and period_end < period_start:
        reasons.append(Reason("period_order", "The period ends before it starts.", "period_end"))
    return reasons


# --- corrective actions --------------------------------------------------------------------------

STAGES = ("not_started", "in_progress", "completed")


def move_reasons(current: str, wanted: str, evidence: str) -> list[Reason]:
    """A corrective action moves one stage forward at a time, never back, and each move
    carries evidence (what is being done; what shows it is done)."""
    reasons = []
    if current == "completed":
        reasons.append(
            Reason(
                "completed_locked", "The action is completed: it can no longer change.", "status"
            )
        )
    elif STAGES.index(wanted) <= STAGES.index(current):
        reasons.append(
            Reason(
                "no_going_back",
                f"The action is already {current.replace('_', ' ')}: stages only move forward.",
                "status",
            )
        )
    elif STAGES.index(wanted) != STAGES.index(current) + 1:
        reasons.append(
            Reason(
                "start_first", "Start the action (with evidence) before completing it.", "status"
            )
        )
    if not evidence.strip():
        reasons.append(
            Reason("evidence_required", "Record the evidence for this stage.", "evidence")
        )
    return reasons


def action_reasons(
    *, title: str, source_kind: str, source_ref: str, due_on: date | None, sources: Sequence[str]
) -> list[Reason]:
    reasons = []
    if not title.strip():
        reasons.append(Reason("title_required", "Say what is to be done.", "title"))
    elif len(title.strip()) > 200:
        reasons.append(Reason("title_too_long", "At most 200 characters.", "title"))
    if source_kind not in sources:
        reasons.append(
            Reason("invalid_source", f"The source is one of {', '.join(sources)}.", "source_kind")
        )
    if not source_ref.strip():
        reasons.append(
            Reason(
                "source_required",
                "Name the record it comes from (an audit code, ...).",
                "source_ref",
            )
        )
    if due_on is None:
        reasons.append(Reason("due_required", "Give the date it is due.", "due_on"))
    return reasons


def is_overdue(status: str, due_on: date, today: date) -> bool:
    return status != "completed" and due_on < today
