"""`seamline audit verify | anchor | tail`: check, anchor and read the audit chain.

The command runs as the platform operator (system use): it reads the whole log, whoever the
entries belong to. It never changes an entry.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from seamline.audit import chain
from seamline.audit.models import AuditEntry, ChainHead
from seamline.audit.verify import Problem, VerifyResult, verify_chain, write_anchor

# Show a progress bar when the chain is longer than this.
PROGRESS_THRESHOLD = 5000
HASH_PREFIX = 12


def _entry_facts(seq: int) -> dict[str, Any] | None:
    """Seq, action, time and actor of the entry numbered `seq`, or None when it is not stored."""
    row = AuditEntry.objects.filter(seq=seq).values("seq", "action", "at", "actor_label").first()
    if row is None:
        return None
    return {
        "seq": row["seq"],
        "action": row["action"],
        "at": chain.canonical_time(row["at"]),
        "actor": row["actor_label"],
    }


def _entry_sentence(facts: dict[str, Any]) -> str:
    return f"#{facts['seq']} {facts['action']} at {facts['at']} by {facts['actor']}"


def _locate(problem: Problem) -> tuple[dict[str, Any] | None, str]:
    """The first broken entry of a problem, as data and as a sentence for people."""
    if problem.seq is None:
        return None, ""
    facts = _entry_facts(problem.seq)
    if facts is not None:
        return facts, f"First broken entry: {_entry_sentence(facts)}."
    before = AuditEntry.objects.filter(seq__lt=problem.seq).order_by("-seq").values("seq").first()
    sentence = f"First broken entry: #{problem.seq}, which is no longer in the database"
    if before is not None:
        previous = _entry_facts(before["seq"])
        if previous is not None:
            sentence += f"; the last intact entry before it is {_entry_sentence(previous)}"
    return {"seq": problem.seq, "action": None, "at": None, "actor": None}, sentence + "."


class Command(BaseCommand):
    help = "Check the audit chain (verify), export its head (anchor), or read its latest entries."
    # The log must be checkable even when the rest of the installation is misconfigured.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="subcommand", required=True, metavar="{verify,anchor,tail}"
        )

        verify: ArgumentParser = sub.add_parser(
            "verify",
            help="Walk the whole chain; exit 1 naming the first broken entry.",
            description=(
                "Recompute every entry's keyed hash in order, check each link, the chain head "
                "and every anchor in the anchor file. Exits 0 when the chain is intact, 1 when "
                "an entry was altered, removed or forged, or the tail was cut off."
            ),
        )
        verify.add_argument("--format", choices=["text", "json"], default="text")
        verify.add_argument(
            "--anchors",
            type=Path,
            default=None,
            metavar="FILE",
            help="Anchor file to check against (default: settings.AUDIT_ANCHOR_FILE).",
        )

        anchor: ArgumentParser = sub.add_parser(
            "anchor",
            help="Append the current chain head to the anchor file.",
            description=(
                "Append the chain head (sequence number, hash, time, keyed MAC) to the anchor "
                "file. Keep that file outside the database's reach: a later verify uses it to "
                "catch a cut-off tail."
            ),
        )
        anchor.add_argument(
            "--file",
            type=Path,
            default=None,
            metavar="FILE",
            help="Anchor file to append to (default: settings.AUDIT_ANCHOR_FILE).",
        )

        tail: ArgumentParser = sub.add_parser(
            "tail", help="Print the latest entries, oldest first."
        )
        tail.add_argument("-n", type=int, default=20, dest="count", help="How many (default 20).")
        tail.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        subcommand = options["subcommand"]
        if subcommand == "verify":
            self.verify(**options)
        elif subcommand == "anchor":
            self.anchor(**options)
        else:
            self.tail(**options)

    # --- verify ------------------------------------------------------------------------------

    def verify(self, *, format: str, anchors: Path | None, **_: Any) -> None:
        anchor_file = anchors or Path(settings.AUDIT_ANCHOR_FILE)
        total = AuditEntry.objects.count()
        stream = getattr(self.stderr, "_out", sys.stderr)
        with tqdm(
            total=total,
            desc="Verifying",
            unit=" entries",
            file=stream,
            disable=total <= PROGRESS_THRESHOLD,
            mininterval=0.5,
        ) as bar:
            result = verify_chain(anchor_file, progress=bar.update)
        located = [_locate(p) for p in result.problems]
        if format == "json":
            self._verify_json(result, located, anchor_file)
        else:
            self._verify_text(result, located, anchor_file)
        if not result.ok:
            first = result.problems[0]
            where = f" at entry #{first.seq}" if first.seq is not None else ""
            raise CommandError(f"The audit chain is broken{where}.", returncode=1)

    def _verify_text(
        self,
        result: VerifyResult,
        located: list[tuple[dict[str, Any] | None, str]],
        anchor_file: Path,
    ) -> None:
        if result.ok:
            self.stdout.write(
                f"Audit chain intact: {result.checked} entries, head #{result.head_seq} "
                f"{result.head_hash[:HASH_PREFIX]}, {result.anchors_checked} anchors checked"
            )
            if result.anchors_checked == 0:
                self.stderr.write(
                    f"No anchors in {anchor_file}: export one regularly with "
                    "`seamline audit anchor` so that a cut-off tail can be caught."
                )
            return
        count = len(result.problems)
        self.stdout.write(
            f"Audit chain BROKEN: {count} problem{'s' if count != 1 else ''} "
            f"({result.checked} entries intact before the first one)."
        )
        for problem, (_, sentence) in zip(result.problems, located, strict=True):
            self.stdout.write(f"  {problem.code}: {problem.message}")
            if sentence:
                self.stdout.write(f"    {sentence}")

    def _verify_json(
        self,
        result: VerifyResult,
        located: list[tuple[dict[str, Any] | None, str]],
        anchor_file: Path,
    ) -> None:
        data = result.as_dict()
        data["anchor_file"] = str(anchor_file)
        data["problems"] = [
            {**problem.__dict__, "entry": facts}
            for problem, (facts, _) in zip(result.problems, located, strict=True)
        ]
        self.stdout.write(json.dumps(data, indent=2))

    # --- anchor ------------------------------------------------------------------------------

    def anchor(self, *, file: Path | None, **_: Any) -> None:
        path = file or Path(settings.AUDIT_ANCHOR_FILE)
        head = ChainHead.objects.filter(singleton=True).first()
        if head is None:
            raise CommandError("The audit chain has no head row: run `seamline migrate` first.")
        last = AuditEntry.objects.order_by("-seq").values("seq", "hash").first()
        stored = (last["seq"], last["hash"]) if last else (0, chain.GENESIS)
        if stored != (head.seq, head.hash):
            raise CommandError(
                f"The chain head (#{head.seq}) does not match the last stored entry "
                f"(#{stored[0]}): run `seamline audit verify` before anchoring.",
                returncode=1,
            )
        anchor = write_anchor(path)
        self.stdout.write(
            f"Anchored head #{anchor['seq']} {str(anchor['hash'])[:HASH_PREFIX]} "
            f"at {anchor['at']} in {path}"
        )

    # --- tail --------------------------------------------------------------------------------

    def tail(self, *, count: int, format: str, **_: Any) -> None:
        if count < 1:
            raise CommandError("-n must be at least 1.")
        rows = list(AuditEntry.objects.order_by("-seq")[:count])
        rows.reverse()
        if format == "json":
            self.stdout.write(json.dumps([self._entry_data(e) for e in rows], indent=2))
            return
        if not rows:
            self.stdout.write("The audit log is empty.")
            return
        for entry in rows:
            self.stdout.write(self._entry_line(entry))

    @staticmethod
    def _entry_data(entry: AuditEntry) -> dict[str, Any]:
        return {
            "seq": entry.seq,
            "uuid": str(entry.uuid),
            "at": chain.canonical_time(entry.at),
            "kind": entry.kind,
            "action": entry.action,
            "actor_uuid": str(entry.actor_uuid) if entry.actor_uuid else None,
            "actor_label": entry.actor_label,
            "organisation_code": entry.organisation_code,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "object_label": entry.object_label,
            "object_organisation_code": entry.object_organisation_code,
            "changes": entry.changes,
            "reason": entry.reason,
            "hash": entry.hash,
        }

    @staticmethod
    def _entry_line(entry: AuditEntry) -> str:
        who = entry.actor_label + (f"@{entry.organisation_code}" if entry.organisation_code else "")
        line = f"#{entry.seq} {chain.canonical_time(entry.at)} {entry.kind} {entry.action} by {who}"
        if entry.object_type:
            line += f" on {entry.object_type} {entry.object_id}"
        if entry.changes:
            line += " " + json.dumps(entry.changes, ensure_ascii=False, sort_keys=True)
        if entry.reason:
            line += f" (reason: {entry.reason})"
        return line
