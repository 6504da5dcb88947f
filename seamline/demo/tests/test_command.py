"""`seamline demo` as a newcomer runs it: a subprocess building a SQLite file in a fresh folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import skipUnless

from django.db import connection
from django.test import SimpleTestCase

from seamline.demo.management.commands.demo import refusal, seamline_tables, sqlite_files
from seamline.network.choices import Role


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "SEAMLINE_"))}
    env.update(SEAMLINE_HOME=str(home), DJANGO_SETTINGS_MODULE="seamline.settings")
    return subprocess.run(  # noqa: S603 (our own console command)
        [sys.executable, "-m", "seamline.cli", *args],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,  # a guard against a hang: a loaded machine builds the demo slowly
        check=False,
    )


@skipUnless(
    connection.vendor == "sqlite",
    "builds a SQLite file whatever database the suite runs on: the SQLite run covers it",
)
class DemoCommandTests(SimpleTestCase):
    folder: tempfile.TemporaryDirectory[str]
    home: Path
    first: subprocess.CompletedProcess[str]
    kept: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]
    verify: subprocess.CompletedProcess[str]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = tempfile.TemporaryDirectory(prefix="seamline-demo-test-")
        cls.home = Path(cls.folder.name)
        cls.first = run(cls.home, "demo", "--format", "json")
        cls.kept = run(cls.home, "demo", "--keep")
        cls.second = run(cls.home, "demo", "--format", "json")
        cls.verify = run(cls.home, "audit", "verify")

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()
        super().tearDownClass()

    def test_builds_a_sqlite_file_in_the_working_folder(self):
        self.assertEqual(self.first.returncode, 0, self.first.stderr)
        summary = json.loads(self.first.stdout)
        self.assertEqual(summary["database"], str(self.home / "seamline.sqlite3"))
        self.assertTrue((self.home / "seamline.sqlite3").exists())

    def test_prints_one_login_per_role_with_the_password(self):
        summary = json.loads(self.first.stdout)
        self.assertEqual([x["role"] for x in summary["logins"]], list(Role.values))
        self.assertEqual(summary["password"], "Safe-seams-demo-2026")
        self.assertEqual(summary["url"], "http://127.0.0.1:8000")

    def test_keep_refuses_to_build_over_an_existing_network(self):
        self.assertEqual(self.kept.returncode, 1)
        self.assertIn("already holds a network", self.kept.stderr)

    def test_rebuild_starts_afresh_with_the_same_names(self):
        self.assertEqual(self.second.returncode, 0, self.second.stderr)
        first, second = json.loads(self.first.stdout), json.loads(self.second.stdout)
        self.assertEqual(first["accounts"], second["accounts"])
        # The chain starts afresh: about as long as the first build's, not twice as long. Not
        # exactly as long: each build's clock is its own start, and a build that straddles an
        # hour, day or week boundary the first did not (a deadline passing, a week's triage
        # falling due) writes a few entries more or fewer.
        first_seq, second_seq = first["audit_anchor"]["seq"], second["audit_anchor"]["seq"]
        self.assertLess(abs(second_seq - first_seq), first_seq // 100)

    def test_rebuilt_database_verifies_against_its_own_anchor(self):
        self.assertEqual(self.verify.returncode, 0, self.verify.stdout + self.verify.stderr)
        retired = list((self.home / ".seamline").glob("audit-anchors.jsonl.*.retired"))
        self.assertEqual(len(retired), 1)


class RefusalTests(SimpleTestCase):
    def test_postgres_with_seamline_tables_is_refused_without_force_flush(self):
        ours = seamline_tables()
        self.assertIn("network_organisation", ours)
        message = refusal("postgresql", {"network_organisation", "other"}, ours, False)
        self.assertIsNotNone(message)
        self.assertIn("--force-flush", message or "")

    def test_postgres_with_force_flush_or_without_our_tables_goes_ahead(self):
        ours = seamline_tables()
        self.assertIsNone(refusal("postgresql", {"network_organisation"}, ours, True))
        self.assertIsNone(refusal("postgresql", {"someone_elses_table"}, ours, False))

    def test_sqlite_goes_ahead_and_other_databases_are_refused(self):
        ours = seamline_tables()
        self.assertIsNone(refusal("sqlite", {"network_organisation"}, ours, False))
        self.assertIn("SQLite or PostgreSQL", refusal("mysql", set(), ours, True) or "")

    def test_sqlite_files_include_the_wal_companions(self):
        self.assertEqual(
            [p.name for p in sqlite_files("/x/seamline.sqlite3")],
            [
                "seamline.sqlite3",
                "seamline.sqlite3-wal",
                "seamline.sqlite3-shm",
                "seamline.sqlite3-journal",
            ],
        )
        self.assertEqual(sqlite_files(":memory:"), [])
