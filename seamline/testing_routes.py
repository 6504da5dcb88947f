"""Access-table rows for the route coverage test (`network/tests/test_route_coverage.py`).

Every app lists its pages and API operations in `seamline/<app>/tests/access_cases.py`:

    PAGE_CASES = [page("workforce:matrix", "river_supervisor", "commissioner", 404)]
    API_CASES = [Call("GET", "/api/authz/check", "river_admin", "expired_key", 401, query=...)]

    def refs(cast) -> dict[str, str]:   # optional: objects the rows refer to as "@name"
        return {"@worker": str(make_worker(...).uuid)}

The coverage test collects them and fails when a route or operation is in no table.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps

PASSED = {200, 201, 204, 302, 422}  # got past the access layer (422: it reached validation)


@dataclass(frozen=True)
class Page:
    name: str
    kwargs: dict[str, str]
    method: str
    allowed: str
    refused: str
    refused_status: int
    allowed_status: frozenset[int] = frozenset({200})
    refused_kwargs: dict[str, str] | None = None


def page(
    name: str,
    allowed: str,
    refused: str,
    status: int,
    method: str = "GET",
    missing: dict[str, str] | None = None,
    **kwargs: str,
) -> Page:
    """`missing`: other URL arguments for the refused call (e.g. a code that does not exist)."""
    ok = frozenset({200}) if method == "GET" else frozenset(PASSED)
    return Page(name, kwargs, method, allowed, refused, status, ok, missing)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    allowed: str
    refused: str
    refused_status: int
    body: dict[str, Any] | None = None
    query: str = ""
    refused_path: dict[str, str] | None = None  # other path values for the refused call
    # Path values for this call ("@name" refers to an object an app's `refs(cast)` made).
    params: dict[str, str] | None = None
    # Statuses that mean "got past access" when the empty body cannot be valid (uploads).
    ok_status: frozenset[int] | None = None


@dataclass
class AppCases:
    pages: list[Page]
    calls: list[Call]
    refs: list[Callable[[Any], dict[str, str]]]


def collect() -> AppCases:
    """The rows of every installed Seamline app's `tests/access_cases.py`."""
    found = AppCases([], [], [])
    for config in apps.get_app_configs():
        if not config.name.startswith("seamline."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.access_cases")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.tests.access_cases":
                raise
            continue
        found.pages += getattr(module, "PAGE_CASES", [])
        found.calls += getattr(module, "API_CASES", [])
        if hasattr(module, "refs"):
            found.refs.append(module.refs)
    return found
