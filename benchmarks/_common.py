"""What every benchmark shares: settings of its own, a throwaway database, the machine's
description. Imported by the scripts beside it (`import _common`: the folder of the script run
is first on Python's path)."""

from __future__ import annotations

import os
import platform
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def configure(state_dir: Path, *, test_profile: bool = False) -> None:
    """Settings for a throwaway run: keys of its own, state in a temporary folder.
    `test_profile`: static files from the source folders and a fast password hasher, for
    benchmarks that render pages with the test cast."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seamline.settings")
    if test_profile:
        os.environ["SEAMLINE_ENV"] = "test"
    os.environ["SEAMLINE_STATE_DIR"] = str(state_dir)
    os.environ["SEAMLINE_AUDIT_KEY"] = secrets.token_urlsafe(48)
    os.environ["SEAMLINE_SECRET_KEY"] = secrets.token_urlsafe(48)
    os.environ["SEAMLINE_AUDIT_ANCHOR_FILE"] = str(state_dir / "anchors.jsonl")
    import django

    django.setup()


@contextmanager
def throwaway_database() -> Iterator[None]:
    """A fresh database for the length of the block, made and dropped by Django's
    test-database machinery (a SQLite file in the temporary folder, or a `test_...` database
    on the server `DATABASE_URL` names). The working database is never opened."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    working = settings.DATABASES["default"]["NAME"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        if str(settings.DATABASES["default"]["NAME"]) == str(working):
            raise SystemExit("refusing to run: the test database is the working database")
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def machine() -> dict[str, Any]:
    """When and on what the figures were taken (call it inside `throwaway_database`)."""
    import django
    from django.db import connection

    from seamline import compiled

    version = ".".join(str(part) for part in connection.get_database_version())
    return {
        "date": time.strftime("%Y-%m-%d"),
        "database": f"{connection.vendor} {version}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "load_average": os.getloadavg(),
        # Whether the rota gate's modules ran compiled (docs/adr/0016).
        "compiled": compiled.status(),
    }


def settle() -> None:
    """Bring a freshly bulk-loaded database to the state a live one is in: fresh planner
    statistics, and on PostgreSQL the visibility map written by a vacuum (which autovacuum
    would otherwise do in the middle of the timings) and the bulk load's pages written out by
    a checkpoint (which the server would otherwise spread over the next minutes, the
    timings'; it needs a superuser or the `pg_checkpoint` role, and is skipped without)."""
    from django.db import DatabaseError, connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    if connection.vendor == "postgresql":
        try:
            with connection.cursor() as cursor:
                cursor.execute("CHECKPOINT")
        except DatabaseError:
            pass  # (not allowed to: the timings run beside the server's own checkpoint)
