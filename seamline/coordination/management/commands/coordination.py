"""`seamline coordination gaps | coordinator | sprints`: the coordinator of the day, and the
post-discharge sprints with the steps that fail most by partner, from the command line.

    seamline coordination gaps [--day YYYY-MM-DD] [--format text|json|csv] [--as USERNAME]
    seamline coordination coordinator CODE [--day YYYY-MM-DD] [--format text|json] [--as USERNAME]
    seamline coordination sprints [--partner CODE] [--format text|json|csv] [--as USERNAME]
    seamline coordination today --as USERNAME [--format text|json]

Without `--as` the platform operator sees every open participant; with it, exactly what that
person sees.
"""

from __future__ import annotations

import csv
import json
from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404
from django.utils import timezone

from seamline.cases.access import get_participant_for_user
from seamline.cases.models import Participant

from ... import access, duty, sprint, today
from ...api import duty_json, gaps_json
from ._common import actor_named


def _day(value: str | None) -> date:
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"'{value}' is not a day (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = "The coordinator of the day: open participants nobody coordinates, or who does."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="subcommand", required=True, metavar="{gaps,coordinator,sprints,today}"
        )
        gaps: ArgumentParser = sub.add_parser(
            "gaps", help="Open participants with no coordinator on a day, by partner."
        )
        gaps.add_argument("--day", help="YYYY-MM-DD (today when left out).")
        gaps.add_argument("--format", choices=["text", "json", "csv"], default="text")
        gaps.add_argument("--as", dest="as_user", help="See through this person's access.")
        one: ArgumentParser = sub.add_parser(
            "coordinator", help="Who is the named coordinator of a participant on a day."
        )
        one.add_argument("code")
        one.add_argument("--day", help="YYYY-MM-DD (today when left out).")
        one.add_argument("--format", choices=["text", "json"], default="text")
        one.add_argument("--as", dest="as_user", help="See through this person's access.")

        sprints: ArgumentParser = sub.add_parser(
            "sprints", help="Sprints in progress and which steps fail most, by partner."
        )
        sprints.add_argument("--partner", default="", help="Only steps this partner owns.")
        sprints.add_argument("--format", choices=["text", "json", "csv"], default="text")
        sprints.add_argument("--as", dest="as_user", help="See through this person's access.")

        day: ArgumentParser = sub.add_parser(
            "today", help="A coordinator's day: caseload, huddles, sprints, reviews, actions."
        )
        day.add_argument("--format", choices=["text", "json"], default="text")
        day.add_argument("--as", dest="as_user", required=True, help="The coordinator.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = actor_named(options.get("as_user"), "coordination")
        if options["subcommand"] == "sprints":
            self._sprints(actor, options)
            return
        if options["subcommand"] == "today":
            self._today(actor, options["format"])
            return
        day = _day(options.get("day"))
        if options["subcommand"] == "gaps":
            rows = duty.gaps(actor, day)
            if options["format"] == "json":
                self.stdout.write(json.dumps(gaps_json(rows, day), default=str, indent=2))
            elif options["format"] == "csv":
                writer = csv.writer(self.stdout)
                writer.writerow(["day", "partner", "partner_name", "participant", "reason"])
                for g in rows:
                    writer.writerow(
                        [day, g.partner_code, g.partner_name, g.participant_code, g.reason]
                    )
            else:
                for code, name, count in duty.gaps_by_partner(rows):
                    self.stdout.write(f"{name} ({code}): {count}")
                for g in rows:
                    self.stdout.write(f"  {g.partner_code}  {g.participant_code}  {g.message}")
                if not rows:
                    self.stdout.write(f"Every open participant has a coordinator on {day}.")
            return
        try:
            if actor.is_system:
                participant = Participant.objects.filter(code=options["code"].upper()).first()
                if participant is None:
                    raise Http404
            else:
                participant = get_participant_for_user(actor, options["code"])
        except Http404:
            raise CommandError(
                f"There is no participant '{options['code']}' that you can see."
            ) from None
        answer = duty.coordinator_of(participant, day)
        if options["format"] == "json":
            self.stdout.write(json.dumps(duty_json(answer), default=str, indent=2))
        else:
            who = answer.coordinator.display_name if answer.coordinator else "Nobody"
            self.stdout.write(f"{participant.code} on {day}: {who}. {answer.duty.message}")

    def _sprints(self, actor: Any, options: dict[str, Any]) -> None:
        now = timezone.now()
        running = sprint.in_progress(actor, now)
        failures = sprint.failure_report(actor, now, partner=options["partner"].strip().lower())
        if options["format"] == "json":
            data = {
                "in_progress": [sprint.sprint_json(r) for r in running],
                "failures": sprint.report_json(failures),
            }
            self.stdout.write(json.dumps(data, default=str, indent=2))
        elif options["format"] == "csv":
            rows = sprint.report_json(failures)
            header = ["partner", "partner_name", "step", "step_name", "steps", "failed"]
            header += ["refused", "failure_rate"]
            writer = csv.writer(self.stdout)
            writer.writerow(header)
            for row in rows:
                writer.writerow([row[k] for k in header])
        else:
            self.stdout.write(f"{len(running)} sprint(s) in progress.")
            for r in running:
                self.stdout.write(
                    f"  {r.sprint.participant.code}  {r.hours_left:.0f} h left  "
                    f"{r.resolved}/{r.steps} resolved  {r.failed} failed"
                )
            self.stdout.write("Steps that fail most, by partner:")
            for f in failures:
                self.stdout.write(
                    f"  {f.partner}  {f.step}  {f.failed} of {f.steps} failed, {f.refused} refused"
                )

    def _today(self, actor: Any, fmt: str) -> None:
        if not access.can_see_today(actor):
            raise CommandError("Only coordinators, supervisors and partner admins have a Today.")
        from seamline.cases.actions import record_listed

        found = today.load(actor)
        record_listed(
            actor, "participant", [r.participant.code for r in found.caseload], via="command"
        )
        data = today.today_json(found)
        if fmt == "json":
            self.stdout.write(json.dumps(data, default=str, indent=2))
            return
        self.stdout.write(f"{found.day}: {len(data['caseload'])} participant(s) to coordinate.")
        for r in data["caseload"]:
            self.stdout.write(
                f"  {r['participant']:<12} {r['open_actions']} open, {r['overdue_actions']} overdue"
            )
        for h in data["huddles"]:
            self.stdout.write(f"Huddle {h['name']}: {'started' if h['held'] else 'not yet held'}")
        for s in data["sprints"]:
            self.stdout.write(f"Sprint {s['participant']}: {len(s['steps_due'])} step(s) due")
        self.stdout.write(
            f"{len(data['plan_reviews'])} plan review(s) open, "
            f"{len(data['acknowledgements'])} acknowledgement(s) waiting, "
            f"{len(data['actions'])} action(s) due today."
        )
