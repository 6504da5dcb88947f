"""`seamline setup`: create the network, its prime provider and the first network admin."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from seamline.errors import RuleViolation
from seamline.network.actions import bootstrap_network


class Command(BaseCommand):
    help = "Set up a new network: its prime provider and the first network admin (once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--network-name", required=True)
        parser.add_argument("--prime-code", required=True, help="short code, e.g. northbridge")
        parser.add_argument("--prime-name", required=True)
        parser.add_argument("--admin-username", required=True)
        parser.add_argument("--admin-first-name", required=True)
        parser.add_argument("--admin-last-name", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument(
            "--admin-password-env",
            help="read the password from this environment variable instead of prompting",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        import os

        if opts["admin_password_env"]:
            password = os.environ.get(opts["admin_password_env"], "")
            if not password:
                raise CommandError(f"Environment variable {opts['admin_password_env']} is empty.")
        else:
            password = getpass.getpass("Password for the network admin: ")
        try:
            admin = bootstrap_network(
                network_name=opts["network_name"],
                prime_code=opts["prime_code"],
                prime_name=opts["prime_name"],
                admin_username=opts["admin_username"],
                admin_first_name=opts["admin_first_name"],
                admin_last_name=opts["admin_last_name"],
                admin_email=opts["admin_email"],
                admin_password=password,
            )
        except RuleViolation as exc:
            raise CommandError(
                "; ".join(f"{r.field or 'input'}: {r.message}" for r in exc.reasons)
            ) from None
        self.stdout.write(
            f"Network '{opts['network_name']}' is set up. Sign in as {admin.username} and add "
            "your partners from the Organisations page."
        )
