"""Every change to handoffs, templates and handoff audits goes through one of these functions.

Each runs in one transaction: it checks that the actor is on the side that makes the move and
that the state allows it, claims the handoff's version (so of two people acting on one handoff
at once exactly one wins; the other gets a 409 conflict), applies the pure rules of
`handoffs.rules`, writes, adds a line to the handoff's timeline and an entry to the audit log.

Acceptance does the most in its one transaction: the repeat-back is recorded, ownership of the
case moves through the seam the cases app keeps for it (`cases.actions.transfer_ownership`),
the receiver joins the care team (and so sees the wider record from then on), the sender keeps
a part for a while to answer questions, and each action item becomes an owned action
(`coordination.actions.create_action`).
"""

from __future__ import annotations

import contextlib
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time, timedelta
from functools import wraps
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from seamline.access import Actor
from seamline.audit.actions import record
from seamline.cases import actions as cases_actions
from seamline.cases.choices import CareReason
from seamline.cases.codes import reserve
from seamline.cases.models import Referral
from seamline.coordination import actions as coordination_actions
from seamline.coordination.choices import ActionSource
from seamline.errors import Conflict, Reason, RuleViolation
from seamline.network.choices import OrgKind, OrgStatus
from seamline.network.models import Membership, Organisation, PathwayStep, User
from seamline.versioning import claim_version
from seamline.workforce import register
from seamline.workforce.models import Worker

from . import access, rules, scoring
from .bundles import CATALOGUE, DEFAULT_TEMPLATES, FieldSpec, fields_for
from .choices import EventKind, FieldType, HandoffState
from .models import (
    AuditSample,
    AuditSampleItem,
    BundleTemplate,
    Handoff,
    HandoffAudit,
    HandoffEvent,
    RepeatBack,
    TemplateVersion,
)

HANDOFF_RECEIPT = "handoff_receipt"
# After acceptance the sender keeps a part in the care this long: time to answer the
# receiver's questions and to check the repeat-back.
SENDER_FOLLOW_UP = timedelta(days=30)


def _raise_if(reasons: list[Reason]) -> None:
    if reasons:
        raise RuleViolation(*reasons)


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def next_handoff_code(at: datetime | None = None) -> str:
    """`H-2026-000123`: numbered within the year it is drafted in, from a counter that two
    people drafting at once cannot both take."""
    year = timezone.localdate(_now(at)).year
    return f"H-{year}-{reserve(f'handoff-{year}'):06d}"


def _event(
    handoff: Handoff,
    kind: str,
    actor: Actor,
    at: datetime,
    note: str = "",
    data: Mapping[str, Any] | None = None,
) -> HandoffEvent:
    return HandoffEvent.objects.create(
        handoff=handoff,
        kind=kind,
        at=at,
        by=actor.user,
        organisation=actor.organisation,
        note=note.strip(),
        data=dict(data or {}),
    )


F = TypeVar("F", bound=Callable[..., Any])


def _unchanged_on_refusal(fn: F) -> F:
    """A refused move leaves the caller's handoff object as it was (the database is rolled
    back by the transaction; this puts back what the move had set in memory, the claimed
    version among it), so the caller can try again with what it read."""

    @wraps(fn)
    def wrapper(actor: Actor, handoff: Handoff, *args: Any, **kwargs: Any) -> Any:
        saved = {f.attname: getattr(handoff, f.attname) for f in handoff._meta.concrete_fields}
        try:
            return fn(actor, handoff, *args, **kwargs)
        except Exception:
            for name, value in saved.items():
                setattr(handoff, name, value)
            raise

    return wrapper  # type: ignore[return-value]


def _begin(actor: Actor, handoff: Handoff, move: str, version: int | None) -> None:
    """The actor's side, then the state (as the caller read it), then the version: a move made
    on a stale read is a conflict (409), never a silent overwrite."""
    reasons = rules.move_reasons(move, handoff.state, access.sides(actor, handoff))
    if reasons and reasons[0].code == "wrong_state":
        raise Conflict(*reasons)
    _raise_if(reasons)
    claim_version(handoff, version, handoff.code)


