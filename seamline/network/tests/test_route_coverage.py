"""Every URL route and API operation is in the access table below, or this test fails.

For each one the table names someone who gets through and someone who is refused, and the
test checks both (and that an anonymous caller is sent to sign in or gets 401). A new page or
endpoint therefore cannot ship without its access being tested.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from seamline.api import api
from seamline.audit.actions import record
from seamline.network import actions
from seamline.network.models import DecisionRight, RaciAssignment
from seamline.testing import CastTestCase
from seamline.testing_routes import AppCases, Call, Page, collect, page

# Routes that need no sign-in, or belong to Django's own sign-in machinery or the operators'
# admin. Each is named with the reason it is outside the access table.
EXEMPT_ROUTES = {
    "login": "the sign-in page itself",
    "healthz": "liveness probe; answers {'status': 'ok'} and nothing else",
    "logout": "ends the caller's own session",
    "favicon": "redirect to the static icon, for browsers that ask for /favicon.ico",
    "password_change": "the caller's own password (sign-in required, tested below)",
    "password_change_done": "confirmation page of the above",
}
EXEMPT_NAMESPACES = {
    "admin": "platform operators only (superusers), never partners",
    "api": "covered by API_CASES",
}

PAGE_CASES = [
    page("home", "river_worker", "", 302),
    page("network:account", "river_worker", "", 302),
    page("network:account_token_issue", "river_worker", "inspector", 403, "POST"),
    page(
        "network:account_token_revoke", "river_worker", "swift_admin", 404, "POST", prefix="@token"
    ),
    page("network:organisations", "commissioner", "", 302),
    page("network:organisation_new", "net_admin", "river_admin", 403),
    page(
        "network:organisation",
        "commissioner",
        "river_admin",
        404,
        code="riverside",
        missing={"code": "no-such-org"},
    ),
    page("network:organisation_edit", "river_admin", "swift_admin", 403, code="riverside"),
    page("network:organisation_status", "net_admin", "river_admin", 403, "POST", code="riverside"),
    page("network:people", "river_admin", "swift_admin", 404, code="riverside"),
    page("network:person_new", "river_admin", "swift_admin", 404, code="riverside"),
    page("network:person", "river_admin", "swift_admin", 404, person="@river_worker"),
    page("network:person_edit", "river_admin", "swift_admin", 404, person="@river_worker"),
    page(
        "network:person_role_grant",
        "river_admin",
        "swift_admin",
        404,
        "POST",
        person="@river_worker",
    ),
    page(
        "network:person_role_revoke",
        "river_admin",
        "swift_admin",
        404,
        "POST",
        person="@river_worker",
        role="worker",
    ),
    page("network:person_leave", "river_admin", "swift_admin", 404, "POST", person="@river_worker"),
    page("network:pathways", "commissioner", "", 302),
    page("network:pathway_new", "quality", "river_admin", 403),
    page(
        "network:pathway",
        "river_worker",
        "river_worker",
        404,
        code="discharge",
        missing={"code": "no-such-pathway"},
    ),
    page("network:pathway_edit", "quality", "river_admin", 403, code="discharge"),
    page(
        "network:pathway_history",
        "river_worker",
        "river_worker",
        404,
        code="discharge",
        missing={"code": "nope"},
    ),
    page("network:step_new", "quality", "river_admin", 403, code="discharge"),
    page("network:step_edit", "quality", "river_admin", 403, code="discharge", step="step-1"),
    page(
        "network:step_move", "quality", "river_admin", 403, "POST", code="discharge", step="step-2"
    ),
    page(
        "network:step_raci_add",
        "quality",
        "river_admin",
        403,
        "POST",
        code="discharge",
        step="step-1",
    ),
    page(
        "network:raci_remove",
        "quality",
        "river_admin",
        403,
        "POST",
        code="discharge",
        entry="@raci",
    ),
    page("network:decision_rights", "river_worker", "", 302),
    page("network:decision_right_check", "river_worker", "", 302),
    page("network:decision_right_new", "net_admin", "river_admin", 403),
    page("network:decision_right_remove", "net_admin", "river_admin", 403, "POST", right="@right"),
    page("network:settings", "river_worker", "", 302),
    page("audit:entries", "net_admin", "river_worker", 404),
    page("audit:entry", "net_admin", "river_admin", 404, entry="@entry_swift"),
    page("audit:chain", "net_admin", "river_worker", 404),
]


PERSON = {
    "username": "new_person",
    "first_name": "Nadia",
    "last_name": "Quist",
    "email": "nadia.quist@example.org",
    "password": "Plenty-of-entropy-2026",
    "roles": ["worker"],
}
API_CASES = [
    Call("GET", "/api/me", "river_worker", "expired_key", 401),
    Call("GET", "/api/organisations", "commissioner", "expired_key", 401),
    Call(
        "POST",
        "/api/organisations",
        "net_admin",
        "river_admin",
        403,
        {
            "code": "new-partner",
            "name": "New Partner",
            "kind": "vcse",
            "reason": "Joins the network",
        },
    ),
    Call(
        "GET",
        "/api/organisations/{code}",
        "commissioner",
        "river_admin",
        404,
        refused_path={"code": "no-such-org"},
    ),
    Call(
        "PATCH",
        "/api/organisations/{code}",
        "river_admin",
        "swift_admin",
        403,
        {"version": 1, "name": "Riverside Care"},
    ),
    Call(
        "POST",
        "/api/organisations/{code}/status",
        "net_admin",
        "river_admin",
        403,
        {"status": "suspended", "reason": "Contract review"},
    ),
    Call(
        "GET",
        "/api/organisations/{code}/status-history",
        "river_worker",
        "river_worker",
        404,
        refused_path={"code": "no-such-org"},
    ),
    Call("GET", "/api/organisations/{code}/people", "river_admin", "swift_admin", 404),
    Call("POST", "/api/organisations/{code}/people", "river_admin", "swift_admin", 404, PERSON),
    Call("GET", "/api/people/{uuid}", "river_admin", "swift_admin", 404),
    Call(
        "POST",
        "/api/people/{uuid}/roles",
        "river_admin",
        "swift_admin",
        404,
        {"role": "coordinator", "reason": "Cover"},
    ),
    Call(
        "DELETE",
        "/api/people/{uuid}/roles/{role}",
        "river_admin",
        "swift_admin",
        404,
        {"reason": "Moved on"},
    ),
    Call("POST", "/api/people/{uuid}/leave", "river_admin", "swift_admin", 404, {"reason": "Left"}),
    Call("GET", "/api/pathways", "commissioner", "expired_key", 401),
    Call(
        "POST",
        "/api/pathways",
        "quality",
        "river_admin",
        403,
        {"code": "new-path", "name": "New", "lead_organisation": "northbridge"},
    ),
    Call(
        "GET",
        "/api/pathways/{code}",
        "river_worker",
        "river_worker",
        404,
        refused_path={"code": "no-such-pathway"},
    ),
    Call(
        "PATCH",
        "/api/pathways/{code}",
        "quality",
        "river_admin",
        403,
        {"version": 1, "name": "Discharge home"},
    ),
    Call(
        "POST",
        "/api/pathways/{code}/steps",
        "quality",
        "inspector",
        403,
        {"code": "step-9", "name": "Review"},
    ),
    Call(
        "PATCH",
        "/api/pathways/{code}/steps/{step}",
        "quality",
        "river_admin",
        403,
        {"version": 1, "name": "Triage"},
    ),
    Call(
        "POST",
        "/api/pathways/{code}/steps/{step}/move",
        "quality",
        "river_admin",
        403,
        {"direction": 1, "version": 1},
    ),
    Call(
        "POST",
        "/api/pathways/{code}/steps/{step}/raci",
        "quality",
        "river_admin",
        403,
        {"letter": "C", "role": "supervisor"},
    ),
    Call(
        "DELETE",
        "/api/pathways/{code}/raci/{uuid}",
        "quality",
        "river_admin",
        403,
        {"reason": "Not needed"},
    ),
    Call("GET", "/api/decision-rights", "river_worker", "expired_key", 401),
    Call(
        "POST",
        "/api/decision-rights",
        "net_admin",
        "river_admin",
        403,
        {"action_kind": "refer", "role": "coordinator", "reason": "Agreed"},
    ),
    Call(
        "GET",
        "/api/decision-rights/check",
        "river_worker",
        "expired_key",
        401,
        query="action_kind=refer&organisation=riverside&role=worker",
    ),
    Call(
        "DELETE",
        "/api/decision-rights/{uuid}",
        "net_admin",
        "inspector",
        403,
        {"reason": "Withdrawn"},
    ),
    Call("GET", "/api/network/settings", "river_worker", "expired_key", 401),
    Call(
        "PATCH",
        "/api/network/settings",
        "net_admin",
        "river_admin",
        403,
        {"version": 1, "reason": "Agreed", "expiring_days": 45},
    ),
    Call("GET", "/api/audit/entries", "net_admin", "river_worker", 403),
    Call("GET", "/api/audit/entries/{uuid}", "net_admin", "river_admin", 404),
    Call("GET", "/api/audit/verify", "inspector", "river_admin", 403),
]


APPS: AppCases = collect()
PAGE_CASES += APPS.pages
API_CASES += APPS.calls


@contextmanager
def rolled_back() -> Iterator[None]:
    """Each allowed call starts from the same data: its writes are undone afterwards."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _route_names(resolver: URLResolver, prefix: str = "") -> list[str]:
    names = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = entry.namespace
            if namespace in EXEMPT_NAMESPACES:
                continue
            names += _route_names(entry, f"{prefix}{namespace}:" if namespace else prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(prefix + entry.name)
    return names


class RouteCoverageTests(CastTestCase):
    key: str
    refs: dict[str, str]
    keys: dict[str, str]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cast = cls.cast
        token, cls.key = actions.issue_api_token(cast.actor(cast.river_worker), name="coverage")
        raci = RaciAssignment.objects.filter(step__code="step-1").first()
        right = DecisionRight.objects.first()
        assert raci is not None and right is not None
        cls.refs = {
            "@token": token.prefix,
            "@river_worker": str(cast.river_worker.uuid),
            "@raci": str(raci.uuid),
            "@right": str(right.uuid),
            "@entry_swift": str(
                record(
                    cast.actor(cast.swift_admin), "test.swift", cast.swift, changes={"x": [1, 2]}
                ).uuid
            ),
        }
        for make_refs in APPS.refs:
            cls.refs.update(make_refs(cast))
        cls.keys = {}
        for name in (
            "river_worker",
            "river_coordinator",
            "river_admin",
            "swift_admin",
            "net_admin",
            "quality",
            "commissioner",
            "inspector",
        ):
            user = getattr(cast, name)
            cls.keys[name] = actions.issue_api_token(cast.actor(user), name="coverage")[1]
        cls.keys["expired_key"] = "sl_0000_not-a-key-any-more"

    # -- the tables are complete ------------------------------------------------------------

    def test_every_page_route_is_in_the_access_table(self) -> None:
        covered = {case.name for case in PAGE_CASES} | set(EXEMPT_ROUTES)
        missing = sorted(set(_route_names(get_resolver())) - covered)
        self.assertEqual(
            missing, [], "add these routes to PAGE_CASES with who may and who may not reach them"
        )

    def test_every_api_operation_is_in_the_access_table(self) -> None:
        schema = api.get_openapi_schema()
        operations = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
        covered = {(c.method, c.path) for c in API_CASES}
        self.assertEqual(sorted(operations - covered), [], "add these operations to API_CASES")

    # -- and every row holds -----------------------------------------------------------------

    def _url(self, case: Page, refused: bool = False) -> str:
        given = case.refused_kwargs if refused and case.refused_kwargs is not None else case.kwargs
        kwargs = {k: self.refs.get(v, v) for k, v in given.items()}
        return reverse(case.name, kwargs=kwargs)

    def test_pages_admit_the_allowed_and_refuse_the_others(self) -> None:
        for case in PAGE_CASES:
            url = self._url(case)
            with self.subTest(route=case.name, who="anonymous"):
                self.client.logout()
                response = self.client.generic(case.method, url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith("/accounts/login/"))
            with self.subTest(route=case.name, who=case.allowed), rolled_back():
                self.client.force_login(self.cast[case.allowed])
                response = self.client.generic(case.method, url)
                self.assertIn(response.status_code, case.allowed_status)
            if case.refused:
                with self.subTest(route=case.name, who=case.refused):
                    self.client.force_login(self.cast[case.refused])
                    response = self.client.generic(case.method, self._url(case, refused=True))
                    self.assertEqual(response.status_code, case.refused_status)

    def _api_path(
        self, template: str, override: dict[str, str] | None = None, call: Call | None = None
    ) -> str:
        if call is not None and call.params is not None:
            given = {**call.params, **(override or {})}
            return template.format(**{k: self.refs.get(v, v) for k, v in given.items()})
        values: dict[str, Any] = {
            "code": "riverside",
            "uuid": self.refs["@river_worker"],
            "role": "worker",
            "step": "step-1",
        }
        if "/pathways/" in template:
            values["code"] = "discharge"
            values["uuid"] = self.refs["@raci"]
        if "/decision-rights/" in template:
            values["uuid"] = self.refs["@right"]
        if "/audit/entries/" in template:
            values["uuid"] = self.refs["@entry_swift"]
        values.update(override or {})
        return template.format(**values)

    def _call(self, call: Call, who: str, path: str) -> Any:
        query = call.query
        for ref, value in self.refs.items():
            query = query.replace(ref, value)
        url = f"{path}?{query}" if query else path
        body = json.dumps(call.body) if call.body is not None else ""
        headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {self.keys[who]}"} if who else {}
        return self.client.generic(call.method, url, body, "application/json", **headers)

    def test_api_admits_the_allowed_and_refuses_the_others(self) -> None:
        for call in API_CASES:
            path = self._api_path(call.path, call=call)
            op = f"{call.method} {call.path}"
            with self.subTest(op=op, who="no token"):
                self.assertEqual(self._call(call, "", path).status_code, 401)
            with self.subTest(op=op, who=call.allowed), rolled_back():
                response = self._call(call, call.allowed, path)
                expected = {200} if call.method == "GET" else {200, 201, 204}
                if call.ok_status is not None:
                    expected = set(call.ok_status)
                self.assertIn(response.status_code, expected, response.content[:300])
            with self.subTest(op=op, who=call.refused), rolled_back():
                refused_path = self._api_path(call.path, call.refused_path, call)
                response = self._call(call, call.refused, refused_path)
                self.assertEqual(response.status_code, call.refused_status, response.content[:300])
                self.assertNotIn(b"river_worker@example.org", response.content)


class ExpiredInspectorTests(CastTestCase):
    """Inspector access ends at its set time: the session is ended and the token stops working."""

    key: str

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.key = actions.issue_api_token(cls.cast.actor(cls.cast.inspector), name="inspection")[1]

    def test_access_ends_at_the_set_time(self) -> None:
        import time_machine

        self.client.force_login(self.cast.inspector)
        self.assertEqual(self.client.get("/network/organisations/").status_code, 200)
        self.assertEqual(
            self.client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {self.key}").status_code, 200
        )
        with time_machine.travel(timezone.now() + timedelta(days=31)):
            response = self.client.get("/network/organisations/")
            self.assertEqual(response.status_code, 302)
            self.assertTrue(response["Location"].startswith("/accounts/login/"))
            self.assertEqual(self.client.get("/").status_code, 302)
            api = self.client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {self.key}")
            self.assertEqual(api.status_code, 401)
