"""`seamline worker [--once] [--interval SECONDS]`: the escalation worker.

Opens the escalations that triggers call for and climbs every ladder whose rung deadline has
passed, exactly once per deadline however many workers run (see `escalation.worker`). With
`--once` it processes everything due now and exits; otherwise it ticks every `--interval`
seconds until SIGTERM or Ctrl-C, finishing the row in hand first.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ... import worker


class Command(BaseCommand):
    help = "Open escalations from their triggers and climb the ladders whose deadline has passed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="process everything due now and exit"
        )
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between ticks")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        if not options["once"]:
            self.stdout.write(
                f"Escalation worker: a tick every {options['interval']:g} s (Ctrl-C stops)."
            )
        result = worker.run(interval=options["interval"], once=options["once"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(result.as_dict()))
        else:
            self.stdout.write(
                f"Opened {result.opened}, climbed {result.climbed}, past the last rung "
                f"{result.breached}, taken by another worker {result.lost}, notices e-mailed "
                f"{result.emailed}, failed {len(result.failed)}."
            )