# --- bundle values ---------------------------------------------------------------------------


def directory_for(content: Mapping[str, Any]) -> rules.Directory:
    """The organisations, and the people the bundle's action items name, to check it against."""
    organisations = dict(Organisation.objects.values_list("code", "name"))
    named = set()
    for item in content.get("action_items") or []:
        if isinstance(item, dict) and isinstance(item.get("owner_person"), str):
            try:
                named.add(uuid.UUID(item["owner_person"]))
            except ValueError:
                continue
    people = {
        str(person_uuid): org_code
        for person_uuid, org_code in Membership.objects.current()
        .filter(user__uuid__in=named)
        .values_list("user__uuid", "organisation__code")
    }
    return rules.Directory(organisations=organisations, people=people)


def _clean_text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _clean_item(spec: FieldSpec, item: Any) -> Any:
    if not isinstance(item, dict):
        return _clean_text(item)
    cleaned = {k: _clean_text(v) for k, v in item.items()}
    if spec.type == FieldType.ACTION_ITEM:
        due = cleaned.get("due_at")
        if isinstance(due, str) and due:
            try:
                parsed = datetime.fromisoformat(due)
            except ValueError:
                parsed = None
            if parsed is not None:
                if timezone.is_naive(parsed):
                    parsed = timezone.make_aware(parsed)
                cleaned["due_at"] = parsed.isoformat()
        person = cleaned.get("owner_person")
        if isinstance(person, str) and person:
            with contextlib.suppress(ValueError):
                cleaned["owner_person"] = str(uuid.UUID(person))
    return cleaned


def normalise_content(specs: Iterable[FieldSpec], content: Mapping[str, Any]) -> dict[str, Any]:
    """Values as stored: text trimmed, empty entries dropped, due times with their zone (a time
    without one is the network's local time). Unknown fields are kept for the rules to name."""
    by_key = {spec.key: spec for spec in specs}
    out: dict[str, Any] = {}
    for key, value in content.items():
        spec = by_key.get(key)
        if spec is None:
            out[key] = value
            continue
        if isinstance(value, list):
            cleaned: Any = [_clean_item(spec, item) for item in value]
            cleaned = [item for item in cleaned if not rules.is_empty(item)]
        else:
            cleaned = _clean_item(spec, value)
        if not rules.is_empty(cleaned):
            out[key] = cleaned
    return out


# --- templates -------------------------------------------------------------------------------


def _require_template_editor(actor: Actor) -> None:
    if not actor.is_system and not access.can_edit_templates(actor):
        raise RuleViolation.one(
            "not_permitted", "Only the network's quality lead or the network admin edits templates."
        )


@transaction.atomic
def load_default_templates(
    actor: Actor, reason: str = "Seamline's default bundle templates."
) -> list[BundleTemplate]:
    """Add the default template of every transition that has none yet (existing templates are
    left as they are). Answers the templates added."""
    _require_template_editor(actor)
    added = []
    for default in DEFAULT_TEMPLATES:
        if BundleTemplate.objects.filter(transition=default.transition).exists():
            continue
        template = BundleTemplate.objects.create(transition=default.transition)
        version = TemplateVersion.objects.create(
            template=template,
            number=1,
            name=default.name,
            description=default.description,
            response_hours=default.response_hours,
            same_organisation=default.same_organisation,
            fields=[spec.as_dict() for spec in fields_for(default.levels)],
            created_by=actor.user,
            reason=reason,
        )
        template.current = version
        template.save(update_fields=["current"])
        record(actor, "handoff_template.load", version, changes={"number": 1}, reason=reason)
        added.append(template)
    return added


