"""Reading many rows fast: Django's SQL, the driver's rows, none of the per-value conversions.

The authorization register and the rota gate read hundreds of thousands of sign-offs, visits
and assignments at once; converting each date and time through the driver and Django costs
more than the query. These helpers keep Django writing the SQL (filters, joins, subqueries,
the access layer's querysets) and only skip the conversions: dates and times are selected as
text (`as_text`) and parsed by `instant_parser` or `date.fromisoformat`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from django.db import connections
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast


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
