"""`seamline authz register | check`: the authorization register from the command line.

    seamline authz register [--as-of 2026-06-01T09:00] [--org X] [--task-type T]
                            [--pathway P] [--format text|csv|json] [--as USERNAME]
    seamline authz check --worker UUID_OR_ORG/STAFF_ID --task-type T [--at ...]
                         [--pathway P] [--format text|json] [--as USERNAME]

Without `--as` the command runs as the platform operator and sees every worker; with it, it
sees exactly what that person sees. A date and time without a zone is the network's local
time. `check` exits 0 when the worker is cleared and 1 when not.
"""

from __future__ import annotations

import csv
import json
import sys
from argparse import ArgumentParser
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404
from django.utils.dateparse import parse_date, parse_datetime

from seamline.access import Actor, actor_for
from seamline.errors import RuleViolation
from seamline.network.models import Organisation, User
from seamline.workforce import register


def _instant(value: str | None, option: str) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is not None:
            parsed = datetime.combine(day, datetime.min.time())
    if parsed is None:
        raise CommandError(f"{option} takes a date and time such as 2026-06-01T09:00.")
    return register.local(parsed)


class Command(BaseCommand):
    help = "The authorization register as of an instant (register), or one worker (check)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{register,check}")
        reg: ArgumentParser = sub.add_parser(
            "register",
            help="Every worker x task type as of an instant: cleared or not, and why.",
        )
        reg.add_argument("--as-of", dest="as_of", help="Instant (default now).")
        reg.add_argument("--org", help="Only this organisation's workers (its code).")
        reg.add_argument("--task-type", dest="task_type", help="Only this task type (its code).")
        reg.add_argument("--pathway", help="Only workers on this pathway (its code) then.")
        reg.add_argument("--format", choices=["text", "csv", "json"], default="text")
        reg.add_argument("--as", dest="as_user", help="See through this person's access.")

        chk: ArgumentParser = sub.add_parser(
            "check", help="Is one worker cleared for one task type? Exit 0 if so, 1 if not."
        )
        chk.add_argument("--worker", required=True, help="Public id or ORGANISATION/STAFF_ID.")
        chk.add_argument("--task-type", dest="task_type", required=True)
        chk.add_argument("--at", help="Instant (default now).")
        chk.add_argument("--pathway", help="Ask about pathway-specific competencies on it.")
        chk.add_argument("--format", choices=["text", "json"], default="text")
        chk.add_argument("--as", dest="as_user", help="See through this person's access.")

    def _actor(self, options: dict[str, Any]) -> Actor:
        username = options.get("as_user")
        if not username:
            return Actor.system("authz")
        user = User.objects.filter(username=username.strip().lower(), is_active=True).first()
        if user is None:
            raise CommandError(f"There is no active person with username '{username}'.")
        actor = actor_for(user)
        if not actor.roles:
            raise CommandError(f"{username} holds no current role, so sees no worker.")
        return actor

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options)
        try:
            if options["subcommand"] == "register":
                self._register(actor, options)
            else:
                self._check(actor, options)
        except RuleViolation as exc:
            raise CommandError(str(exc), returncode=1) from exc

    def _register(self, actor: Actor, options: dict[str, Any]) -> None:
        org = options.get("org")
        if org and not Organisation.objects.filter(code=org).exists():
            raise CommandError(f"There is no organisation with code '{org}'.")
        rows = register.register(
            actor,
            _instant(options.get("as_of"), "--as-of"),
            organisation=org,
            task_type=options.get("task_type"),
            pathway=options.get("pathway"),
            parallel=True,
        )
        fmt = options["format"]
        if fmt == "json":
            data = [row.as_dict() for row in rows]
            for item in data:
                item.pop("worker_name")
            self.stdout.write(json.dumps(data, indent=2))
        elif fmt == "csv":
            writer = csv.writer(self.stdout)
            writer.writerow(
                [
                    "worker",
                    "worker_name",
                    "organisation",
                    "task_type",
                    "cleared",
                    "reason_codes",
                    "reasons",
                    "last_validated",
                    "valid_until",
                ]
            )
            for row in rows:
                writer.writerow(
                    [
                        row.worker,
                        row.worker_name,
                        row.organisation,
                        row.task_type,
                        "yes" if row.cleared else "no",
                        " ".join(r.code for r in row.reasons),
                        " ".join(r.message for r in row.reasons),
                        row.last_validated or "",
                        row.valid_until or "",
                    ]
                )
        else:
            cleared = sum(1 for row in rows if row.cleared)
            for row in rows:
                until = f" until {row.valid_until:%d %b %Y}" if row.valid_until else ""
                state = f"cleared{until}" if row.cleared else "NOT cleared"
                self.stdout.write(
                    f"{row.worker_name} ({row.organisation}) {row.task_type}: {state}"
                )
                for reason in row.reasons:
                    self.stdout.write(f"    {reason.code}: {reason.message}")
            self.stdout.write(f"{len(rows)} rows, {cleared} cleared.")

    def _check(self, actor: Actor, options: dict[str, Any]) -> None:
        try:
            worker = register.find_worker(actor, options["worker"])
        except Http404:
            raise CommandError(
                f"There is no worker '{options['worker']}' that you can see.", returncode=1
            ) from None
        at = register.local(_instant(options.get("at"), "--at"))
        decision = register.check(actor, worker, options["task_type"], at, options.get("pathway"))
        if options["format"] == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "worker": decision.worker,
                        "task_type": decision.task_type,
                        "at": at.isoformat(),
                        "cleared": decision.cleared,
                        "reasons": [
                            {"code": r.code, "message": r.message} for r in decision.reasons
                        ],
                        "last_validated": decision.last_validated.isoformat()
                        if decision.last_validated
                        else None,
                        "valid_until": decision.valid_until.isoformat()
                        if decision.valid_until
                        else None,
                    },
                    indent=2,
                )
            )
        elif decision.cleared:
            until = f" until {decision.valid_until:%d %b %Y}" if decision.valid_until else ""
            self.stdout.write(f"{worker.name} is cleared for {decision.task_type}{until}.")
        else:
            self.stdout.write(f"{worker.name} is NOT cleared for {decision.task_type}:")
            for reason in decision.reasons:
                self.stdout.write(f"    {reason.code}: {reason.message}")
        if not decision.cleared:
            sys.exit(1)
