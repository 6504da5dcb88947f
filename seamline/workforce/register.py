"""The authorization register: every worker x task type, cleared or not, as of any instant.

Derived, never typed in. This module loads the facts `workforce.authorization.decide` needs as
they stood at an instant `at` (past included) and asks `decide` for each worker and task type:

* the framework in force at `at` (its version's snapshot);
* workers, with their organisation's status at `at` (from the status history);
* the pathways each worker worked on at `at`;
* sign-offs signed by `at` (as `Attainment`s; superseded ones only when they can still explain
  a refusal), delegation pauses open at `at`;
* for temporary workers, what their evidence bundle still lacked at `at`.

Loading takes the same handful of queries whatever the number of workers (plain
`values_list` rows, no model instances), so the full register of a large network is one
pass in memory. Who may see which workers is the access layer's (`Worker.objects.visible_to`).
"""

from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from operator import attrgetter
from typing import Any, NamedTuple, overload

from django.db import connections
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    UUIDField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from seamline import collector
from seamline.access import Actor
from seamline.competency.choices import EvidenceKind
from seamline.competency.framework import Framework, framework_at
from seamline.competency.models import Competency, TaskType
from seamline.errors import Reason
from seamline.network.access import refuse
from seamline.network.choices import OrgStatus
from seamline.network.models import OrganisationStatusChange, Pathway
from seamline.rawrows import (
    Joined,
    Param,
    Prepared,
    as_text,
    fetch,
    instant_parser,
    planned_once_cursor,
)

from .access import ALL, NONE, reach_condition, worker_reach
from .authorization import (
    Attainment,
    BundleEvidence,
    Decision,
    Pause,
    TaskSpec,
    WorkerFacts,
    bundle_missing,
    decide,
    judge,
    stored_evidence,
)
from .choices import LOCAL_INDUCTION_TOPICS, TEMPORARY
from .models import (
    DelegationPause,
    Evidence,
    SignOff,
    Worker,
    WorkerPathway,
    WorkerStatusChange,
)


class Row(NamedTuple):
    """One cell of the register: may this worker do this task type at that instant? (A named
    tuple: a large register has hundreds of thousands.)"""

    worker: str  # the worker's public id (uuid)
    worker_name: str
    organisation: str
    task_type: str
    cleared: bool
    reasons: tuple[Reason, ...]
    last_validated: date | None
    valid_until: date | None

    def as_dict(self) -> dict[str, Any]:
        """The machine-readable shape (command JSON and the API)."""
        return {
            "worker": self.worker,
            "worker_name": self.worker_name,
            "organisation": self.organisation,
            "task_type": self.task_type,
            "cleared": self.cleared,
            "reasons": [{"code": r.code, "message": r.message} for r in self.reasons],
            "last_validated": self.last_validated.isoformat() if self.last_validated else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }


def local(at: datetime | None) -> datetime:
    """`at` (now when None) in the network's time zone: dates in the rule are local dates."""
    if at is None:
        return timezone.localtime()
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    return timezone.localtime(at)


# --- who the register covers -------------------------------------------------------------------


def workers_for(actor: Actor) -> QuerySet[Worker]:
    """The workers whose register `actor` may read: all of them for the system (commands run
    by the platform operator), otherwise what the workforce access layer lets them see."""
    if actor.is_system:
        return Worker.objects.all()
    return Worker.objects.visible_to(actor)


# --- loading the facts -----------------------------------------------------------------------

_WORKER_COLUMNS = (
    "id",
    "uuid",
    "first_name",
    "last_name",
    "organisation_id",
    "organisation__code",
    "organisation__status",
    "employment_type",
    "status",
    "start_date",
    "left_on",
    "placement_start",
)
_BUNDLE_KINDS = (
    EvidenceKind.MODULE,
    EvidenceKind.SUPERVISED_PRACTICE_SIGNOFF,
    EvidenceKind.LOCAL_INDUCTION,
)


def _organisation_active(at: datetime, organisations: set[int]) -> dict[int, bool]:
    """Whether each of `organisations` that has a status history was active in the network at
    `at`."""
    status: dict[int, str | None] = {}
    changes = (
        OrganisationStatusChange.objects.filter(organisation_id__in=organisations)
        .order_by("changed_at", "id")
        .values_list("organisation_id", "to_status", "changed_at")
        .iterator()
    )
    for org_id, to_status, changed_at in changes:
        if changed_at <= at:
            status[org_id] = to_status
        else:
            status.setdefault(org_id, None)  # it joined after `at`
    return {org_id: s == OrgStatus.ACTIVE for org_id, s in status.items()}


