"""Optimistic concurrency for records people edit together.

A writer says which version it read. `claim_version` moves the row to the next version with a
conditional UPDATE (`... WHERE id = ? AND version = ?`) that only one writer can win on
SQLite and PostgreSQL alike; the loser gets a `Conflict` naming both versions.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models

from seamline.errors import Conflict

M = TypeVar("M", bound=models.Model)


def claim_version(obj: M, expected: int | None, label: str | None = None) -> M:
    """Take the next version of `obj` or raise `Conflict`. Call inside the write's transaction."""
    model = type(obj)
    current_expected = obj.version if expected is None else int(expected)  # type: ignore[attr-defined]
    won = model._default_manager.filter(pk=obj.pk, version=current_expected).update(
        version=current_expected + 1
    )
    if not won:
        current = model._default_manager.filter(pk=obj.pk).values_list("version", flat=True).first()
        raise Conflict.stale(label or str(obj), current_expected, current)
    obj.version = current_expected + 1  # type: ignore[attr-defined]
    return obj
