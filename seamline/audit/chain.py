"""Pure functions of the audit chain: canonical form and keyed hash of an entry."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64

# The fields an entry's hash covers, in order. Adding a field means a new chain format.
HASHED_FIELDS = (
    "seq",
    "uuid",
    "at",
    "kind",
    "action",
    "actor_uuid",
    "actor_label",
    "organisation_code",
    "object_type",
    "object_id",
    "object_label",
    "object_organisation_code",
    "changes",
    "reason",
    "prev_hash",
)


def canonical_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: Mapping[str, Any]) -> bytes:
    """A byte string that is the same for the same entry on any database."""
    data = {}
    for name in HASHED_FIELDS:
        value = fields[name]
        if isinstance(value, datetime):
            value = canonical_time(value)
        elif value is not None and name in ("uuid", "actor_uuid"):
            value = str(value)
        data[name] = value
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(key: str, fields: Mapping[str, Any]) -> str:
    return hmac.new(key.encode(), canonical(fields), hashlib.sha256).hexdigest()


def anchor_mac(key: str, seq: int, head_hash: str, at: str) -> str:
    message = f"anchor|{seq}|{head_hash}|{at}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
