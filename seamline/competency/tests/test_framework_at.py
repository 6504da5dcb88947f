"""The framework in force at an instant, as the authorization register reads it: parsed once
per version and kept by the digest of its content."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from seamline.competency.framework import framework_at
from seamline.competency.models import FrameworkVersion, snapshot_digest

UTC = ZoneInfo("UTC")
JAN, JUN = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)


def task(code: str, tier: int) -> dict[str, object]:
    return {"code": code, "title": code, "risk_tier": tier, "delegated": False, "requirements": []}


def version(number: int, at: datetime, *tasks: dict[str, object]) -> FrameworkVersion:
    return FrameworkVersion.objects.create(
        number=number,
        created_at=at,
        reason="test",
        snapshot={"competencies": [], "task_types": list(tasks)},
    )


class FrameworkAtTests(TestCase):
    def test_a_version_records_the_digest_of_its_snapshot(self) -> None:
        made = version(1, JAN, task("welfare_check", 1))
        self.assertEqual(made.digest, snapshot_digest(made.snapshot))

    def test_a_parsed_version_costs_one_small_query(self) -> None:
        version(1, JAN, task("welfare_check", 1))
        framework_at(JUN)
        with CaptureQueriesContext(connection) as queries:
            found = framework_at(JUN)
        self.assertEqual(len(queries), 1)
        self.assertNotIn("snapshot", queries[0]["sql"].lower())
        self.assertEqual(found.task("welfare_check").risk_tier, 1)

    def test_the_same_number_with_other_content_is_parsed_afresh(self) -> None:
        # As after a database is rebuilt: version 1 again, written at the same instant, with
        # other content. The cache is keyed by content, so the new content is read.
        first = version(1, JAN, task("welfare_check", 1))
        self.assertEqual(framework_at(JUN).task("welfare_check").risk_tier, 1)
        first.delete()
        version(1, JAN, task("welfare_check", 3))
        self.assertEqual(framework_at(JUN).task("welfare_check").risk_tier, 3)
