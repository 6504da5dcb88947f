"""End-to-end fixtures: a demo network served by `seamline serve`, driven in Debian's Chromium.

The demo is built by `seamline demo` into a temporary folder (SEAMLINE_HOME), never into the
working copy, and served on a free port on 127.0.0.1 for the whole session. Run with
`make test-browser` (Chromium from /usr/bin/chromium; browsers are never downloaded).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = os.environ.get("SEAMLINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
START_TIMEOUT = 60


@dataclass
class Demo:
    base_url: str
    password: str
    logins: dict[str, dict[str, Any]]  # role -> login printed by `seamline demo`
    accounts: list[dict[str, Any]]  # everyone in the demo network
    home: Path  # SEAMLINE_HOME: the demo's database (seamline.sqlite3) is here

    def url(self, path: str) -> str:
        return self.base_url + path

    def command(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`seamline ARGS` against the demo's database, as an operator would run it."""
        return subprocess.run(
            _seamline(*args),
            cwd=self.home,
            env=_env(self.home),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def account(self, organisation: str, role: str, skip: set[str] | None = None) -> str:
        """A username holding `role` in `organisation`, avoiding the printed logins."""
        printed = {login["username"] for login in self.logins.values()} | (skip or set())
        for account in self.accounts:
            if (
                account["organisation"] == organisation
                and role in account["roles"]
                and account["username"] not in printed
            ):
                return str(account["username"])
        raise LookupError(f"no spare {role} in {organisation}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["SEAMLINE_HOME"] = str(home)
    env.setdefault("DJANGO_SETTINGS_MODULE", "seamline.settings")
    return env


def _seamline(*args: str) -> list[str]:
    return [sys.executable, "-m", "seamline.cli", *args]


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"seamline serve exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(
        f"seamline serve did not answer {url} in {START_TIMEOUT} s:\n{log.read_text()}"
    )


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    home = tmp_path_factory.mktemp("seamline-demo")
    env = _env(home)
    built = subprocess.run(
        _seamline("demo", "--format", "json"),
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,  # a guard against a hang: a loaded machine builds the demo slowly
        check=False,
    )
    if built.returncode != 0:
        raise RuntimeError(f"seamline demo failed:\n{built.stdout}\n{built.stderr}")
    summary = json.loads(built.stdout)

    port = _free_port()
    log = home / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            _seamline("serve", "--port", str(port), "--workers", "1", "--threads", "4"),
            cwd=home,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base_url + "/healthz", server, log)
        yield Demo(
            base_url=base_url,
            password=summary["password"],
            logins={login["role"]: login for login in summary["logins"]},
            accounts=summary["accounts"],
            home=home,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: install Debian's chromium package.")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


SignIn = Callable[..., None]


@pytest.fixture
def sign_in(page: Page, demo: Demo) -> SignIn:
    """Fill in and send the sign-in form; `password` defaults to the demo password."""

    def submit(username: str, password: str | None = None) -> None:
        page.goto(demo.url("/accounts/login/"))
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", demo.password if password is None else password)
        page.click("button[type=submit]")
        page.wait_for_load_state("load")

    return submit
