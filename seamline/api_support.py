"""What every API router needs, apart from the API object itself (so a router can be imported
on its own without a circular import): the problem schema, the declared error codes and the
actor of a request."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Schema

from seamline.access import Actor, ReadOnly


class Problem(Schema):
    detail: str
    reasons: list[dict[str, str]] = []


# Every endpoint declares these besides its own success codes.
ERRORS: dict[int, Any] = {401: Problem, 403: Problem, 404: Problem}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 409: Problem, 422: Problem}
# Reads whose query parameters (filters, page numbers) can be invalid.
QUERY_ERRORS: dict[int, Any] = {**ERRORS, 422: Problem}


def actor_of(request: HttpRequest) -> Actor:
    actor: Actor = request.auth  # type: ignore[attr-defined]
    return actor


def require_writer(request: HttpRequest) -> Actor:
    actor = actor_of(request)
    if actor.read_only:
        raise ReadOnly("Your access is read-only: nothing can be changed from it.")
    return actor
