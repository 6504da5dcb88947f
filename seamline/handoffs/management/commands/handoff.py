"""`seamline handoff list | show | accept | reject`: handoffs from the command line.

    seamline handoff list [--box inbox|outbox|all] [--state S] [--template T] [--overdue]
                          [--format text|json|csv] [--as USERNAME]
    seamline handoff show CODE [--format text|json] [--as USERNAME]
    seamline handoff accept CODE --as USERNAME --risk-status TEXT --escalation TEXT [--version N]
    seamline handoff reject CODE --as USERNAME --reason CODE --text TEXT [--version N]
    seamline handoff load-templates [--as USERNAME]

Without `--as`, `list` and `show` run as the platform operator and see every handoff; with it,
exactly what that person sees (`--box` needs a person). `accept` and `reject` always act as a
person, through the same rules as the pages: a refusal prints every reason and exits 1.
"""

from __future__ import annotations

import csv
import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404
from django.utils import timezone

from seamline.access import Actor, actor_for
from seamline.errors import RuleViolation
from seamline.network.models import User

from ... import access, actions, rules
from ...choices import HandoffState, RejectionReason, Transition
from ...lists import RELATED, BoxFilters, inbox_for, outbox_for, record_listed, visible_for
from ...models import Handoff, HandoffQuerySet

COLUMNS = (
    "code",
    "state",
    "template",
    "template_version",
    "sender",
    "receiver",
    "referral",
    "participant",
    "completeness",
    "missing_mandatory",
    "sent_at",
    "respond_by",
    "overdue",
    "accepted_at",
    "time_to_acceptance_minutes",
    "rejection_reason",
)


def _iso(value: Any) -> str | None:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else None


