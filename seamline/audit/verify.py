"""Walking the chain: finds the first altered, removed or forged entry, and a cut-off tail."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from . import chain
from .models import AuditEntry, ChainHead


@dataclass
class Problem:
    code: str
    message: str
    seq: int | None = None


@dataclass
class VerifyResult:
    checked: int = 0
    head_seq: int = 0
    head_hash: str = chain.GENESIS
    anchors_checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "anchors_checked": self.anchors_checked,
            "problems": [p.__dict__ for p in self.problems],
        }


def _entries(chunk: int = 2000) -> Iterator[dict[str, object]]:
    names = [*chain.HASHED_FIELDS, "hash"]
    yield from AuditEntry.objects.order_by("seq").values(*names).iterator(chunk_size=chunk)


def read_anchors(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    anchors: list[dict[str, object]] = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError:
            data = None
        if not (
            isinstance(data, dict)
            and {"seq", "hash", "at"} <= data.keys()
            and isinstance(data["seq"], int)
        ):
            # A damaged line is reported by verify_chain, not a crash.
            anchors.append({"line": number, "unreadable": True})
            continue
        data["line"] = number
        anchors.append(data)
    return anchors


def verify_chain(
    anchor_file: Path | None = None, progress: Callable[[int], None] | None = None
) -> VerifyResult:
    """Recompute every entry's HMAC in order and check the links, the head and the anchors."""
    key = settings.AUDIT_HMAC_KEY
    result = VerifyResult()
    expected_seq = 1
    prev = chain.GENESIS
    hashes_by_seq: dict[int, str] = {}
    anchors = read_anchors(anchor_file or settings.AUDIT_ANCHOR_FILE)
    wanted = {int(a["seq"]) for a in anchors if "seq" in a}  # type: ignore[call-overload]
    for row in _entries():
        seq = int(row["seq"])  # type: ignore[call-overload]
        if seq != expected_seq:
            result.problems.append(
                Problem(
                    "entry_missing",
                    f"Entries {expected_seq} to {seq - 1} are missing: the chain jumps from "
                    f"entry {expected_seq - 1} to entry {seq}.",
                    expected_seq,
                )
            )
            break
        if row["prev_hash"] != prev:
            result.problems.append(
                Problem(
                    "link_broken",
                    f"Entry {seq} does not link to entry {seq - 1}: an entry was removed, "
                    "replaced or inserted here.",
                    seq,
                )
            )
            break
        if chain.entry_hash(key, row) != row["hash"]:
            result.problems.append(
                Problem(
                    "entry_altered",
                    f"Entry {seq} ({row['action']} at {chain.canonical_time(row['at'])}) "  # type: ignore[arg-type]
                    "does not match its hash: it was changed after it was written.",
                    seq,
                )
            )
            break
        if seq in wanted:
            hashes_by_seq[seq] = str(row["hash"])
        prev = str(row["hash"])
        expected_seq += 1
        result.checked += 1
        if progress is not None:
            progress(1)
    result.head_seq = expected_seq - 1
    result.head_hash = prev
    if result.problems:
        return result

    head = ChainHead.objects.filter(singleton=True).first()
    if head is None:
        result.problems.append(
            Problem(
                "head_missing",
                "The chain head row is missing: it was deleted behind the application's back.",
            )
        )
    elif (head.seq, head.hash) != (result.head_seq, result.head_hash):
        result.problems.append(
            Problem(
                "head_mismatch",
                f"The chain ends at entry {result.head_seq} but the recorded head is entry "
                f"{head.seq}: entries after {result.head_seq} were removed.",
                result.head_seq + 1,
            )
        )
    for anchor in anchors:
        if anchor.get("unreadable"):
            result.problems.append(
                Problem(
                    "anchor_unreadable",
                    f"Line {anchor['line']} of the anchor file is not a readable anchor: it "
                    "was damaged or edited by hand.",
                )
            )
            continue
        seq = int(anchor["seq"])  # type: ignore[call-overload]
        mac = chain.anchor_mac(key, seq, str(anchor["hash"]), str(anchor["at"]))
        if mac != anchor.get("mac"):
            result.problems.append(
                Problem(
                    "anchor_forged",
                    f"Anchor on line {anchor['line']} of the anchor file was not written with "
                    "this installation's audit key.",
                    seq,
                )
            )
            continue
        result.anchors_checked += 1
        if seq > result.head_seq:
            result.problems.append(
                Problem(
                    "tail_truncated",
                    f"The anchor exported at {anchor['at']} saw entry {seq}, but the chain now "
                    f"ends at entry {result.head_seq}: entries {result.head_seq + 1} to {seq} "
                    "were removed.",
                    result.head_seq + 1,
                )
            )
        elif seq > 0 and hashes_by_seq.get(seq) != anchor["hash"]:
            result.problems.append(
                Problem(
                    "anchor_mismatch",
                    f"Entry {seq} differs from the anchor exported at {anchor['at']}: the chain "
                    "was rewritten from that point.",
                    seq,
                )
            )
    return result


def write_anchor(anchor_file: Path | None = None) -> dict[str, object]:
    """Append the current chain head to the anchor file (kept outside the database)."""
    path = anchor_file or settings.AUDIT_ANCHOR_FILE
    head = ChainHead.objects.get(singleton=True)
    at = chain.canonical_time(timezone.now())
    anchor = {
        "seq": head.seq,
        "hash": head.hash,
        "at": at,
        "mac": chain.anchor_mac(settings.AUDIT_HMAC_KEY, head.seq, head.hash, at),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fh.write(json.dumps(anchor, sort_keys=True) + "\n")
    return anchor