def _codes(model: Any) -> dict[Any, str]:
    return dict(model.objects.order_by().values_list("id", "code"))


# At most this many workers count as "a few": their facts are read in one query with the
# codes joined in (one check, a page of the matrix or the API).
FEW = 500


def load_facts(
    workers: QuerySet[Worker], at: datetime, framework: Framework, *, few: bool | None = None
) -> list[WorkerFacts]:
    """The facts about `workers` as they stood at `at`, in the queryset's order.

    A fixed number of queries whatever the number of workers. For many: the workers, the
    status history of organisations, the competency, pathway and task-type codes, and one query
    each for open pathways, sign-offs, pauses and bundle evidence (each filtered by a subquery
    of `workers`). For a few (`few=True`, or at most `FEW` rows found): the workers with their
    organisation's status at `at`, and everything else in one `UNION ALL` with the codes
    joined in: two queries, which is what keeps a single check fast.
    """
    rows = list(workers.values_list(*_WORKER_COLUMNS))
    if not rows:
        return []
    if few is None:
        few = len(rows) <= FEW
    ids: Any
    if few:
        ids = [row[0] for row in rows]
    elif workers.query.is_sliced:
        ids = workers.values("id")
    else:
        ids = workers.order_by().values("id")
    return facts_of(rows, workers.db, ids, at, framework, few=few)


def facts_of(
    rows: list[tuple[Any, ...]],
    alias: str,
    ids: Any,
    at: datetime,
    framework: Framework,
    *,
    few: bool,
) -> list[WorkerFacts]:
    """`load_facts` once the workers' rows (`_WORKER_COLUMNS`, converted) are read: `ids`, their
    ids (a list when `few`, else a subquery), `alias` the database."""
    day = at.date()
    # Whether each organisation with a status history was active at `at`: for a few workers
    # from the union's own rows (below), for many in a query of its own.
    active = {} if few else _organisation_active(at, {row[4] for row in rows})
    temporary = any(row[7] in TEMPORARY for row in rows)
    found: Iterable[tuple[Any, ...]]
    if few:
        found = _few_facts(alias, ids, at, temporary=temporary)
        competency_code: dict[Any, str] = Joined()
        pathway_code: dict[Any, str] = Joined()
        task_code: dict[Any, str] = Joined()
    else:
        parts = _fact_queries(ids, at, temporary=temporary)
        found = itertools.chain.from_iterable(fetch(part) for part in parts)
        competency_code, pathway_code, task_code = (
            _codes(Competency),
            _codes(Pathway),
            _codes(TaskType),
        )
    instant = instant_parser(alias)

    pathways: dict[int, list[tuple[str, str]]] = defaultdict(list)
    attainments: dict[int, list[Attainment]] = defaultdict(list)
    pauses: dict[int, list[Pause]] = defaultdict(list)
    bundle: dict[int, list[BundleEvidence]] = defaultdict(list)
    status_changes: dict[int, list[tuple[datetime, str, str]]] = defaultdict(list)
    organisation_changes: dict[int, list[tuple[datetime, int, str]]] = defaultdict(list)
    new_attainment = Attainment._make
    for worker_id, tag, code, a, b, c, d, e, f in found:
        if tag == "s":  # a sign-off: stage, signed, review due, superseded, revoked, pathway
            attainments[worker_id].append(
                new_attainment(
                    (
                        competency_code[code],
                        a,
                        instant(b),
                        date.fromisoformat(c),
                        pathway_code[f] if f is not None else None,
                        instant(d) if d is not None else None,
                        instant(e) if e is not None else None,
                    )
                )
            )
        elif tag == "p":  # a pathway worked on: started on (for the order)
            pathways[worker_id].append((a, pathway_code[code]))
        elif tag == "x":  # a delegation pause: started, lifted
            pauses[worker_id].append(
                Pause(task_code[code], instant(b), instant(c) if c is not None else None)
            )
        elif tag == "w":  # a change of status: from, when
            status_changes[worker_id].append((instant(b), code, a))
        elif tag == "o":  # (an organisation's id first) a change of its status: id, when
            organisation_changes[worker_id].append((instant(b), int(a), code))
        else:  # bundle evidence: kind, occurred on, verified by, a local induction's detail
            bundle[worker_id].append(
                stored_evidence(
                    a,
                    date.fromisoformat(b),
                    competency_code[code] if code is not None else None,
                    c is not None,
                    d,
                )
            )
    for organisation, changes in organisation_changes.items():
        then = None  # no change by `at`: it joined the network after
        for when, _, to_status in sorted(changes):
            if when > at:
                break
            then = to_status
        active[organisation] = then == OrgStatus.ACTIVE
    # The databases return rows in no set order: the facts are put in one, so that a worker's
    # register reads the same on SQLite and PostgreSQL, and by either way of loading.
    for found_pauses in pauses.values():
        found_pauses.sort(key=_pause_order)
    for found_attainments in attainments.values():
        if len(found_attainments) > 1:
            found_attainments.sort(key=_attainment_order)

    facts = []
    for (
        pk,
        uid,
        first,
        last,
        org_id,
        org_code,
        org_status,
        employment,
        status,
        start,
        left_on,
        placement,
    ) in (row[: len(_WORKER_COLUMNS)] for row in rows):
        missing: tuple[str, ...] = ()
        if employment in TEMPORARY:
            missing = bundle_missing(
                bundle.get(pk, ()),
                placement_start=placement or start,
                required_modules=framework.critical,
                induction_topics=LOCAL_INDUCTION_TOPICS,
                at=day,
            )
        facts.append(
            WorkerFacts(
                key=str(uid),
                name=f"{first} {last}",
                organisation=org_code,
                organisation_active=active.get(org_id, org_status == OrgStatus.ACTIVE),
                status=_status_at(status_changes.get(pk), at, status),
                employment_type=employment,
                start_date=start,
                left_on=left_on,
                pathways=tuple(code for _, code in sorted(pathways.get(pk, ()))),
                attainments=tuple(attainments.get(pk, ())),
                pauses=tuple(pauses.get(pk, ())),
                bundle_missing=missing,
            )
        )
    return facts


