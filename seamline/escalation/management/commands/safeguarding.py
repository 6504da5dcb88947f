"""`seamline safeguarding raise | list | triage | lead`: safeguarding from the command line.

    seamline safeguarding raise --as USERNAME --participant P --pathway PATHWAY --theme THEME
                                --contact CONTACT --occurred-at ISO --description TEXT
    seamline safeguarding list [--state S] [--theme T] [--pathway P] [--partner ORG]
                               [--format text|json|csv] [--as USERNAME]
    seamline safeguarding triage CODE --as USERNAME --week 2026-W10 --la yes|no --police yes|no
                                 [--notifier ORG --notifier-role ROLE --notify-due ISO]
                                 [--notified-at ISO] [--outcome O] [--notes TEXT]
    seamline safeguarding lead PATHWAY --organisation ORG --role ROLE --reason TEXT [--as U]

Raising and triage are done by a person (`--as`); `list` without `--as` runs as the platform
operator and sees every concern, with it exactly what that person sees. `triage` opens the
week's meeting (chaired by that person) if it is not open. docs/escalation.md, "Safeguarding".
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from seamline.access import Actor, actor_for
from seamline.cases.models import Participant
from seamline.errors import RuleViolation
from seamline.network.models import Organisation, Pathway, User

from ...models import SafeguardingConcern
from ...safeguarding import access, actions, dashboard, rules

COLUMNS = (
    "code",
    "participant",
    "pathway",
    "partner",
    "theme",
    "occurred_at",
    "recorded_at",
    "notify_by",
    "lead_notified_at",
    "notification",
    "state",
    "outcome",
)


def _iso(value: Any) -> str | None:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else None


def as_row(c: SafeguardingConcern, now: datetime) -> dict[str, Any]:
    decision = getattr(c, "decision", None)
    return {
        "code": c.code,
        "participant": c.participant.code,
        "pathway": c.pathway.code,
        "partner": c.organisation.code,
        "theme": c.theme,
        "occurred_at": _iso(c.occurred_at),
        "recorded_at": _iso(c.recorded_at),
        "notify_by": _iso(c.notify_by),
        "lead_notified_at": _iso(c.lead_notified_at),
        "notification": rules.notice_status(c.lead_notified_at, c.notify_by, now),
        "state": c.state,
        "outcome": decision.outcome if decision else "",
    }


def _when(value: str, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--{name}: '{value}' is not a date and time (ISO 8601).") from exc
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _yes(value: str, name: str) -> bool:
    if value not in ("yes", "no"):
        raise CommandError(f"--{name}: answer yes or no.")
    return value == "yes"


class Command(BaseCommand):
    help = "Raise, list and triage safeguarding concerns; set a pathway's safeguarding lead."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        raising = sub.add_parser("raise", help="raise a concern")
        raising.add_argument("--as", dest="as_user", required=True)
        raising.add_argument("--participant", required=True)
        raising.add_argument("--pathway", required=True)
        raising.add_argument("--theme", required=True)
        raising.add_argument("--contact", required=True)
        raising.add_argument("--occurred-at", required=True)
        raising.add_argument("--description", required=True)
        listing = sub.add_parser("list", help="concerns, newest first")
        for name in ("state", "theme", "pathway", "partner"):
            listing.add_argument(f"--{name}", default="")
        listing.add_argument("--format", choices=["text", "json", "csv"], default="text")
        listing.add_argument("--as", dest="as_user", default="")
        triage = sub.add_parser("triage", help="record a concern's triage decision")
        triage.add_argument("code")
        triage.add_argument("--as", dest="as_user", required=True)
        triage.add_argument("--week", default="", help="e.g. 2026-W10 (default: this week)")
        triage.add_argument("--la", required=True, help="yes or no")
        triage.add_argument("--police", required=True, help="yes or no")
        triage.add_argument("--notifier", default="", help="organisation code")
        triage.add_argument("--notifier-role", default="")
        triage.add_argument("--notify-due", default="")
        triage.add_argument("--notified-at", default="")
        triage.add_argument("--outcome", default="")
        triage.add_argument("--notes", default="")
        lead = sub.add_parser("lead", help="set a pathway's safeguarding lead")
        lead.add_argument("pathway")
        lead.add_argument("--organisation", required=True)
        lead.add_argument("--role", required=True)
        lead.add_argument("--reason", required=True)
        lead.add_argument("--as", dest="as_user", default="")

    def _actor(self, username: str) -> Actor:
        if not username:
            return Actor.system("cli")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user '{username}'.")
        return actor_for(user)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options["as_user"])
        try:
            getattr(self, f"_{options['verb']}")(actor, options)
        except RuleViolation as exc:
            raise CommandError(str(exc)) from exc

    def _raise(self, actor: Actor, o: dict[str, Any]) -> None:
        person = Participant.objects.visible_to(actor).filter(code=o["participant"].upper()).first()
        if person is None:
            raise CommandError(f"{actor.display} sees no participant '{o['participant']}'.")
        pathway = Pathway.objects.filter(code=o["pathway"]).first()
        if pathway is None:
            raise CommandError(f"No pathway '{o['pathway']}'.")
        concern = actions.raise_concern(
            actor,
            person,
            pathway,
            contact=o["contact"],
            theme=o["theme"],
            description=o["description"],
            occurred_at=_when(o["occurred_at"], "occurred-at"),
        )
        self.stdout.write(
            f"Concern {concern.code} raised; the lead is to be told by {_iso(concern.notify_by)}."
        )

    def _list(self, actor: Actor, o: dict[str, Any]) -> None:
        if not access.can_list(actor):
            raise CommandError(f"{actor.display} does not see safeguarding concerns.")
        filters = {k: o[k] for k in ("state", "theme", "pathway", "partner")}
        concerns = list(
            dashboard.filtered(actor, filters, actions.network_zone())
            .select_related("participant", "pathway", "organisation", "decision")
            .order_by("-occurred_at", "-id")
        )
        if not actor.is_system:
            actions.record_listed(actor, [c.code for c in concerns], via="command")
        now = timezone.now()
        rows = [as_row(c, now) for c in concerns]
        if o["format"] == "json":
            self.stdout.write(json.dumps(rows, indent=2))
        elif o["format"] == "csv":
            writer = csv.DictWriter(self.stdout, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        else:
            for r in rows:
                self.stdout.write(
                    f"{r['code']:<9} {r['participant']:<9} {r['partner']:<12} {r['theme']:<15} "
                    f"arose {r['occurred_at']}  lead {r['notification']:<8} {r['state']}"
                )
            self.stdout.write(f"{len(rows)} concern{'s' if len(rows) != 1 else ''}.")

    def _triage(self, actor: Actor, o: dict[str, Any]) -> None:
        concern = access.get_concern_for_user(actor, o["code"], write=True)
        tz = actions.network_zone()
        week = actions.parse_week(o["week"]) if o["week"] else None
        if o["week"] and week is None:
            raise CommandError(f"--week: '{o['week']}' is not a week (e.g. 2026-W10).")
        week = week or actions.timers.week_start(timezone.now(), tz)
        meeting = actions.meeting_for(week) or actions.open_meeting(actor, week)
        notifier = None
        if o["notifier"]:
            notifier = Organisation.objects.filter(code=o["notifier"]).first()
            if notifier is None:
                raise CommandError(f"No organisation '{o['notifier']}'.")
        actions.record_decision(
            actor,
            concern,
            meeting,
            la_needed=_yes(o["la"], "la"),
            police_needed=_yes(o["police"], "police"),
            notifier_organisation=notifier,
            notifier_role=o["notifier_role"],
            notify_due=_when(o["notify_due"], "notify-due"),
            notified_at=_when(o["notified_at"], "notified-at"),
            outcome=o["outcome"],
            notes=o["notes"],
        )
        concern.refresh_from_db()
        self.stdout.write(f"{concern.code} triaged at week {meeting.code}: {concern.state}.")

    def _lead(self, actor: Actor, o: dict[str, Any]) -> None:
        pathway = Pathway.objects.filter(code=o["pathway"]).first()
        org = Organisation.objects.filter(code=o["organisation"]).first()
        if pathway is None or org is None:
            raise CommandError("No such pathway or organisation.")
        actions.set_lead(actor, pathway, org, o["role"], reason=o["reason"])
        self.stdout.write(f"The safeguarding lead of {pathway.code} is {org.code}/{o['role']}.")
