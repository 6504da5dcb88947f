"""`seamline pack build | list | metrics`: assurance packs from the command line.

    seamline pack build --period 2026-10 [--format html|pdf|csv|json] [--output FILE]
                        [--reason TEXT] [--as USERNAME]
    seamline pack list [--format text|json]
    seamline pack metrics            the metric catalogue as Markdown (docs/metrics.md)

`build` issues the month's pack when none is out yet; when one is, it writes that issue as it
was issued (an issued pack never changes), unless `--reason` asks for a corrected new issue.
Without `--output` the pack goes to standard output (PDF needs `--output`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from seamline.access import Actor, actor_for
from seamline.errors import RuleViolation
from seamline.network.models import Network, User

from ... import outputs
from ...build import build_pack
from ...catalogue import parse_period
from ...docs import catalogue_markdown
from ...models import Pack
from ...present import content_for


class Command(BaseCommand):
    help = "Build and write assurance packs; print the metric catalogue."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        build = sub.add_parser("build", help="issue (or write) a month's pack")
        build.add_argument("--period", required=True, help="the month, YYYY-MM")
        build.add_argument("--format", choices=["html", "pdf", "csv", "json"], default="json")
        build.add_argument("--output", default="", help="a file (default: standard output)")
        build.add_argument("--reason", default="", help="issue a corrected pack, saying why")
        build.add_argument("--as", dest="as_user", default="")
        listing = sub.add_parser("list", help="issued packs, newest first")
        listing.add_argument("--format", choices=["text", "json"], default="text")
        sub.add_parser("metrics", help="the metric catalogue as Markdown")

    def _actor(self, username: str) -> Actor:
        if not username:
            return Actor.system("pack")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"--as: no user '{username}'.")
        return actor_for(user)

    def handle(self, *args: object, **options: object) -> None:
        verb = options["verb"]
        if verb == "metrics":
            self.stdout.write(catalogue_markdown(), ending="")
        elif verb == "list":
            self._list(str(options["format"]))
        else:
            self._build(options)

    def _list(self, fmt: str) -> None:
        packs = Pack.objects.order_by("-period", "-issue")
        rows = [
            {
                "period": p.label,
                "issue": p.issue,
                "built_at": p.built_at.isoformat(),
                "built_by": p.built_by_label,
                "reason": p.reason,
                "audit_chain_head": p.audit_hash,
                "intact": p.intact(),
            }
            for p in packs
        ]
        if fmt == "json":
            self.stdout.write(json.dumps(rows, indent=2))
            return
        if not rows:
            self.stdout.write("No pack has been issued yet: seamline pack build --period YYYY-MM")
        for r in rows:
            mark = "" if r["intact"] else "  CONTENT DOES NOT MATCH ITS DIGEST"
            self.stdout.write(
                f"{r['period']} issue {r['issue']}  built {r['built_at']} by {r['built_by']}"
                f"{'  (' + str(r['reason']) + ')' if r['reason'] else ''}{mark}"
            )

    def _build(self, options: dict[str, object]) -> None:
        actor = self._actor(str(options["as_user"]))
        try:
            period = parse_period(str(options["period"]))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        reason = str(options["reason"])
        existing = Pack.objects.filter(period=period).order_by("-issue").first()
        if existing is not None and not reason:
            pack = existing
            self.stderr.write(
                f"The {pack.label} pack was issued on {pack.built_at:%Y-%m-%d %H:%M} (issue "
                f"{pack.issue}); writing it as issued. To issue a correction, add --reason."
            )
        else:
            self.stderr.write(f"Building the {period:%Y-%m} pack ...")
            try:
                pack = build_pack(actor, period, reason=reason)
            except RuleViolation as exc:
                raise CommandError(" ".join(r.message for r in exc.reasons)) from None
            self.stderr.write(
                f"Issued {pack.label} issue {pack.issue}: {len(pack.content['metrics'])} "
                f"metrics; audit chain head #{pack.audit_seq}."
            )
        content = content_for(actor, pack.content, int(Network.current().small_number_threshold))
        self._write(content, str(options["format"]), str(options["output"]))

    def _write(self, content: dict[str, object], fmt: str, output: str) -> None:
        body: bytes | str
        if fmt == "pdf":
            if not output:
                raise CommandError("--output: a PDF goes to a file; give its name.")
            body = outputs.as_pdf(content)
        elif fmt == "csv":
            body = outputs.as_csv(content)
        elif fmt == "html":
            body = outputs.html_document(content)
        else:
            body = outputs.as_json(content)
        if not output:
            sys.stdout.write(body if isinstance(body, str) else body.decode())
            return
        path = Path(output)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body, encoding="utf-8")
        self.stderr.write(f"Wrote {path}.")
