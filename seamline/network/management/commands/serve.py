"""`seamline serve`: the web application behind gunicorn, static files served by whitenoise.

Not Django's development server: gunicorn's threaded workers, with `collectstatic` run first so
that whitenoise serves compressed, fingerprinted files. Ctrl-C or SIGTERM stops it cleanly
(gunicorn lets requests in flight finish, up to the graceful timeout).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from gunicorn.app.base import BaseApplication

DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4
# Seconds a worker thread keeps its database connection between requests.
CONN_MAX_AGE = 300


class SeamlineServer(BaseApplication):
    """Gunicorn with its settings given here rather than read from its command line."""

    def __init__(self, application: Callable[..., Any], options: dict[str, Any]):
        self.options = options
        self.application = application
        super().__init__()

    def load_config(self) -> None:
        known = self.cfg.settings
        for key, value in self.options.items():
            if key in known and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Callable[..., Any]:
        return self.application


def gunicorn_options(
    host: str, port: int, workers: int, threads: int, ready: Callable[[Any], None]
) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 60,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": os.environ.get("SEAMLINE_ACCESS_LOG"),  # unset: no access log
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "seamline",
        "when_ready": ready,
        # Gunicorn 25+ opens a control socket in the home folder; two servers (a demo and the
        # browser tests) would fight over it, and nothing here uses it.
        "control_socket_disable": True,
    }


def _exit_quietly(signum: int, frame: Any) -> None:
    raise SystemExit(0)


class Command(BaseCommand):
    help = "Serve Seamline with gunicorn (threaded workers) and whitenoise for static files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("SEAMLINE_WORKERS", DEFAULT_WORKERS)),
            help="worker processes (default %(default)s)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("SEAMLINE_THREADS", DEFAULT_THREADS)),
            help="threads per worker (default %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1 or options["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        # Until gunicorn takes over the signals, SIGTERM stops the command as Ctrl-C does.
        signal.signal(signal.SIGTERM, _exit_quietly)
        call_command("collectstatic", interactive=False, verbosity=0)
        # Connections opened so far must not be shared with the forked workers.
        connections.close_all()
        # Each worker thread keeps its database connection from one request to the next
        # (checked before reuse) rather than opening one per request: a single check through
        # the API costs a few milliseconds, and a new PostgreSQL connection as much again.
        for alias in connections:
            connections.settings[alias]["CONN_MAX_AGE"] = CONN_MAX_AGE
            connections.settings[alias]["CONN_HEALTH_CHECKS"] = True

        host, port = options["host"], options["port"]
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        url = f"http://{shown}:{port}"
        if shown not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
            self.stderr.write(
                f"Note: {shown} is not in SEAMLINE_ALLOWED_HOSTS, so requests to it will be "
                "refused with 400 until it is added."
            )

        def ready(server: Any) -> None:
            sys.stdout.write(f"Seamline is serving at {url} (Ctrl-C stops it).\n")
            sys.stdout.flush()

        from seamline.wsgi import application

        options_ = gunicorn_options(host, port, options["workers"], options["threads"], ready)
        SeamlineServer(application, options_).run()
