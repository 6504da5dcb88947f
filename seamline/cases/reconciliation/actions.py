"""Every write of caseload reconciliation: saving a partner's column mapping, reconciling an
uploaded list, and deciding an uncertain row in clerical review. Each checks the actor's right,
validates, writes and audits in one transaction.

`reconcile` is the whole job the page, the API and the command share:

1. read the file with the partner's saved mapping (`caseload.parse`); any bad row and nothing
   is stored (the report names each row and column);
2. load the register the partner may see (its participants, the partner's own ids for them,
   and earlier decisions of clerical review);
3. link (`linkage.link`);
4. store the run, its rows and its findings (`rules.classify`, judged against the register as
   it stands at the upload), with the reconciliation rate; append an audit entry.

A dry run does all of it and rolls back, so the report is exactly what a real run would store.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, Q
from django.utils import timezone

from seamline.access import Actor
from seamline.audit.actions import record
from seamline.cases.access import participants_visible_to_organisation
from seamline.cases.lists import first_contact_standards
from seamline.cases.models import LocalId, Ownership, Participant, Referral
from seamline.cases.rules import normalise_local_id
from seamline.errors import Reason, RuleViolation
from seamline.network.models import Organisation, Pathway
from seamline.versioning import claim_version

from . import access, caseload, linkage, report, rules
from .choices import Category, Decision, LinkMethod, LinkState
from .models import ColumnMapping, Finding, LinkDecision, ListRow, Run


def _deny(message: str) -> RuleViolation:
    return RuleViolation.one("not_permitted", message)


def insert_many(model: type[Model], objs: Sequence[Model]) -> None:
    """INSERT `objs` with one prepared statement executed for each (DB-API `executemany`).

    Django's `bulk_create` on SQLite sends at most 999 parameters a statement, some 47 list
    rows at a time: 3,000 statements for a 150,000-row list, most of the time a reconciliation
    spends storing. One statement run many times is the same portable SQL on SQLite and
    PostgreSQL; values go through each field's own conversion, as `bulk_create` does. Primary
    keys are not read back: callers that need them query the rows."""
    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    rows = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] for obj in objs
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 10_000):
            cursor.executemany(sql, rows[start : start + 10_000])


# --- the column mapping ------------------------------------------------------------------------


def mapping_for(organisation: Organisation) -> ColumnMapping | None:
    return ColumnMapping.objects.filter(organisation=organisation).first()


def plain_mapping(mapping: ColumnMapping) -> caseload.ListMapping:
    return caseload.ListMapping(
        columns=dict(mapping.columns),
        date_format=mapping.date_format,
        open_values=caseload.open_values(mapping.open_values),
        pathway_values=dict(mapping.pathway_values or {}),
    )


@transaction.atomic
def save_mapping(
    actor: Actor,
    organisation: Organisation,
    *,
    columns: Mapping[str, str],
    date_format: str,
    open_values: str = "open, active",
    pathway_values: Mapping[str, str] | None = None,
    version: int | None = None,
) -> ColumnMapping:
    """Save how `organisation`'s caseload file reads (once; later uploads use it)."""
    if not access.can_reconcile(actor, organisation):
        raise _deny("Your roles do not set this organisation's caseload columns.")
    cleaned = {k: (v or "").strip() for k, v in columns.items() if (v or "").strip()}
    problems = caseload.mapping_reasons(cleaned, date_format)
    known = {c.lower() for c in Pathway.objects.values_list("code", flat=True)}
    for theirs, ours in (pathway_values or {}).items():
        if ours.strip().lower() not in known:
            problems.append(("pathway_values", f"'{ours}' (for '{theirs}') is not a pathway code."))
    if problems:
        raise RuleViolation(*(Reason("invalid_mapping", msg, name) for name, msg in problems))
    found = mapping_for(organisation)
    fields = {
        "columns": cleaned,
        "date_format": date_format,
        "open_values": ", ".join(caseload.open_values(open_values)),
        "pathway_values": {k.strip(): v.strip().lower() for k, v in (pathway_values or {}).items()},
    }
    if found is None:
        found = ColumnMapping.objects.create(
            organisation=organisation, updated_by=actor.user, **fields
        )
        record(actor, "reconciliation.mapping.create", found, changes=fields)
        return found
    before = {name: getattr(found, name) for name in fields}
    claim_version(found, version, f"caseload columns of {organisation.code}")
    for name, value in fields.items():
        setattr(found, name, value)
    found.updated_at = timezone.now()
    found.updated_by = actor.user
    found.save(update_fields=[*fields, "updated_at", "updated_by"])
    record(
        actor,
        "reconciliation.mapping.update",
        found,
        changes={k: [before[k], v] for k, v in fields.items() if before[k] != v},
    )
    return found


