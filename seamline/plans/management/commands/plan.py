"""`seamline plan history | show`: a participant's plan from the command line.

    seamline plan history PARTICIPANT [--format text|json] [--as USERNAME]
    seamline plan show PARTICIPANT [--as-of ISO-DATETIME] [--format text|json] [--as USERNAME]

`history --format json` lists the versions oldest first, each with `number`, `author`,
`created_at`, `reason`, `acknowledgements` (and the changes). Without `--as` the platform
operator reads any plan; with it, exactly what that person sees (reads are audited).
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404
from django.utils import timezone

from seamline.access import Actor, actor_for
from seamline.cases.models import Participant
from seamline.network.models import User

from ... import access, actions
from ...api import history_json, plan_json
from ...models import Plan


def _actor(username: str | None) -> Actor:
    if not username:
        return Actor.system("plan")
    user = User.objects.filter(username=username.strip().lower(), is_active=True).first()
    if user is None:
        raise CommandError(f"There is no active person with username '{username}'.")
    actor = actor_for(user)
    if not actor.roles:
        raise CommandError(f"{username} holds no current role.")
    return actor


def _instant(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"'{value}' is not a date and time (ISO 8601).") from None
    return when if timezone.is_aware(when) else timezone.make_aware(when)


class Command(BaseCommand):
    help = "A participant's person-centred plan: its versions, or the plan as of an instant."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{history,show}")
        history: ArgumentParser = sub.add_parser("history", help="Every version of the plan.")
        show: ArgumentParser = sub.add_parser("show", help="The plan now or as of an instant.")
        for each in (history, show):
            each.add_argument("participant")
            each.add_argument("--format", choices=["text", "json"], default="text")
            each.add_argument("--as", dest="as_user", help="See through this person's access.")
        show.add_argument("--as-of", dest="as_of", help="ISO date and time, e.g. 2026-11-20T09:00")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = _actor(options.get("as_user"))
        code = options["participant"].strip().upper()
        try:
            if actor.is_system:
                participant = Participant.objects.filter(code=code).first()
                if participant is None:
                    raise Http404
            else:
                participant = access.get_participant_for_plan(actor, code)
        except Http404:
            raise CommandError(f"There is no participant '{code}' that you can see.") from None
        plan = Plan.objects.select_related("participant").filter(participant=participant).first()
        if plan is not None:
            actions.record_read(actor, plan, "command")
        if options["subcommand"] == "history":
            rows = history_json(plan) if plan is not None else []
            if options["format"] == "json":
                self.stdout.write(json.dumps(rows, default=str, indent=2))
                return
            if not rows:
                self.stdout.write(f"{code} has no plan.")
            for v in rows:
                acks = ", ".join(
                    f"{a['organisation']} "
                    + (
                        "acknowledged"
                        if a["acknowledged_at"]
                        else "overdue"
                        if a["overdue"]
                        else "pending"
                    )
                    for a in v["acknowledgements"]
                )
                self.stdout.write(
                    f"v{v['number']}  {timezone.localtime(v['created_at']):%Y-%m-%d %H:%M}  "
                    f"{v['author']}: {v['reason']}"
                )
                for change in v["changes"]:
                    self.stdout.write(f"    {change['sentence']}")
                self.stdout.write(f"    acknowledgements: {acks or 'none asked'}")
            return
        data = plan_json(plan, code, _instant(options.get("as_of")))
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, default=str, indent=2))
            return
        current = data["current"]
        if current is None:
            self.stdout.write(f"{code} had no plan then." if plan else f"{code} has no plan.")
            return
        self.stdout.write(f"Plan of {code}, version {current['number']} ({current['reason']})")
        for r in current["risks"]:
            self.stdout.write(f"  risk [{r['level']}] {r['title']}")
        for c in current["controls"]:
            self.stdout.write(f"  control ({c['organisation']}) {c['description']}")
        for p in current["preferences"]:
            self.stdout.write(f"  preference: {p}")
        self.stdout.write(f"  consent: {current['consent_summary'] or '-'}")
