"""`seamline huddle cohorts | roster`: the joint caseload huddle from the command line.

    seamline huddle cohorts [--format text|json] [--as USERNAME]
    seamline huddle roster COHORT [--format text|json] [--as USERNAME]

The roster lists the cohort's participants with `participant`, `risk_score`, `flags` and
`next_action`, highest risk score first (the score: docs/coordination.md). Without `--as` the
platform operator sees every member; with it, exactly what that person sees.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from seamline.access import Actor

from ... import access, huddle
from ...api import cohort_json
from ...models import Cohort
from ._common import actor_named


class Command(BaseCommand):
    help = "Joint caseload huddles: the cohorts, and a cohort's roster by risk score."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{cohorts,roster}")
        cohorts: ArgumentParser = sub.add_parser("cohorts", help="Every cohort and its cadence.")
        cohorts.add_argument("--format", choices=["text", "json"], default="text")
        cohorts.add_argument("--as", dest="as_user", help="See through this person's access.")
        roster: ArgumentParser = sub.add_parser("roster", help="A cohort's roster by risk score.")
        roster.add_argument("cohort")
        roster.add_argument("--format", choices=["text", "json"], default="text")
        roster.add_argument("--as", dest="as_user", help="See through this person's access.")

    def _cohort(self, actor: Actor, code: str) -> Cohort:
        try:
            if actor.is_system:
                found = Cohort.objects.filter(code=code.strip().lower()).first()
                if found is None:
                    raise Http404
                return found
            return access.get_cohort_for_user(actor, code)
        except Http404:
            raise CommandError(f"There is no cohort '{code}'.") from None

    def handle(self, *args: Any, **options: Any) -> None:
        actor = actor_named(options.get("as_user"), "huddle")
        if options["subcommand"] == "cohorts":
            rows = [cohort_json(actor, c) for c in Cohort.objects.select_related("organisation")]
            if options["format"] == "json":
                self.stdout.write(json.dumps(rows, indent=2))
            else:
                for r in rows:
                    self.stdout.write(
                        f"{r['code']:<24} {r['cadence']:<13} {r['participants']:>4}  {r['name']}"
                    )
            return
        cohort = self._cohort(actor, options["cohort"])
        roster = [huddle.roster_json(r) for r in huddle.roster(actor, cohort)]
        if options["format"] == "json":
            self.stdout.write(json.dumps({"cohort": cohort.code, "participants": roster}, indent=2))
            return
        self.stdout.write(f"{cohort.name} ({cohort.get_cadence_display()})")
        for r in roster:
            nxt = r["next_action"]
            flags = r["flags"]
            named = ", ".join(flags) if isinstance(flags, list) else ""
            line = f"{r['risk_score']:>3}  {r['participant']:<12} {named or '-'}"
            if isinstance(nxt, dict):
                line += f"  next: {nxt['description']} ({nxt['due_at'][:16]})"
            self.stdout.write(line)
