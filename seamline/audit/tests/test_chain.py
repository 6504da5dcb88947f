"""The audit chain catches rows altered, removed or forged behind the application's back.

Each test plays someone with database admin rights: they lift the append-only triggers
(`triggers_suspended`), change the table directly, and put the triggers back. The chain must
name the first entry they broke.
"""

from __future__ import annotations

import itertools
import json
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.test import SimpleTestCase

from seamline.audit import chain
from seamline.audit.db import triggers_suspended
from seamline.audit.models import AuditEntry, ChainHead
from seamline.audit.verify import verify_chain, write_anchor
from seamline.network import actions
from seamline.network.choices import OrgKind, OrgStatus, Role
from seamline.quality.testing import approve_due_diligence
from seamline.testing import CastTestCase

MIDDLE = 3
ENTRIES = 6


def build_history(cast) -> None:
    """Six entries written by real actions, so the payloads hold dates, nulls and lists."""
    admin = cast.actor(cast.net_admin)
    org = actions.create_organisation(
        admin, code="meadow", name="Meadow Care", kind=OrgKind.VCSE, reason="Joins for winter"
    )
    approve_due_diligence(org)  # a partner goes active only once its due diligence is approved
    actions.change_organisation_status(admin, org, OrgStatus.ACTIVE, reason="Checks passed")
    actions.update_network_settings(
        admin, {"expiring_days": 45}, version=1, reason="Longer warning of expiry"
    )
    actions.update_organisation(admin, org, {"contact_phone": "01632 960000"}, version=2)
    actions.grant_role(admin, cast.river_worker, Role.COORDINATOR, reason="Covers Tuesdays")
    actions.add_step(
        admin, cast.discharge, code="review", name="Six-week review", time_standard_hours=1008
    )


def tamper(number: int, **values) -> None:
    """Change columns of entry `number` with the triggers lifted."""
    with triggers_suspended():
        AuditEntry.objects.filter(seq=number).update(**values)


def delete_rows(*seqs: int) -> None:
    """Delete entries with plain SQL, as a database admin would."""
    table = AuditEntry._meta.db_table
    with triggers_suspended(), connection.cursor() as cursor:
        for seq in seqs:
            cursor.execute(f"DELETE FROM {table} WHERE seq = %s", [seq])  # noqa: S608


def rewrite_from(seq: int, key: str, **values) -> None:
    """Alter entry `seq`, then re-hash it and every later entry with `key` and re-link them,
    and move the chain head: what someone would do to hide an edit."""
    names = [*chain.HASHED_FIELDS, "hash"]
    rows = list(AuditEntry.objects.filter(seq__gte=seq).order_by("seq").values("pk", *names))
    prev = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else chain.GENESIS
    with triggers_suspended():
        for row in rows:
            if row["seq"] == seq:
                row.update(values)
            row["prev_hash"] = prev
            row["hash"] = chain.entry_hash(key, row)
            AuditEntry.objects.filter(pk=row["pk"]).update(
                **{name: row[name] for name in names if name != "seq"}
            )
            prev = row["hash"]
        ChainHead.objects.filter(singleton=True).update(seq=rows[-1]["seq"], hash=prev)


class ChainTestCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_history(cls.cast)

    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.anchors = Path(folder.name) / "anchors.jsonl"

    def verify(self):
        return verify_chain(self.anchors)

    def assertBrokenAt(self, result, code: str, seq: int | None) -> None:
        self.assertFalse(result.ok)
        self.assertEqual([(p.code, p.seq) for p in result.problems], [(code, seq)], result.problems)


