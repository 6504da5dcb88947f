"""Database triggers that keep the ownership history and the consent history append-only
(SQLite and PostgreSQL): a row, once written, is never changed. New rows supersede old ones;
"who owned case C at T" and "what had the person agreed to at T" stay answerable
(`seamline.appendonly`)."""

from __future__ import annotations

from seamline.appendonly import AppendOnly

TABLES = ("cases_ownership", "cases_consent")
MESSAGE = "history rows are append-only"

_TRIGGERS = AppendOnly(TABLES, MESSAGE, "cases_refuse_update")
statements = _TRIGGERS.statements
install = _TRIGGERS.install
remove = _TRIGGERS.remove
