"""Audit log pages: list with filters, pages and CSV; one entry; the chain and its check."""

import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seamline.audit.actions import record
from seamline.audit.models import AuditEntry, ChainHead, EntryKind
from seamline.audit.verify import write_anchor
from seamline.testing import CastTestCase

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


def note(actor, action, org_code, label="", **extra):
    return record(
        actor,
        action,
        target={
            "object_type": "test.thing",
            "object_id": label or action,
            "object_label": label or action,
            "object_organisation_code": org_code,
        },
        **extra,
    )


class AuditListTests(CastTestCase):
    swift_note: AuditEntry
    river_note: AuditEntry
    read_note: AuditEntry

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.swift_note = note(
            cls.cast.actor(cls.cast.swift_admin), "thing.swift", "swiftstaff", "Swift thing"
        )
        cls.river_note = note(
            cls.cast.actor(cls.cast.river_admin),
            "thing.river",
            "riverside",
            "River thing",
            reason="Because of the audit",
        )
        cls.read_note = note(
            cls.cast.actor(cls.cast.net_admin),
            "thing.read",
            "riverside",
            "Read thing",
            kind=EntryKind.READ,
        )

    def actions_listed(self, **params):
        response = self.client.get("/audit/", params)
        self.assertEqual(response.status_code, 200)
        return [e.action for e in response.context["entries"] if e.action.startswith("thing.")]

    def test_readers_of_the_whole_log(self):
        for name in ("net_admin", "quality", "inspector"):
            with self.subTest(user=name):
                self.client.force_login(self.cast[name])
                self.assertEqual(
                    self.actions_listed(), ["thing.read", "thing.river", "thing.swift"]
                )

    def test_partner_admin_reads_only_entries_by_or_about_their_organisation(self):
        self.client.force_login(self.cast.river_admin)
        self.assertEqual(self.actions_listed(), ["thing.read", "thing.river"])
        response = self.client.get(f"/audit/entries/{self.swift_note.uuid}/")
        self.assertEqual(response.status_code, 404)
        self.assertNotContains(response, "Swift thing", status_code=404)

    def test_those_who_cannot_read_the_log_get_404(self):
        for name in ("river_worker", "river_supervisor", "commissioner", "prime_worker"):
            with self.subTest(user=name):
                self.client.force_login(self.cast[name])
                for url in (
                    "/audit/",
                    "/audit/?format=csv",
                    f"/audit/entries/{self.river_note.uuid}/",
                    "/audit/chain/",
                ):
                    response = self.client.get(url)
                    self.assertEqual(response.status_code, 404)
                    self.assertNotContains(response, "River thing", status_code=404)

    def test_filters(self):
        self.client.force_login(self.cast.net_admin)
        self.assertEqual(self.actions_listed(action="thing.r"), ["thing.read", "thing.river"])
        self.assertEqual(self.actions_listed(kind="read"), ["thing.read"])
        self.assertEqual(self.actions_listed(actor="swift"), ["thing.swift"])
        self.assertEqual(self.actions_listed(organisation="swiftstaff"), ["thing.swift"])
        today = timezone.localdate()
        self.assertEqual(
            self.actions_listed(since=today.isoformat(), until=today.isoformat(), action="thing."),
            ["thing.read", "thing.river", "thing.swift"],
        )
        tomorrow = (today + timedelta(days=1)).isoformat()
        self.assertEqual(self.actions_listed(since=tomorrow), [])

    def test_htmx_fragment(self):
        self.client.force_login(self.cast.net_admin)
        response = self.client.get("/audit/", {"kind": "read"}, **HTMX)
        body = response.content.decode()
        self.assertTrue(body.lstrip().startswith('<div id="results"'))
        self.assertIn("thing.read", body)
        self.assertNotIn("thing.swift", body)

    def test_csv_export_follows_the_filters_and_visibility(self):
        self.client.force_login(self.cast.river_admin)
        response = self.client.get("/audit/", {"action": "thing.", "format": "csv"})
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        self.assertEqual([r["action"] for r in rows], ["thing.read", "thing.river"])
        self.assertEqual(rows[1]["reason"], "Because of the audit")
        self.assertEqual(json.loads(rows[1]["changes"]), {})
        self.assertEqual(rows[1]["hash"], self.river_note.hash)

    def test_pages_of_fifty(self):
        actor = self.cast.actor(self.cast.net_admin)
        for i in range(60):
            note(actor, "thing.bulk", "northbridge", f"bulk {i}")
        self.client.force_login(self.cast.net_admin)
        first = self.client.get("/audit/", {"action": "thing.bulk"})
        self.assertEqual(len(first.context["entries"]), 50)
        self.assertContains(first, "Page 1 of 2")
        second = self.client.get("/audit/", {"action": "thing.bulk", "page": "2"})
        self.assertEqual(len(second.context["entries"]), 10)
        self.assertContains(second, "bulk 0")

    def test_queries_do_not_grow_with_rows(self):
        self.client.force_login(self.cast.net_admin)
        with CaptureQueriesContext(connection) as few:
            self.client.get("/audit/")
        actor = self.cast.actor(self.cast.river_admin)
        for i in range(20):
            note(actor, "thing.more", "riverside", f"more {i}")
        with self.assertNumQueries(len(few)):
            self.client.get("/audit/")