# The order facts are put in (see `load_facts`): C-level keys, as there are hundreds of
# thousands of sign-offs to sort in a large register.
_pause_order = attrgetter("started_at", "task_type")
_attainment_order = attrgetter("signed_at", "competency", "stage")


def complete_bundles(workers: QuerySet[Worker], at: datetime, framework: Framework) -> set[int]:
    """Which of `workers` are temporary workers whose evidence bundle for the current placement
    lacked nothing at `at`: the register's own rule (`bundle_missing`, with the same
    required modules and induction topics as `load_facts`), over the bundle evidence alone. Two
    queries whatever the number of workers (for a count over many instants, such as a year of
    month-ends, where the rest of the facts are not needed)."""
    day = at.date()
    temporary = workers.filter(employment_type__in=TEMPORARY).order_by()
    placements = {
        pk: placement or start
        for pk, placement, start in temporary.values_list("pk", "placement_start", "start_date")
    }
    if not placements:
        return set()
    evidence: dict[int, list[BundleEvidence]] = defaultdict(list)
    rows = (
        Evidence.objects.filter(
            worker_id__in=temporary.values("pk"),
            kind__in=_BUNDLE_KINDS,
            occurred_on__lte=day,
            occurred_on__gte=Coalesce(F("worker__placement_start"), F("worker__start_date")),
        )
        .order_by()
        .values_list(
            "worker_id", "kind", "occurred_on", "competency__code", "verified_by_id", "detail"
        )
    )
    for worker_id, kind, occurred_on, competency, verified_by, detail in rows:
        evidence[worker_id].append(
            stored_evidence(kind, occurred_on, competency, verified_by is not None, detail)
        )
    return {
        pk
        for pk, placement in placements.items()
        if not bundle_missing(
            evidence.get(pk, ()),
            placement_start=placement,
            required_modules=framework.critical,
            induction_topics=LOCAL_INDUCTION_TOPICS,
            at=day,
        )
    }


def _status_at(changes: list[tuple[datetime, str, str]] | None, at: datetime, now: str) -> str:
    """A worker's status at `at` from their status changes (when, to, from); `now` (their
    current status) when none was recorded."""
    if not changes:
        return now
    changes.sort()
    status = changes[0][2]  # before the first change: what it changed from
    for when, to_status, _ in changes:
        if when > at:
            break
        status = to_status
    return status


