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

import re
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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
