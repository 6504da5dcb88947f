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


def check_version(obj: models.Model, expected: int | None, label: str | None = None) -> None:
    """Raise `Conflict` unless `obj` is still at version `expected` in the database.

    For a write that turns out to change nothing: it was still based on what the writer read,
    so a stale read must be refused here too, or a read-modify-write would be silently lost.
    """
    if expected is None:
        return
    model = type(obj)
    current = model._default_manager.filter(pk=obj.pk).values_list("version", flat=True).first()
    if current != int(expected):
        raise Conflict.stale(label or str(obj), int(expected), current)