def _fact_queries(ids: Any, at: datetime, *, temporary: bool) -> list[QuerySet[Any]]:
    """The queries for the facts about the workers `ids` as they stood at `at`, each a
    `values_list` of the same nine columns: worker id, a tag naming the kind of row, the id of
    a competency, pathway or task type, and six more whose meaning goes with the tag. Dates
    and times are read as text (see `rawrows.fetch`). `_few_facts` reads the same for a few
    workers in one query; a test holds the two to the same answer. `temporary`: whether any of
    the workers is temporary (only theirs have a bundle to read)."""
    day = at.date()
    none = Value(None, output_field=TextField())

    def code(path: str) -> F:
        return F(f"{path}_id")

    def text_id(path: str) -> Cast:
        return Cast(path, TextField())

    def shaped(qs: QuerySet[Any], tag: str, code_of: Any, *rest: Any) -> QuerySet[Any]:
        extra = {f"c{n}": value for n, value in enumerate([*rest, *[none] * (6 - len(rest))])}
        return (
            qs.order_by()
            .annotate(tag=Value(tag, output_field=TextField()), code=code_of, **extra)
            .values_list("worker_id", "tag", "code", *extra)
        )

    open_pathways = WorkerPathway.objects.filter(worker_id__in=ids, started_on__lte=day).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=day)
    )
    # Sign-offs signed by `at`. One superseded by then explains nothing unless it was also
    # revoked (a revocation is reported as such), so those are left in the database.
    sign_offs = SignOff.objects.filter(worker_id__in=ids, signed_at__lte=at).filter(
        Q(superseded_at__isnull=True) | Q(superseded_at__gt=at) | Q(revoked_at__isnull=False)
    )
    open_pauses = DelegationPause.objects.filter(worker_id__in=ids, started_at__lte=at).filter(
        Q(lifted_at__isnull=True) | Q(lifted_at__gt=at)
    )
    parts = [
        shaped(
            sign_offs,
            "s",
            code("competency"),
            F("stage"),
            as_text("signed_at"),
            as_text("review_due"),
            as_text("superseded_at"),
            as_text("revoked_at"),
            code("pathway"),
        ),
        shaped(open_pathways, "p", code("pathway"), as_text("started_on")),
        shaped(
            open_pauses, "x", code("task_type"), none, as_text("started_at"), as_text("lifted_at")
        ),
        shaped(
            WorkerStatusChange.objects.filter(worker_id__in=ids),
            "w",
            F("to_status"),
            F("from_status"),
            as_text("changed_at"),
        ),
    ]
    if temporary:
        # Temporary workers: the evidence of their current placement, up to `at`. Only a local
        # induction's detail is read (its topics).
        evidence = Evidence.objects.filter(
            worker_id__in=ids,
            worker__employment_type__in=TEMPORARY,
            kind__in=_BUNDLE_KINDS,
            occurred_on__lte=day,
            occurred_on__gte=Coalesce(F("worker__placement_start"), F("worker__start_date")),
        )
        parts.append(
            shaped(
                evidence,
                "e",
                code("competency"),
                F("kind"),
                as_text("occurred_on"),
                text_id("verified_by_id"),
                Case(
                    When(kind=EvidenceKind.LOCAL_INDUCTION, then=Cast("detail", TextField())),
                    default=None,
                ),
            )
        )
    return parts


