"""`seamline escalation list | load-defaults`: escalations from the command line.

    seamline escalation list [--state open|any|STATE] [--tier T] [--pathway P] [--partner ORG]
                             [--format text|json|csv] [--as USERNAME]
    seamline escalation load-defaults

Without `--as`, `list` runs as the platform operator and sees every escalation; with it,
exactly what that person sees. `load-defaults` loads the default threshold set when none is in
force and the default ladder on every pathway without one (docs/escalation.md).
"""

from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from seamline.access import Actor, actor_for
from seamline.network.models import User

from ... import access, actions
from ...models import Escalation
from ...views import filtered

COLUMNS = (
    "code",
    "participant",
    "trigger",
    "tier",
    "rung",
    "due_at",
    "state",
    "pathway",
    "partner",
)


def _iso(value: Any) -> str | None:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else None


def as_row(e: Escalation) -> dict[str, Any]:
    return {
        "code": e.code,
        "participant": e.participant.code,
        "trigger": e.trigger,
        "tier": e.tier,
        "rung": e.rung,
        "due_at": _iso(e.due_at),
        "state": e.state,
        "pathway": e.pathway.code,
        "partner": e.organisation.code,
    }


class Command(BaseCommand):
    help = "List escalations, or load the default threshold set and ladders."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        listing = sub.add_parser("list", help="escalations, soonest deadline first")
        listing.add_argument("--state", default="open", help="open (default), any, or a state")
        listing.add_argument("--tier", default="")
        listing.add_argument("--trigger", default="")
        listing.add_argument("--pathway", default="")
        listing.add_argument("--partner", default="")
        listing.add_argument("--format", choices=["text", "json", "csv"], default="text")
        listing.add_argument("--as", dest="as_user", default="")
        sub.add_parser("load-defaults", help="the default threshold set and ladders")

    def _actor(self, username: str) -> Actor:
        if not username:
            return Actor.system("cli")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user '{username}'.")
        return actor_for(user)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "load-defaults":
            made, ladders = actions.load_defaults(Actor.system("cli"))
            version = f"version {made.number}" if made else "none (one is already in force)"
            self.stdout.write(f"Threshold set loaded: {version}; ladders made: {ladders}.")
            return
        actor = self._actor(options["as_user"])
        if not actor.is_system and not access.can_list(actor):
            raise CommandError(f"{actor.display} does not see escalations.")
        state = "" if options["state"] == "any" else options["state"]
        data = {k: options[k] for k in ("tier", "trigger", "pathway", "partner")}
        rows = [
            as_row(e)
            for e in filtered(actor, {**data, "state": state}).order_by(
                "due_at", "-raised_at", "id"
            )
        ]
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, indent=2))
        elif options["format"] == "csv":
            writer = csv.DictWriter(self.stdout, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        else:
            for r in rows:
                self.stdout.write(
                    f"{r['code']:<10} {r['participant']:<10} {r['trigger']:<17} {r['tier']:<13} "
                    f"rung {r['rung']} due {r['due_at'] or '-':<22} {r['state']}"
                )
            self.stdout.write(f"{len(rows)} escalation{'s' if len(rows) != 1 else ''}.")
