"""`seamline framework load-default | export | import | versions`: the shared framework.

    seamline framework load-default [--as USER] [--reason "..."]
    seamline framework export --format json|csv [--output FILE]
    seamline framework import FILE.json --reason "..." [--dry-run] [--as USER]
    seamline framework versions [--format text|json]

Changes act as `--as USER` (the prime's network admin or quality lead) or, without it, as the
system: whoever runs the command on the server already controls the database. Either way the
change is versioned and audited like one made on the pages.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from seamline.access import Actor, actor_for
from seamline.competency import actions
from seamline.competency.defaults import DEFAULT_FRAMEWORK, DEFAULT_REASON
from seamline.competency.diff import FrameworkDiff
from seamline.competency.framework import Snapshot, snapshot
from seamline.competency.models import FrameworkVersion
from seamline.errors import RuleViolation
from seamline.network.models import User

CSV_COLUMNS = [
    "row_type",
    "code",
    "title",
    "domain",
    "network_critical",
    "pathway_specific",
    "review_interval_months",
    "supervision_frequency_days",
    "stage",
    "evidence_kinds",
    "risk_tier",
    "delegated",
    "competency",
    "min_stage",
]


def csv_rows(data: Snapshot) -> list[dict[str, Any]]:
    """One row per stage of each competency, then one per task-type requirement (a task type
    with no requirement gets one row with `competency` empty)."""
    rows: list[dict[str, Any]] = []
    for c in data["competencies"]:
        base = {
            "row_type": "competency",
            "code": c["code"],
            "title": c["title"],
            "domain": c["domain"],
            "network_critical": str(c["network_critical"]).lower(),
            "pathway_specific": str(c["pathway_specific"]).lower(),
            "review_interval_months": c["review_interval_months"],
            "supervision_frequency_days": c["supervision_frequency_days"],
        }
        stages = c["stages"] or {"": []}
        for stage, kinds in stages.items():
            rows.append({**base, "stage": stage, "evidence_kinds": " ".join(kinds)})
    for t in data["task_types"]:
        base = {
            "row_type": "task_requirement",
            "code": t["code"],
            "title": t["title"],
            "risk_tier": t["risk_tier"],
            "delegated": str(t["delegated"]).lower(),
        }
        for r in t["requirements"] or [{"competency": "", "min_stage": ""}]:
            rows.append({**base, "competency": r["competency"], "min_stage": r["min_stage"]})
    return rows


def write_csv(data: Snapshot) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in csv_rows(data):
        writer.writerow({k: row.get(k, "") for k in CSV_COLUMNS})
    return out.getvalue()


def describe(difference: FrameworkDiff) -> list[str]:
    lines = []
    for label, section in (
        ("competency", difference.competencies),
        ("task type", difference.task_types),
    ):
        lines += [f"  + {label} {e['code']}" for e in section.added]
        lines += [f"  - {label} {e['code']}" for e in section.removed]
        for change in section.changed:
            lines.append(f"  ~ {label} {change.code}")
            lines += [f"      {f.field}: {f.before!r} -> {f.after!r}" for f in change.changes]
    return lines


class Command(BaseCommand):
    help = "Load, export, import and list versions of the shared competency framework."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="subcommand", required=True, metavar="{load-default,export,import,versions}"
        )
        load: ArgumentParser = sub.add_parser(
            "load-default", help="Apply the default framework (running it twice changes nothing)."
        )
        load.add_argument("--as", dest="as_user", help="Act as this person (else the system).")
        load.add_argument("--reason", default=DEFAULT_REASON)

        export: ArgumentParser = sub.add_parser("export", help="Write the framework.")
        export.add_argument("--format", choices=["json", "csv"], default="json")
        export.add_argument("--output", help="File to write (default: standard output).")

        imp: ArgumentParser = sub.add_parser(
            "import", help="Make the framework match a JSON file in the export shape."
        )
        imp.add_argument("file", help="The JSON file (as `export --format json` writes it).")
        imp.add_argument("--reason", required=True, help="Why: kept with the version.")
        imp.add_argument("--dry-run", action="store_true", help="Check and show, change nothing.")
        imp.add_argument("--as", dest="as_user", help="Act as this person (else the system).")

        versions: ArgumentParser = sub.add_parser("versions", help="List the framework versions.")
        versions.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["subcommand"].replace("-", "_")
        try:
            getattr(self, f"_{name}")(options)
        except RuleViolation as exc:
            lines = [
                f"  {r.field}: {r.message}" if r.field else f"  {r.message}" for r in exc.reasons
            ]
            raise CommandError("Nothing was changed:\n" + "\n".join(lines)) from None

    def _actor(self, options: dict[str, Any], job: str) -> Actor:
        username = options.get("as_user")
        if not username:
            return Actor.system(f"framework {job}")
        user = User.objects.filter(username=username.strip().lower()).first()
        if user is None:
            raise CommandError(f"There is no user '{username}'.")
        return actor_for(user)

    def _report(self, result: actions.ApplyResult) -> None:
        if not result.changed:
            self.stdout.write("The framework already matches: nothing changed.")
            return
        for line in describe(result.diff):
            self.stdout.write(line)
        if result.dry_run:
            self.stdout.write("Dry run: nothing was changed.")
        elif result.version is not None:
            self.stdout.write(
                f"Framework version {result.version.number}: {result.version.summary}"
            )

    def _load_default(self, options: dict[str, Any]) -> None:
        actor = self._actor(options, "load-default")
        self._report(actions.apply_framework(actor, DEFAULT_FRAMEWORK, options["reason"]))

    def _export(self, options: dict[str, Any]) -> None:
        data = snapshot()
        if options["format"] == "csv":
            text = write_csv(data)
        else:
            text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"Written to {options['output']}.")
        else:
            self.stdout.write(text, ending="")

    def _import(self, options: dict[str, Any]) -> None:
        path = options["file"]
        try:
            raw = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}."
            ) from None
        actor = self._actor(options, "import")
        result = actions.apply_framework(actor, data, options["reason"], dry_run=options["dry_run"])
        self._report(result)

    def _versions(self, options: dict[str, Any]) -> None:
        rows: list[dict[str, Any]] = [
            {
                "number": v.number,
                "created_at": v.created_at.isoformat(),
                "created_by": v.created_by.username if v.created_by else "system",
                "reason": v.reason,
                "summary": v.summary,
            }
            for v in FrameworkVersion.objects.select_related("created_by").order_by("number")
        ]
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, indent=2))
            return
        if not rows:
            self.stdout.write("No framework version yet: run `seamline framework load-default`.")
        for row in rows:
            self.stdout.write(
                f"{row['number']:>4}  {row['created_at'][:16]}  {row['created_by']}: "
                f"{row['reason']}\n      {row['summary']}"
            )