def _few_facts(
    alias: str, ids: list[int], at: datetime, *, temporary: bool
) -> Iterator[tuple[Any, ...]]:
    """The rows `_fact_queries` gives, for a few workers (`ids`), in one `UNION ALL` with the
    codes joined in. Written as SQL because building and compiling the four querysets costs
    Django several times what the database spends answering them, and one check of one
    worker is asked for on every assignment a scheduler makes."""
    connection = connections[alias]
    ops = connection.ops
    instant = ops.adapt_datetimefield_value(at)
    day = ops.adapt_datefield_value(at.date())
    marks = ", ".join(["%s"] * len(ids))
    t = {
        model.__name__: connection.ops.quote_name(model._meta.db_table)
        for model in (
            SignOff,
            WorkerPathway,
            DelegationPause,
            Evidence,
            Worker,
            WorkerStatusChange,
            OrganisationStatusChange,
            Competency,
            Pathway,
            TaskType,
        )
    }
    # Only table names (from the models) and placeholders are formatted into the SQL (hence
    # the S608 notes); every value is a parameter.
    sql = [
        f"""SELECT s.worker_id, 's', c.code, s.stage, CAST(s.signed_at AS TEXT),
                CAST(s.review_due AS TEXT), CAST(s.superseded_at AS TEXT),
                CAST(s.revoked_at AS TEXT), p.code
           FROM {t["SignOff"]} s
           JOIN {t["Competency"]} c ON c.id = s.competency_id
           LEFT JOIN {t["Pathway"]} p ON p.id = s.pathway_id
          WHERE s.worker_id IN ({marks}) AND s.signed_at <= %s
            AND (s.superseded_at IS NULL OR s.superseded_at > %s OR s.revoked_at IS NOT NULL)""",  # noqa: S608
        f"""SELECT wp.worker_id, 'p', p.code, CAST(wp.started_on AS TEXT), NULL, NULL, NULL,
                NULL, NULL
           FROM {t["WorkerPathway"]} wp
           JOIN {t["Pathway"]} p ON p.id = wp.pathway_id
          WHERE wp.worker_id IN ({marks}) AND wp.started_on <= %s
            AND (wp.ended_on IS NULL OR wp.ended_on > %s)""",  # noqa: S608
        f"""SELECT dp.worker_id, 'x', tt.code, NULL, CAST(dp.started_at AS TEXT),
                CAST(dp.lifted_at AS TEXT), NULL, NULL, NULL
           FROM {t["DelegationPause"]} dp
           JOIN {t["TaskType"]} tt ON tt.id = dp.task_type_id
          WHERE dp.worker_id IN ({marks}) AND dp.started_at <= %s
            AND (dp.lifted_at IS NULL OR dp.lifted_at > %s)""",  # noqa: S608
    ]
    sql.append(
        f"""SELECT sc.worker_id, 'w', sc.to_status, sc.from_status, CAST(sc.changed_at AS TEXT),
                NULL, NULL, NULL, NULL
           FROM {t["WorkerStatusChange"]} sc
          WHERE sc.worker_id IN ({marks})"""  # noqa: S608
    )
    # The status history of the workers' organisations (the organisation's id first).
    sql.append(
        f"""SELECT oc.organisation_id, 'o', oc.to_status, CAST(oc.id AS TEXT),
                CAST(oc.changed_at AS TEXT), NULL, NULL, NULL, NULL
           FROM {t["OrganisationStatusChange"]} oc
          WHERE oc.organisation_id IN (
                SELECT w.organisation_id FROM {t["Worker"]} w WHERE w.id IN ({marks}))"""  # noqa: S608
    )
    params: list[Any] = [*ids, instant, instant, *ids, day, day, *ids, instant, instant, *ids]
    params += ids
    if temporary:
        temporary_kinds = ", ".join(["%s"] * len(TEMPORARY))
        bundle_kinds = ", ".join(["%s"] * len(_BUNDLE_KINDS))
        sql.append(
            f"""SELECT e.worker_id, 'e', c.code, e.kind, CAST(e.occurred_on AS TEXT),
                    CAST(e.verified_by_id AS TEXT),
                    CASE WHEN e.kind = %s THEN CAST(e.detail AS TEXT) END, NULL, NULL
               FROM {t["Evidence"]} e
               JOIN {t["Worker"]} w ON w.id = e.worker_id
               LEFT JOIN {t["Competency"]} c ON c.id = e.competency_id
              WHERE e.worker_id IN ({marks}) AND w.employment_type IN ({temporary_kinds})
                AND e.kind IN ({bundle_kinds}) AND e.occurred_on <= %s
                AND e.occurred_on >= COALESCE(w.placement_start, w.start_date)"""  # noqa: S608
        )
        params += [EvidenceKind.LOCAL_INDUCTION, *ids, *TEMPORARY, *_BUNDLE_KINDS, day]
    # Planned once per connection on PostgreSQL, for as many workers (one, for a check).
    with planned_once_cursor(alias) as cursor:
        cursor.execute("\nUNION ALL\n".join(sql), params)
        yield from cursor.fetchall()


# --- the register and the single check -----------------------------------------------------------


