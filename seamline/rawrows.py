"""Reading many rows fast: Django's SQL, the driver's rows, none of the per-value conversions.

The authorization register and the rota gate read hundreds of thousands of sign-offs, visits
and assignments at once; converting each date and time through the driver and Django costs
more than the query. These helpers keep Django writing the SQL (filters, joins, subqueries,
the access layer's querysets) and only skip the conversions: dates and times are selected as
text (`as_text`) and parsed by `instant_parser` or `date.fromisoformat`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from django.db import connections
from django.db.models import (
    BooleanField,
    Expression,
    F,
    Field,
    Func,
    Model,
    QuerySet,
    TextField,
)
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


def fetch(queryset: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a `values_list` queryset straight from the database cursor, as a list (the
    driver makes it in C; compiled callers then walk a list, not a Python generator).

    The SQL is Django's own; only the per-value conversions are skipped, so the caller
    selects plain columns first and `as_text` annotations after them, in the order they were
    annotated (the order Django writes the SELECT in)."""
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


class Bound:
    """Where a `Param` sits among a compiled query's parameters: its name, and how a value
    given for it becomes the driver's parameter on a connection."""

    __slots__ = ("convert", "name")

    def __init__(self, name: str, convert: Callable[[Any, Any], Any]) -> None:
        self.name = name
        self.convert = convert


# How many converted values each `Param` keeps.
CONVERTED_KEPT = 256


class Param(Expression):
    """A value given only when a `Prepared` query runs: one placeholder in its SQL, the value
    turned into the driver's parameter as the field `output_field` would turn it (a time made
    UTC, a date written as text on SQLite).

        Prepared(lambda: Shift.objects.filter(starts_at__lt=Param("end", DateTimeField())))
    """

    def __init__(self, name: str, output_field: Field) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:
        field = self.output_field
        # A check's queries are given the same few instants and dates (its week's window), and
        # converting one costs Django tens of microseconds: each is converted once.
        done: dict[tuple[Any, str], Any] = {}

        def convert(value: Any, connection: Any) -> Any:
            key = (value, connection.alias)
            found = done.get(key, done)
            if found is done:
                if len(done) > CONVERTED_KEPT:
                    done.clear()
                found = done[key] = field.get_db_prep_value(value, connection, prepared=False)
            return found

        return "%s", [Bound(self.name, convert)]


# The most ids a `Prepared(planned_once=True)` query is given and still runs on its kept plan.
PLANNED_ONCE_MAX = 50


class Prepared:
    """A query Django builds and compiles once per database and shape, then run again and
    again with new values (its `Param`s, and the ids of an `Among` given by name).

    For the small queries asked on every single check, building and compiling a queryset
    costs several times what the database spends answering it (about a millisecond each, and
    a rota check asks about twenty). `build(*shape)` returns the queryset, a `values_list`
    read as `fetch` reads one (no per-value conversions); `shape` picks among its variants
    (a few workers or many, say) and is part of what is kept.

    `converted=True`: each value is converted as Django converts it for a queryset (aware
    times, booleans, JSON, UUIDs), for rows that become model instances (`instance`). The
    converters are Django's own for the query, taken when it is compiled.

    `planned_once=True`: on PostgreSQL the server keeps the query's plan too
    (`planned_once_cursor`), for the small queries of single checks. A run given a list of
    more than `PLANNED_ONCE_MAX` ids (a week's validation) is planned afresh on Django's own
    cursor, as a plan made for a handful of ids would serve ten thousand badly.
    """

    def __init__(
        self,
        build: Callable[..., QuerySet[Any]],
        *,
        converted: bool = False,
        planned_once: bool = False,
    ) -> None:
        self.build = build
        self.converted = converted
        self.planned_once = planned_once
        self._compiled: dict[tuple[Any, ...], _Compiled] = {}

    def fetch(self, *shape: Any, **values: Any) -> list[tuple[Any, ...]]:
        """The rows of the query of `shape` with `values` given to its parameters, as a list
        (as `fetch`)."""
        compiled = self.compiled(*shape)
        connection = connections[compiled.alias]
        bound = [
            p.convert(values[p.name], connection) if isinstance(p, Bound) else p
            for p in compiled.params
        ]
        converters = compiled.converters
        few = self.planned_once and not any(
            isinstance(value, list | tuple) and len(value) > PLANNED_ONCE_MAX
            for value in values.values()
        )
        cursor = planned_once_cursor(compiled.alias) if few else connection.cursor()
        with cursor:
            cursor.execute(compiled.sql, bound)
            rows = list(cursor.fetchall())
        if not converters:
            return rows
        found = []
        for raw in rows:
            row = list(raw)
            for pos, convs, expression in converters:
                value = row[pos]
                for convert in convs:
                    value = convert(value, expression, connection)
                row[pos] = value
            found.append(tuple(row))
        return found

    def compiled(self, *shape: Any) -> _Compiled:
        """The query of `shape` compiled for its database (compiled again when a test run
        switches databases)."""
        found = self._compiled.get(shape)
        if found is not None and connections[found.alias].settings_dict["NAME"] == found.name:
            return found
        queryset = self.build(*shape)
        alias = queryset.db
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        converters: list[tuple[int, list[Any], Any]] = []
        if self.converted:
            found_converters = compiler.get_converters([col for col, _, _ in compiler.select])
            converters = [(pos, convs, expr) for pos, (convs, expr) in found_converters.items()]
        compiled = _Compiled(
            alias, connections[alias].settings_dict["NAME"], sql, list(params), converters
        )
        self._compiled[shape] = compiled
        return compiled