class UntouchedChainTests(ChainTestCase):
    def test_every_write_appended_one_linked_entry(self):
        entries = list(AuditEntry.objects.order_by("seq"))
        self.assertEqual([e.seq for e in entries], [1, 2, 3, 4, 5, 6])
        self.assertEqual(entries[0].prev_hash, chain.GENESIS)
        for before, after in itertools.pairwise(entries):
            self.assertEqual(after.prev_hash, before.hash)

    def test_untouched_chain_verifies(self):
        result = self.verify()
        self.assertTrue(result.ok, result.problems)
        self.assertEqual(result.checked, ENTRIES)
        head = ChainHead.objects.get()
        self.assertEqual((result.head_seq, result.head_hash), (head.seq, head.hash))
        self.assertEqual(head.hash, AuditEntry.objects.get(seq=ENTRIES).hash)

    def test_progress_callback_is_called_once_per_entry(self):
        steps: list[int] = []
        verify_chain(self.anchors, progress=steps.append)
        self.assertEqual(steps, [1] * ENTRIES)

    def test_anchor_written_now_is_checked_and_passes(self):
        write_anchor(self.anchors)
        result = self.verify()
        self.assertTrue(result.ok, result.problems)
        self.assertEqual(result.anchors_checked, 1)

    def test_entries_appended_after_an_anchor_still_verify(self):
        write_anchor(self.anchors)
        admin = self.cast.actor(self.cast.net_admin)
        actions.update_network_settings(
            admin, {"expiring_days": 60}, version=2, reason="Even longer warning"
        )
        result = self.verify()
        self.assertTrue(result.ok, result.problems)
        self.assertEqual((result.checked, result.anchors_checked), (ENTRIES + 1, 1))


class AlteredEntryTests(ChainTestCase):
    def test_altered_reason_names_the_entry_with_action_and_time(self):
        entry = AuditEntry.objects.get(seq=MIDDLE)
        tamper(MIDDLE, reason="Nothing to see here")
        result = self.verify()
        self.assertBrokenAt(result, "entry_altered", MIDDLE)
        message = result.problems[0].message
        self.assertIn(f"Entry {MIDDLE} (network.settings.update at ", message)
        self.assertIn(chain.canonical_time(entry.at), message)
        self.assertEqual(result.checked, MIDDLE - 1)

    def test_altering_any_one_hashed_column_is_caught(self):
        entry = AuditEntry.objects.get(seq=MIDDLE)
        new_values = {
            "uuid": uuid.UUID("00000000-0000-4000-8000-000000000001"),
            "at": entry.at - timedelta(seconds=1),
            "kind": "read",
            "action": "network.settings.view",
            "actor_uuid": self.cast.river_admin.uuid,
            "actor_label": "river_admin",
            "organisation_code": "riverside",
            "object_type": "network.organisation",
            "object_id": "riverside",
            "object_label": "Riverside Home Support",
            "object_organisation_code": "riverside",
            "changes": {"expiring_days": [30, 31]},
            "reason": "",
            "hash": "f" * 64,
        }
        self.assertEqual(set(new_values), {*chain.HASHED_FIELDS, "hash"} - {"seq", "prev_hash"})
        for column, value in new_values.items():
            with self.subTest(column=column):
                original = getattr(entry, column)
                tamper(MIDDLE, **{column: value})
                try:
                    self.assertBrokenAt(self.verify(), "entry_altered", MIDDLE)
                finally:
                    tamper(MIDDLE, **{column: original})
        self.assertTrue(self.verify().ok)

    def test_altered_link_is_caught_at_that_entry(self):
        tamper(MIDDLE, prev_hash=AuditEntry.objects.get(seq=1).hash)
        self.assertBrokenAt(self.verify(), "link_broken", MIDDLE)

    def test_first_and_last_entries_are_covered_too(self):
        for seq in (1, ENTRIES):
            with self.subTest(seq=seq):
                original = AuditEntry.objects.get(seq=seq).reason
                tamper(seq, reason="rewritten")
                try:
                    self.assertBrokenAt(self.verify(), "entry_altered", seq)
                finally:
                    tamper(seq, reason=original)

    def test_renumbering_an_entry_is_caught(self):
        tamper(MIDDLE, seq=100)
        self.assertBrokenAt(self.verify(), "entry_missing", MIDDLE)

    def test_rehashing_with_a_wrong_key_is_caught(self):
        rewrite_from(MIDDLE, "not-the-installation-key", reason="Quietly rewritten")
        result = self.verify()
        self.assertBrokenAt(result, "entry_altered", MIDDLE)

    def test_rewrite_with_the_real_key_is_caught_by_an_earlier_anchor(self):
        write_anchor(self.anchors)
        rewrite_from(MIDDLE, settings.AUDIT_HMAC_KEY, reason="Rewritten by an insider")
        result = self.verify()
        self.assertBrokenAt(result, "anchor_mismatch", ENTRIES)
        self.assertEqual(result.checked, ENTRIES)


