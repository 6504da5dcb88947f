"""Database triggers that keep the ownership history and the consent history append-only
(SQLite and PostgreSQL): a row, once written, is never changed. New rows supersede old ones;
"who owned case C at T" and "what had the person agreed to at T" stay answerable.

Only UPDATE is refused. Rows are never deleted by the application (their foreign keys are
PROTECT), and test teardown must be able to empty the tables."""

from __future__ import annotations

from django.db.backends.base.schema import BaseDatabaseSchemaEditor

TABLES = ("cases_ownership", "cases_consent")
MESSAGE = "history rows are append-only"


def _sqlite(create: bool) -> list[str]:
    if create:
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
            for table in TABLES
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_no_update;" for table in TABLES]


def _postgres(create: bool) -> list[str]:
    if create:
        return [
            "CREATE OR REPLACE FUNCTION cases_refuse_update() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; "
            "END; $$;",
            *(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION cases_refuse_update();"
                for table in TABLES
            ),
        ]
    return [
        *(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table};" for table in TABLES),
        "DROP FUNCTION IF EXISTS cases_refuse_update();",
    ]


def statements(vendor: str, create: bool) -> list[str]:
    if vendor == "sqlite":
        return _sqlite(create)
    if vendor == "postgresql":
        return _postgres(create)
    raise NotImplementedError(f"append-only triggers are not written for {vendor}")


def install(schema_editor: BaseDatabaseSchemaEditor) -> None:
    for sql in statements(schema_editor.connection.vendor, create=True):
        schema_editor.execute(sql)


def remove(schema_editor: BaseDatabaseSchemaEditor) -> None:
    for sql in statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(sql)
