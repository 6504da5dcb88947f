"""`seamline quality calibration load | stats`: joint calibration from the command line.

    seamline quality calibration load ROUND FILE.csv [--dry-run] [--format text|json] [--as USER]
    seamline quality calibration stats ROUND [--format text|json] [--as USER]

`load` records a round's answers from a CSV file (columns in docs/imports.md), all or nothing.
`stats --format json` gives per question `fleiss_kappa`, `percent_agreement` and `drift` by
partner (docs/quality.md). Without `--as` the platform operator acts; with it, exactly what
that person may do and see.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from seamline.access import Actor, actor_for
from seamline.network.models import User

from ... import access
from ...imports import load
from ...models import CalibrationRound
from ...stats import round_stats


def _actor(username: str | None) -> Actor:
    if not username:
        return Actor.system("quality")
    user = User.objects.filter(username=username.strip().lower(), is_active=True).first()
    if user is None:
        raise CommandError(f"There is no active person with username '{username}'.")
    actor = actor_for(user)
    if not actor.roles:
        raise CommandError(f"{username} holds no current role.")
    return actor


def _round(actor: Actor, code: str) -> CalibrationRound:
    try:
        if actor.is_system:
            found = CalibrationRound.objects.filter(code=code.strip().lower()).first()
            if found is None:
                raise Http404
            return found
        return access.get_round_for_user(actor, code)
    except Http404:
        raise CommandError(f"There is no calibration round '{code}' that you can see.") from None


def _drift_text(question: str, d: dict[str, Any]) -> str:
    if question == "hours":
        gap = d["median_hours_from_consensus"]
        return "n/a" if gap is None else f"{gap:+g} h from the consensus (median)"
    if d["disagreement"] is None:
        return "no vignette with a consensus"
    text = f"{d['disagreement']:.0%} of {d['answers']} answers off the consensus"
    if question == "escalate":
        text += (
            f"; {d['no_where_consensus_yes']} not escalating where the consensus does,"
            f" {d['yes_where_consensus_no']} escalating where it does not"
        )
    return text


class Command(BaseCommand):
    help = "Joint calibration: load a round's answers from CSV, or print its agreement."

    def add_arguments(self, parser: CommandParser) -> None:
        top = parser.add_subparsers(dest="area", required=True, metavar="{calibration}")
        calibration: ArgumentParser = top.add_parser("calibration", help="Calibration rounds.")
        sub = calibration.add_subparsers(dest="subcommand", required=True, metavar="{load,stats}")
        load_p: ArgumentParser = sub.add_parser("load", help="Load a round's answers from CSV.")
        load_p.add_argument("round")
        load_p.add_argument("file")
        load_p.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        stats_p: ArgumentParser = sub.add_parser("stats", help="Agreement per question.")
        stats_p.add_argument("round")
        for each in (load_p, stats_p):
            each.add_argument("--format", choices=["text", "json"], default="text")
            each.add_argument("--as", dest="as_user", help="Act through this person's access.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = _actor(options.get("as_user"))
        rnd = _round(actor, options["round"])
        if options["subcommand"] == "load":
            self._load(actor, rnd, options)
        else:
            self._stats(actor, rnd, options)

    def _load(self, actor: Actor, rnd: CalibrationRound, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        report = load(actor, rnd, data, dry_run=options["dry_run"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            for line in report.lines():
                self.stdout.write(line)
        if report.errors:
            raise CommandError("Nothing was loaded.")

    def _stats(self, actor: Actor, rnd: CalibrationRound, options: dict[str, Any]) -> None:
        if not (actor.is_system or access.sees_all_answers(actor, rnd)):
            raise CommandError(f"The statistics of {rnd.code} are shown once it is closed.")
        data = round_stats(rnd)
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, indent=2))
            return
        self.stdout.write(f"Round {rnd.code} ({rnd.status})")
        for question, q in data["questions"].items():
            kappa = "n/a" if q["fleiss_kappa"] is None else f"{q['fleiss_kappa']:.2f}"
            agree = q["percent_agreement"]
            agreement = "n/a" if agree is None else f"{agree:.0%}"
            self.stdout.write(
                f"  {question}: kappa {kappa}, agreement {agreement}, {q['ratings']} ratings"
            )
            for partner, d in q["drift"].items():
                self.stdout.write(f"    {partner}: {_drift_text(question, d)}")
