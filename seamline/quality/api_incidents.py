"""The incident and due-diligence JSON API (mounted under /api/quality with the rest).

The same access and actions as the pages: incidents are seen by whoever sees the participant
(and the network's quality lead and admin), each read logged; the timeline holds only events of
records the caller may see. Due diligence is the network's quality lead's and admin's; a
partner's admin and quality lead read their own review and add evidence to it. Out of sight is
404."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from seamline.access import ReadOnly
from seamline.api_support import ERRORS, WRITE_ERRORS, actor_of, require_writer
from seamline.cases.models import Participant
from seamline.network.access import refuse
from seamline.network.models import Organisation, User

from . import access, actions_diligence, actions_incidents, lists, rules_incidents, timeline

router = Router(tags=["quality"])


class LinkIn(Schema):
    kind: str
    ref: str
    note: str = ""


class IncidentIn(Schema):
    participant: str
    organisation: str
    theme: str
    severity: str
    occurred_at: datetime
    reported_at: datetime | None = None
    description: str
    links: list[LinkIn] = []


class LearningIn(Schema):
    title: str
    description: str = ""
    owner: str  # username
    due_on: date


class EvidenceIn(Schema):
    area: str
    title: str
    reference: str


class FindingIn(Schema):
    area: str
    finding: str
    note: str = ""


class DecisionIn(Schema):
    decision: str
    reason: str
    conditions: str = ""


def _incident_json(actor: Any, incident: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        **lists.incident_dict(incident),
        "learning_actions": [
            lists.as_dict(a, today) for a in actions_incidents.learning_actions(actor, incident)
        ],
    }


@router.get("/incidents", response={200: list[dict[str, Any]], **ERRORS})
def incident_list(
    request: HttpRequest, partner: str = "", theme: str = "", severity: str = ""
) -> Any:
    actor = actor_of(request)
    if not access.can_list_incidents(actor):
        raise refuse(actor, "quality.incidents", "")
    rows = list(lists.incidents(actor, partner=partner, theme=theme, severity=severity)[:1000])
    actions_incidents.record_listed(actor, [i.code for i in rows], via="api")
    return [lists.incident_dict(i) for i in rows]


@router.post("/incidents", response={201: dict[str, Any], **WRITE_ERRORS})
def incident_report(request: HttpRequest, body: IncidentIn) -> Any:
    actor = require_writer(request)
    if not access.can_report_incident(actor):
        raise refuse(actor, "quality.incidents.report", "")
    code = body.participant.strip().upper()
    made = actions_incidents.report_incident(
        actor,
        participant=Participant.objects.visible_to(actor).filter(code=code).first(),
        organisation=Organisation.objects.filter(code=body.organisation.strip().lower()).first(),
        theme=body.theme,
        severity=body.severity,
        occurred_at=body.occurred_at,
        reported_at=body.reported_at,
        description=body.description,
        links=[(link.kind, link.ref) for link in body.links],
    )
    return Status(201, _incident_json(actor, made))


@router.get("/incidents/{code}", response={200: dict[str, Any], **ERRORS})
def incident_detail(request: HttpRequest, code: str) -> Any:
    actor = actor_of(request)
    incident = access.get_incident_for_user(actor, code)
    actions_incidents.record_read(actor, incident, via="api")
    return _incident_json(actor, incident)


@router.get("/incidents/{code}/timeline", response={200: dict[str, Any], **ERRORS})
def incident_timeline(
    request: HttpRequest,
    code: str,
    before: int = rules_incidents.DAYS_BEFORE,
    after: int = rules_incidents.DAYS_AFTER,
) -> Any:
    actor = actor_of(request)
    incident = access.get_incident_for_user(actor, code)
    actions_incidents.record_read(actor, incident, via="api.timeline")
    start, end = rules_incidents.window(incident.occurred_at, before, after)
    events = timeline.load(actor, incident.participant, start, end)
    return {
        "incident": incident.code,
        "participant": incident.participant.code,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "organisations": [
            {"code": lane.code, "name": lane.name} for lane in timeline.lanes(events)
        ],
        "events": [e.as_dict() for e in events],
    }


@router.post("/incidents/{code}/links", response={201: dict[str, Any], **WRITE_ERRORS})
def incident_link(request: HttpRequest, code: str, body: LinkIn) -> Any:
    actor = require_writer(request)
    incident = access.get_incident_for_user(actor, code, write=True)
    link = actions_incidents.link_record(
        actor, incident, kind=body.kind, ref=body.ref, note=body.note
    )
    return Status(201, {"kind": link.kind, "ref": link.reference, "note": link.note})


@router.post("/incidents/{code}/learning", response={201: dict[str, Any], **WRITE_ERRORS})
def incident_learning(request: HttpRequest, code: str, body: LearningIn) -> Any:
    actor = require_writer(request)
    incident = access.get_incident_for_user(actor, code)
    if not access.can_add_learning(actor, incident):
        raise ReadOnly("The network's quality lead, or the partner's managers, raise its actions.")
    made = actions_incidents.raise_learning_action(
        actor,
        incident,
        title=body.title,
        description=body.description,
        owner_person=User.objects.filter(username=body.owner.strip().lower()).first(),
        due_on=body.due_on,
    )
    return Status(201, lists.as_dict(made, timezone.localdate()))


# --- partner due diligence ---------------------------------------------------------------------


@router.get("/due-diligence", response={200: list[dict[str, Any]], **ERRORS})
def diligence_list(request: HttpRequest) -> Any:
    actor = actor_of(request)
    if not access.can_list_diligence(actor):
        raise refuse(actor, "quality.due_diligence", "")
    return [r.as_dict() for r in actions_diligence.partner_rows()]


@router.get("/due-diligence/{code}", response={200: dict[str, Any], **ERRORS})
def diligence_detail(request: HttpRequest, code: str) -> Any:
    actor = actor_of(request)
    organisation = access.get_diligence_organisation(actor, code)
    return actions_diligence.review_view(organisation).as_dict()


@router.post("/due-diligence/{code}/evidence", response={201: dict[str, Any], **WRITE_ERRORS})
def diligence_evidence(request: HttpRequest, code: str, body: EvidenceIn) -> Any:
    actor = require_writer(request)
    organisation = access.get_diligence_organisation(actor, code)
    if not access.can_add_diligence_evidence(actor, organisation):
        raise ReadOnly("Only the network's quality lead or the partner's managers add evidence.")
    actions_diligence.add_evidence(
        actor, organisation, area=body.area, title=body.title, reference=body.reference
    )
    return Status(201, actions_diligence.review_view(organisation).as_dict())


@router.post("/due-diligence/{code}/findings", response={200: dict[str, Any], **WRITE_ERRORS})
def diligence_finding(request: HttpRequest, code: str, body: FindingIn) -> Any:
    actor = require_writer(request)
    organisation = access.get_diligence_organisation(actor, code)
    if not access.can_decide_diligence(actor):
        raise ReadOnly("Only the network's quality lead or admin records findings.")
    actions_diligence.record_finding(
        actor, organisation, area=body.area, finding=body.finding, note=body.note
    )
    return actions_diligence.review_view(organisation).as_dict()


@router.post("/due-diligence/{code}/decision", response={201: dict[str, Any], **WRITE_ERRORS})
def diligence_decide(request: HttpRequest, code: str, body: DecisionIn) -> Any:
    actor = require_writer(request)
    organisation = access.get_diligence_organisation(actor, code)
    if not access.can_decide_diligence(actor):
        raise ReadOnly("Only the network's quality lead or admin decides on due diligence.")
    actions_diligence.decide(
        actor, organisation, decision=body.decision, reason=body.reason, conditions=body.conditions
    )
    return Status(201, actions_diligence.review_view(organisation).as_dict())
