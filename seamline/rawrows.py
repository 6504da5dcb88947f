"""Reading many rows fast: Django's SQL, the driver's rows, none of the per-value conversions.

The authorization register and the rota gate read hundreds of thousands of sign-offs, visits
and assignments at once; converting each date and time through the driver and Django costs
more than the query. These helpers keep Django writing the SQL (filters, joins, subqueries,
the access layer's querysets) and only skip the conversions: dates and times are selected as
text (`as_text`) and parsed by `instant_parser` or `date.fromisoformat`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db import connections
from django.db.models import BooleanField, F, Func, QuerySet, TextField
from django.db.models.functions import Cast


class Joined(dict[Any, str]):
    """In place of an id -> code map when the codes were joined into the rows instead (the
    way for a few rows: no query for every code): each value is its own code."""

    def __missing__(self, key: str) -> str:
        return key


def as_text(field: str) -> Cast:
    """A date or time column read as text: parsed by `instant_parser` or `date.fromisoformat`,
    many times faster than the database driver's and Django's conversions of each value."""
    return Cast(field, TextField())


def instant_parser(alias: str) -> Callable[[str], datetime]:
    """A parser for the timestamps read as text (`as_text`) from database `alias`, in UTC.
    SQLite keeps them in UTC without an offset, so one is added before parsing (faster than
    setting the zone after); PostgreSQL writes its own ("+00")."""
    suffix = "+00:00" if connections[alias].vendor == "sqlite" else ""
    parse = datetime.fromisoformat

    def instant(text: str) -> datetime:
        return parse(text + suffix)

    return instant


def fetch(queryset: QuerySet[Any]) -> Iterator[tuple[Any, ...]]:
    """The rows of a `values_list` queryset straight from the database cursor, in chunks.

    The SQL is Django's own; only the per-value conversions are skipped, so the caller
    selects plain columns first and `as_text` annotations after them, in the order they were
    annotated (the order Django writes the SELECT in)."""
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(10_000):
            yield from chunk


class Among(Func):
    """`column IN (ids)` with the ids sent as one parameter: a JSON array read by `json_each`
    on SQLite, an array compared with `= ANY` on PostgreSQL. Django's `__in` prepares and sends
    each id on its own, which for the ten thousand workers of a rota week costs more than the
    query, and PostgreSQL takes at most 65,535 parameters in one statement.

        Worker.objects.filter(Among("id", ids))
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, ids: Iterable[int]) -> None:
        super().__init__(F(column))
        self.ids = [int(i) for i in ids]

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s::bigint[])", [*params, self.ids]
        return (
            f"{column} IN (SELECT value FROM json_each(%s))",  # noqa: S608 (a compiled column)
            [*params, json.dumps(self.ids)],
        )