def planned_once_cursor(alias: str) -> Any:
    """A cursor on database `alias` whose statements PostgreSQL plans once per connection.

    Django's cursors on PostgreSQL bind parameters on the client (the values written into the
    SQL text) and never prepare, so the server parses and plans every statement afresh: for
    the few small queries of a single check that was as long as running them. This cursor
    binds on the server and asks psycopg to prepare each statement (`prepare=True`): the first
    run on a connection plans it, later runs send only the values. It is Django's own cursor
    class for server-side binding, wrapped as `connection.cursor()` wraps its cursors (query
    logging, error translation). On other databases: `connection.cursor()`. (docs/adr/0009)"""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        cursor = _preparing_cursor_class()(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)


@cache
def _preparing_cursor_class() -> type:
    """Django's server-binding psycopg cursor, preparing every statement it runs."""
    from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]
        ServerBindingCursor,  # (defined only with psycopg 3, which Seamline requires)
    )

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            kwargs.setdefault("prepare", True)
            return super().execute(query, params, **kwargs)

    return PreparingCursor


class _Compiled(NamedTuple):
    alias: str
    name: str  # the database's name when compiled
    sql: str
    params: list[Any]  # with a `Bound` where a value goes
    converters: list[tuple[int, list[Any], Any]]  # (position, converters, expression)


@cache
def attnames(model: type[Model]) -> tuple[str, ...]:
    """The columns of `model` as `instance` reads them, in order."""
    return tuple(f.attname for f in model._meta.concrete_fields)


def instance(model: type[Model], alias: str, row: Sequence[Any], start: int) -> Model:
    """The `model` instance whose columns (`attnames`, converted) start at `row[start]`."""
    names = attnames(model)
    return model.from_db(alias, names, row[start : start + len(names)])


def _among_param(ids: Iterable[int | str], connection: Any) -> Any:
    found = [i if isinstance(i, str) else int(i) for i in ids]
    if connection.vendor != "postgresql":
        return json.dumps(found)
    if any(isinstance(i, str) for i in found):
        return found  # (text: the driver writes the array, quoting each value)
    # Ids as an array's text ("{1,2,3}"), which the server parses in one go: a week's tens of
    # thousands go over several times faster than a list the driver adapts value by value.
    return "{" + ",".join(map(str, found)) + "}"


class Among(Func):
    """`column IN (ids)` with the ids sent as one parameter: a JSON array read by `json_each`
    on SQLite, an array compared with `= ANY` on PostgreSQL. Django's `__in` prepares and sends
    each id on its own, which for the ten thousand workers of a rota week costs more than the
    query, and PostgreSQL takes at most 65,535 parameters in one statement.

        Worker.objects.filter(Among("id", ids))

    In a `Prepared` query the ids are given when it runs: `Among("id", param="workers")`.
    `text=True`: the values are text (codes), not ids.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(
        self,
        column: str,
        ids: Iterable[int | str] = (),
        *,
        param: str | None = None,
        text: bool = False,
    ) -> None:
        super().__init__(F(column))
        self.ids = [str(i) if text else int(i) for i in ids]
        self.param = param
        self.text = text

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        ids = (
            Bound(self.param, _among_param)
            if self.param is not None
            else _among_param(self.ids, connection)
        )
        if connection.vendor == "postgresql":
            kind = "text" if self.text else "bigint"
            return f"{column} = ANY(%s::{kind}[])", [*params, ids]
        return (
            f"{column} IN (SELECT value FROM json_each(%s))",  # noqa: S608 (a compiled column)
            [*params, ids],
        )


def pair_keys(pairs: Iterable[tuple[int, int]], base: int) -> list[int]:
    """(first, second) id pairs as `PairAmong` takes them: each pair one integer,
    first * base + second. `base` must be above every second id the rows filtered can have
    (the largest primary key of its table, plus one), or two pairs could share a key."""
    return [first * base + second for first, second in pairs]


class PairAmong(Func):
    """`first * base + second IN (keys)`: the rows whose pair of ids is among the pairs given
    (`pair_keys`), the keys sent as one parameter as `Among` sends ids, the base as another.
    Filters the rows an index on `first` finds (with an `Among` on it): for a week's
    sign-offs, it leaves the third the rules read, so the driver and Python never see the
    rest (sign-offs of competencies none of the worker's visits needs).

        SignOff.objects.filter(
            Among("worker_id", param="workers"),
            PairAmong("worker_id", "competency_id", param="pairs"),
        )

    Given when a `Prepared` query runs: `pairs` (the keys) and `pairs_base` (their base)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, first: str, second: str, *, param: str) -> None:
        super().__init__(F(first), F(second))
        self.param = param

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        first, first_params = compiler.compile(self.source_expressions[0])
        second, second_params = compiler.compile(self.source_expressions[1])
        keys = Bound(self.param, _among_param)
        base = Bound(f"{self.param}_base", lambda value, connection: int(value))
        key = f"({first} * %s + {second})"
        params = [*first_params, base, *second_params, keys]
        if connection.vendor == "postgresql":
            return f"{key} = ANY(%s::bigint[])", params
        return f"{key} IN (SELECT value FROM json_each(%s))", params  # noqa: S608
