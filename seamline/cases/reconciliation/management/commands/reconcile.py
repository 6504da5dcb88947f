"""`seamline reconcile --partner CODE FILE.csv [--format text|json] [--dry-run] [--as USERNAME]`

Reconciles a partner's caseload list against the participant register with the partner's
saved column mapping, stores the run and prints its report: the reconciliation rate and every
category with the records behind it (JSON: `rate` and `categories`, an object from category
name to the list of records in it). A file with any bad row stores nothing, prints each row
and column, and exits with status 1.

Without `--as` the command acts as the system, on the server itself (the operator sees every
record); with `--as USERNAME` it acts as that person, under their rights and their sight.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from seamline.access import Actor, actor_for
from seamline.errors import RuleViolation
from seamline.network.models import Organisation, User

from ... import actions
from ...choices import Category


class Command(BaseCommand):
    help = "Reconcile a partner's caseload list (CSV, the partner's own columns) with the register."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the partner's caseload list (CSV with a header row)")
        parser.add_argument("--partner", required=True, help="the partner's organisation code")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument("--dry-run", action="store_true", help="report without storing the run")
        parser.add_argument("--as", dest="as_user", help="act as this person (default: the system)")

    def handle(self, *args: Any, **options: Any) -> None:
        partner = Organisation.objects.filter(code=options["partner"].strip().lower()).first()
        if partner is None:
            raise CommandError(f"There is no organisation '{options['partner']}'.")
        actor = Actor.system("reconcile")
        if options.get("as_user"):
            user = User.objects.filter(username=options["as_user"].strip().lower()).first()
            if user is None or not user.is_active:
                raise CommandError(f"There is no active user '{options['as_user']}'.")
            actor = actor_for(user)
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        try:
            outcome = actions.reconcile(
                actor, partner, data, file_name=path.name, dry_run=options["dry_run"]
            )
        except RuleViolation as exc:
            raise CommandError(str(exc), returncode=1) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(outcome.as_dict(), indent=2, default=str))
        else:
            self._text(outcome)
        if outcome.errors:
            count = len(outcome.errors)
            raise CommandError(
                f"{count} problem{'s' if count != 1 else ''} in the file: nothing was stored.",
                returncode=1,
            )

    def _text(self, outcome: actions.Outcome) -> None:
        if outcome.errors:
            for error in outcome.errors:
                self.stdout.write(str(error))
            return
        verb = "Would reconcile" if outcome.dry_run else "Reconciled"
        self.stdout.write(
            f"{verb} {outcome.rows} rows of {outcome.organisation.name}'s list: "
            f"reconciliation rate {round(100 * outcome.rate, 1)}%."
        )
        for category in Category:
            records = outcome.categories.get(category, [])
            self.stdout.write(f"{category.label}: {len(records)}")
            for item in records[:20]:
                who = item.get("participant") or item.get("name") or ""
                what = item.get("detail") or item.get("local_id") or ""
                row = f"row {item['row']}" if item.get("row") else "register"
                self.stdout.write(f"  {row}: {who} {what}".rstrip())
            if len(records) > 20:
                self.stdout.write(f"  ... and {len(records) - 20} more (use --format json)")
        if outcome.nhs_failing:
            self.stdout.write(
                f"{len(outcome.nhs_failing)} rows carry an NHS number failing its check digit "
                "(kept, not used to link)."
            )
        if outcome.run is not None and not outcome.dry_run:
            self.stdout.write(f"Run {outcome.run.uuid} stored.")
        else:
            self.stdout.write("Dry run: nothing was stored.")
