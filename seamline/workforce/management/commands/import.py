"""`seamline import <kind> FILE.csv [--dry-run] [--as USERNAME] [--format text|json]`

Imports workers, module completions, sign-offs or supervision sessions from a CSV file, all
or nothing (docs/imports.md documents every column). Prints the report; exits with status 1
when any row has an error, in which case nothing was written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from seamline.access import actor_for
from seamline.network.models import User
from seamline.workforce import imports


class Command(BaseCommand):
    help = "Import workforce records from a CSV file (all or nothing; see docs/imports.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=imports.kind_names(), help="what the file holds")
        parser.add_argument("file", help="the CSV file (UTF-8, header row first)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check every row and report what would change, writing nothing",
        )
        parser.add_argument(
            "--as",
            dest="as_user",
            help="the person importing: the records and the audit log carry their name",
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        username = (options.get("as_user") or "").strip().lower()
        if not username:
            raise CommandError(
                "Say who is importing with --as USERNAME: imported records are checked and "
                "audited under a person's name (a partner admin, or the network admin)."
            )
        user = User.objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(f"There is no active user '{username}'.")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None

        bar = tqdm(total=0, file=sys.stderr, disable=None, unit="row", leave=False)

        def progress(done: int, total: int) -> None:
            if bar.total != total:
                bar.reset(total=total)
            bar.n = done
            bar.refresh()

        try:
            report = imports.run(
                options["kind"],
                actor_for(user),
                data,
                dry_run=options["dry_run"],
                progress=progress,
            )
        finally:
            bar.close()

        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            for line in report.lines():
                self.stdout.write(line)
        if report.errors:
            raise CommandError(
                f"{len(report.errors)} error{'s' if len(report.errors) != 1 else ''}: nothing "
                "was imported.",
                returncode=1,
            )
