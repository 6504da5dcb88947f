"""Reading a partner's caseload list: its own columns, mapped once onto ours (docs/imports.md,
"Caseload lists").

`parse(data, mapping, pathways)` reads the whole file and answers every row it could read and
every problem it found, each with the row (the header is row 1, as a spreadsheet shows it)
and the partner's column. The caller stores nothing when there is any problem: a list is
reconciled whole or not at all. Nothing here touches the database.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from seamline.cases.rules import (
    fold,
    is_valid_nhs_number,
    normalise_local_id,
    normalise_medicaid_id,
    normalise_nhs_number,
    normalise_postcode,
)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    help: str
    required: bool = False


FIELDS = (
    Field("local_id", "Local id", "your own id for the person (case or client number)"),
    Field("nhs_number", "NHS number", "ten digits, spaces allowed"),
    Field("medicaid_id", "Medicaid / member id", "as issued, letters and digits"),
    Field("given_name", "First name", "given name", required=True),
    Field("family_name", "Last name", "family name", required=True),
    Field("date_of_birth", "Date of birth", "in the date format chosen", required=True),
    Field("postcode", "Postcode", "UK postcode or ZIP code"),
    Field("address", "Address", "first line at least"),
    Field("pathway", "Pathway", "our pathway code or name, or one of your names mapped to it"),
    Field("status", "Status / open", "a value listed as open means open; anything else closed"),
    Field("referral_received", "Referral received", "date (and time) you had the referral"),
    Field("first_contact", "First contact", "date (and time) of the first two-way contact"),
    Field("discharge", "Discharge", "date (and time) the episode ended"),
    Field("outcome", "Outcome", "your outcome code or words, at discharge"),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
REQUIRED = tuple(f.name for f in FIELDS if f.required)

# Date formats a partner can choose (strptime patterns), with how each reads.
DATE_FORMATS = {
    "%Y-%m-%d": "2026-03-31 (ISO)",
    "%d/%m/%Y": "31/03/2026 (UK)",
    "%m/%d/%Y": "03/31/2026 (US)",
    "%d-%m-%Y": "31-03-2026",
    "%d.%m.%Y": "31.03.2026",
    "%Y%m%d": "20260331",
}
TIME_SUFFIXES = ("", " %H:%M", " %H:%M:%S", "T%H:%M", "T%H:%M:%S")
MAX_ROWS = 500_000


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = "header" if self.row == 1 else (f"row {self.row}" if self.row else "file")
        return (
            f"{where}, column {self.column}: {self.reason}"
            if self.column
            else f"{where}: {self.reason}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class CaseloadRow:
    row: int
    local_id: str = ""
    given_name: str = ""
    family_name: str = ""
    date_of_birth: date | None = None
    postcode: str = ""
    address: str = ""
    nhs_number: str = ""
    medicaid_id: str = ""
    pathway: int | None = None
    is_open: bool = True
    received_at: datetime | None = None
    first_contact_at: datetime | None = None
    discharged_at: datetime | None = None
    outcome: str = ""

    @property
    def key(self) -> str:
        return row_key(
            self.local_id,
            self.given_name,
            self.family_name,
            self.date_of_birth.isoformat() if self.date_of_birth else "",
        )


@dataclass
class Parsed:
    rows: list[CaseloadRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Rows whose NHS number fails its check digit: kept, but never used to link exactly.
    nhs_failing: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class ListMapping:
    """A column mapping as plain values (see `models.ColumnMapping`)."""

    columns: Mapping[str, str]
    date_format: str = "%Y-%m-%d"
    open_values: tuple[str, ...] = ("open", "active")
    pathway_values: Mapping[str, str] = field(default_factory=dict)


def open_values(text: str) -> tuple[str, ...]:
    return tuple(v.strip().lower() for v in (text or "").split(",") if v.strip())


def row_key(local_id: str, given: str, family: str, born: str) -> str:
    """How a decision recognises the same row in a later list: the partner's own id, or,
    without one, the names and date of birth."""
    if local_id.strip():
        return "id:" + normalise_local_id(local_id)
    digest = hashlib.sha256(f"{fold(given)}|{fold(family)}|{born}".encode()).hexdigest()
    return "p:" + digest[:40]


def mapping_reasons(columns: Mapping[str, str], date_format: str) -> list[tuple[str, str]]:
    """(field, reason) for a mapping that cannot work."""
    problems = []
    for name in REQUIRED:
        if not (columns.get(name) or "").strip():
            label = next(f.label for f in FIELDS if f.name == name)
            problems.append((name, f"Name the column that holds the {label.lower()}."))
    unknown = sorted(set(columns) - set(FIELD_NAMES))
    if unknown:
        problems.append(("columns", f"Not fields of a caseload list: {', '.join(unknown)}."))
    used: dict[str, str] = {}
    for name, header in columns.items():
        header = (header or "").strip()
        if not header:
            continue
        if header.lower() in used:
            problems.append(
                (name, f"Column '{header}' is already used for {used[header.lower()]}.")
            )
        used[header.lower()] = name
    if date_format not in DATE_FORMATS:
        problems.append(("date_format", "Choose one of the date formats offered."))
    return problems


def _decode(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _parse_date(value: str, fmt: str) -> date:
    return datetime.strptime(value.strip(), fmt).date()  # noqa: DTZ007 (a date, no time)


def _parse_moment(value: str, fmt: str) -> datetime:
    """A date, or a date and time, in the partner's format (or ISO), in local time."""
    text = value.strip()
    for suffix in TIME_SUFFIXES:
        try:
            found = datetime.strptime(text, fmt + suffix)  # noqa: DTZ007 (made aware below)
            break
        except ValueError:
            continue
    else:
        found = datetime.fromisoformat(text)  # ISO is always understood
    if timezone.is_naive(found):
        found = timezone.make_aware(found)
    return found


