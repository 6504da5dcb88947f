"""`seamline documentation compliance | late`: the 24-hour documentation standard from the
command line.

    seamline documentation compliance [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--partner CODE]
                                      [--format text|json|csv] [--as USERNAME]
    seamline documentation late [--since ...] [--until ...] [--partner CODE]
                                [--format text|json|csv] [--as USERNAME]

`compliance --format json` gives `since`, `until`, `window_hours`, `total` and `by_partner`,
`by_worker` and `by_week` rows, each with `records`, `on_time`, `late` and `share`. Without
`--as` the platform operator reads every partner's records; with it, exactly what that person
reads (their own organisation's, or every partner's for the prime's quality leads).
"""

from __future__ import annotations

import csv
import json
from argparse import ArgumentParser
from datetime import date, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from seamline.access import Actor
from seamline.network.models import Organisation

from ... import access, actions, documentation
from ._common import actor_named


def _day(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return timezone.make_aware(datetime.combine(date.fromisoformat(value), time.min))
    except ValueError:
        raise CommandError(f"--{name}: '{value}' is not a day (YYYY-MM-DD).") from None


def _organisation(actor: Actor, partner: str) -> Organisation | None:
    scope = access.documentation_scope(actor)
    if scope is None:
        raise CommandError("Your roles do not read the documentation figures.")
    if not scope.network:
        return scope.organisation
    if not partner:
        return None
    found = Organisation.objects.filter(code=partner.strip().lower()).first()
    if found is None:
        raise CommandError(f"--partner: there is no partner '{partner}'.")
    return found


class Command(BaseCommand):
    help = "The 24-hour documentation standard: records on time by partner and worker, or late."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{compliance,late}")
        for name, text in (
            ("compliance", "The share of records written on time, by partner, worker and week."),
            ("late", "Records written more than 24 hours after what they record."),
        ):
            each: ArgumentParser = sub.add_parser(name, help=text)
            each.add_argument("--since", help="Happened from this day (YYYY-MM-DD).")
            each.add_argument("--until", help="Happened before this day (YYYY-MM-DD).")
            each.add_argument("--partner", default="", help="Only this partner's records.")
            each.add_argument("--format", choices=["text", "json", "csv"], default="text")
            each.add_argument("--as", dest="as_user", help="See through this person's access.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = actor_named(options.get("as_user"), "documentation")
        period = documentation.Period(
            _day(options.get("since"), "since"), _day(options.get("until"), "until")
        )
        organisation = _organisation(actor, options["partner"])
        if options["subcommand"] == "late":
            self._late(actor, period, organisation, options["format"])
            return
        data = documentation.report_json(documentation.compliance(period, organisation))
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, default=str, indent=2))
        elif options["format"] == "csv":
            header = ["partner", "partner_name", "name", "staff_id", "records", "on_time"]
            header += ["late", "share"]
            writer = csv.writer(self.stdout)
            writer.writerow(header)
            for row in data["by_worker"]:
                writer.writerow([row[k] for k in header])
        else:
            total = data["total"]
            self.stdout.write(
                f"{total['on_time']} of {total['records']} records written within "
                f"{data['window_hours']} hours."
            )
            for row in data["by_partner"]:
                self.stdout.write(
                    f"  {row['partner']:<20} {row['on_time']:>5} of {row['records']:<5} on time"
                )

    def _late(
        self, actor: Actor, period: documentation.Period, organisation: Any, fmt: str
    ) -> None:
        rows = [
            documentation.late_json(r) for r in documentation.late_records(period, organisation)
        ]
        if not actor.is_system:
            actions.record_late_list_read(
                actor, sorted({r["participant"] for r in rows}), via="command"
            )
        if fmt == "json":
            self.stdout.write(json.dumps(rows, default=str, indent=2))
        elif fmt == "csv":
            writer = csv.writer(self.stdout)
            header = [
                "kind",
                "participant",
                "partner",
                "author",
                "author_name",
                "occurred_at",
                "recorded_at",
                "hours_late",
            ]
            writer.writerow(header)
            for row in rows:
                writer.writerow([row[k] for k in header])
        else:
            self.stdout.write(f"{len(rows)} late record(s).")
            for row in rows:
                self.stdout.write(
                    f"  {row['partner']:<16} {row['participant']:<12} {row['kind']:<22} "
                    f"{row['hours_late']:>6} h late  {row['author_name']}"
                )
