"""Database triggers that make tables append-only (SQLite and PostgreSQL): a row, once written,
is never changed. Used for the case ownership and consent histories (`cases/db.py`) and for
issued assurance packs (`assurance/db.py`).

Only UPDATE is refused. Rows are never deleted by the application (their foreign keys are
PROTECT and no action deletes them), and test teardown must be able to empty the tables."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def _sqlite(create: bool, tables: Sequence[str], message: str) -> list[str]:
    if create:
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
            for table in tables
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_no_update;" for table in tables]


def _postgres(create: bool, tables: Sequence[str], message: str, function: str) -> list[str]:
    if create:
        return [
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN RAISE EXCEPTION '{message}' USING ERRCODE = 'insufficient_privilege'; "
            "END; $$;",
            *(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}();"
                for table in tables
            ),
        ]
    return [
        *(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table};" for table in tables),
        f"DROP FUNCTION IF EXISTS {function}();",
    ]


class AppendOnly:
    """The triggers for `tables`; `function` names the PostgreSQL trigger function."""

    def __init__(self, tables: Sequence[str], message: str, function: str) -> None:
        self.tables = tuple(tables)
        self.message = message
        self.function = function

    def statements(self, vendor: str, create: bool) -> list[str]:
        if vendor == "sqlite":
            return _sqlite(create, self.tables, self.message)
        if vendor == "postgresql":
            return _postgres(create, self.tables, self.message, self.function)
        raise NotImplementedError(f"append-only triggers are not written for {vendor}")

    def install(self, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for sql in self.statements(schema_editor.connection.vendor, create=True):
            schema_editor.execute(sql)

    def remove(self, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for sql in self.statements(schema_editor.connection.vendor, create=False):
            schema_editor.execute(sql)
