"""The audit log over the API: read the entries you may see, and verify the chain."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from seamline.access import ReadOnly
from seamline.api import ERRORS, QUERY_ERRORS, actor_of
from seamline.network.access import refuse
from seamline.network.choices import Role

from .access import can_read_log
from .models import AuditEntry, EntryKind
from .verify import verify_chain

router = Router(tags=["audit"])


class EntryOut(Schema):
    uuid: UUID
    seq: int = Field(..., description="Position in the chain (1 is the first entry).")
    at: datetime
    kind: str
    action: str
    actor_uuid: UUID | None = Field(..., description="The person who acted; null for the system.")
    actor_label: str
    organisation_code: str = Field(..., description="The organisation the actor acted for.")
    object_type: str
    object_id: str = Field(..., description="The object's public id (code or UUID).")
    object_label: str
    object_organisation_code: str = Field(
        ..., description="The organisation the object belongs to."
    )
    changes: dict[str, Any] = Field(..., description="`{field: [old, new]}`.")
    reason: str
    prev_hash: str
    hash: str


class VerifyProblemOut(Schema):
    code: str
    message: str
    seq: int | None


class VerifyOut(Schema):
    ok: bool
    checked: int = Field(..., description="How many entries were recomputed and found sound.")
    head_seq: int
    head_hash: str
    anchors_checked: int
    problems: list[VerifyProblemOut]


def _require_log_reader(request: HttpRequest) -> Any:
    actor = actor_of(request)
    if not can_read_log(actor):
        raise ReadOnly(
            "The audit log is read by the network admin, quality leads, partner admins and "
            "inspectors."
        )
    return actor


@router.get("/entries", response={200: list[EntryOut], **QUERY_ERRORS})
@paginate(PageNumberPagination)
def list_entries(
    request: HttpRequest,
    kind: EntryKind | None = None,
    action: str | None = None,
    actor: UUID | None = None,
    organisation: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEntry]:
    """Entries you may see, newest first. `organisation` matches entries made by or about it;
    `action` matches a prefix (`person.` finds every person action)."""
    reader = _require_log_reader(request)
    qs = AuditEntry.objects.visible_to(reader).order_by("-seq")
    if kind is not None:
        qs = qs.filter(kind=kind)
    if action:
        qs = qs.filter(action__startswith=action)
    if actor is not None:
        qs = qs.filter(actor_uuid=actor)
    if organisation:
        qs = qs.filter(Q(organisation_code=organisation) | Q(object_organisation_code=organisation))
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    return qs


@router.get("/entries/{uuid}", response={200: EntryOut, **ERRORS})
def get_entry(request: HttpRequest, uuid: str) -> AuditEntry:
    reader = _require_log_reader(request)
    try:
        wanted = UUID(uuid)
    except ValueError:
        raise refuse(reader, "audit.auditentry", uuid) from None
    entry = AuditEntry.objects.visible_to(reader).filter(uuid=wanted).first()
    if entry is None:
        raise refuse(reader, "audit.auditentry", uuid)
    return entry


@router.get("/verify", response={200: VerifyOut, **ERRORS})
def verify(request: HttpRequest) -> dict[str, object]:
    """Recompute every entry's keyed hash and check the links, the head and exported anchors.
    `ok` is false and `problems` names the first broken entry when the log was tampered with."""
    actor = actor_of(request)
    if not (actor.is_network_admin or actor.has(Role.INSPECTOR)):
        raise ReadOnly("Only the network admin or an inspector verifies the audit chain.")
    return verify_chain().as_dict()
