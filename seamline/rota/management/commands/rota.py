"""`seamline rota check|validate|export`: the rota gate on the command line.

    seamline rota check --worker riverside/RHS-0042 --visit V-2026-W47-000123 [--format json]
    seamline rota validate FILE.csv [--format text|json|csv]
    seamline rota validate --week 2026-W47 [--format text|json|csv]
    seamline rota export [--week 2026-W47] [--organisation riverside] FILE.csv
    seamline rota cover [--week 2026-W47] [--pathway discharge] [--organisation riverside]
                        [--format text|json|csv]

`check` exits 0 when the assignment is allowed, 1 when it is blocked; `validate` exits 1 when
the file (or, with `--week`, the rota stored for that week) has any violation (or cannot be
read), 0 when it has none; `cover` exits 1 when
the cover has any gap, 0 when it has none. They run as the platform
operator unless `--as USERNAME` names a person, whose access then applies.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from seamline.access import Actor, actor_for
from seamline.network.models import User
from seamline.workforce.register import find_worker

from ... import actions, cover_report, export, parallel, rules, validation
from ...access import get_visit_for_user
from ...forms import this_week
from ...models import Shift, Visit


class Command(BaseCommand):
    help = "The rota gate: check one assignment, validate a rota file, export a week."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="may this worker do this visit?")
        check.add_argument("--worker", required=True, help="ORGANISATION/STAFF_ID or public id")
        check.add_argument("--visit", required=True, help="the visit's code")
        check.add_argument("--format", choices=("text", "json"), default="text")
        check.add_argument("--as", dest="as_user", help="ask as this person (their access)")
        validate = sub.add_parser(
            "validate", help="every violation of a rota file, or of the rota stored for a week"
        )
        validate.add_argument(
            "file", nargs="?", help="the rota file (CSV, the format a rota is loaded in)"
        )
        validate.add_argument(
            "--week", help="instead of a file: the rota stored for this ISO week, e.g. 2026-W47"
        )
        validate.add_argument("--format", choices=("text", "json", "csv"), default="text")
        validate.add_argument("--as", dest="as_user", help="validate as this person")
        out = sub.add_parser("export", help="write a week of the rota as a rota file")
        out.add_argument("file", help="where to write the CSV ('-' for standard output)")
        out.add_argument("--week", help="ISO week, e.g. 2026-W47 (default: this week)")
        out.add_argument("--organisation", help="only this organisation's rota")
        out.add_argument("--as", dest="as_user", help="export what this person sees")
        cover = sub.add_parser("cover", help="the cover report per day and pathway")
        cover.add_argument("--week", help="ISO week, e.g. 2026-W47 (default: this week)")
        cover.add_argument("--pathway", help="only this pathway")
        cover.add_argument("--organisation", help="only this partner's rota")
        cover.add_argument("--format", choices=("text", "json", "csv"), default="text")
        cover.add_argument("--as", dest="as_user", help="report what this person sees")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options.get("as_user"))
        action = options["action"]
        if action == "check":
            self._check(actor, options)
        elif action == "validate":
            self._validate(actor, options)
        elif action == "cover":
            self._cover(actor, options)
        else:
            self._export(actor, options)

    def _actor(self, username: str | None) -> Actor:
        if not username:
            return Actor.system("rota")
        user = User.objects.filter(username=username.strip().lower()).first()
        if user is None or not user.is_active:
            raise CommandError(f"There is no active user '{username}'.")
        return actor_for(user)

    def _check(self, actor: Actor, options: dict[str, Any]) -> None:
        from django.http import Http404

        try:
            visit = get_visit_for_user(actor, options["visit"])
            worker = find_worker(actor, options["worker"])
        except Http404:
            raise CommandError("No such visit or worker (or not one you may see).") from None
        answer = actions.gate_answer(visit, worker)
        if options["format"] == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "visit": answer.visit,
                        "worker": answer.worker,
                        "allowed": answer.allowed,
                        "violations": [v.as_dict() for v in answer.violations],
                        "overridden": [
                            {**v.as_dict(), "override": uid} for v, uid in answer.overridden
                        ],
                    },
                    indent=2,
                )
            )
        else:
            label = f"{worker.organisation.code}/{worker.staff_id}"
            if answer.allowed:
                self.stdout.write(f"{label} may do {visit.code}.")
            else:
                self.stdout.write(f"{label} may not do {visit.code}:")
            for v in answer.violations:
                self.stdout.write(f"  {v.rule} {v.code}: {v.message}")
            for v, uid in answer.overridden:
                self.stdout.write(f"  {v.rule} overridden ({uid}): {v.message}")
        if not answer.allowed:
            raise CommandError("Blocked.", returncode=1)

    def _validate(self, actor: Actor, options: dict[str, Any]) -> None:
        if bool(options.get("file")) == bool(options.get("week")):
            raise CommandError(
                "Name a rota file to validate, or give --week to validate the rota stored for "
                "a week (not both)."
            )
        if options.get("week"):
            week = options["week"].strip().upper()
            try:
                rules.week_monday(week)
            except ValueError:
                raise CommandError("Write the week as YYYY-Www, e.g. 2026-W47.") from None
            result = parallel.validate_week(actor, week)
        else:
            path = Path(options["file"])
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
            result = validation.validate_file(actor, data, parallel=True)
        fmt = options["format"]
        if result.errors:
            for line in result.lines():
                self.stderr.write(line)
            raise CommandError("The file could not be validated.", returncode=1)
        if fmt == "json":
            self.stdout.write(json.dumps(result.as_list(), indent=2))
        elif fmt == "csv":
            self.stdout.write(result.csv(), ending="")
        else:
            for line in result.lines():
                self.stdout.write(line)
        if result.findings:
            count = len(result.findings)
            raise CommandError(f"{count} violation{'s' if count != 1 else ''}.", returncode=1)

    def _export(self, actor: Actor, options: dict[str, Any]) -> None:
        week = (options.get("week") or this_week()).upper()
        try:
            rules.week_monday(week)
        except ValueError:
            raise CommandError("Write the week as YYYY-Www, e.g. 2026-W47.") from None
        visits = Visit.objects.all() if actor.is_system else Visit.objects.visible_to(actor)
        shifts = Shift.objects.all()
        if not actor.is_system:
            shifts = shifts.filter(organisation=actor.organisation)
        if options.get("organisation"):
            visits = visits.filter(organisation__code=options["organisation"])
            shifts = shifts.filter(organisation__code=options["organisation"])
        chosen_visits, chosen_shifts = export.week_visits(week, visits, shifts)
        visit_list = list(chosen_visits)
        text = export.write_csv(export.export_rows(visit_list, chosen_shifts))
        if not actor.is_system:
            actions.record_visits_listed(actor, [v.code for v in visit_list], via="export")
        if options["file"] == "-":
            sys.stdout.write(text)
        else:
            Path(options["file"]).write_text(text, encoding="utf-8")
            self.stderr.write(
                f"Wrote {len(visit_list)} visits of week {week} to {options['file']}."
            )

    def _cover(self, actor: Actor, options: dict[str, Any]) -> None:
        week = (options.get("week") or this_week()).upper()
        try:
            monday = rules.week_monday(week)
        except ValueError:
            raise CommandError("Write the week as YYYY-Www, e.g. 2026-W47.") from None
        found = cover_report.report(
            actor,
            monday,
            monday + timedelta(days=6),
            pathway=options.get("pathway"),
            organisation=options.get("organisation"),
        )
        fmt = options["format"]
        if fmt == "json":
            self.stdout.write(json.dumps(found.as_dict(), indent=2))
        elif fmt == "csv":
            self.stdout.write(found.csv(), ending="")
        else:
            for line in found.lines():
                self.stdout.write(line)
        if found.gaps:
            raise CommandError(
                f"{found.gaps} gap{'s' if found.gaps != 1 else ''} in the cover.", returncode=1
            )
