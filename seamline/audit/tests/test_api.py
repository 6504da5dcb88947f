"""The audit log over the API: who reads which entries, filters, and verifying the chain."""

import tempfile
from pathlib import Path

from django.db import connection
from django.test import override_settings

from seamline.audit.actions import record
from seamline.audit.db import triggers_suspended
from seamline.audit.models import AuditEntry, EntryKind
from seamline.network.tests.api_support import ApiTestCase


def _about(org_code: str, action: str = "test.note") -> AuditEntry:
    """An entry about a record of `org_code`, written by the system."""
    from seamline.access import Actor

    return record(
        Actor.system("tests"),
        action,
        target={
            "object_type": "network.organisation",
            "object_id": org_code,
            "object_label": org_code,
            "object_organisation_code": org_code,
        },
    )


class EntryListTests(ApiTestCase):
    river_entry: AuditEntry
    swift_entry: AuditEntry

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.river_entry = _about("riverside")
        cls.swift_entry = _about("swiftstaff")

    def uuids(self, who, **params):
        body = self.assertStatus(self.get(who, "/api/audit/entries", **params), 200)
        return {e["uuid"] for e in body["items"]}, body

    def test_network_admin_reads_the_whole_log_newest_first(self):
        seen, body = self.uuids("net_admin", page_size=100)
        self.assertEqual(body["count"], AuditEntry.objects.count())
        self.assertIn(str(self.swift_entry.uuid), seen)
        seqs = [e["seq"] for e in body["items"]]
        self.assertEqual(seqs, sorted(seqs, reverse=True))
        self.assertEqual(len(body["items"][0]["hash"]), 64)

    def test_inspector_and_prime_quality_lead_read_everything(self):
        for who in ("inspector", "quality"):
            with self.subTest(who=who):
                seen, _ = self.uuids(who, page_size=100)
                self.assertIn(str(self.swift_entry.uuid), seen)
                self.assertIn(str(self.river_entry.uuid), seen)

    def test_partner_admin_reads_only_their_organisations_entries(self):
        seen, body = self.uuids("river_admin", page_size=100)
        self.assertIn(str(self.river_entry.uuid), seen)
        self.assertNotIn(str(self.swift_entry.uuid), seen)
        for item in body["items"]:
            self.assertIn(
                "riverside", (item["organisation_code"], item["object_organisation_code"])
            )

    def test_others_are_403(self):
        for who in ("river_worker", "river_supervisor", "commissioner", "swift_worker"):
            with self.subTest(who=who):
                self.assertStatus(self.get(who, "/api/audit/entries"), 403)

    def test_without_token_401(self):
        self.assertStatus(self.get(None, "/api/audit/entries"), 401)

    def test_filters(self):
        self.get("river_admin", f"/api/people/{self.cast.river_worker.uuid}")
        _, body = self.uuids("net_admin", kind="read")
        self.assertEqual(body["count"], 1)
        self.assertEqual(body["items"][0]["action"], "person.read")
        self.assertEqual(body["items"][0]["actor_uuid"], str(self.cast.river_admin.uuid))
        _, body = self.uuids("net_admin", action="test.")
        self.assertEqual(body["count"], 2)
        _, body = self.uuids("net_admin", action="test.", organisation="swiftstaff")
        self.assertEqual([e["uuid"] for e in body["items"]], [str(self.swift_entry.uuid)])
        _, body = self.uuids("net_admin", actor=str(self.cast.river_admin.uuid))
        self.assertEqual({e["action"] for e in body["items"]}, {"api_token.issue", "person.read"})

    def test_bad_filter_is_422(self):
        response = self.get("net_admin", "/api/audit/entries", kind="gossip")
        self.assertFieldError(response, "kind")
        response = self.get("net_admin", "/api/audit/entries", since="last tuesday")
        self.assertFieldError(response, "since")

    def test_queries_do_not_grow_with_rows(self):
        few = self.count_queries("net_admin", "/api/audit/entries")
        for _ in range(30):
            _about("riverside")
        with self.assertNumQueries(few):
            self.assertStatus(self.get("net_admin", "/api/audit/entries"), 200)


