"""Shared plumbing of the API tests: the cast, a token per person, JSON requests."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from seamline.audit.models import AuditEntry
from seamline.network.actions import issue_api_token
from seamline.testing import CastTestCase

CAST_NAMES = (
    "net_admin",
    "quality",
    "prime_worker",
    "river_admin",
    "river_supervisor",
    "river_coordinator",
    "river_scheduler",
    "river_worker",
    "swift_admin",
    "swift_worker",
    "commissioner",
    "inspector",
)


class ApiTestCase(CastTestCase):
    """Every member of the cast holds a token; `self.get("river_admin", url)` and friends send
    it. `None` as the name sends no token at all."""

    keys: dict[str, str]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.keys = {}
        for name in CAST_NAMES:
            _token, key = issue_api_token(cls.cast.actor(cls.cast[name]), name="tests")
            cls.keys[name] = key

    def _headers(self, who: str | None) -> dict[str, Any]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.keys[who]}"} if who else {}

    def get(self, who: str | None, url: str, **params: Any) -> Any:
        return self.client.get(url, params, **self._headers(who))

    def send(self, method: str, who: str | None, url: str, body: Any = None) -> Any:
        call = getattr(self.client, method)
        if body is None:
            return call(url, **self._headers(who))
        return call(
            url, data=json.dumps(body), content_type="application/json", **self._headers(who)
        )

    def post(self, who: str | None, url: str, body: Any = None) -> Any:
        return self.send("post", who, url, body)

    def patch(self, who: str | None, url: str, body: Any = None) -> Any:
        return self.send("patch", who, url, body)

    def delete(self, who: str | None, url: str, body: Any = None) -> Any:
        return self.send("delete", who, url, body)

    # --- assertions ---------------------------------------------------------------------------

    def assertStatus(self, response: Any, status: int) -> Any:
        self.assertEqual(
            response.status_code, status, f"expected {status}, got: {response.content[:600]!r}"
        )
        return response.json() if response.content else None

    def assertNotFound(self, response: Any) -> None:
        """404 with the one body that says nothing about the record."""
        self.assertEqual(response.status_code, 404, response.content[:600])
        self.assertEqual(response.json(), {"detail": "Not found.", "reasons": []})

    def assertFieldError(self, response: Any, field: str, status: int = 422) -> dict[str, Any]:
        body = self.assertStatus(response, status)
        fields = [r.get("field") for r in body["reasons"]]
        self.assertIn(field, fields, body)
        return body

    def latest_entry(self, action: str) -> AuditEntry:
        entry = AuditEntry.objects.filter(action=action).order_by("-seq").first()
        self.assertIsNotNone(entry, f"no audit entry {action}")
        assert entry is not None
        return entry

    def count_queries(self, who: str, url: str, **params: Any) -> int:
        """Queries one GET takes once the token's last-used time is fresh."""
        self.get(who, url, **params)
        with CaptureQueriesContext(connection) as ctx:
            response = self.get(who, url, **params)
        self.assertStatus(response, 200)
        return len(ctx.captured_queries)
