"""Appending to the audit log. Every write in every app calls `record` in its own transaction."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from seamline.access import Actor

from . import chain
from .models import AuditEntry, ChainHead, EntryKind


def describe(obj: models.Model | None) -> dict[str, str]:
    """Public identity of an object for the log: type, public id, label, owning organisation."""
    if obj is None:
        return {
            "object_type": "",
            "object_id": "",
            "object_label": "",
            "object_organisation_code": "",
        }
    public_id = getattr(obj, "audit_public_id", None)
    if public_id is None:
        public_id = getattr(obj, "code", None) or getattr(obj, "uuid", None) or obj.pk
    owner = getattr(obj, "audit_organisation_code", "")
    if not owner:
        org = getattr(obj, "organisation", None)
        owner = getattr(org, "code", "") if org is not None else ""
    label = getattr(obj, "audit_label", None) or str(obj)
    return {
        "object_type": obj._meta.label_lower,
        "object_id": str(public_id),
        "object_label": label[:300],
        "object_organisation_code": owner or "",
    }


def normalise(changes: Mapping[str, Any] | None) -> dict[str, Any]:
    """JSON-safe copy, so that what is hashed is exactly what the database gives back."""
    if not changes:
        return {}
    return json.loads(json.dumps(changes, cls=DjangoJSONEncoder))


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """`{field: [old, new]}` for the fields whose value changed."""
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def record(
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    *,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    kind: str = EntryKind.WRITE,
    target: Mapping[str, str] | None = None,
) -> AuditEntry:
    """Append one entry to the chain, inside the caller's transaction.

    The chain head row is locked for the rest of the transaction (SELECT ... FOR UPDATE on
    PostgreSQL; SQLite's IMMEDIATE transactions already serialise writers), so entries get
    consecutive sequence numbers and each links to the one before it.
    """
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().get(singleton=True)
        user = actor.user
        fields: dict[str, Any] = {
            "seq": head.seq + 1,
            "uuid": uuid.uuid4(),
            "at": timezone.now(),
            "kind": str(kind),
            "action": action,
            "actor_uuid": user.uuid if user is not None else None,
            "actor_label": (user.username if user is not None else actor.label)[:200],
            "organisation_code": actor.org_code,
            **(dict(target) if target is not None else describe(obj)),
            "changes": normalise(changes),
            "reason": reason,
            "prev_hash": head.hash,
        }
        fields["hash"] = chain.entry_hash(settings.AUDIT_HMAC_KEY, fields)
        entry = AuditEntry.objects.create(**fields)
        ChainHead.objects.filter(pk=head.pk).update(seq=entry.seq, hash=entry.hash)
        return entry
