"""`seamline demo`: build the demo network into the database DATABASE_URL selects.

SQLite (the default, seamline.sqlite3 in the working folder): the file is deleted and built
afresh unless --keep. PostgreSQL: refused when the database already holds Seamline tables,
unless --force-flush empties them first. Then migrate, build every app's demo step from the
seed, anchor the audit chain, and print one login per role.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections
from django.utils import timezone
from tqdm import tqdm

from seamline.audit.chain import GENESIS
from seamline.audit.db import triggers_suspended
from seamline.audit.models import ChainHead
from seamline.audit.verify import write_anchor
from seamline.demo import registry
from seamline.errors import RuleViolation
from seamline.network.models import Organisation, User

DEFAULT_URL = "http://127.0.0.1:8000"
SUPPORTED = ("sqlite", "postgresql")


def seamline_tables() -> set[str]:
    """The tables that Seamline's own apps own."""
    return {
        model._meta.db_table
        for config in apps.get_app_configs()
        if config.name.startswith("seamline.")
        for model in config.get_models(include_auto_created=True)
    }


def refusal(vendor: str, existing: set[str], ours: set[str], force_flush: bool) -> str | None:
    """Why the demo must not be built into a non-SQLite database (None: go ahead)."""
    if vendor not in SUPPORTED:
        return f"Seamline runs on SQLite or PostgreSQL, not {vendor}."
    if vendor == "sqlite" or force_flush:
        return None
    found = sorted(existing & ours)
    if found:
        return (
            f"This database already holds Seamline tables ({len(found)}, e.g. {found[0]}). "
            "The demo replaces everything in them: run again with --force-flush if that is "
            "what you want, or point DATABASE_URL at an empty database."
        )
    return None


def sqlite_files(name: str) -> list[Path]:
    """The database file and its WAL companions (nothing for an in-memory database)."""
    if not name or name == ":memory:" or name.startswith("file:"):
        return []
    path = Path(name)
    return [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]


class Command(BaseCommand):
    help = "Build the demo network from a fixed seed and print one login per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            default=registry.DEFAULT_SEED,
            help="the same seed always builds the same network (default %(default)s)",
        )
        parser.add_argument(
            "--keep",
            action="store_true",
            help="SQLite: build into the existing database file instead of starting afresh",
        )
        parser.add_argument(
            "--force-flush",
            action="store_true",
            help="PostgreSQL: empty a database that already holds Seamline tables",
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--url", default=DEFAULT_URL, help="where `seamline serve` will be reached"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        vendor = connection.vendor
        flush = False
        if vendor == "sqlite":
            if not options["keep"]:
                self._delete_sqlite(str(connection.settings_dict["NAME"]))
        else:
            existing = set(connection.introspection.table_names())
            problem = refusal(vendor, existing, seamline_tables(), options["force_flush"])
            if problem:
                raise CommandError(problem)
            flush = bool(existing & seamline_tables())

        call_command("migrate", interactive=False, verbosity=0)
        if flush:
            # The audit log refuses TRUNCATE and DELETE: lift its triggers for the flush only.
            with triggers_suspended():
                call_command("flush", interactive=False, verbosity=0)
            ChainHead.objects.get_or_create(singleton=True, defaults={"seq": 0, "hash": GENESIS})
        if Organisation.objects.exists():
            raise CommandError(
                "This database already holds a network. Run `seamline demo` without --keep to "
                "build the demo afresh."
            )
        self._retire_stale_anchors()

        total = sum(step.units for step in registry.steps())
        bar = tqdm(total=total, file=sys.stderr, disable=None, unit="record", leave=False)
        try:
            ctx = registry.build(
                seed=options["seed"],
                progress=bar.update,
                on_step=lambda step: bar.set_description_str(step.label),
            )
        except RuleViolation as exc:
            raise CommandError(f"The demo could not be built: {exc}") from exc
        finally:
            bar.close()
        anchor = write_anchor()
        elapsed = time.monotonic() - started

        if options["format"] == "json":
            self.stdout.write(json.dumps(self._summary(ctx, options, anchor, elapsed), indent=2))
        else:
            self._print_text(ctx, options, elapsed)

    # --- steps --------------------------------------------------------------------------

    def _delete_sqlite(self, name: str) -> None:
        connections.close_all()
        for path in sqlite_files(name):
            path.unlink(missing_ok=True)

    def _retire_stale_anchors(self) -> None:
        """An empty chain cannot match anchors exported from an earlier database: set them by."""
        head = ChainHead.objects.filter(singleton=True).first()
        path = Path(settings.AUDIT_ANCHOR_FILE)
        if head is not None and head.seq == 0 and path.exists():
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
            path.rename(path.with_name(f"{path.name}.{stamp}.retired"))

    # --- output -------------------------------------------------------------------------

    def _database_label(self) -> str:
        db = connection.settings_dict
        if connection.vendor == "sqlite":
            return str(db["NAME"])
        return f"{connection.vendor} database '{db['NAME']}' on {db.get('HOST') or 'localhost'}"

    def _summary(
        self, ctx: registry.DemoContext, options: dict[str, Any], anchor: Any, elapsed: float
    ) -> dict[str, Any]:
        accounts = []
        for user in User.objects.with_current_membership().order_by("username"):
            membership = user.current_membership()
            if membership is None:
                continue
            accounts.append(
                {
                    "username": user.username,
                    "name": user.display_name,
                    "organisation": membership.organisation.code,
                    "roles": membership.active_roles(),
                }
            )
        return {
            "seed": ctx.seed,
            "url": options["url"],
            "database": self._database_label(),
            "password": ctx.password,
            "logins": [login.as_dict() for login in ctx.logins],
            "accounts": accounts,
            "audit_anchor": anchor,
            "seconds": round(elapsed, 1),
        }

    def _print_text(
        self, ctx: registry.DemoContext, options: dict[str, Any], elapsed: float
    ) -> None:
        out = self.stdout
        out.write(
            f"Demo network built from seed {ctx.seed} in {elapsed:.1f} s "
            f"into {self._database_label()}."
        )
        out.write("")
        out.write(f"Sign in at {options['url']} (start the server with `seamline serve`).")
        out.write(f"Every demo account has the same password: {ctx.password}")
        out.write("")
        rows = [("Role", "Username", "Password", "Organisation")]
        rows += [(x.role_label, x.username, ctx.password, x.organisation) for x in ctx.logins]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            out.write("  " + "  ".join([*cells, row[3]]))
        out.write("")
        out.write("The audit chain is anchored: `seamline audit verify` checks it.")
