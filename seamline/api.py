"""The JSON API: one NinjaAPI, a router per app, bearer-token authentication.

Tokens are issued from a person's account page or `seamline token create`; the API acts as that
person, through the same access layer and actions as the pages.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django.db.models import CharField, DateTimeField, F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer

from seamline.access import Actor, ReadOnly, actor_from_grants
from seamline.api_support import (  # noqa: F401  (re-exported for the routers)
    ERRORS,
    QUERY_ERRORS,
    WRITE_ERRORS,
    Problem,
    actor_of,
    require_writer,
)
from seamline.errors import RuleViolation
from seamline.rawrows import Param, Prepared, attnames, instance

if TYPE_CHECKING:
    from seamline.network.models import RoleGrant

API_DESCRIPTION = """
Seamline's JSON API. Authenticate with `Authorization: Bearer <token>`; a token acts as the
person who issued it and sees exactly what they see on the pages. Records outside your
organisation's part in the network answer 404, whether or not they exist.

Lists answer `{"items": [...], "count": n}`, a page at a time (`page`, `page_size`).

Errors share one shape: `{"detail": "...", "reasons": [{"code", "message", "field"?}]}`.
A 409 means someone else changed the record first: reload it and try again with its new
`version`.
"""


def _token_grants() -> QuerySet[Any]:
    """The token whose hash is given, its person and their role grants in one query (every API
    call pays for it): a row for each role held in the current membership (the grant, the
    membership, its organisation and the person, each whole), with the token's id and last
    use. No row: no such usable token, or no role to act in."""
    from seamline.network.models import Membership, Organisation, RoleGrant, User

    held = "membership__user__api_tokens__"
    return (
        RoleGrant.objects.current()
        .filter(
            membership__ended_at__isnull=True,
            membership__user__is_active=True,
            **{
                f"{held}key_hash": Param("key_hash", CharField()),
                f"{held}revoked_at__isnull": True,
                f"{held}expires_at__gt": Param("now", DateTimeField()),
            },
        )
        .annotate(token_pk=F(f"{held}id"), token_used=F(f"{held}last_used_at"))
        .order_by()
        .values_list(
            *attnames(RoleGrant),
            *(f"membership__{name}" for name in attnames(Membership)),
            *(f"membership__organisation__{name}" for name in attnames(Organisation)),
            *(f"membership__user__{name}" for name in attnames(User)),
            "token_pk",
            "token_used",
        )
    )


# Compiled once (building the query through the ORM cost more than answering it), planned
# once on PostgreSQL.
_TOKEN_GRANTS = Prepared(_token_grants, converted=True, planned_once=True)


def token_grants(key: str, now: datetime) -> tuple[list[RoleGrant], int, datetime | None]:
    """The role grants held through the usable API token `key` at `now` (each with its
    membership, organisation and person loaded), the token's id and when it was last used.
    No grants: no such usable token, or no role to act in."""
    from seamline.network.actions import hash_key
    from seamline.network.models import Membership, Organisation, RoleGrant, User

    rows = list(_TOKEN_GRANTS.fetch(key_hash=hash_key(key), now=now))
    if not rows:
        return [], 0, None
    alias = _TOKEN_GRANTS.compiled().alias
    at_membership = len(attnames(RoleGrant))
    at_organisation = at_membership + len(attnames(Membership))
    at_user = at_organisation + len(attnames(Organisation))
    memberships: dict[Any, Membership] = {}
    grants = []
    for row in rows:
        grant = cast(RoleGrant, instance(RoleGrant, alias, row, 0))
        membership = memberships.get(grant.membership_id)
        if membership is None:
            membership = cast(Membership, instance(Membership, alias, row, at_membership))
            membership.organisation = cast(
                Organisation, instance(Organisation, alias, row, at_organisation)
            )
            membership.user = cast(User, instance(User, alias, row, at_user))
            memberships[grant.membership_id] = membership
        grant.membership = membership
        grants.append(grant)
    return grants, rows[0][-2], rows[0][-1]


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        from seamline.network.models import ApiToken

        now = timezone.now()
        grants, token_pk, used = token_grants(token, now)
        if not grants:
            return None
        membership = grants[0].membership
        user = membership.user
        actor = actor_from_grants(user, grants, membership, now)
        if not actor.roles:
            return None
        user._seamline_actor = actor  # type: ignore[attr-defined]
        if used is None or (now - used).total_seconds() > 60:
            ApiToken.objects.filter(pk=token_pk).update(last_used_at=now)
        request.actor = actor  # type: ignore[attr-defined]
        return actor


api = NinjaAPI(
    title="Seamline API",
    version="1",
    description=API_DESCRIPTION,
    auth=TokenAuth(),
    urls_namespace="api",
)


def _problem(
    request: HttpRequest, status: int, detail: str, reasons: list[dict[str, str]] | None = None
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "reasons": reasons or []}, status=status)


@api.exception_handler(RuleViolation)
def _rule_violation(request: HttpRequest, exc: RuleViolation) -> HttpResponse:
    body = exc.as_dict()
    # An action that refuses because of who is asking (not what was asked) is a 403.
    status = 403 if set(exc.codes) == {"not_permitted"} else exc.status
    return _problem(request, status, str(body["detail"]), body["reasons"])  # type: ignore[arg-type]


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # The same body for "missing" and "not yours", with nothing about the record in it.
    return _problem(request, 404, "Not found.")


@api.exception_handler(ReadOnly)
def _read_only(request: HttpRequest, exc: ReadOnly) -> HttpResponse:
    return _problem(request, 403, str(exc) or "You may not change this.")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _problem(
        request, 401, "A valid API token is required: send 'Authorization: Bearer <token>'."
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    reasons = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        reasons.append(
            {
                "code": "invalid_value",
                "message": str(err.get("msg", "invalid")),
                "field": ".".join(loc),
            }
        )
    return _problem(request, 422, "The request has invalid fields.", reasons)


def _add_routers() -> None:
    from seamline.assurance.api import router as assurance_router
    from seamline.audit.api import router as audit_router
    from seamline.cases.api import router as cases_router
    from seamline.cases.reconciliation.api import router as reconciliation_router
    from seamline.competency.api import router as competency_router
    from seamline.coordination.api import router as coordination_router
    from seamline.escalation.api import router as escalation_router
    from seamline.handoffs.api import router as handoffs_router
    from seamline.network.api import router as network_router
    from seamline.plans.api import router as plans_router
    from seamline.quality.api import router as quality_router
    from seamline.rota.api import router as rota_router
    from seamline.workforce.api import router as workforce_router
    from seamline.workforce.api_imports import router as imports_router

    api.add_router("/", network_router)
    api.add_router("/audit", audit_router)
    api.add_router("/framework", competency_router)
    api.add_router("/", workforce_router)
    api.add_router("/imports", imports_router)
    api.add_router("/cases", cases_router)
    api.add_router("/handoffs", handoffs_router)
    api.add_router("/coordination", coordination_router)
    api.add_router("/plans", plans_router)
    api.add_router("/rota", rota_router)
    api.add_router("/reconciliation", reconciliation_router)
    api.add_router("/escalation", escalation_router)
    api.add_router("/quality", quality_router)
    api.add_router("/assurance", assurance_router)


_add_routers()


def _public(pattern: URLPattern) -> URLPattern:
    """The API authenticates by token itself, so the site's login redirect must not apply."""
    view = pattern.callback

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return view(request, *args, **kwargs)

    wrapped.csrf_exempt = getattr(view, "csrf_exempt", False)  # type: ignore[attr-defined]
    wrapped.login_required = False  # type: ignore[attr-defined]
    return URLPattern(pattern.pattern, wrapped, pattern.default_args, pattern.name)


def urls() -> tuple[list[Any], str, str]:
    patterns, app_name, namespace = api.urls
    return [_public(p) if isinstance(p, URLPattern) else p for p in patterns], app_name, namespace