class AuditEntryTests(CastTestCase):
    entry: AuditEntry

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.entry = record(
            cls.cast.actor(cls.cast.net_admin),
            "organisation.update",
            cls.cast.riverside,
            changes={"contact_phone": ["", "01632 960 111"]},
            reason="New office",
        )

    def test_entry_shows_what_changed_and_its_place_in_the_chain(self):
        self.client.force_login(self.cast.quality)
        response = self.client.get(f"/audit/entries/{self.entry.uuid}/")
        self.assertContains(response, "organisation.update")
        self.assertContains(response, "New office")
        self.assertContains(response, "01632 960 111")
        self.assertContains(response, self.entry.hash)
        self.assertContains(response, self.entry.prev_hash)

    def test_malformed_and_unknown_ids_are_not_found(self):
        self.client.force_login(self.cast.net_admin)
        self.assertEqual(self.client.get("/audit/entries/not-a-uuid/").status_code, 404)
        self.assertEqual(
            self.client.get("/audit/entries/00000000-0000-0000-0000-000000000000/").status_code, 404
        )


class ChainPageTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        note(cls.cast.actor(cls.cast.net_admin), "thing.one", "northbridge")

    def setUp(self):
        folder = TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.anchor_file = Path(folder.name) / "anchors.jsonl"
        self.enterContext(override_settings(AUDIT_ANCHOR_FILE=self.anchor_file))

    def test_shows_the_head_and_the_last_anchor(self):
        anchor = write_anchor(self.anchor_file)
        self.client.force_login(self.cast.quality)
        response = self.client.get("/audit/chain/")
        head = ChainHead.objects.get()
        self.assertContains(response, head.hash)
        self.assertEqual(response.context["anchor"]["hash"], anchor["hash"])
        self.assertContains(response, str(anchor["at"]))
        self.assertFalse(response.context["can_verify"])
        self.assertNotContains(response, "Check the chain now")

    def test_without_an_anchor_says_so(self):
        self.client.force_login(self.cast.net_admin)
        self.assertContains(self.client.get("/audit/chain/"), "No anchor has been exported yet")

    def test_network_admin_checks_the_chain(self):
        self.client.force_login(self.cast.net_admin)
        response = self.client.post("/audit/chain/")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["result"].ok)
        self.assertContains(response, "Intact")
        self.assertContains(response, "The chain is intact")

    def test_a_forged_anchor_is_reported(self):
        self.anchor_file.write_text(
            json.dumps({"seq": 1, "hash": "0" * 64, "at": "x", "mac": "bad"}) + "\n"
        )
        self.client.force_login(self.cast.net_admin)
        response = self.client.post("/audit/chain/")
        self.assertFalse(response.context["result"].ok)
        self.assertContains(response, "Broken")
        self.assertContains(response, "anchor_forged")

    def test_only_the_network_admin_runs_the_check(self):
        self.client.force_login(self.cast.quality)
        self.assertEqual(self.client.post("/audit/chain/").status_code, 403)
