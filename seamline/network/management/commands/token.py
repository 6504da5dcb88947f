"""`seamline token create | list | revoke`: API tokens from the command line.

A token acts as the person it belongs to, so each subcommand acts as that person (their actor
now) and goes through the same actions as the account page: the issue and the revocation are
written to the audit log. The key is printed once and never stored.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from seamline.access import actor_for
from seamline.errors import RuleViolation
from seamline.network.actions import issue_api_token, revoke_api_token
from seamline.network.models import ApiToken, User


def _user(username: str) -> User:
    user = User.objects.filter(username=username.strip().lower()).first()
    if user is None:
        raise CommandError(f"There is no user '{username}'.")
    return user


def _status(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= timezone.now():
        return "expired"
    return "active"


def _row(token: ApiToken) -> dict[str, Any]:
    return {
        "prefix": token.prefix,
        "name": token.name,
        "status": _status(token),
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


class Command(BaseCommand):
    help = "Create, list or revoke a person's API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="subcommand", required=True, metavar="{create,list,revoke}"
        )

        create: ArgumentParser = sub.add_parser(
            "create", help="Issue a token for a person and print its key once."
        )
        create.add_argument("--user", required=True, help="Username of the person it acts as.")
        create.add_argument("--name", required=True, help="What will use it (e.g. 'rota sync').")
        create.add_argument(
            "--days", type=int, default=None, help="How long it lasts (1 to 366; default 90)."
        )
        create.add_argument("--format", choices=["text", "json"], default="text")

        listing: ArgumentParser = sub.add_parser("list", help="List a person's tokens.")
        listing.add_argument("--user", required=True, help="Username of the person.")
        listing.add_argument("--format", choices=["text", "json"], default="text")

        revoke: ArgumentParser = sub.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix", help="The token's prefix, as `token list` shows it.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['subcommand']}")(options)
        except RuleViolation as exc:
            raise CommandError(str(exc)) from None

    def _create(self, options: dict[str, Any]) -> None:
        user = _user(options["user"])
        actor = actor_for(user)
        if not user.is_active or not actor.roles:
            raise CommandError(
                f"{user.username} holds no current role in the network: a token would not work."
            )
        token, key = issue_api_token(actor, name=options["name"], days=options["days"])
        if options["format"] == "json":
            self.stdout.write(json.dumps({**_row(token), "user": user.username, "key": key}))
            return
        self.stdout.write(
            f"Token '{token.name}' for {user.username} (prefix {token.prefix}), "
            f"valid until {token.expires_at:%Y-%m-%d %H:%M %Z}:"
        )
        self.stdout.write(key)
        self.stdout.write("Keep it now: it is not shown again. Send it as 'Authorization: Bearer'.")

    def _list(self, options: dict[str, Any]) -> None:
        user = _user(options["user"])
        rows = [_row(t) for t in ApiToken.objects.filter(user=user).order_by("-created_at")]
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows))
            return
        if not rows:
            self.stdout.write(f"{user.username} has no API tokens.")
            return
        for row in rows:
            used = row["last_used_at"][:16] if row["last_used_at"] else "never used"
            self.stdout.write(
                f"{row['prefix']}  {row['status']:<7}  {row['name']}  "
                f"(expires {row['expires_at'][:10]}; {used})"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        token = (
            ApiToken.objects.select_related("user").filter(prefix=options["prefix"].strip()).first()
        )
        if token is None:
            raise CommandError(f"There is no token with prefix '{options['prefix']}'.")
        if token.revoked_at is not None:
            raise CommandError(f"Token {token.prefix} was already revoked.")
        revoke_api_token(actor_for(token.user), token)
        self.stdout.write(
            f"Revoked token {token.prefix} ('{token.name}') of {token.user.username}."
        )
