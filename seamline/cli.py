"""The `seamline` console command: every management command under one name.

seamline demo            build the demo network
seamline serve           serve it (gunicorn + whitenoise)
seamline audit verify    walk the audit chain
seamline help            list every command
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seamline.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        args = ["help"]
    execute_from_command_line(["seamline", *args])


if __name__ == "__main__":
    main()