# --- reconciling a list ------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a reconciliation answers: the stored run (None when the file was refused), the
    problems found in the file, and the figures."""

    organisation: Organisation
    dry_run: bool
    errors: list[caseload.RowError] = field(default_factory=list)
    nhs_failing: list[int] = field(default_factory=list)
    run: Run | None = None
    rows: int = 0
    rate: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    categories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "partner": self.organisation.code,
            "dry_run": self.dry_run,
            "stored": self.run is not None and not self.dry_run,
            "run": str(self.run.uuid) if self.run is not None and not self.dry_run else None,
            "rows": self.rows,
            "rate": self.rate,
            "counts": self.counts,
            "categories": self.categories,
            "errors": [e.as_dict() for e in self.errors],
            "nhs_failing_check_digit": self.nhs_failing,
        }


def _pathways() -> dict[str, int]:
    out: dict[str, int] = {}
    for pk, code, name in Pathway.objects.values_list("pk", "code", "name"):
        out[code] = pk
        out.setdefault(name, pk)
    return out


def register_people(partner: Organisation) -> list[linkage.Person]:
    """The participants `partner` may see, as the linkage engine reads them."""
    visible = participants_visible_to_organisation(Participant.objects.active(), partner)
    return [
        linkage.Person(
            uid=str(pk),
            given_name=given,
            family_name=family,
            date_of_birth=born.isoformat() if born else "",
            postcode=postcode,
            address=address,
            nhs_number=nhs,
            medicaid_id=medicaid,
        )
        for pk, given, family, born, postcode, address, nhs, medicaid in visible.values_list(
            "pk",
            "given_name",
            "family_name",
            "date_of_birth",
            "postcode",
            "address",
            "nhs_number",
            "medicaid_id",
        ).iterator(chunk_size=5000)
    ]


def remembered(partner: Organisation) -> tuple[dict[str, str], dict[str, set[str]]]:
    """What the register already knows of the partner's rows: row key -> participant (its own
    ids recorded on participants, and "same person" decisions), and row key -> participants
    a person said it is not."""
    known: dict[str, str] = {}
    for value, participant in LocalId.objects.filter(organisation=partner).values_list(
        "value", "participant_id"
    ):
        known["id:" + normalise_local_id(value)] = str(participant)
    apart: dict[str, set[str]] = {}
    for key, participant, decision in LinkDecision.objects.filter(organisation=partner).values_list(
        "key", "participant_id", "decision"
    ):
        if decision == Decision.SAME:
            known[key] = str(participant)
        else:
            apart.setdefault(key, set()).add(str(participant))
    return known, apart


def _as_person(row: caseload.CaseloadRow) -> linkage.Person:
    """The engine's view of a row. Rows of one person (one key: the partner's id, or names
    and birth date) are linked once, as one."""
    return linkage.Person(
        uid=row.key,
        given_name=row.given_name,
        family_name=row.family_name,
        date_of_birth=row.date_of_birth.isoformat() if row.date_of_birth else "",
        postcode=row.postcode,
        address=row.address,
        nhs_number=row.nhs_number,
        medicaid_id=row.medicaid_id,
        local_id=row.key,
    )


def reconcile(
    actor: Actor,
    partner: Organisation,
    data: bytes,
    *,
    file_name: str = "",
    dry_run: bool = False,
    at: datetime | None = None,
    records: bool = True,
) -> Outcome:
    """Reconcile `partner`'s caseload file against the register (see the module docstring).
    A file with any bad row stores nothing and answers the problems. `records`: list the
    records behind each category in the answer (the command and the API do; a page that
    goes on to the stored report does not need them)."""
    if not access.can_reconcile(actor, partner) and not actor.is_system:
        raise _deny("Your roles do not reconcile this organisation's caseload list.")
    outcome = Outcome(organisation=partner, dry_run=dry_run)
    mapping = mapping_for(partner)
    if mapping is None:
        raise RuleViolation.one(
            "mapping_required",
            f"Set which columns of {partner.name}'s list hold which fields first.",
            "mapping",
        )
    started = time.perf_counter()
    parsed = caseload.parse(data, plain_mapping(mapping), _pathways())
    outcome.seconds["read"] = time.perf_counter() - started
    outcome.errors, outcome.nhs_failing = parsed.errors, parsed.nhs_failing
    if parsed.errors:
        return outcome
    at = at or timezone.now()
    started = time.perf_counter()
    register = register_people(partner)
    known, apart_keys = remembered(partner)
    incoming = list({row.key: _as_person(row) for row in reversed(parsed.rows)}.values())
    apart = {
        (person.uid, participant)
        for person in incoming
        for participant in apart_keys.get(person.uid, ())
    }
    outcome.seconds["load"] = time.perf_counter() - started
    started = time.perf_counter()
    result = linkage.link(register, incoming, known_local=known, apart=apart)
    outcome.seconds["link"] = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        run = _store(actor, partner, parsed.rows, result, data, file_name, at)
        outcome.run = run
        # The figures as the uploader may see them: a participant hidden from them (the
        # prime reconciling for a partner, say) changes no number they are shown.
        seen = report.figures(actor, run)
        outcome.rows, outcome.rate, outcome.counts = seen.rows, seen.rate, seen.counts
        if records:
            outcome.categories = report.categories(actor, run)
        if dry_run:
            transaction.set_rollback(True)
        else:
            record(
                actor,
                "reconciliation.run",
                run,
                changes={"rows": run.rows, "rate": run.rate, "counts": run.counts},
                reason=f"Caseload list {file_name or 'uploaded'} (SHA-256 {run.file_digest[:12]}).",
            )
    outcome.seconds["store"] = time.perf_counter() - started
    return outcome


def _store(
    actor: Actor,
    partner: Organisation,
    rows: Sequence[caseload.CaseloadRow],
    result: linkage.LinkResult,
    data: bytes,
    file_name: str,
    at: datetime,
) -> Run:
    links = result.by_incoming()
    run = Run.objects.create(
        organisation=partner,
        uploaded_at=at,
        uploaded_by=actor.user,
        file_name=file_name[:200],
        file_digest=hashlib.sha256(data).hexdigest(),
        rows=len(rows),
        linkage={
            "trained": result.trained,
            "pairs_scored": result.pairs_scored,
            "thresholds": {
                "upper": linkage.Thresholds().upper,
                "lower": linkage.Thresholds().lower,
            },
            "seconds": {k: round(v, 2) for k, v in result.seconds.items()},
        },
    )
    stored = []
    for row in rows:
        found = links.get(row.key)
        state = LinkState.UNKNOWN
        if found is not None:
            state = LinkState.MATCHED if found.band == linkage.MATCH else LinkState.UNCERTAIN
        stored.append(
            ListRow(
                run=run,
                row=row.row,
                local_id=row.local_id,
                given_name=row.given_name[:100],
                family_name=row.family_name[:100],
                date_of_birth=row.date_of_birth,
                postcode=row.postcode,
                address=row.address,
                nhs_number=row.nhs_number,
                medicaid_id=row.medicaid_id,
                pathway_id=row.pathway,
                is_open=row.is_open,
                received_at=row.received_at,
                first_contact_at=row.first_contact_at,
                discharged_at=row.discharged_at,
                outcome=row.outcome,
                state=state,
                participant_id=int(found.register) if found is not None else None,
                method=found.method if found is not None else "",
                probability=round(found.probability, 4) if found is not None else None,
            )
        )
    insert_many(ListRow, stored)
    refresh(run)
    return run


# --- judging a run ------------------------------------------------------------------------------


def register_facts(run: Run) -> list[rules.ReferralFacts]:
    """The referrals a run is judged against, as they stood when the list was uploaded: every
    referral of the participants its rows are linked to, and every referral the partner owned
    then."""
    at = run.uploaded_at
    linked = ListRow.objects.filter(run=run, participant__isnull=False).values("participant_id")
    owned = Ownership.objects.filter(organisation=run.organisation, started_at__lte=at).values(
        "referral_id"
    )
    referrals = Referral.objects.filter(received_at__lte=at).filter(
        Q(participant__in=linked) | Q(pk__in=owned)
    )
    owners: dict[int, tuple[datetime, int, int]] = {}
    for referral_id, started, seq, organisation in Ownership.objects.filter(
        referral__in=referrals.values("pk"), started_at__lte=at
    ).values_list("referral_id", "started_at", "seq", "organisation_id"):
        if referral_id not in owners or (started, seq) > owners[referral_id][:2]:
            owners[referral_id] = (started, seq, organisation)
    facts = []
    for values in referrals.values_list(
        "pk",
        "code",
        "participant_id",
        "pathway_id",
        "received_at",
        "first_contact_at",
        "discharged_at",
    ).iterator(chunk_size=5000):
        pk, code, participant, pathway, received, contact, discharged = values
        owner = owners.get(pk)
        fact = rules.as_of(
            id=pk,
            code=code,
            participant=participant,
            pathway=pathway,
            owner=owner[2] if owner else None,
            received_at=received,
            first_contact_at=contact,
            discharged_at=discharged,
            at=at,
        )
        if fact is not None:
            facts.append(fact)
    return facts


def refresh(run: Run) -> Run:
    """Judge the run afresh from its rows: findings, counts, matched and the rate."""
    row_facts = []
    row_ids: dict[int, int] = {}
    states = []
    for values in (
        ListRow.objects.filter(run=run)
        .values_list(
            "pk",
            "row",
            "state",
            "participant_id",
            "pathway_id",
            "is_open",
            "received_at",
            "first_contact_at",
            "discharged_at",
            "outcome",
        )
        .iterator(chunk_size=5000)
    ):
        pk, row, state, participant, pathway, is_open, received, contact, discharged, outcome = (
            values
        )
        row_ids[row] = pk
        states.append(state)
        row_facts.append(
            rules.RowFacts(
                row, state, participant, pathway, is_open, received, contact, discharged, outcome
            )
        )
    names = rules.Names(
        organisations=dict(Organisation.objects.values_list("pk", "name")),
        pathways=dict(Pathway.objects.values_list("pk", "name")),
    )
    findings = rules.classify(
        run.organisation_id,
        row_facts,
        register_facts(run),
        first_contact_standards(),
        run.uploaded_at,
        names,
    )
    Finding.objects.filter(run=run).delete()
    insert_many(
        Finding,
        [
            Finding(
                run=run,
                category=f.category,
                list_row_id=row_ids[f.row] if f.row is not None else None,
                participant_id=f.participant,
                referral_id=f.referral,
                detail=f.detail[:300],
            )
            for f in findings
        ],
    )
    run.counts = rules.counts(states, findings)
    run.matched = run.counts[Category.MATCHED]
    run.rows = len(states)
    run.rate = rules.reconciliation_rate(run.matched, run.rows)
    run.save(update_fields=["counts", "matched", "rows", "rate"])
    return run


# --- clerical review ----------------------------------------------------------------------------


@transaction.atomic
def decide(actor: Actor, row: ListRow, decision: str, *, reason: str = "") -> ListRow:
    """A person decides an uncertain row: the same person as the participant proposed (the row
    becomes matched), or not (the row becomes unknown and the pair is never proposed again).
    The decision holds for the partner's later lists; the run's figures are judged afresh."""
    run = row.run
    if not access.can_reconcile(actor, run.organisation):
        raise _deny("Your roles do not decide rows of this organisation's list.")
    if decision not in Decision.values:
        raise RuleViolation.one("decision_unknown", "Choose: the same person, or not.", "decision")
    if row.state != LinkState.UNCERTAIN or row.participant_id is None:
        raise RuleViolation.one("already_decided", f"Row {row.row} is not awaiting review.", "row")
    participant = row.participant
    assert participant is not None
    before = dict(run.counts)
    if decision == Decision.SAME:
        won = ListRow.objects.filter(pk=row.pk, state=LinkState.UNCERTAIN).update(
            state=LinkState.MATCHED, method=LinkMethod.REVIEW
        )
    else:
        won = ListRow.objects.filter(pk=row.pk, state=LinkState.UNCERTAIN).update(
            state=LinkState.UNKNOWN, participant=None, method="", probability=None
        )
    if not won:
        raise RuleViolation.one("already_decided", f"Row {row.row} was decided meanwhile.", "row")
    LinkDecision.objects.update_or_create(
        organisation=run.organisation,
        key=row.key,
        participant=participant,
        defaults={
            "decision": decision,
            "reason": reason.strip(),
            "decided_by": actor.user,
            "decided_at": timezone.now(),
            "run": run,
        },
    )
    refresh(run)
    record(
        actor,
        "reconciliation.decide",
        run,
        changes={
            "row": row.row,
            "participant": participant.code,
            "decision": decision,
            "counts": {
                k: [before.get(k, 0), v] for k, v in run.counts.items() if before.get(k) != v
            },
        },
        reason=reason,
    )
    row.refresh_from_db()
    return row
