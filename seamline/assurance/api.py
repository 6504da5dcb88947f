"""The assurance JSON API (mounted at /api/assurance): list packs, read one as the caller may
see it (commissioners: aggregates with small counts suppressed; a partner's staff: the network
and their own partner), build a pack or a corrected issue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from seamline.access import ReadOnly
from seamline.api_support import ERRORS, WRITE_ERRORS, actor_of, require_writer
from seamline.errors import Reason, RuleViolation
from seamline.network.access import refuse
from seamline.network.models import Network

from . import access
from .build import build_pack
from .catalogue import parse_period
from .models import Pack
from .present import content_for

router = Router(tags=["assurance"])


class PackOut(Schema):
    period: str
    issue: int
    built_at: datetime
    built_by: str
    reason: str
    audit_chain_head: str
    audit_chain_seq: int
    digest: str


class BuildIn(Schema):
    period: str
    reason: str = ""


def _out(pack: Pack) -> dict[str, Any]:
    return {
        "period": pack.label,
        "issue": pack.issue,
        "built_at": pack.built_at,
        "built_by": pack.built_by_label,
        "reason": pack.reason,
        "audit_chain_head": pack.audit_hash,
        "audit_chain_seq": pack.audit_seq,
        "digest": pack.digest,
    }


@router.get("/packs", response={200: list[PackOut], **ERRORS})
def list_packs(request: HttpRequest) -> Any:
    actor = actor_of(request)
    if not access.can_list_packs(actor):
        raise refuse(actor, "assurance packs", "list")
    return [_out(p) for p in Pack.objects.order_by("-period", "-issue")]


@router.get("/packs/{period}", response={200: dict[str, Any], **ERRORS})
def get_pack(request: HttpRequest, period: str, issue: int | None = None) -> Any:
    """The pack's content (the newest issue unless `issue` is given)."""
    actor = actor_of(request)
    pack = access.get_pack_for_user(actor, period, issue)
    return content_for(actor, pack.content, int(Network.current().small_number_threshold))


@router.post("/packs", response={201: PackOut, **WRITE_ERRORS})
def build(request: HttpRequest, payload: BuildIn) -> Any:
    actor = require_writer(request)
    if not access.can_build_packs(actor):
        raise ReadOnly("Only the network's quality lead or admin builds assurance packs.")
    try:
        period = parse_period(payload.period)
    except ValueError as exc:
        raise RuleViolation(Reason("bad_period", str(exc), "period")) from None
    return Status(201, _out(build_pack(actor, period, reason=payload.reason)))