def _on_pathway(workers: QuerySet[Worker], pathway: str, day: date) -> QuerySet[Worker]:
    """Workers who worked on `pathway` on `day`."""
    return workers.filter(
        Exists(
            WorkerPathway.objects.filter(
                worker=OuterRef("pk"), pathway__code=pathway, started_on__lte=day
            ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        )
    )


class RegisterView(Sequence[Row]):
    """The register of a set of workers as of an instant, computed only for the part asked for:
    `len()` costs one count, a slice (a page of the API) loads only the workers on it."""

    def __init__(
        self,
        workers: QuerySet[Worker],
        tasks: Sequence[TaskSpec],
        framework: Framework,
        at: datetime,
        pathway: str | None = None,
    ) -> None:
        self.workers = workers
        self.tasks = list(tasks)
        self.framework = framework
        self.at = at
        self.pathway = pathway
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = self.workers.count() * len(self.tasks)
        return self._count

    def rows(self) -> list[Row]:
        with collector.paused():
            facts = load_facts(self.workers, self.at, self.framework)
            return rows_for(facts, self.tasks, self.framework, self.at, self.pathway)

    def facts(self, first: int, last: int) -> list[WorkerFacts]:
        """The facts of the workers `first` to `last` (excluded) in the register's order."""
        return load_facts(
            self.workers[first:last], self.at, self.framework, few=last - first <= FEW
        )

    @overload
    def __getitem__(self, index: int) -> Row: ...

    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, int):
            if index < 0:
                return self.rows()[index]
            found = self[index : index + 1]
            if not found:
                raise IndexError(index)
            return found[0]
        per = len(self.tasks)
        if index.step not in (None, 1) or per == 0:
            return self.rows()[index]
        start = max(index.start or 0, 0)
        stop = index.stop if index.stop is not None else len(self)
        if stop <= start:
            return []
        first, last = start // per, (stop - 1) // per + 1
        with collector.paused():
            facts = self.facts(first, last)
            rows = rows_for(facts, self.tasks, self.framework, self.at, self.pathway)
        return rows[start - first * per : stop - first * per]


def register_view(
    actor: Actor,
    at: datetime | None = None,
    *,
    organisation: str | None = None,
    task_type: str | None = None,
    pathway: str | None = None,
) -> RegisterView:
    """The register as of `at` (now when None), lazily: a row per worker `actor` may see and
    task type, workers by name, task types in the framework's order.

    Workers who had left before that day are left out. `organisation` keeps one partner's
    workers, `task_type` one column, `pathway` the workers on that pathway then (and asks the
    rule about pathway-specific competencies on that pathway)."""
    at = local(at)
    day = at.date()
    framework = framework_at(at)
    tasks = [framework.task(task_type)] if task_type else framework.tasks
    workers = (
        workers_for(actor)
        .exclude(left_on__lt=day)
        .order_by("last_name", "first_name", "organisation__code", "staff_id")
    )
    if organisation:
        workers = workers.filter(organisation__code=organisation)
    if pathway:
        workers = _on_pathway(workers, pathway, day)
    return RegisterView(workers, tasks, framework, at, pathway)


def register(
    actor: Actor,
    at: datetime | None = None,
    *,
    organisation: str | None = None,
    task_type: str | None = None,
    pathway: str | None = None,
    parallel: bool = False,
) -> list[Row]:
    """The whole register as of `at` (see `register_view`).

    `parallel`: a large register is computed by two processes, one on each half of the
    workers (see `parallel.py`); the command's exports ask for it. Pages and the API never do:
    they compute a page at a time."""
    view = register_view(actor, at, organisation=organisation, task_type=task_type, pathway=pathway)
    if parallel:
        from .parallel import rows_in_two

        return rows_in_two(view)
    return view.rows()


def rows_for(
    facts: Iterable[WorkerFacts],
    tasks: Sequence[TaskSpec],
    framework: Framework,
    at: datetime,
    pathway: str | None = None,
) -> list[Row]:
    rows: list[Row] = []
    add = rows.append
    new = tuple.__new__  # a Row without the named tuple's own __new__: half the cost
    competencies = framework.competencies
    for worker in facts:
        name, org = worker.name, worker.organisation
        key = worker.key
        for code, cleared, reasons, last, until in judge(worker, tasks, competencies, at, pathway):
            add(new(Row, (key, name, org, code, cleared, reasons, last, until)))
    return rows


