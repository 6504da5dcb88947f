"""Token authentication, the OpenAPI document and /api/me."""

import json
from datetime import timedelta

from django.db import connection
from django.test import RequestFactory, TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seamline.api import _rule_violation, token_grants
from seamline.errors import Conflict, RuleViolation
from seamline.network.actions import issue_api_token, revoke_api_token
from seamline.network.models import ApiToken, Organisation, RoleGrant
from seamline.testing import CastTestCase

from .api_support import ApiTestCase

WRITE_METHODS = {"post", "patch", "put", "delete"}


class TokenAuthTests(ApiTestCase):
    def test_no_token_is_401_with_the_problem_shape(self):
        response = self.get(None, "/api/me")
        body = self.assertStatus(response, 401)
        self.assertIn("Bearer", body["detail"])
        self.assertEqual(body["reasons"], [])

    def test_unknown_token_is_401(self):
        response = self.client.get("/api/me", HTTP_AUTHORIZATION="Bearer sl_nothing_here")
        self.assertStatus(response, 401)

    def test_revoked_token_is_401(self):
        token = ApiToken.objects.get(user=self.cast.river_admin)
        revoke_api_token(self.cast.actor(self.cast.river_admin), token)
        self.assertStatus(self.get("river_admin", "/api/me"), 401)

    def test_expired_token_is_401(self):
        ApiToken.objects.filter(user=self.cast.river_admin).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        self.assertStatus(self.get("river_admin", "/api/me"), 401)

    def test_token_of_someone_whose_roles_ended_is_401(self):
        RoleGrant.objects.filter(membership__user=self.cast.inspector).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        self.assertStatus(self.get("inspector", "/api/me"), 401)

    def test_token_use_is_stamped(self):
        self.assertStatus(self.get("river_admin", "/api/me"), 200)
        token = ApiToken.objects.get(user=self.cast.river_admin)
        self.assertIsNotNone(token.last_used_at)

    def test_a_session_does_not_open_the_api(self):
        self.client.force_login(self.cast.net_admin)
        self.assertStatus(self.client.get("/api/organisations"), 401)


class TokenGrantsTests(ApiTestCase):
    def test_one_query_loads_the_grants_with_membership_organisation_and_person(self):
        now = timezone.now()
        with CaptureQueriesContext(connection) as ctx:
            grants, token_pk, used = token_grants(self.keys["river_supervisor"], now)
            membership = grants[0].membership
            loaded = (membership.organisation, membership.user)  # no query of their own
        self.assertEqual(len(ctx.captured_queries), 1)
        stored = RoleGrant.objects.select_related("membership__organisation", "membership__user")
        expected = list(stored.filter(membership__user=self.cast.river_supervisor))
        self.assertEqual(grants, expected)
        self.assertEqual([g.__dict__.keys() for g in grants], [g.__dict__.keys() for g in expected])
        for got, want in zip(grants, expected, strict=True):
            self.assertEqual(
                {k: v for k, v in got.__dict__.items() if k != "_state"},
                {k: v for k, v in want.__dict__.items() if k != "_state"},
            )
        self.assertEqual(loaded, (self.cast.riverside, self.cast.river_supervisor))
        self.assertEqual(
            {k: v for k, v in loaded[0].__dict__.items() if k != "_state"},
            {
                k: v
                for k, v in Organisation.objects.get(pk=self.cast.riverside.pk).__dict__.items()
                if k != "_state"
            },
        )
        self.assertEqual(loaded[1].uuid, self.cast.river_supervisor.uuid)
        self.assertEqual(token_pk, ApiToken.objects.get(user=self.cast.river_supervisor).pk)
        self.assertIsNone(used)
        self.assertFalse(grants[0]._state.adding)

    def test_no_grants_for_an_unusable_token(self):
        now = timezone.now()
        self.assertEqual(token_grants("sl_nothing_here", now)[0], [])
        token = ApiToken.objects.get(user=self.cast.swift_admin)
        self.assertEqual(len(token_grants(self.keys["swift_admin"], now)[0]), 1)
        self.assertEqual(token_grants(self.keys["swift_admin"], token.expires_at)[0], [])