class DeletedEntryTests(ChainTestCase):
    def test_deleted_middle_entry_is_named(self):
        delete_rows(MIDDLE)
        result = self.verify()
        self.assertBrokenAt(result, "entry_missing", MIDDLE)
        self.assertIn(f"Entries {MIDDLE} to {MIDDLE} are missing", result.problems[0].message)

    def test_deleted_first_entry_is_named(self):
        delete_rows(1)
        self.assertBrokenAt(self.verify(), "entry_missing", 1)

    def test_deleted_tail_without_fixing_the_head_is_caught(self):
        delete_rows(5, 6)
        result = self.verify()
        self.assertBrokenAt(result, "head_mismatch", 5)
        self.assertEqual(result.checked, 4)

    def test_deleted_tail_with_head_fixed_up_is_caught_by_an_earlier_anchor(self):
        write_anchor(self.anchors)
        delete_rows(5, 6)
        ChainHead.objects.filter(singleton=True).update(
            seq=4, hash=AuditEntry.objects.get(seq=4).hash
        )
        result = self.verify()
        self.assertBrokenAt(result, "tail_truncated", 5)
        self.assertIn("entries 5 to 6 were removed", result.problems[0].message)

    def test_removed_chain_head_row_is_reported(self):
        ChainHead.objects.all().delete()
        self.assertBrokenAt(self.verify(), "head_missing", None)


class AnchorFileTests(ChainTestCase):
    def anchor_line(self, **overrides) -> None:
        head = ChainHead.objects.get()
        at = "2026-03-01T09:00:00.000000Z"
        line = {
            "seq": head.seq,
            "hash": head.hash,
            "at": at,
            "mac": chain.anchor_mac(settings.AUDIT_HMAC_KEY, head.seq, head.hash, at),
        }
        line.update(overrides)
        with self.anchors.open("a") as fh:
            fh.write(json.dumps(line) + "\n")

    def test_anchor_line_written_with_the_key_is_accepted(self):
        self.anchor_line()
        result = self.verify()
        self.assertTrue(result.ok, result.problems)
        self.assertEqual(result.anchors_checked, 1)

    def test_anchor_with_a_made_up_mac_is_forged(self):
        self.anchor_line(mac="0" * 64)
        result = self.verify()
        self.assertBrokenAt(result, "anchor_forged", ENTRIES)
        self.assertIn("line 1", result.problems[0].message)
        self.assertEqual(result.anchors_checked, 0)

    def test_anchor_claiming_a_longer_chain_is_forged_not_truncation(self):
        self.anchor_line()
        self.anchor_line(seq=ENTRIES + 10)  # the MAC was made for the real head
        result = self.verify()
        self.assertBrokenAt(result, "anchor_forged", ENTRIES + 10)
        self.assertIn("line 2", result.problems[0].message)
        self.assertEqual(result.anchors_checked, 1)

    def test_anchor_with_a_wrong_key_is_forged(self):
        head = ChainHead.objects.get()
        at = "2026-03-01T09:00:00.000000Z"
        self.anchor_line(mac=chain.anchor_mac("another-key", head.seq, head.hash, at))
        self.assertBrokenAt(self.verify(), "anchor_forged", ENTRIES)

    def test_unreadable_anchor_line_is_reported_not_a_crash(self):
        self.anchor_line()
        with self.anchors.open("a") as fh:
            fh.write("{this is not json\n")
            fh.write(json.dumps({"seq": 3}) + "\n")
        result = self.verify()
        self.assertEqual(
            [(p.code, p.seq) for p in result.problems],
            [("anchor_unreadable", None), ("anchor_unreadable", None)],
        )
        self.assertIn("Line 2", result.problems[0].message)
        self.assertIn("Line 3", result.problems[1].message)
        self.assertEqual(result.anchors_checked, 1)

    def test_missing_anchor_file_means_no_anchors(self):
        result = verify_chain(self.anchors.with_name("absent.jsonl"))
        self.assertTrue(result.ok, result.problems)
        self.assertEqual(result.anchors_checked, 0)

    def test_write_anchor_appends_one_line_per_call(self):
        first = write_anchor(self.anchors)
        second = write_anchor(self.anchors)
        lines = [json.loads(line) for line in self.anchors.read_text().splitlines()]
        self.assertEqual(lines, [first, second])
        self.assertEqual((first["seq"], first["hash"]), (ENTRIES, ChainHead.objects.get().hash))


