"""Compiling the gate's hot modules (`seamline.compiled` says when they are used).

python -m seamline.compile build [--verbose] [--allow-failure]
python -m seamline.compile status
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

from .compiled import (
    BUILD_DIR,
    GROUP,
    MANIFEST,
    MODULES,
    ROOT,
    check,
    digest,
    extension_suffix,
    source_of,
)


def build(build_dir: Path = BUILD_DIR, *, quiet: bool = True) -> Path:
    """Compile `MODULES` into `build_dir` (replacing what is there only once the whole build
    has succeeded). Needs mypy and a C compiler; raises on failure."""
    from mypyc.build import mypycify
    from setuptools import setup

    sources = {module: source_of(module) for module in MODULES}
    hashes = {module: digest(path) for module, path in sources.items()}
    build_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=build_dir.parent, prefix=".compiling-") as temp:
        staging = Path(temp) / "out"
        cwd = Path.cwd()
        os.chdir(ROOT)  # mypy reads its settings (pyproject.toml) from here
        try:
            with warnings.catch_warnings():
                # (setuptools reads the project's pyproject.toml and calls a part of it beta)
                warnings.simplefilter("ignore")
                setup(
                    name="seamline-compiled",
                    ext_modules=mypycify(
                        [str(path.relative_to(ROOT)) for path in sources.values()],
                        target_dir=str(Path(temp) / "c"),
                        group_name=GROUP,
                        opt_level="3",
                    ),
                    script_args=[
                        *(["--quiet"] if quiet else []),
                        "build_ext",
                        "--build-lib",
                        str(staging),
                        "--build-temp",
                        str(Path(temp) / "o"),
                    ],
                )
        finally:
            os.chdir(cwd)
        suffix = extension_suffix()
        files = {
            module: Path(*module.split(".")).with_name(module.rsplit(".", 1)[1] + suffix)
            for module in MODULES
        }
        group_file = Path(f"{GROUP}__mypyc{suffix}")
        for path in (*files.values(), group_file):
            if not (staging / path).exists():
                raise RuntimeError(f"the build made no {path}")
        (staging / MANIFEST).write_text(
            json.dumps(
                {
                    "built": time.strftime("%Y-%m-%d %H:%M:%S"),
                    "suffix": suffix,
                    "group": f"{GROUP}__mypyc",
                    "group_file": str(group_file),
                    "modules": {
                        module: {"sha256": hashes[module], "file": str(files[module])}
                        for module in MODULES
                    },
                },
                indent=2,
            )
        )
        if build_dir.exists():
            shutil.rmtree(build_dir)
        staging.rename(build_dir)
    return build_dir


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "status"
    if command == "status":
        files, reason = check()
        print(("ready: " if files else "not ready: ") + reason)
        return 0 if files else 1
    if command == "build":
        print(f"Compiling {len(MODULES)} modules of the rota gate with mypyc (about a minute) ...")
        began = time.perf_counter()
        try:
            where = build(quiet="--verbose" not in args)
        except (Exception, SystemExit) as error:  # any failure leaves plain Python in use
            print(
                f"Compiling failed ({type(error).__name__}: {error}). Seamline runs from its "
                "source as before, only slower; a C compiler and Python's headers are needed "
                "(Debian: apt-get install gcc python3-dev).",
                file=sys.stderr,
            )
            return 0 if "--allow-failure" in args else 1
        print(f"Compiled into {where} in {time.perf_counter() - began:.0f} s.")
        return 0
    print("usage: python -m seamline.compile build [--verbose] [--allow-failure] | status")
    return 2


if __name__ == "__main__":
    sys.exit(main())
