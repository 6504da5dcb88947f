"""`seamline audit verify | anchor | tail`: output, formats and exit codes."""

from __future__ import annotations

import json
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path
from unittest import mock

from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from seamline import cli
from seamline.access import Actor
from seamline.audit import chain
from seamline.audit.actions import record
from seamline.audit.db import triggers_suspended
from seamline.audit.models import AuditEntry, ChainHead
from seamline.testing import ConcurrentTestCase


def write_entries(count: int) -> None:
    actor = Actor.system("tests")
    for number in range(1, count + 1):
        record(
            actor,
            f"test.entry.{number}",
            changes={"number": [None, number]},
            reason=f"Entry number {number}",
        )


class CommandTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        write_entries(5)

    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.anchors = Path(folder.name) / "anchors.jsonl"
        # Never the installation's own anchor file.
        settings_override = override_settings(AUDIT_ANCHOR_FILE=self.anchors)
        settings_override.enable()
        self.addCleanup(settings_override.disable)

    def run_command(self, *args: str) -> tuple[str, str]:
        out, err = StringIO(), StringIO()
        call_command("audit", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def run_failing(self, *args: str) -> tuple[CommandError, str]:
        out, err = StringIO(), StringIO()
        with self.assertRaises(CommandError) as caught:
            call_command("audit", *args, stdout=out, stderr=err)
        return caught.exception, out.getvalue()


class VerifyCommandTests(CommandTestCase):
    def test_intact_chain_prints_the_summary(self):
        head = ChainHead.objects.get()
        out, err = self.run_command("verify")
        self.assertEqual(
            out, f"Audit chain intact: 5 entries, head #5 {head.hash[:12]}, 0 anchors checked\n"
        )
        self.assertIn("seamline audit anchor", err)

    def test_anchors_are_counted(self):
        self.run_command("anchor")
        self.run_command("anchor")
        out, err = self.run_command("verify")
        self.assertIn("5 entries, head #5", out)
        self.assertTrue(out.rstrip().endswith("2 anchors checked"))
        self.assertEqual(err, "")

    def test_anchor_file_can_be_named(self):
        other = self.anchors.with_name("elsewhere.jsonl")
        self.run_command("anchor", "--file", str(other))
        out, _ = self.run_command("verify", "--anchors", str(other))
        self.assertIn("1 anchors checked", out)
        out, _ = self.run_command("verify")
        self.assertIn("0 anchors checked", out)

    def test_intact_chain_as_json(self):
        out, _ = self.run_command("verify", "--format", "json")
        data = json.loads(out)
        self.assertEqual(
            data,
            {
                "ok": True,
                "checked": 5,
                "head_seq": 5,
                "head_hash": ChainHead.objects.get().hash,
                "anchors_checked": 0,
                "anchor_file": str(self.anchors),
                "problems": [],
            },
        )

    def test_altered_entry_exits_1_naming_seq_action_and_time(self):
        entry = AuditEntry.objects.get(seq=3)
        with triggers_suspended():
            AuditEntry.objects.filter(seq=3).update(reason="Rewritten")
        error, out = self.run_failing("verify")
        self.assertEqual(error.returncode, 1)
        self.assertEqual(str(error), "The audit chain is broken at entry #3.")
        self.assertIn("Audit chain BROKEN: 1 problem (2 entries intact before the first one).", out)
        self.assertIn("entry_altered: Entry 3 (test.entry.3 at ", out)
        self.assertIn(
            f"First broken entry: #3 test.entry.3 at {chain.canonical_time(entry.at)} "
            "by system:tests.",
            out,
        )
        self.assertNotIn("intact:", out)

    def test_deleted_entry_names_it_and_the_last_intact_one(self):
        before = AuditEntry.objects.get(seq=2)
        with triggers_suspended():
            AuditEntry.objects.filter(seq=3).delete()
        error, out = self.run_failing("verify")
        self.assertEqual(error.returncode, 1)
        self.assertIn("entry_missing: Entries 3 to 3 are missing", out)
        self.assertIn(
            "First broken entry: #3, which is no longer in the database; the last intact entry "
            f"before it is #2 test.entry.2 at {chain.canonical_time(before.at)} by system:tests.",
            out,
        )

    def test_broken_chain_as_json_names_the_entry(self):
        entry = AuditEntry.objects.get(seq=4)
        with triggers_suspended():
            AuditEntry.objects.filter(seq=4).update(action="test.entry.renamed")
        error, out = self.run_failing("verify", "--format", "json")
        self.assertEqual(error.returncode, 1)
        data = json.loads(out)
        self.assertFalse(data["ok"])
        self.assertEqual(data["checked"], 3)
        [problem] = data["problems"]
        self.assertEqual(problem["code"], "entry_altered")
        self.assertEqual(problem["seq"], 4)
        self.assertEqual(
            problem["entry"],
            {
                "seq": 4,
                "action": "test.entry.renamed",
                "at": chain.canonical_time(entry.at),
                "actor": "system:tests",
            },
        )

    def test_truncated_tail_is_caught_through_the_anchor_file(self):
        self.run_command("anchor")
        with triggers_suspended():
            AuditEntry.objects.filter(seq__gte=4).delete()
        ChainHead.objects.update(seq=3, hash=AuditEntry.objects.get(seq=3).hash)
        error, out = self.run_failing("verify")
        self.assertEqual(str(error), "The audit chain is broken at entry #4.")
        self.assertIn("tail_truncated:", out)
        self.assertIn("entries 4 to 5 were removed", out)
        self.assertIn("First broken entry: #4, which is no longer in the database", out)

    def test_progress_bar_shows_on_stderr_for_long_chains_only(self):
        _, err = self.run_command("verify")
        self.assertNotIn("Verifying", err)
        with mock.patch("seamline.audit.management.commands.audit.PROGRESS_THRESHOLD", 2):
            _, err = self.run_command("verify")
        self.assertIn("Verifying", err)
        self.assertIn("5/5", err)


class AnchorCommandTests(CommandTestCase):
    def test_anchor_appends_the_head_and_prints_it(self):
        head = ChainHead.objects.get()
        out, _ = self.run_command("anchor")
        [line] = self.anchors.read_text().splitlines()
        anchor = json.loads(line)
        self.assertEqual((anchor["seq"], anchor["hash"]), (5, head.hash))
        self.assertEqual(
            out, f"Anchored head #5 {head.hash[:12]} at {anchor['at']} in {self.anchors}\n"
        )

    def test_anchor_refuses_a_head_that_does_not_match_the_last_entry(self):
        with triggers_suspended():
            AuditEntry.objects.filter(seq=5).delete()
        error, _ = self.run_failing("anchor")
        self.assertEqual(error.returncode, 1)
        self.assertIn("run `seamline audit verify`", str(error))
        self.assertFalse(self.anchors.exists())


class TailCommandTests(CommandTestCase):
    def test_tail_prints_the_latest_entries_oldest_first(self):
        out, _ = self.run_command("tail", "-n", "2")
        lines = out.splitlines()
        self.assertEqual(len(lines), 2)
        entry = AuditEntry.objects.get(seq=4)
        self.assertEqual(
            lines[0],
            f"#4 {chain.canonical_time(entry.at)} write test.entry.4 by system:tests "
            '{"number": [null, 4]} (reason: Entry number 4)',
        )
        self.assertTrue(lines[1].startswith("#5 "))

    def test_tail_defaults_to_twenty(self):
        write_entries(20)
        out, _ = self.run_command("tail")
        lines = out.splitlines()
        self.assertEqual(len(lines), 20)
        self.assertTrue(lines[0].startswith("#6 "))
        self.assertTrue(lines[-1].startswith("#25 "))

    def test_tail_as_json(self):
        out, _ = self.run_command("tail", "-n", "3", "--format", "json")
        data = json.loads(out)
        self.assertEqual([e["seq"] for e in data], [3, 4, 5])
        last = AuditEntry.objects.get(seq=5)
        self.assertEqual(
            data[-1],
            {
                "seq": 5,
                "uuid": str(last.uuid),
                "at": chain.canonical_time(last.at),
                "kind": "write",
                "action": "test.entry.5",
                "actor_uuid": None,
                "actor_label": "system:tests",
                "organisation_code": "",
                "object_type": "",
                "object_id": "",
                "object_label": "",
                "object_organisation_code": "",
                "changes": {"number": [None, 5]},
                "reason": "Entry number 5",
                "hash": last.hash,
            },
        )

    def test_tail_refuses_a_count_below_one(self):
        error, _ = self.run_failing("tail", "-n", "0")
        self.assertIn("-n must be at least 1", str(error))

    def test_a_subcommand_is_required(self):
        with self.assertRaises(CommandError):
            call_command("audit", stdout=StringIO(), stderr=StringIO())


class CommandLineExitCodeTests(ConcurrentTestCase):
    """Through the `seamline` console command itself, with real commits."""

    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.anchors = str(Path(folder.name) / "anchors.jsonl")
        write_entries(3)

    def run_cli(self, *args: str) -> tuple[int, str, str]:
        out, err = StringIO(), StringIO()
        with redirect_stdout(out), redirect_stderr(err), self.assertRaises(SystemExit) as caught:
            cli.main(["audit", *args])
            raise SystemExit(0)  # the command returned normally
        return int(caught.exception.code or 0), out.getvalue(), err.getvalue()

    def test_intact_chain_exits_0(self):
        code, out, _ = self.run_cli("verify", "--anchors", self.anchors)
        self.assertEqual(code, 0)
        self.assertIn("Audit chain intact: 3 entries", out)

    def test_altered_chain_exits_1_with_the_reason_on_stderr(self):
        with triggers_suspended():
            AuditEntry.objects.filter(seq=2).update(reason="Rewritten")
        code, out, err = self.run_cli("verify", "--anchors", self.anchors)
        self.assertEqual(code, 1)
        self.assertIn("First broken entry: #2 test.entry.2", out)
        self.assertIn("CommandError: The audit chain is broken at entry #2.", err)
