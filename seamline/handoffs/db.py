"""Database triggers that keep a handoff's timeline and the template versions append-only
(SQLite and PostgreSQL): a row, once written, is never changed, so "what did the template ask
for then" and "what happened to this handoff" stay answerable. Only UPDATE is refused; rows
are never deleted by the application (their foreign keys are PROTECT), and test teardown must
be able to empty the tables."""

from __future__ import annotations

from django.db.backends.base.schema import BaseDatabaseSchemaEditor

TABLES = ("handoffs_handoffevent", "handoffs_templateversion")
MESSAGE = "handoff history rows are append-only"
FUNCTION = "handoffs_refuse_update"


def statements(vendor: str, create: bool) -> list[str]:
    if vendor == "sqlite":
        if create:
            return [
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
                for table in TABLES
            ]
        return [f"DROP TRIGGER IF EXISTS {table}_no_update;" for table in TABLES]
    if vendor == "postgresql":
        if create:
            return [
                f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql "
                f"AS $$ BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = "
                "'insufficient_privilege'; END; $$;",
                *(
                    f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();"
                    for table in TABLES
                ),
            ]
        return [
            *(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table};" for table in TABLES),
            f"DROP FUNCTION IF EXISTS {FUNCTION}();",
        ]
    raise NotImplementedError(f"append-only triggers are not written for {vendor}")


def install(schema_editor: BaseDatabaseSchemaEditor) -> None:
    for sql in statements(schema_editor.connection.vendor, create=True):
        schema_editor.execute(sql)


def remove(schema_editor: BaseDatabaseSchemaEditor) -> None:
    for sql in statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(sql)
