"""The gate's compiled modules are used only while every one of them matches its source."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from seamline import compiled
from seamline.compiled import GROUP, MANIFEST, MODULES, ROOT, check, digest, source_of


def _fake_build(
    folder: Path,
    root: Path = ROOT,
    *,
    suffix: str | None = None,
    hashes: dict[str, str] | None = None,
) -> None:
    """A build folder as `seamline.compile` leaves it, with empty files for the libraries."""
    suffix = suffix or compiled.extension_suffix()
    modules = {}
    for module in MODULES:
        file = Path(*module.split(".")).with_name(module.rsplit(".", 1)[1] + suffix)
        (folder / file).parent.mkdir(parents=True, exist_ok=True)
        (folder / file).touch()
        sha = (hashes or {}).get(module) or digest(source_of(module, root))
        modules[module] = {"sha256": sha, "file": str(file)}
    group_file = f"{GROUP}__mypyc{suffix}"
    (folder / group_file).touch()
    (folder / MANIFEST).write_text(
        json.dumps(
            {
                "built": "2026-11-24 04:00:00",
                "suffix": suffix,
                "group": f"{GROUP}__mypyc",
                "group_file": group_file,
                "modules": modules,
            }
        )
    )


def test_a_current_build_is_found_for_every_module_and_the_shared_library(tmp_path):
    _fake_build(tmp_path)
    files, reason = check(tmp_path)
    assert set(files) == {*MODULES, f"{GROUP}__mypyc"}
    assert reason.startswith("compiled and current (5 modules")
    finder = compiled.Finder(files)
    spec = finder.find_spec("seamline.rota.gate", None)
    assert spec is not None and spec.origin == str(files["seamline.rota.gate"])
    assert type(spec.loader).__name__ == "ExtensionFileLoader"
    assert finder.find_spec("seamline.rota.models", None) is None


def test_a_source_changed_since_the_build_turns_the_whole_group_off(tmp_path):
    # A copy of the sources, one of them edited after the build.
    root = tmp_path / "src"
    for module in MODULES:
        target = source_of(module, root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source_of(module), target)
    build = tmp_path / "build"
    build.mkdir()
    _fake_build(build, root)
    assert check(build, root)[0]
    edited = source_of("seamline.rota.rules", root)
    edited.write_text(edited.read_text() + "\n# edited\n")
    files, reason = check(build, root)
    assert files == {}
    assert reason == "seamline/rota/rules.py changed since it was compiled: build again."


@pytest.mark.parametrize(
    ("spoil", "expected"),
    [
        (lambda folder: (folder / MANIFEST).unlink(), r"^not built: run `python -m seamline"),
        (lambda folder: (folder / MANIFEST).write_text("{"), r"cannot be read: build again\.$"),
        (
            lambda folder: next(folder.rglob("gate.*")).unlink(),
            r"^compiled files are missing \(.*gate\.",
        ),
    ],
    ids=["no manifest", "unreadable manifest", "missing library"],
)
def test_a_build_that_is_not_whole_is_not_used(tmp_path, spoil, expected):
    _fake_build(tmp_path)
    spoil(tmp_path)
    files, reason = check(tmp_path)
    assert files == {}
    assert re.search(expected, reason), reason


def test_a_build_for_another_python_is_not_used(tmp_path):
    _fake_build(tmp_path, suffix=".cpython-399-x86_64-linux-gnu.so")
    files, reason = check(tmp_path)
    assert files == {}
    assert reason == "built for another Python (.cpython-399-x86_64-linux-gnu.so): build again."


def _in_a_new_process(switch: str | None) -> tuple[str, str]:
    env = {k: v for k, v in os.environ.items() if k != compiled.SWITCH}
    if switch is not None:
        env[compiled.SWITCH] = switch
    code = (
        "import seamline.compiled as c, seamline.workforce.authorization as a;"
        "print(c.in_use()); print(a.__file__)"
    )
    out = subprocess.run(  # noqa: S603 (this Python, a fixed script)
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    return out[0], out[1]


def test_the_switch_turns_the_compiled_modules_off():
    used, file = _in_a_new_process("0")
    assert used == "False"
    assert file.endswith("seamline/workforce/authorization.py")


def test_a_current_build_is_what_a_new_process_runs():
    # Whatever this checkout holds: compiled and current means the compiled module is loaded,
    # anything else the source.
    current = bool(check()[0])
    used, file = _in_a_new_process(None)
    assert used == str(current)
    assert file.endswith(compiled.extension_suffix() if current else "authorization.py")


def test_the_makefile_compiles_the_modules_this_module_lists():
    makefile = (ROOT / "Makefile").read_text()
    listed = re.search(r"COMPILED_SOURCES := ((?:[^\n]*\\\n)*[^\n]*)", makefile)
    assert listed is not None
    files = listed.group(1).replace("\\\n", " ").split()
    assert files == [str(source_of(m).relative_to(ROOT)) for m in MODULES]


def test_the_command_names_its_usage_and_a_failed_build_says_what_to_install(capsys, monkeypatch):
    from seamline import compile as command

    assert command.main(["bogus"]) == 2
    assert capsys.readouterr().out == (
        "usage: python -m seamline.compile build [--verbose] [--allow-failure] | status\n"
    )

    def fails(*args, **kwargs):
        raise SystemExit("error: command 'gcc' failed: No such file or directory")

    monkeypatch.setattr(command, "build", fails)
    assert command.main(["build"]) == 1
    assert command.main(["build", "--allow-failure"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        "Compiling failed (SystemExit: error: command 'gcc' failed: No such file or directory). "
        "Seamline runs from its source as before, only slower; a C compiler and Python's "
        "headers are needed (Debian: apt-get install gcc python3-dev)."
    )


def test_status_says_whether_the_build_is_ready(capsys, monkeypatch):
    from seamline import compile as command

    monkeypatch.setattr(command, "check", lambda: ({}, "not built: run it."))
    assert command.main(["status"]) == 1
    assert capsys.readouterr().out == "not ready: not built: run it.\n"
