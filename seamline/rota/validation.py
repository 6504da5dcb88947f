"""Whole-rota validation: every assignment of a rota file through the gate, every violation
listed (SPEC C4). Nothing is stored.

The rota the gate reasons about is the file itself together with what is already stored for
other organisations and weeks: the file replaces its organisations' stored rota for the weeks
it covers, exactly as loading it would, so an agency worker double-booked by two partners
shows up even though neither file alone overlaps.

A worker the validating person may not see (another partner's worker, SPEC C1) is reported
by rule only: the sentence says that the reasons are with the worker's organisation.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from django.db.models import Q
from django.utils import timezone

from seamline import collector
from seamline.access import Actor
from seamline.workforce.imports import RowError
from seamline.workforce.models import Worker

from .choices import RULES
from .gate import Gate, VisitFacts
from .imports import Parsed, parse
from .loading import ShiftFacts, load
from .models import Visit


class Finding(NamedTuple):
    """One violation: a worker's assignment to a visit breaks a rule. (A named tuple: a week
    has hundreds of thousands, made ten times faster than frozen dataclasses.)"""

    visit: str
    worker: str  # ORGANISATION/STAFF_ID
    rule: str
    message: str
    organisation: str  # the organisation whose rota the visit is on
    start: datetime

    def as_dict(self) -> dict[str, str]:
        return {
            "visit": self.visit,
            "worker": self.worker,
            "rule": self.rule,
            "message": self.message,
        }


CSV_HEADER = ["visit", "worker", "rule", "message", "organisation", "start"]


@dataclass
class Result:
    errors: list[RowError] = field(default_factory=list)  # the file could not be read
    findings: list[Finding] = field(default_factory=list)
    overridden: list[tuple[Finding, str]] = field(default_factory=list)
    visits: int = 0
    assignments: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and not self.findings

    def by_rule(self) -> list[tuple[str, list[Finding]]]:
        found: dict[str, list[Finding]] = defaultdict(list)
        for f in self.findings:
            found[f.rule].append(f)
        return [(rule, found[rule]) for rule in RULES if rule in found]

    def by_partner(self) -> list[tuple[str, dict[str, int]]]:
        """For each organisation, how many violations of each rule its rota has."""
        found: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for f in self.findings:
            found[f.organisation][f.rule] += 1
        return [(org, dict(found[org])) for org in sorted(found)]

    def as_list(self) -> list[dict[str, str]]:
        return [f.as_dict() for f in self.findings]

    def lines(self) -> list[str]:
        if self.errors:
            count = len(self.errors)
            return [
                f"{count} error{'s' if count != 1 else ''}: the file could not be validated.",
                *[str(e) for e in self.errors],
            ]
        out = [f"{f.visit} {f.worker} {f.rule}: {f.message}" for f in self.findings]
        out += [
            f"{f.visit} {f.worker} {f.rule}: overridden ({uid}): {f.message}"
            for f, uid in self.overridden
        ]
        count = len(self.findings)
        out.append(
            f"{count} violation{'s' if count != 1 else ''} in {self.assignments} "
            f"assignment{'s' if self.assignments != 1 else ''} of {self.visits} "
            f"visit{'s' if self.visits != 1 else ''}"
            + (f"; {len(self.overridden)} overridden." if self.overridden else ".")
        )
        return out

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_HEADER)
        for f in self.findings:
            writer.writerow([f.visit, f.worker, f.rule, f.message, f.organisation, _when(f.start)])
        return buffer.getvalue()


def _when(value: datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def file_visits(parsed: Parsed) -> tuple[list[VisitFacts], list[ShiftFacts]]:
    """The file's visits as the gate reads them (stored ones under their code, new ones as
    ORGANISATION/REF), and its shifts. One query (the codes of stored visits)."""
    named = Q(pk__in=[])
    for row in parsed.visits:
        named |= Q(organisation__code=row.organisation.code, ref=row.ref)
    codes = {
        (org, ref): code
        for org, ref, code in Visit.objects.filter(named).values_list(
            "organisation__code", "ref", "code"
        )
    }
    visits = []
    for row in parsed.visits:
        assert row.participant is not None and row.pathway is not None
        org = row.organisation.code
        visits.append(
            VisitFacts(
                key=codes.get((org, row.ref), f"{org}/{row.ref}"),
                organisation=org,
                participant=row.participant.pk,
                pathway=row.pathway.code,
                tasks=tuple(sorted(t.code for t in row.task_types)),
                start=row.start,
                end=row.end,
                lone=row.lone,
                workers=tuple(w.pk for w in row.workers),
                paired=row.paired_with.pk if row.paired_with else None,
            )
        )
    shifts = [ShiftFacts(r.workers[0].pk, r.start, r.end) for r in parsed.shifts if r.workers]
    return visits, shifts


def validate_file(actor: Actor, data: bytes | str, *, parallel: bool = False) -> Result:
    """Every violation of the rota in `data` (a rota file), as `actor` may see it.

    `parallel`: a large file is validated by two processes (`rota.parallel`); the command
    asks for it. Pages and the API never do (a web server's process is not forked)."""
    parsed = parse(actor, data, for_import=False)
    if parsed.errors:
        return Result(errors=parsed.errors)
    visits, shifts = file_visits(parsed)
    replaced = frozenset(parsed.covers)
    if parallel:
        from .parallel import validate_in_two

        return validate_in_two(actor, visits, replaced=replaced, extra_shifts=shifts)
    gate = load(visits, replaced=replaced, extra_shifts=shifts)
    return findings(actor, gate, visits)


# One violation as `judged` gives it: (index of the visit, position of the worker on the
# visit, the worker's ORGANISATION/STAFF_ID, rule, sentence, the override's public id when an
# override lets it through). Plain values, so a forked child can send them (`rota.parallel`).
Judged = tuple[int, int, str, str, str, str | None]


def findings(actor: Actor, gate: Gate, visits: list[VisitFacts]) -> Result:
    """The gate's answers for every assignment of `visits`, as findings `actor` may read."""
    with collector.paused_for(len(visits)):
        result = collect(visits, judged(actor, gate, visits))
    result.assignments = sum(len(v.workers) for v in visits)
    return result


def judged(
    actor: Actor, gate: Gate, visits: list[VisitFacts], only: int | None = None
) -> Iterator[Judged]:
    """Every violation of the assignments of `visits`, visit by visit; `only` (0 or 1): just
    the workers whose primary key has that parity (one half, for `rota.parallel`). A worker
    `actor` may not see is reported by rule only."""
    visible = _visible(actor, gate.workers)
    gate.remember_every = False  # each assignment is asked about once
    for index, visit in enumerate(visits):
        for position, worker_pk in enumerate(visit.workers):
            if only is not None and worker_pk % 2 != only:
                continue
            answer = gate.check(worker_pk, visit)
            worker = gate.workers[worker_pk]
            shown = worker_pk in visible
            label = worker.label
            for violation in answer.violations:
                message = violation.message if shown else _hidden(worker, violation.rule)
                yield index, position, label, violation.rule, message, None
            for violation, uid in answer.overridden:
                message = violation.message if shown else _hidden(worker, violation.rule)
                yield index, position, label, violation.rule, message, uid


# The violations of a half of a stored week as the half sends them back (`rota.parallel`),
# plain values, a list for each column (written and read several times faster than a tuple
# for each violation): the visit's start in microseconds since 1970 UTC, the visit's code, the
# position of the worker on the visit, the visit's organisation, the worker's
# ORGANISATION/STAFF_ID, rule, sentence, and the public id of the override that lets it
# through. Start, code and position order the whole week.
WeekHalf = tuple[
    list[int], list[str], list[int], list[str], list[str], list[str], list[str], list[str | None]
]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


class _Columns:
    """A half's violations as they are found, column by column (`WeekHalf`)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.codes: list[str] = []
        self.positions: list[int] = []
        self.organisations: list[str] = []
        self.labels: list[str] = []
        self.rules: list[str] = []
        self.messages: list[str] = []
        self.uids: list[str | None] = []

    def add(
        self,
        at: int,
        visit: VisitFacts,
        position: int,
        label: str,
        rule: str,
        message: str,
        uid: str | None,
    ) -> None:
        self.starts.append(at)
        self.codes.append(visit.key)
        self.positions.append(position)
        self.organisations.append(visit.organisation)
        self.labels.append(label)
        self.rules.append(rule)
        self.messages.append(message)
        self.uids.append(uid)

    def half(self) -> WeekHalf:
        return (
            self.starts,
            self.codes,
            self.positions,
            self.organisations,
            self.labels,
            self.rules,
            self.messages,
            self.uids,
        )


def week_judged(
    actor: Actor, gate: Gate, visits: list[VisitFacts], only: int | None = None
) -> tuple[int, WeekHalf]:
    """How many assignments of `visits` are judged (`only`: as `judged`), and their
    violations as a half of a stored week sends them (`WeekHalf`): `judged`'s, written out
    (a week's quarter of a million violations, each made once)."""
    visible = _visible(actor, gate.workers)
    gate.remember_every = False  # each assignment is asked about once
    micros: dict[datetime, int] = {}
    assignments = 0
    columns = _Columns()
    for visit in visits:
        at = micros.get(visit.start)
        if at is None:
            at = micros[visit.start] = (visit.start - EPOCH) // MICROSECOND
        for position, worker_pk in enumerate(visit.workers):
            if only is not None and worker_pk % 2 != only:
                continue
            assignments += 1
            blocked, lifted = gate.blocks(worker_pk, visit)
            if not blocked and not lifted:
                continue
            worker = gate.workers[worker_pk]
            shown = worker_pk in visible
            label = worker.label
            for violation in blocked:
                message = violation.message if shown else _hidden(worker, violation.rule)
                columns.add(at, visit, position, label, violation.rule, message, None)
            for violation, uid in lifted:
                message = violation.message if shown else _hidden(worker, violation.rule)
                columns.add(at, visit, position, label, violation.rule, message, uid)
    return assignments, columns.half()


def place(half: WeekHalf, shown: set[str] | None) -> list[Finding | None]:
    """A half's violations as findings, one for each (None: on a visit whose code is not in
    `shown`, when given)."""
    starts, codes, _, organisations, labels, rules, messages, _ = half
    made: dict[int, datetime] = {}
    placed: list[Finding | None] = []
    # A named tuple made from its values as a tuple: half the time of calling the class (its
    # `__new__` is Python), for a quarter of a million findings a week.
    new = tuple.__new__
    for i in range(len(codes)):
        code = codes[i]
        if shown is not None and code not in shown:
            placed.append(None)
            continue
        micros = starts[i]
        start = made.get(micros)
        if start is None:
            start = made[micros] = EPOCH + micros * MICROSECOND
        finding: Finding = new(
            Finding, (code, labels[i], rules[i], messages[i], organisations[i], start)
        )
        placed.append(finding)
    return placed


def merged(
    mine: WeekHalf, placed: list[Finding | None], theirs: WeekHalf, shown: set[str] | None
) -> tuple[list[Finding], list[tuple[Finding, str]]]:
    """The week's findings and overridden findings in order: this process's half (`mine`, its
    findings `placed` as `place` made them) and the other half as it was sent (`theirs`),
    each in order already, merged in one pass over their columns.

    Two violations of the same visit from different halves never share a position (an
    assignment's violations all come from its worker's half), so start, code and position
    decide; each half's own order is kept."""
    findings: list[Finding] = []
    overridden: list[tuple[Finding, str]] = []
    my_starts, my_codes, my_positions, _, _, _, _, my_uids = mine
    starts, codes, positions, organisations, labels, rules, messages, uids = theirs
    made: dict[int, datetime] = {}
    new = tuple.__new__
    i = 0
    count = len(my_codes)
    for j in range(len(codes)):
        micros = starts[j]
        code = codes[j]
        # This half's violations that come first.
        while i < count:
            at = my_starts[i]
            if at > micros or (
                at == micros
                and (my_codes[i] > code or (my_codes[i] == code and my_positions[i] > positions[j]))
            ):
                break
            _keep(placed[i], my_uids[i], findings, overridden)
            i += 1
        if shown is not None and code not in shown:
            continue
        start = made.get(micros)
        if start is None:
            start = made[micros] = EPOCH + micros * MICROSECOND
        finding: Finding = new(
            Finding, (code, labels[j], rules[j], messages[j], organisations[j], start)
        )
        _keep(finding, uids[j], findings, overridden)
    for k in range(i, count):
        _keep(placed[k], my_uids[k], findings, overridden)
    return findings, overridden


def _keep(
    finding: Finding | None,
    uid: str | None,
    findings: list[Finding],
    overridden: list[tuple[Finding, str]],
) -> None:
    """`finding` (None: not shown) among the findings, or the overridden ones with `uid`."""
    if finding is None:
        return
    if uid is None:
        findings.append(finding)
    else:
        overridden.append((finding, uid))


def no_half() -> WeekHalf:
    """A half with no violations (`merged` of one half alone)."""
    return ([], [], [], [], [], [], [], [])


def collect(visits: list[VisitFacts], found: Iterable[Judged]) -> Result:
    """The findings `found` (as `judged` gives them) of `visits` as a `Result`."""
    result = Result(visits=len(visits))
    for index, _, label, rule, message, uid in found:
        visit = visits[index]
        finding = Finding(visit.key, label, rule, message, visit.organisation, visit.start)
        if uid is None:
            result.findings.append(finding)
        else:
            result.overridden.append((finding, uid))
    return result


def _hidden(worker: Any, rule: str) -> str:
    return (
        f"{worker.name} is not cleared for this visit under {rule}; the reasons "
        f"are visible to {worker.organisation} and the prime."
    )


def _visible(actor: Actor, workers: Any) -> set[int]:
    """Which of the loaded workers `actor` may read the records of (one query)."""
    if actor.is_system:
        return set(workers)
    return set(
        Worker.objects.visible_to(actor).filter(pk__in=list(workers)).values_list("pk", flat=True)
    )