@transaction.atomic
def revise_template(
    actor: Actor,
    template: BundleTemplate,
    *,
    levels: Mapping[str, str],
    reason: str,
    name: str | None = None,
    description: str | None = None,
    response_hours: int | None = None,
    same_organisation: bool | None = None,
    help_texts: Mapping[str, str] | None = None,
    version: int | None = None,
) -> TemplateVersion:
    """A new version of the template: which fields it uses and how much it needs each
    (`levels`: field key -> mandatory, required, optional, or "" to leave the field out), with
    who, when and why. Earlier versions stay, and handoffs written on them keep reading them."""
    _require_template_editor(actor)
    current = template.current
    assert current is not None
    hours = current.response_hours if response_hours is None else response_hours
    _raise_if(rules.template_reasons(levels=levels, response_hours=hours, reason=reason))
    claim_version(template, version, str(template))
    number = template.versions.count() + 1
    previous = {spec.key: spec.level for spec in current.specs}
    helps = {spec.key: spec.help for spec in current.specs if spec.help != CATALOGUE[spec.key].help}
    helps.update({k: v.strip() for k, v in (help_texts or {}).items()})
    try:
        with transaction.atomic():
            new = TemplateVersion.objects.create(
                template=template,
                number=number,
                name=(name or current.name).strip(),
                description=current.description if description is None else description.strip(),
                response_hours=hours,
                same_organisation=current.same_organisation
                if same_organisation is None
                else same_organisation,
                fields=[spec.as_dict() for spec in fields_for(levels, helps)],
                created_by=actor.user,
                reason=reason.strip(),
            )
    except IntegrityError:  # another revision took this number first
        raise Conflict.stale(str(template), version or template.version, None) from None
    template.current = new
    template.save(update_fields=["current"])
    wanted = {k: v for k, v in levels.items() if v}
    record(
        actor,
        "handoff_template.revise",
        new,
        changes={
            key: [previous.get(key), wanted.get(key)]
            for key in sorted(set(previous) | set(wanted))
            if previous.get(key) != wanted.get(key)
        }
        | {"response_hours": [current.response_hours, hours]},
        reason=reason,
    )
    return new


# --- drafting ----------------------------------------------------------------------------------