class MeTests(ApiTestCase):
    def test_me_names_person_organisation_and_roles(self):
        body = self.assertStatus(self.get("river_supervisor", "/api/me"), 200)
        self.assertEqual(body["uuid"], str(self.cast.river_supervisor.uuid))
        self.assertEqual(body["username"], "river_supervisor")
        self.assertEqual(
            body["organisation"],
            {"code": "riverside", "name": "Riverside Home Support", "kind": "subcontractor"},
        )
        self.assertEqual(body["roles"], ["supervisor"])
        self.assertFalse(body["read_only"])
        self.assertIsNone(body["access_until"])

    def test_inspector_sees_when_access_ends(self):
        body = self.assertStatus(self.get("inspector", "/api/me"), 200)
        grant = RoleGrant.objects.get(membership__user=self.cast.inspector)
        self.assertTrue(body["read_only"])
        self.assertEqual(body["roles"], ["inspector"])
        assert grant.expires_at is not None
        self.assertEqual(body["access_until"][:19], grant.expires_at.isoformat()[:19])

    def test_no_integer_ids(self):
        body = self.assertStatus(self.get("river_admin", "/api/me"), 200)
        self.assertNotIn("id", body)
        self.assertNotIn("pk", body)


class DocumentationTests(CastTestCase):
    def test_docs_render_without_sign_in(self):
        response = self.client.get("/api/docs")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "swagger-ui")

    def test_openapi_document_is_public(self):
        response = self.client.get("/api/openapi.json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["info"]["title"], "Seamline API")

    def test_every_operation_declares_its_error_codes(self):
        schema = self.client.get("/api/openapi.json").json()
        missing = []
        operations = 0
        for path, methods in schema["paths"].items():
            for method, operation in methods.items():
                operations += 1
                declared = set(operation["responses"])
                wanted = {"401", "403", "404"}
                if method in WRITE_METHODS:
                    wanted |= {"409", "422"}
                if not wanted <= declared:
                    missing.append(f"{method.upper()} {path}: lacks {sorted(wanted - declared)}")
                if not any(code.startswith("2") for code in declared):
                    missing.append(f"{method.upper()} {path}: no success code")
        self.assertGreaterEqual(operations, 31)
        self.assertEqual(missing, [])

    def test_operations_are_documented_with_bearer_security(self):
        schema = self.client.get("/api/openapi.json").json()
        self.assertIn("TokenAuth", schema["components"]["securitySchemes"])
        for path, methods in schema["paths"].items():
            for method, operation in methods.items():
                self.assertEqual(operation.get("security"), [{"TokenAuth": []}], f"{method} {path}")

    def test_no_path_takes_an_integer_id(self):
        schema = self.client.get("/api/openapi.json").json()
        for path in schema["paths"]:
            self.assertNotIn("{id}", path)
            self.assertNotIn("{pk}", path)


class TokenIssueTests(CastTestCase):
    """The key is shown once: only its hash is kept."""

    def test_key_works_and_is_not_stored(self):
        token, key = issue_api_token(self.cast.actor(self.cast.quality), name="report robot")
        self.assertNotEqual(token.key_hash, key)
        self.assertFalse(ApiToken.objects.filter(key_hash=key).exists())
        response = self.client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}")
        self.assertEqual(response.json()["username"], "quality")


class ProblemMappingTests(TestCase):
    """How a `RuleViolation` from an action becomes a status and a problem body."""

    def answer(self, exc: RuleViolation) -> tuple[int, dict]:
        response = _rule_violation(RequestFactory().get("/api/me"), exc)
        return response.status_code, json.loads(response.content)

    def test_rule_is_422_with_the_field(self):
        status, body = self.answer(RuleViolation.one("code_taken", "Code is taken.", "code"))
        self.assertEqual(status, 422)
        self.assertEqual(
            body,
            {
                "detail": "Code is taken.",
                "reasons": [{"code": "code_taken", "message": "Code is taken.", "field": "code"}],
            },
        )

    def test_stale_version_is_409(self):
        status, body = self.answer(Conflict.stale("Riverside", 1, 2))
        self.assertEqual(status, 409)
        self.assertEqual(body["reasons"][0]["field"], "version")

    def test_refusal_for_who_is_asking_is_403(self):
        status, _ = self.answer(RuleViolation.one("not_permitted", "Not yours to change."))
        self.assertEqual(status, 403)