def check(
    actor: Actor,
    worker: Worker | str,
    task_type: str,
    at: datetime | None = None,
    pathway: str | None = None,
) -> Decision:
    """Is `worker` cleared for `task_type` at `at` (now when None), on `pathway` when given?

    `worker` is a worker or its identifier (public id, or ORGANISATION/STAFF_ID: one query
    finds and loads it). `NotFound` when `actor` may not see the worker (the refusal is
    logged); `RuleViolation` for an unknown task type.
    """
    at = local(at)
    framework = framework_at(at)
    task = framework.task(task_type)
    ident = str(worker.uuid) if isinstance(worker, Worker) else str(worker).strip()
    rows = worker_rows_for(actor, worker)
    if not rows:
        raise refuse(actor, "workforce.worker", ident)
    alias = _WORKER.compiled(*_worker_shape(actor, worker)).alias
    facts = facts_of(rows, alias, [row[0] for row in rows], at, framework, few=True)
    return decide(facts[0], task, framework.competencies, at, pathway)


def _worker_shape(actor: Actor, worker: Worker | str) -> tuple[str, str]:
    """(how `worker` is named: "pk", "uuid" or "staff"; how far `actor` sees workers)."""
    by = "pk" if isinstance(worker, Worker) else "staff" if "/" in str(worker) else "uuid"
    reach = ALL if actor.is_system else worker_reach(actor)
    return by, reach


def _worker_query(by: str, reach: str) -> QuerySet[Any]:
    """One worker's row (`_WORKER_COLUMNS`) by key, public id or organisation and staff id,
    among those seen with `reach` (see `workforce.access`)."""
    workers = Worker.objects.order_by()
    if by == "pk":
        workers = workers.filter(pk=Param("pk", IntegerField()))
    elif by == "uuid":
        workers = workers.filter(uuid=Param("uuid", UUIDField()))
    else:
        workers = workers.filter(
            organisation__code=Param("organisation_code", CharField()),
            staff_id=Param("staff_id", CharField()),
        )
    if reach not in (ALL, NONE):
        workers = workers.filter(
            reach_condition(
                reach, Param("user", IntegerField()), Param("organisation", IntegerField())
            )
        )
    return workers.values_list(*_WORKER_COLUMNS)


# Compiled once per way of naming a worker and reach: the single check is asked on every
# assignment a scheduler makes, and compiling cost more than the query.
_WORKER = Prepared(_worker_query, converted=True, planned_once=True)


def worker_rows_for(actor: Actor, worker: Worker | str) -> list[tuple[Any, ...]]:
    """The row of `worker` (`_WORKER_COLUMNS`, the key first) if `actor` may see it, none
    otherwise: the compiled equivalent of `_named(workers_for(actor), worker)`, which a test
    holds it to."""
    by, reach = _worker_shape(actor, worker)
    if reach == NONE:
        return []
    values: dict[str, Any] = {
        "user": actor.user.pk if actor.user is not None else None,
        "organisation": actor.organisation.pk if actor.organisation is not None else None,
    }
    if isinstance(worker, Worker):
        values["pk"] = worker.pk
    else:
        ident = str(worker).strip()
        if by == "staff":
            values["organisation_code"], _, values["staff_id"] = ident.partition("/")
        else:
            try:
                values["uuid"] = uuid.UUID(ident)
            except ValueError:
                return []
    return list(_WORKER.fetch(by, reach, **values))


def _named(visible: QuerySet[Worker], worker: Worker | str) -> QuerySet[Worker] | None:
    """`visible` narrowed to the worker named (None when the name cannot be one)."""
    if isinstance(worker, Worker):
        return visible.filter(pk=worker.pk)
    ident = str(worker).strip()
    if "/" in ident:
        org_code, _, staff_id = ident.partition("/")
        return visible.filter(organisation__code=org_code, staff_id=staff_id)
    try:
        return visible.filter(uuid=uuid.UUID(ident))
    except ValueError:
        return None


def find_worker(actor: Actor, ident: str) -> Worker:
    """A worker named by public id or as ORGANISATION/STAFF_ID, among those `actor` may see.

    Missing and "not yours" answer the same `NotFound` (and the refusal is logged)."""
    wanted = _named(workers_for(actor).select_related("organisation"), ident)
    found = wanted.first() if wanted is not None else None
    if found is None:
        raise refuse(actor, "workforce.worker", str(ident).strip())
    return found