@transaction.atomic
def create_handoff(
    actor: Actor,
    referral: Referral,
    *,
    template: BundleTemplate,
    receiving_organisation: Organisation,
    step: PathwayStep | None = None,
    content: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> Handoff:
    """Draft a handoff of an open case to another organisation, on the template's current
    version. Only the organisation that owns the case does; it is the sender."""
    if not access.is_staff(actor):
        raise RuleViolation.one("not_permitted", "Your roles do not hand cases over.")
    when = _now(at)
    sender = actor.organisation
    assert sender is not None and actor.user is not None
    version = template.current
    assert version is not None
    _raise_if(
        rules.creation_reasons(
            case_open=referral.is_open,
            actor_org_owns=referral.owner_organisation_id == sender.pk,
            receiver_active=receiving_organisation.status == OrgStatus.ACTIVE,
            receiver_provides_care=receiving_organisation.kind != OrgKind.COMMISSIONER,
            same_organisation=receiving_organisation.pk == sender.pk,
            template_allows_same=version.same_organisation,
            step_on_pathway=step is None or step.pathway_id == referral.pathway_id,
        )
    )
    specs = version.specs
    values = normalise_content(specs, content or {})
    _raise_if(rules.content_reasons(specs, values, directory_for(values)))
    try:
        with transaction.atomic():
            handoff = Handoff.objects.create(
                code=next_handoff_code(when),
                referral=referral,
                template=template,
                template_version=version,
                step=step,
                sender_organisation=sender,
                receiving_organisation=receiving_organisation,
                content=values,
                completeness=rules.completeness(specs, values).score,
                created_at=when,
                created_by=actor.user,
            )
    except IntegrityError:
        raise Conflict(
            Reason(
                "handoff_in_progress",
                f"{referral.code} already has a handoff in progress: finish or withdraw it first.",
                "referral",
            )
        ) from None
    _event(handoff, EventKind.CREATED, actor, when, data={"template": version.number})
    record(
        actor,
        "handoff.create",
        handoff,
        changes={
            "referral": referral.code,
            "template": f"{template.transition}/v{version.number}",
            "receiving": receiving_organisation.code,
            "fields": sorted(values),
        },
    )
    return handoff


@_unchanged_on_refusal
@transaction.atomic
def update_bundle(
    actor: Actor,
    handoff: Handoff,
    changes: Mapping[str, Any],
    *,
    version: int | None = None,
    at: datetime | None = None,
) -> Handoff:
    """Change fields of the bundle (those named; an empty value clears one) while it is a draft
    or the receiver has asked for more. The audit log names the fields changed, never their
    content: the bundle itself is the record."""
    _begin(actor, handoff, "edit", version)
    specs = handoff.specs
    merged = {**handoff.content, **changes}
    values = normalise_content(specs, merged)
    _raise_if(rules.content_reasons(specs, values, directory_for(values)))
    changed = sorted(
        key
        for key in set(handoff.content) | set(values)
        if handoff.content.get(key) != values.get(key)
    )
    before = handoff.completeness
    handoff.content = values
    handoff.completeness = rules.completeness(specs, values).score
    handoff.save(update_fields=["content", "completeness"])
    if changed:
        when = _now(at)
        _event(handoff, EventKind.EDITED, actor, when, data={"fields": changed})
        record(
            actor,
            "handoff.edit",
            handoff,
            changes={"fields": changed, "completeness": [before, handoff.completeness]},
        )
    return handoff


# --- the sender's moves ------------------------------------------------------------------------


def _sender_still_owns(handoff: Handoff, referral: Referral) -> bool:
    return referral.owner_organisation_id == handoff.sender_organisation_id


@_unchanged_on_refusal
@transaction.atomic
def send_handoff(
    actor: Actor,
    handoff: Handoff,
    *,
    version: int | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Handoff:
    """Send the bundle to the receiving organisation (again, after it asked for more). A bundle
    with mandatory fields missing may be sent, so the receiver can answer it, but cannot be
    accepted. The receiver's time to answer runs from the first sending."""
    _begin(actor, handoff, "send", version)
    when = _now(at)
    referral = Referral.objects.get(pk=handoff.referral_id)
    reasons = []
    if not referral.is_open:
        reasons.append(
            Reason("case_closed", "The case is discharged: there is nothing to hand over.")
        )
    elif not _sender_still_owns(handoff, referral):
        reasons.append(
            Reason("not_case_owner", "Your organisation no longer owns this case: withdraw it.")
        )
    if handoff.receiving_organisation.status != OrgStatus.ACTIVE:
        reasons.append(
            Reason(
                "receiver_inactive",
                "The receiving organisation is not active in the network.",
                "receiving_organisation",
            )
        )
    _raise_if(reasons)
    specs = handoff.specs
    measure = rules.completeness(specs, handoff.content)
    first = handoff.first_sent_at is None
    if first:
        hours = rules.response_standard(
            handoff.step.time_standard_hours if handoff.step else None,
            handoff.template_version.response_hours,
        )
        handoff.standard_hours = hours
        handoff.first_sent_at = when
        handoff.respond_by = rules.respond_by(when, hours)
    handoff.sent_at = when
    handoff.sent_by = actor.user
    handoff.state = HandoffState.SENT
    handoff.completeness = measure.score
    handoff.save(
        update_fields=[
            "standard_hours",
            "first_sent_at",
            "respond_by",
            "sent_at",
            "sent_by",
            "state",
            "completeness",
        ]
    )
    _resolve_earlier_rejections(actor, handoff, when)
    _event(
        handoff,
        EventKind.SENT,
        actor,
        when,
        note,
        {"completeness": measure.score, "missing_mandatory": list(measure.missing_mandatory)},
    )
    record(
        actor,
        "handoff.send",
        handoff,
        changes={
            "state": [HandoffState.DRAFT if first else HandoffState.INFO_REQUESTED, "sent"],
            "completeness": measure.score,
            "missing_mandatory": list(measure.missing_mandatory),
        },
        reason=note,
    )
    return handoff


def _resolve_earlier_rejections(actor: Actor, handoff: Handoff, when: datetime) -> None:
    """Sending a new handoff of the case answers any earlier rejection still unresolved."""
    earlier = Handoff.objects.filter(
        referral_id=handoff.referral_id,
        state=HandoffState.REJECTED,
        resolved_at__isnull=True,
    ).exclude(pk=handoff.pk)
    for old in earlier:
        note = f"A new handoff, {handoff.code}, was sent."
        Handoff.objects.filter(pk=old.pk).update(resolved_at=when, resolution=note, respond_by=None)
        _event(old, EventKind.REJECTION_RESOLVED, actor, when, note)
        record(actor, "handoff.resolve_rejection", old, reason=note)


@_unchanged_on_refusal
@transaction.atomic
def withdraw_handoff(
    actor: Actor,
    handoff: Handoff,
    *,
    reason: str,
    version: int | None = None,
    at: datetime | None = None,
) -> Handoff:
    """The sender takes the handoff back (a draft, or one not yet answered). The case stays
    with its owner."""
    _begin(actor, handoff, "withdraw", version)
    _raise_if(rules.text_reasons(reason, "reason", "Say why the handoff is withdrawn."))
    when = _now(at)
    before = handoff.state
    handoff.state = HandoffState.WITHDRAWN
    handoff.withdrawn_at = when
    handoff.withdrawal_reason = reason.strip()
    handoff.respond_by = None
    handoff.save(update_fields=["state", "withdrawn_at", "withdrawal_reason", "respond_by"])
    _event(handoff, EventKind.WITHDRAWN, actor, when, reason)
    record(
        actor, "handoff.withdraw", handoff, changes={"state": [before, "withdrawn"]}, reason=reason
    )
    return handoff


@_unchanged_on_refusal
@transaction.atomic
def resolve_rejection(
    actor: Actor,
    handoff: Handoff,
    *,
    note: str,
    version: int | None = None,
    at: datetime | None = None,
) -> Handoff:
    """The sender records what they did about a rejection (kept the case, found another
    provider, ...), which stops it counting as unresolved."""
    _begin(actor, handoff, "resolve_rejection", version)
    reasons = rules.text_reasons(note, "note", "Say how the rejection was resolved.")
    if handoff.resolved_at is not None:
        reasons.append(Reason("already_recorded", "This rejection is already resolved."))
    _raise_if(reasons)
    when = _now(at)
    handoff.resolved_at = when
    handoff.resolution = note.strip()
    handoff.respond_by = None
    handoff.save(update_fields=["resolved_at", "resolution", "respond_by"])
    _event(handoff, EventKind.REJECTION_RESOLVED, actor, when, note)
    record(actor, "handoff.resolve_rejection", handoff, reason=note)
    return handoff


@_unchanged_on_refusal
@transaction.atomic
def flag_mismatch(
    actor: Actor, handoff: Handoff, *, note: str, at: datetime | None = None
) -> RepeatBack:
    """The sender reads the receiver's repeat-back and says it does not match what they meant;
    the flag and its note show on the handoff for both sides."""
    reasons = rules.move_reasons("flag_mismatch", handoff.state, access.sides(actor, handoff))
    if reasons and reasons[0].code == "wrong_state":
        raise Conflict(*reasons)
    _raise_if(reasons)
    _raise_if(rules.text_reasons(note, "note", "Say what does not match."))
    when = _now(at)
    won = RepeatBack.objects.filter(handoff=handoff, mismatch_flagged_at__isnull=True).update(
        mismatch_flagged_at=when, mismatch_flagged_by=actor.user, mismatch_note=note.strip()
    )
    if not won:
        raise Conflict(
            Reason("already_recorded", "A mismatch is already flagged on this repeat-back.")
        )
    _event(handoff, EventKind.MISMATCH_FLAGGED, actor, when, note)
    record(actor, "handoff.flag_mismatch", handoff, reason=note)
    return RepeatBack.objects.get(handoff=handoff)


# --- the receiver's moves --------------------------------------------------------------------


def clearance(
    actor: Actor, at: datetime, pathway: str | None = None
) -> tuple[bool | None, tuple[Reason, ...]]:
    """Is the person acting cleared for handoff receipt at `at`, by the authorization register?
    None when they have no worker record (nothing can show they are)."""
    worker = Worker.objects.filter(user=actor.user).first() if actor.user is not None else None
    if worker is None:
        return None, ()
    try:
        decision = register.check(actor, worker, HANDOFF_RECEIPT, at, pathway)
    except Http404:
        return None, ()
    except RuleViolation as exc:  # the framework has no handoff receipt task type
        return False, tuple(exc.reasons)
    return decision.cleared, decision.reasons


def acceptance_facts(
    actor: Actor,
    handoff: Handoff,
    referral: Referral,
    *,
    risk_status: str,
    escalation: str,
    at: datetime,
) -> rules.AcceptanceFacts:
    """What the acceptance rule needs, loaded as it stands at `at`."""
    cleared, why = clearance(actor, at, referral.pathway.code)
    receiving = handoff.receiving_organisation
    care = coordination_actions.care_organisations(referral.participant, at) | {receiving.code}
    directory = directory_for(handoff.content)
    owners = [
        rules.ActionOwner(
            i,
            item["owner_organisation"],
            directory.organisations.get(item["owner_organisation"], item["owner_organisation"]),
        )
        for i, item in enumerate(handoff.content.get("action_items") or [])
        if isinstance(item, dict) and isinstance(item.get("owner_organisation"), str)
    ]
    return rules.AcceptanceFacts(
        fields=handoff.specs,
        content=handoff.content,
        repeat_back_risk=risk_status,
        repeat_back_escalation=escalation,
        cleared=cleared,
        clearance_reasons=why,
        case_open=referral.is_open,
        sender_still_owns=_sender_still_owns(handoff, referral),
        accepting_is_sender=actor.user is not None and handoff.sent_by_id == actor.user.pk,
        care_organisations=frozenset(care),
        action_owners=owners,
        directory=directory,
    )


@_unchanged_on_refusal
@transaction.atomic
def accept_handoff(
    actor: Actor,
    handoff: Handoff,
    *,
    risk_status: str,
    escalation: str,
    version: int | None = None,
    at: datetime | None = None,
) -> Handoff:
    """Accept the handoff (SPEC C6). Refused, with every reason at once, unless every mandatory
    field is present and valid, the repeat-back restates the risk status and escalation
    instructions in the receiver's own words, and the accepting person is cleared for handoff
    receipt by the authorization register at that instant. Then, in this one transaction:
    ownership of the case moves to the receiver, the receiver joins the care team, the action
    items become owned actions, and the timeline and the audit log record it."""
    _begin(actor, handoff, "accept", version)
    when = _now(at)
    referral = Referral.objects.select_related("participant", "pathway").get(pk=handoff.referral_id)
    facts = acceptance_facts(
        actor, handoff, referral, risk_status=risk_status, escalation=escalation, at=when
    )
    _raise_if(rules.acceptance_reasons(facts))
    assert actor.user is not None
    receiving, sender = handoff.receiving_organisation, handoff.sender_organisation
    participant = referral.participant
    handoff.state = HandoffState.ACCEPTED
    handoff.accepted_at = when
    handoff.accepted_by = actor.user
    handoff.respond_by = None
    handoff.save(update_fields=["state", "accepted_at", "accepted_by", "respond_by"])
    RepeatBack.objects.create(
        handoff=handoff,
        risk_status=risk_status.strip(),
        escalation=escalation.strip(),
        by=actor.user,
        at=when,
    )
    ref = handoff.source_ref
    cases_actions.transfer_ownership(
        actor,
        referral,
        receiving,
        actor.user,
        source=ref,
        at=when,
        reason=f"Handoff {handoff.code} accepted.",
    )
    cases_actions.join_care_team(
        actor,
        participant,
        receiving,
        CareReason.HANDOFF,
        started_at=when,
        referral=referral,
        source=ref,
    )
    if sender.pk != receiving.pk:
        cases_actions.join_care_team(
            actor,
            participant,
            sender,
            CareReason.HANDOFF,
            started_at=when,
            ended_at=when + SENDER_FOLLOW_UP,
            referral=referral,
            source=ref,
        )
    made = _actions_from_items(actor, handoff, participant, when)
    _event(
        handoff,
        EventKind.ACCEPTED,
        actor,
        when,
        data={"actions": [str(a.uuid) for a in made], "owner": actor.user.username},
    )
    record(
        actor,
        "handoff.accept",
        handoff,
        changes={
            "state": ["sent", "accepted"],
            "owner": [sender.code, f"{receiving.code}/{actor.user.username}"],
            "actions": len(made),
            "time_to_acceptance_minutes": int(
                (when - handoff.first_sent_at).total_seconds() // 60  # type: ignore[operator]
            ),
        },
    )
    return handoff


def _actions_from_items(
    actor: Actor, handoff: Handoff, participant: Any, when: datetime
) -> list[Any]:
    items = handoff.content.get("action_items") or []
    if not items:
        return []
    organisations = {
        o.code: o
        for o in Organisation.objects.filter(code__in={i["owner_organisation"] for i in items})
    }
    people = {
        str(u.uuid): u
        for u in User.objects.filter(
            uuid__in={i["owner_person"] for i in items if i.get("owner_person")}
        )
    }
    return [
        coordination_actions.create_action(
            actor,
            participant,
            description=item["description"],
            owner_organisation=organisations[item["owner_organisation"]],
            owner_person=people.get(item.get("owner_person") or ""),
            owner_role=item.get("owner_role") or "",
            due_at=rules.parse_instant(item["due_at"]),
            source=ActionSource.HANDOFF,
            source_ref=handoff.source_ref,
            at=when,
        )
        for item in items
    ]


@_unchanged_on_refusal
@transaction.atomic
def reject_handoff(
    actor: Actor,
    handoff: Handoff,
    *,
    reason: str,
    text: str,
    version: int | None = None,
    at: datetime | None = None,
) -> Handoff:
    """Refuse the handoff, with a reason code and a sentence for the sender. The sender keeps
    the case; an unresolved rejection is flagged once the response standard passes again."""
    _begin(actor, handoff, "reject", version)
    _raise_if(rules.rejection_reasons(code=reason, text=text))
    when = _now(at)
    handoff.state = HandoffState.REJECTED
    handoff.rejected_at = when
    handoff.rejected_by = actor.user
    handoff.rejection_reason = reason
    handoff.rejection_text = text.strip()
    handoff.respond_by = rules.respond_by(when, handoff.standard_hours or 24)
    handoff.save(
        update_fields=[
            "state",
            "rejected_at",
            "rejected_by",
            "rejection_reason",
            "rejection_text",
            "respond_by",
        ]
    )
    _event(handoff, EventKind.REJECTED, actor, when, text, {"reason": reason})
    record(
        actor,
        "handoff.reject",
        handoff,
        changes={"state": ["sent", "rejected"], "reason": reason},
        reason=text,
    )
    return handoff


@_unchanged_on_refusal
@transaction.atomic
def request_information(
    actor: Actor,
    handoff: Handoff,
    *,
    text: str,
    version: int | None = None,
    at: datetime | None = None,
) -> Handoff:
    """Ask the sender for more before deciding; they edit the bundle and send it again."""
    _begin(actor, handoff, "request_info", version)
    _raise_if(rules.text_reasons(text, "text", "Say what you need to know."))
    when = _now(at)
    handoff.state = HandoffState.INFO_REQUESTED
    handoff.info_request = text.strip()
    handoff.save(update_fields=["state", "info_request"])
    _event(handoff, EventKind.INFO_REQUESTED, actor, when, text)
    record(
        actor,
        "handoff.request_info",
        handoff,
        changes={"state": ["sent", "info_requested"]},
        reason=text,
    )
    return handoff


# --- auditing ------------------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@transaction.atomic
def draw_audit_sample(
    actor: Actor,
    *,
    period_start: date | None,
    period_end: date | None,
    size: int,
    partner: Organisation | None = None,
    seed: int | None = None,
) -> AuditSample:
    """A reproducible random sample of the handoffs first sent in the period that the auditor
    can see (those `partner` sent or received, when named). The seed is kept: the same seed
    over the same handoffs draws the same sample."""
    if not access.can_audit(actor):
        raise RuleViolation.one(
            "not_permitted", "Only quality leads and clinical leads audit handoffs."
        )
    _raise_if(scoring.sample_reasons(size=size, period_start=period_start, period_end=period_end))
    assert period_start is not None and period_end is not None
    assert actor.user is not None and actor.organisation is not None
    candidates = Handoff.objects.visible_to(actor).filter(
        first_sent_at__gte=_day_start(period_start),
        first_sent_at__lt=_day_start(period_end + timedelta(days=1)),
    )
    if partner is not None:
        candidates = candidates.filter(
            Q(sender_organisation=partner) | Q(receiving_organisation=partner)
        )
    codes = list(candidates.values_list("code", flat=True).distinct())
    used_seed = secrets.randbelow(2**31) if seed is None else int(seed)
    chosen = scoring.draw(used_seed, codes, size)
    sample = AuditSample.objects.create(
        organisation=actor.organisation,
        partner=partner,
        period_start=period_start,
        period_end=period_end,
        size=size,
        seed=used_seed,
        candidates=len(set(codes)),
        drawn_by=actor.user,
    )
    by_code = {h.code: h for h in Handoff.objects.filter(code__in=chosen)}
    AuditSampleItem.objects.bulk_create(
        AuditSampleItem(sample=sample, position=i + 1, handoff=by_code[code])
        for i, code in enumerate(chosen)
    )
    record(
        actor,
        "handoff_audit.sample",
        sample,
        changes={
            "seed": used_seed,
            "period": [period_start, period_end],
            "partner": partner.code if partner else None,
            "candidates": len(set(codes)),
            "chosen": chosen,
        },
    )
    return sample


@transaction.atomic
def score_handoff(
    actor: Actor,
    handoff: Handoff,
    *,
    ratings: Mapping[str, str],
    notes: str = "",
    sample: AuditSample | None = None,
    at: datetime | None = None,
) -> HandoffAudit:
    """Score one handoff with the common scoring tool (every criterion rated). Within a sample,
    each handoff is scored once."""
    if not access.can_audit(actor):
        raise RuleViolation.one(
            "not_permitted", "Only quality leads and clinical leads audit handoffs."
        )
    reasons = scoring.rating_reasons(ratings)
    if sample is not None and not sample.items.filter(handoff=handoff).exists():
        reasons.append(Reason("not_in_sample", f"{handoff.code} is not in this sample.", "handoff"))
    _raise_if(reasons)
    when = _now(at)
    score = scoring.audit_score(ratings)
    assert actor.user is not None and actor.organisation is not None
    try:
        with transaction.atomic():
            audit = HandoffAudit.objects.create(
                handoff=handoff,
                sample=sample,
                auditor=actor.user,
                organisation=actor.organisation,
                at=when,
                ratings=dict(ratings),
                notes=notes.strip(),
                score=score,
            )
    except IntegrityError:
        raise Conflict(
            Reason(
                "already_recorded", f"{handoff.code} is already scored in this sample.", "handoff"
            )
        ) from None
    _event(handoff, EventKind.AUDITED, actor, when, data={"score": score})
    record(
        actor,
        "handoff.audit",
        handoff,
        changes={"score": score, "ratings": dict(ratings)},
        reason=notes,
    )
    return audit
