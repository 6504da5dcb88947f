"""The database itself refuses to change or remove audit entries (SQLite and PostgreSQL)."""

from __future__ import annotations

from unittest import skipUnless

from django.db import DatabaseError, connection, transaction
from django.test import TestCase

from seamline.access import Actor
from seamline.audit.actions import record
from seamline.audit.db import MESSAGE, TABLE, triggers_suspended
from seamline.audit.models import AuditEntry


class AppendOnlyTriggerTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        actor = Actor.system("tests")
        for number in (1, 2, 3):
            record(actor, f"test.entry.{number}", reason=f"Entry {number}")

    def assertRefused(self, sql: str, params: list | None = None) -> None:
        """Run `sql` in a savepoint and expect the append-only trigger to refuse it."""
        with (
            self.assertRaises(DatabaseError) as caught,
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params or [])
        self.assertIn(MESSAGE, str(caught.exception))

    def stored(self) -> list[tuple[int, str]]:
        return list(AuditEntry.objects.order_by("seq").values_list("seq", "reason"))

    def test_update_is_refused(self):
        self.assertRefused(f"UPDATE {TABLE} SET reason = %s WHERE seq = %s", ["changed", 2])  # noqa: S608
        self.assertEqual(self.stored(), [(1, "Entry 1"), (2, "Entry 2"), (3, "Entry 3")])

    def test_update_of_every_row_is_refused(self):
        self.assertRefused(f"UPDATE {TABLE} SET reason = ''")  # noqa: S608
        self.assertEqual(self.stored(), [(1, "Entry 1"), (2, "Entry 2"), (3, "Entry 3")])

    def test_delete_is_refused(self):
        self.assertRefused(f"DELETE FROM {TABLE} WHERE seq = %s", [2])  # noqa: S608
        self.assertEqual(AuditEntry.objects.count(), 3)

    def test_delete_of_every_row_is_refused(self):
        self.assertRefused(f"DELETE FROM {TABLE}")  # noqa: S608
        self.assertEqual(AuditEntry.objects.count(), 3)

    def test_orm_update_delete_and_save_are_refused(self):
        entry = AuditEntry.objects.get(seq=2)
        entry.reason = "changed"
        attempts = {
            "queryset update": lambda: AuditEntry.objects.filter(seq=2).update(reason="x"),
            "queryset delete": lambda: AuditEntry.objects.filter(seq=2).delete(),
            "instance save": lambda: entry.save(update_fields=["reason"]),
            "instance delete": lambda: AuditEntry.objects.get(seq=3).delete(),
        }
        for name, attempt in attempts.items():
            with self.subTest(name):
                with self.assertRaises(DatabaseError) as caught, transaction.atomic():
                    attempt()
                self.assertIn(MESSAGE, str(caught.exception))
        self.assertEqual(self.stored(), [(1, "Entry 1"), (2, "Entry 2"), (3, "Entry 3")])

    @skipUnless(connection.vendor == "postgresql", "TRUNCATE triggers exist on PostgreSQL only")
    def test_truncate_is_refused_on_postgresql(self):
        self.assertRefused(f"TRUNCATE {TABLE}")
        self.assertEqual(AuditEntry.objects.count(), 3)

    def test_appending_still_works(self):
        entry = record(Actor.system("tests"), "test.entry.4")
        self.assertEqual(entry.seq, 4)

    def test_suspending_lifts_the_triggers_then_puts_them_back(self):
        with triggers_suspended():
            AuditEntry.objects.filter(seq=2).update(reason="maintenance")
        self.assertEqual(AuditEntry.objects.get(seq=2).reason, "maintenance")
        self.assertRefused(f"UPDATE {TABLE} SET reason = %s WHERE seq = %s", ["again", 2])  # noqa: S608
        self.assertRefused(f"DELETE FROM {TABLE} WHERE seq = %s", [2])  # noqa: S608