class EntryDetailTests(ApiTestCase):
    swift_entry: AuditEntry

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.swift_entry = _about("swiftstaff")

    def test_read_one(self):
        url = f"/api/audit/entries/{self.swift_entry.uuid}"
        body = self.assertStatus(self.get("swift_admin", url), 200)
        self.assertEqual(body["seq"], self.swift_entry.seq)
        self.assertEqual(body["object_organisation_code"], "swiftstaff")

    def test_another_organisations_entry_is_404(self):
        url = f"/api/audit/entries/{self.swift_entry.uuid}"
        self.assertNotFound(self.get("river_admin", url))
        refused = self.latest_entry("access.refused")
        self.assertEqual(refused.object_id, str(self.swift_entry.uuid))

    def test_malformed_uuid_is_404(self):
        self.assertNotFound(self.get("net_admin", "/api/audit/entries/nope"))

    def test_not_a_log_reader_is_403(self):
        url = f"/api/audit/entries/{self.swift_entry.uuid}"
        self.assertStatus(self.get("swift_worker", url), 403)


class ApiWritesAreAuditedTests(ApiTestCase):
    """A write through the API leaves one entry naming the token's person and organisation."""

    def test_write_entry_names_who_for_whom_and_why(self):
        before = AuditEntry.objects.count()
        self.patch(
            "river_admin",
            "/api/organisations/riverside",
            {"version": 1, "address": "1 Mill Lane", "reason": "Moved office."},
        )
        self.assertEqual(AuditEntry.objects.count(), before + 1)
        entry = AuditEntry.objects.order_by("-seq")[0]
        self.assertEqual(entry.kind, EntryKind.WRITE)
        self.assertEqual(entry.action, "organisation.update")
        self.assertEqual(entry.actor_uuid, self.cast.river_admin.uuid)
        self.assertEqual(entry.organisation_code, "riverside")
        self.assertEqual(entry.reason, "Moved office.")

    def test_refused_write_leaves_no_write_entry(self):
        before = AuditEntry.objects.filter(kind=EntryKind.WRITE).count()
        self.patch("inspector", "/api/organisations/riverside", {"version": 1, "address": "x"})
        self.patch("river_admin", "/api/organisations/riverside", {"version": 9, "address": "x"})
        self.assertEqual(AuditEntry.objects.filter(kind=EntryKind.WRITE).count(), before)


class VerifyTests(ApiTestCase):
    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        anchors = override_settings(AUDIT_ANCHOR_FILE=Path(folder.name) / "anchors.jsonl")
        anchors.enable()
        self.addCleanup(anchors.disable)

    def test_untouched_chain_verifies(self):
        body = self.assertStatus(self.get("net_admin", "/api/audit/verify"), 200)
        self.assertTrue(body["ok"])
        self.assertEqual(body["checked"], AuditEntry.objects.count())
        self.assertEqual(body["problems"], [])
        self.assertTrue(self.get("inspector", "/api/audit/verify").json()["ok"])

    def test_altered_entry_is_named(self):
        victim = AuditEntry.objects.order_by("seq")[2]
        with triggers_suspended(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audit_auditentry SET reason = %s WHERE seq = %s", ["edited", victim.seq]
            )
        body = self.assertStatus(self.get("net_admin", "/api/audit/verify"), 200)
        self.assertFalse(body["ok"])
        self.assertEqual(body["problems"][0]["code"], "entry_altered")
        self.assertEqual(body["problems"][0]["seq"], victim.seq)

    def test_others_are_403(self):
        for who in ("quality", "river_admin", "commissioner"):
            with self.subTest(who=who):
                self.assertStatus(self.get(who, "/api/audit/verify"), 403)