class CanonicalFormTests(SimpleTestCase):
    fields = {
        "seq": 7,
        "uuid": uuid.UUID("6f1c1b1e-2d7b-4c39-9a53-0c5f1d2e3a4b"),
        "at": datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        "kind": "write",
        "action": "organisation.update",
        "actor_uuid": None,
        "actor_label": "system:demo",
        "organisation_code": "",
        "object_type": "network.organisation",
        "object_id": "riverside",
        "object_label": "Riverside Home Support",
        "object_organisation_code": "riverside",
        "changes": {"name": ["Riverside", "Riverside Home Support"]},
        "reason": "Trading name",
        "prev_hash": chain.GENESIS,
    }

    def test_same_instant_in_another_time_zone_hashes_the_same(self):
        london_summer = datetime(2026, 7, 1, 10, 30, tzinfo=UTC).astimezone(
            ZoneInfo("Europe/London")
        )
        utc = dict(self.fields, at=datetime(2026, 7, 1, 10, 30, tzinfo=UTC))
        local = dict(self.fields, at=london_summer)
        self.assertEqual(chain.entry_hash("k", utc), chain.entry_hash("k", local))

    def test_every_hashed_field_changes_the_hash(self):
        base = chain.entry_hash("k", self.fields)
        changed = {
            "seq": 8,
            "uuid": uuid.UUID("6f1c1b1e-2d7b-4c39-9a53-0c5f1d2e3a4c"),
            "at": datetime(2026, 3, 1, 9, 30, 0, 1, tzinfo=UTC),
            "kind": "read",
            "action": "organisation.create",
            "actor_uuid": uuid.UUID("6f1c1b1e-2d7b-4c39-9a53-0c5f1d2e3a4d"),
            "actor_label": "system:demo2",
            "organisation_code": "northbridge",
            "object_type": "network.pathway",
            "object_id": "riverside2",
            "object_label": "Riverside",
            "object_organisation_code": "swiftstaff",
            "changes": {"name": ["Riverside", "Riverside Care"]},
            "reason": "Trading name.",
            "prev_hash": "1" * 64,
        }
        self.assertEqual(set(changed), set(chain.HASHED_FIELDS))
        for name, value in changed.items():
            with self.subTest(field=name):
                self.assertNotEqual(chain.entry_hash("k", dict(self.fields, **{name: value})), base)

    def test_the_key_changes_the_hash(self):
        self.assertNotEqual(chain.entry_hash("k", self.fields), chain.entry_hash("K", self.fields))

    def test_canonical_time_is_utc_with_microseconds(self):
        self.assertEqual(
            chain.canonical_time(datetime(2026, 3, 1, 9, 30, 0, 5, tzinfo=UTC)),
            "2026-03-01T09:30:00.000005Z",
        )
