"""The workforce JSON API: the authorization register and the single check.

Both answer through the workforce access layer: a caller sees the register of the workers
whose records they may read, and a check of any other worker answers 404, whether or not the
worker exists.
"""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from seamline.access import Actor
from seamline.api import QUERY_ERRORS, actor_of
from seamline.errors import RuleViolation

from . import access, register

router = Router(tags=["authorization register"])


class ReasonOut(Schema):
    code: str
    message: str


class RegisterRowOut(Schema):
    worker: str
    worker_name: str
    organisation: str
    task_type: str
    cleared: bool
    reasons: list[ReasonOut]
    last_validated: date | None
    valid_until: date | None


class CheckOut(Schema):
    worker: str
    task_type: str
    at: datetime
    cleared: bool
    reasons: list[ReasonOut]
    last_validated: date | None
    valid_until: date | None


def _organisation_filter(actor: Actor, code: str | None) -> str | None:
    """An organisation filter must name one whose workers the caller sees (422 otherwise)."""
    if not code:
        return None
    if not access.organisations_with_workers_for(actor).filter(code=code).exists():
        raise RuleViolation.one(
            "unknown_organisation",
            f"There is no organisation with code '{code}' whose workers you can see.",
            "organisation",
        )
    return code


@router.get(
    "/authz/register",
    response={200: list[RegisterRowOut], **QUERY_ERRORS},
    summary="The authorization register as of an instant",
)
@paginate(PageNumberPagination)
def authz_register(
    request: HttpRequest,
    as_of: datetime | None = None,
    organisation: str | None = None,
    task_type: str | None = None,
    pathway: str | None = None,
) -> Any:
    """Every worker you may see x every task type, as of `as_of` (now when left out; a date
    and time without a zone is the network's local time): cleared or not, each reason with a
    code and a sentence, the date of the last validation and until when it holds.

    Derived from the evidence, sign-offs and pauses as they stood then; the framework is the
    version in force then. Workers by name, task types in the framework's order. A page
    computes only the workers on it."""
    actor = actor_of(request)
    return register.register_view(
        actor,
        as_of,
        organisation=_organisation_filter(actor, organisation),
        task_type=task_type,
        pathway=pathway,
    )


@router.get(
    "/authz/check",
    response={200: CheckOut, **QUERY_ERRORS},
    summary="Is one worker cleared for one task type?",
)
def authz_check(
    request: HttpRequest,
    worker: str,
    task_type: str,
    at: datetime | None = None,
    pathway: str | None = None,
) -> dict[str, Any]:
    """`worker` is the worker's public id or ORGANISATION/STAFF_ID. `at` defaults to now; a
    date and time without a zone is the network's local time. `pathway` asks about
    pathway-specific competencies on that pathway. 404 for a worker you may not see."""
    actor = actor_of(request)
    when = register.local(at)
    decision = register.check(actor, worker, task_type, when, pathway)
    return {
        "worker": decision.worker,
        "task_type": decision.task_type,
        "at": when,
        "cleared": decision.cleared,
        "reasons": [{"code": r.code, "message": r.message} for r in decision.reasons],
        "last_validated": decision.last_validated,
        "valid_until": decision.valid_until,
    }
