"""The gate's hot modules compiled to C with mypyc, used only while they match their source.

Validating a week of a whole network judges a hundred thousand assignments; most of that time
is the interpreter running the gate's rules and the loader's loops. Compiled by mypyc (which
ships with mypy and reads the type annotations the code already has), the same source runs
about twice as fast. See ADR 0016.

    python -m seamline.compile build     # compile (make install does it; `seamline.compile`)
    python -m seamline.compile status    # compiled and current, stale, or not built

The compiled modules are kept apart from the source, in `build/compiled/`, with a manifest
of the SHA-256 of each module's source when it was compiled. `install` (run when the
`seamline` package is imported) puts a finder in front of Python's own only when every one of
them still matches: a module edited since, a different Python, or a missing file, and
everything runs from the source as before. Compiled code is never older than the source it
stands for. `SEAMLINE_COMPILED=0` turns the compiled modules off (the plain-Python test leg
of `.ci/run` runs that way).

The modules are compiled as one group (their calls to one another are direct C calls), so
they are used all together or not at all.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

# The modules compiled, in the order of their imports.
MODULES = (
    "seamline.workforce.authorization",
    "seamline.rota.rules",
    "seamline.rota.gate",
    "seamline.rota.loading",
    "seamline.rota.validation",
)
GROUP = "seamline_compiled"  # the shared library is GROUP + "__mypyc"
ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = ROOT / "build" / "compiled"
MANIFEST = "manifest.json"
SWITCH = "SEAMLINE_COMPILED"


def source_of(module: str, root: Path = ROOT) -> Path:
    return root.joinpath(*module.split(".")).with_suffix(".py")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def extension_suffix() -> str:
    return importlib.machinery.EXTENSION_SUFFIXES[0]


class Finder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules (and their shared library) in the build folder."""

    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        file = self.files.get(fullname)
        if file is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(file))
        return importlib.util.spec_from_file_location(fullname, file, loader=loader)


def check(build_dir: Path = BUILD_DIR, root: Path = ROOT) -> tuple[dict[str, Path], str]:
    """The compiled files to use (module name to file; empty: none), and a sentence saying
    why (for `status`)."""
    manifest_file = build_dir / MANIFEST
    if not manifest_file.exists():
        return {}, "not built: run `python -m seamline.compile build` (make install does)."
    try:
        manifest = json.loads(manifest_file.read_text())
        built_for = manifest["suffix"]
        entries = manifest["modules"]
        group = manifest["group"]
    except (ValueError, KeyError, TypeError):
        return {}, f"the manifest {manifest_file} cannot be read: build again."
    if built_for != extension_suffix():
        return {}, f"built for another Python ({built_for}): build again."
    files: dict[str, Path] = {group: build_dir / manifest["group_file"]}
    for module in MODULES:
        entry = entries.get(module)
        if entry is None:
            return {}, f"{module} is not in the build: build again."
        source = source_of(module, root)
        if not source.exists() or digest(source) != entry["sha256"]:
            return {}, f"{source.relative_to(root)} changed since it was compiled: build again."
        files[module] = build_dir / entry["file"]
    missing = [str(f) for f in files.values() if not f.exists()]
    if missing:
        return {}, f"compiled files are missing ({', '.join(missing)}): build again."
    return files, f"compiled and current ({len(MODULES)} modules, built {manifest['built']})."


_installed: Finder | None = None
_reason = "not checked yet."


def install() -> bool:
    """Put the finder of the compiled modules first, when every one matches its source and
    `SEAMLINE_COMPILED` is not 0. Whether it did."""
    global _installed, _reason
    if _installed is not None:
        return True
    if os.environ.get(SWITCH, "1") == "0":
        _reason = f"turned off ({SWITCH}=0)."
        return False
    if any(module in sys.modules for module in MODULES):
        _reason = "a module was imported from source before the check."
        return False
    files, _reason = check()
    if not files:
        return False
    _installed = Finder(files)
    sys.meta_path.insert(0, _installed)
    return True


def in_use() -> bool:
    """Whether the gate's modules run compiled in this process."""
    return _installed is not None


def status() -> str:
    return ("in use: " if in_use() else "not in use: ") + _reason