def pathway_lookup(pathways: Mapping[str, int], extra: Mapping[str, str]) -> dict[str, int]:
    """Lower-cased pathway code or name -> pathway id; the partner's own names added."""
    lookup = {k.lower(): v for k, v in pathways.items()}
    for theirs, ours in extra.items():
        if ours.lower() in lookup:
            lookup[theirs.strip().lower()] = lookup[ours.lower()]
    return lookup


def parse(
    data: bytes, mapping: ListMapping, pathways: Mapping[str, int], today: date | None = None
) -> Parsed:
    """Every row of the file, mapped onto our fields, with every problem found."""
    out = Parsed()
    text = _decode(data)
    if text is None:
        out.errors.append(RowError(0, "", "the file is not text (save it as CSV, UTF-8)"))
        return out
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        out.errors.append(RowError(1, "", "the file is empty: the first row must name the columns"))
        return out
    headers = [h.strip() for h in header]
    position = {h.lower(): i for i, h in enumerate(headers)}
    index: dict[str, int] = {}
    for name, column in mapping.columns.items():
        column = (column or "").strip()
        if not column:
            continue
        if column.lower() not in position:
            out.errors.append(RowError(1, column, f"no such column in the file (mapped to {name})"))
            continue
        index[name] = position[column.lower()]
    if out.errors:
        return out
    reader_ = _RowReader(
        index=index,
        label={name: headers[i] for name, i in index.items()},
        mapping=mapping,
        pathways=pathways,
        lookup=pathway_lookup(pathways, mapping.pathway_values),
        today=today or timezone.localdate(),
    )
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if number - 1 > MAX_ROWS:
            out.errors.append(RowError(number, "", f"more than {MAX_ROWS:,} rows: split the file"))
            break
        row, problems = reader_.read(number, cells)
        if problems:
            out.errors.extend(problems)
        else:
            out.rows.append(row)
            if row.nhs_number and not is_valid_nhs_number(row.nhs_number):
                out.nhs_failing.append(number)
    return out


@dataclass
class _RowReader:
    """Reads one row at a time."""

    index: dict[str, int]
    label: dict[str, str]
    mapping: ListMapping
    pathways: Mapping[str, int]
    lookup: dict[str, int]
    today: date

    def read(self, number: int, cells: list[str]) -> tuple[CaseloadRow, list[RowError]]:
        problems: list[RowError] = []
        fmt = self.mapping.date_format

        def cell(name: str) -> str:
            i = self.index.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        def bad(name: str, reason: str) -> None:
            problems.append(RowError(number, self.label.get(name, name), reason))

        row = CaseloadRow(row=number)
        # A person with two episodes has two rows under one id: both are linked as one.
        row.local_id = cell("local_id")[:60]
        row.given_name, row.family_name = cell("given_name"), cell("family_name")
        if not row.given_name and not row.family_name:
            bad("family_name", "a row needs the person's name")
        for name in ("given_name", "family_name"):
            if len(cell(name)) > 100:
                bad(name, "longer than 100 characters")
        born = cell("date_of_birth")
        if born:
            try:
                row.date_of_birth = _parse_date(born, fmt)
            except ValueError:
                bad("date_of_birth", f"'{born}' is not a date like {DATE_FORMATS[fmt]}")
            else:
                if row.date_of_birth > self.today:
                    bad("date_of_birth", "a date of birth cannot be in the future")
        nhs = normalise_nhs_number(cell("nhs_number"))
        if nhs and not re.fullmatch(r"\d{10}", nhs):
            bad("nhs_number", f"'{cell('nhs_number')}' is not ten digits")
        elif nhs:
            row.nhs_number = nhs
        row.medicaid_id = normalise_medicaid_id(cell("medicaid_id"))[:30]
        row.postcode = normalise_postcode(cell("postcode"))[:12]
        row.address = cell("address")
        path = cell("pathway")
        if path:
            found = self.lookup.get(path.lower())
            if found is None:
                known = ", ".join(sorted(self.pathways)) or "none"
                bad("pathway", f"'{path}' is not a pathway (known: {known})")
            row.pathway = found
        moments: dict[str, datetime | None] = {}
        for name in ("referral_received", "first_contact", "discharge"):
            value = cell(name)
            moments[name] = None
            if value:
                try:
                    moments[name] = _parse_moment(value, fmt)
                except ValueError:
                    bad(name, f"'{value}' is not a date like {DATE_FORMATS[fmt]}")
        row.received_at = moments["referral_received"]
        row.first_contact_at = moments["first_contact"]
        row.discharged_at = moments["discharge"]
        received = row.received_at
        if received and row.first_contact_at and row.first_contact_at < received:
            bad("first_contact", "first contact cannot come before the referral was received")
        if received and row.discharged_at and row.discharged_at < received:
            bad("discharge", "a discharge cannot come before the referral was received")
        row.outcome = cell("outcome")[:60]
        status = cell("status").lower()
        if "status" in self.index and status:
            row.is_open = status in self.mapping.open_values
        else:
            row.is_open = row.discharged_at is None
        return row, problems