def as_row(h: Handoff) -> dict[str, Any]:
    span = h.time_to_acceptance
    return {
        "code": h.code,
        "state": h.state,
        "template": h.template.transition,
        "template_version": h.template_version.number,
        "sender": h.sender_organisation.code,
        "receiver": h.receiving_organisation.code,
        "referral": h.referral.code,
        "participant": h.referral.participant.code,
        "completeness": h.completeness,
        "missing_mandatory": list(rules.completeness(h.specs, h.content).missing_mandatory),
        "sent_at": _iso(h.first_sent_at),
        "respond_by": _iso(h.respond_by),
        "overdue": h.is_overdue(),
        "accepted_at": _iso(h.accepted_at),
        "time_to_acceptance_minutes": int(span.total_seconds() // 60) if span else None,
        "rejection_reason": h.rejection_reason,
    }


class Command(BaseCommand):
    help = "Handoffs: list them, show one, accept or reject one."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="subcommand", required=True, metavar="{list,show,accept,reject,load-templates}"
        )
        listing: ArgumentParser = sub.add_parser("list", help="Handoffs you can see.")
        listing.add_argument("--box", choices=["inbox", "outbox", "all"], default="all")
        listing.add_argument("--state", choices=[*HandoffState.values, "all"], default="")
        listing.add_argument("--template", choices=Transition.values, default="")
        listing.add_argument("--overdue", action="store_true", help="Only those overdue.")
        listing.add_argument("--format", choices=["text", "json", "csv"], default="text")
        listing.add_argument("--as", dest="as_user", help="See through this person's access.")

        show: ArgumentParser = sub.add_parser("show", help="One handoff and its bundle.")
        show.add_argument("code")
        show.add_argument("--format", choices=["text", "json"], default="text")
        show.add_argument("--as", dest="as_user", help="See through this person's access.")

        accept: ArgumentParser = sub.add_parser("accept", help="Accept, with a repeat-back.")
        accept.add_argument("code")
        accept.add_argument("--as", dest="as_user", required=True, help="Who accepts.")
        accept.add_argument("--risk-status", dest="risk_status", required=True)
        accept.add_argument("--escalation", required=True)
        accept.add_argument("--version", type=int, help="The version you read (else the latest).")

        reject: ArgumentParser = sub.add_parser("reject", help="Reject, with a reason.")
        reject.add_argument("code")
        reject.add_argument("--as", dest="as_user", required=True, help="Who rejects.")
        reject.add_argument("--reason", required=True, choices=RejectionReason.values)
        reject.add_argument("--text", required=True)
        reject.add_argument("--version", type=int, help="The version you read (else the latest).")

        load: ArgumentParser = sub.add_parser(
            "load-templates", help="Add the default template of each transition that has none."
        )
        load.add_argument("--as", dest="as_user", help="Act as this person (else the system).")

    # --- who acts -----------------------------------------------------------------------

    def _actor(self, username: str | None) -> Actor:
        if not username:
            return Actor.system("handoff")
        user = User.objects.filter(username=username.strip().lower(), is_active=True).first()
        if user is None:
            raise CommandError(f"There is no active person with username '{username}'.")
        actor = actor_for(user)
        if not actor.roles:
            raise CommandError(f"{username} holds no current role.")
        return actor

    def _load(self, actor: Actor, code: str, move: str | None = None) -> Handoff:
        try:
            if actor.is_system:
                found = Handoff.objects.select_related(*RELATED).filter(code=code.upper()).first()
                if found is None:
                    raise Http404
                return found
            return access.get_handoff_for_user(actor, code, move=move)
        except Http404:
            raise CommandError(f"There is no handoff '{code}' that you can see.") from None
        except PermissionError as exc:
            raise CommandError(str(exc)) from None

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options.get("as_user"))
        try:
            getattr(self, "_" + options["subcommand"].replace("-", "_"))(actor, options)
        except RuleViolation as exc:
            for reason in exc.reasons:
                self.stderr.write(f"{reason.code}: {reason.message}")
            raise CommandError(f"{len(exc.reasons)} reason(s): nothing was changed.") from exc

    # --- subcommands ------------------------------------------------------------------------

    def _list(self, actor: Actor, options: dict[str, Any]) -> None:
        filters = BoxFilters(
            state=options["state"], template=options["template"], overdue=options["overdue"]
        )
        qs: HandoffQuerySet
        if actor.is_system:
            if options["box"] != "all":
                raise CommandError("--box needs --as: an inbox belongs to someone.")
            qs = Handoff.objects.all()
            if filters.state and filters.state != "all":
                qs = qs.filter(state=filters.state)
            if filters.template:
                qs = qs.filter(template__transition=filters.template)
            if filters.overdue:
                qs = qs.overdue()
            qs = qs.select_related(*RELATED).order_by("-created_at", "-id")
        else:
            finder = {"inbox": inbox_for, "outbox": outbox_for, "all": visible_for}
            qs = finder[options["box"]](actor, filters)
        rows = [as_row(h) for h in qs]
        record_listed(actor, [r["code"] for r in rows], via="command")
        fmt = options["format"]
        if fmt == "json":
            self.stdout.write(json.dumps(rows, indent=2))
        elif fmt == "csv":
            writer = csv.DictWriter(self.stdout, fieldnames=COLUMNS)
            writer.writeheader()
            for row in rows:
                writer.writerow({**row, "missing_mandatory": " ".join(row["missing_mandatory"])})
        else:
            for r in rows:
                flag = " OVERDUE" if r["overdue"] else ""
                self.stdout.write(
                    f"{r['code']}  {r['state']:<14} {r['template']:<20} {r['sender']} -> "
                    f"{r['receiver']}  {r['completeness']}% complete{flag}"
                )
            self.stdout.write(f"{len(rows)} handoff{'s' if len(rows) != 1 else ''}.")

    def _show(self, actor: Actor, options: dict[str, Any]) -> None:
        handoff = self._load(actor, options["code"])
        from seamline.audit.actions import record
        from seamline.audit.models import EntryKind

        record(actor, "handoff.read", handoff, kind=EntryKind.READ, changes={"via": "command"})
        row = as_row(handoff)
        back = handoff.repeat_back_or_none
        if options["format"] == "json":
            row["content"] = handoff.content
            row["repeat_back"] = (
                {"risk_status": back.risk_status, "escalation": back.escalation}
                if back is not None
                else None
            )
            row["version"] = handoff.version
            self.stdout.write(json.dumps(row, indent=2))
            return
        self.stdout.write(
            f"{handoff.code}: {handoff.get_state_display()} ({row['completeness']}% complete)"
        )
        self.stdout.write(
            f"  {handoff.template_version.name} v{handoff.template_version.number}, "
            f"{row['sender']} -> {row['receiver']}, case {row['referral']} ({row['participant']})"
        )
        for spec in handoff.specs:
            value = handoff.content.get(spec.key)
            shown = "MISSING" if rules.is_empty(value) else json.dumps(value, ensure_ascii=False)
            self.stdout.write(f"  {spec.label} [{spec.level}]: {shown}")
        if back is not None:
            self.stdout.write(f"  Repeat-back, risk: {back.risk_status}")
            self.stdout.write(f"  Repeat-back, escalation: {back.escalation}")
        self.stdout.write(f"  version {handoff.version}")

    def _accept(self, actor: Actor, options: dict[str, Any]) -> None:
        handoff = self._load(actor, options["code"], move="accept")
        actions.accept_handoff(
            actor,
            handoff,
            risk_status=options["risk_status"],
            escalation=options["escalation"],
            version=options.get("version"),
        )
        self.stdout.write(
            f"{handoff.code} is accepted: {handoff.referral.code} is now owned by "
            f"{actor.display} ({actor.org_code})."
        )

    def _reject(self, actor: Actor, options: dict[str, Any]) -> None:
        handoff = self._load(actor, options["code"], move="reject")
        actions.reject_handoff(
            actor,
            handoff,
            reason=options["reason"],
            text=options["text"],
            version=options.get("version"),
        )
        self.stdout.write(
            f"{handoff.code} is rejected ({options['reason']}); "
            f"{handoff.sender_organisation.code} keeps the case."
        )

    def _load_templates(self, actor: Actor, options: dict[str, Any]) -> None:
        added = actions.load_default_templates(actor)
        names = ", ".join(t.transition for t in added) or "none: every transition has one"
        self.stdout.write(f"Templates added: {names}.")
