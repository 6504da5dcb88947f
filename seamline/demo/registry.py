"""The demo generator: one ordered list of build steps that each app adds to.

An app contributes to the demo network by writing `seamline/<app>/demo.py` with one or more
steps registered here::

    from seamline.demo.registry import DemoContext, demo_step

    @demo_step("competency", order=20, units=40)
    def build(ctx: DemoContext) -> None:
        admin = ctx.objects["admin_actor"]
        for ...:
            some_action(admin, ...)
            ctx.progress()

`build()` imports `seamline.<app>.demo` for every installed Seamline app, runs the steps in
`order` (ties broken by name) inside one transaction, and returns the context. Orders in use:
network 10; later apps take the next free ten (competency 20, workforce 30, rota 40, cases 50,
handoffs 60, ...), so that each step finds what the steps before it made in `ctx.objects`.

Every write goes through the app's `actions` module, so the demo's audit log is a real chain.
Each step gets its own random generator, seeded from the demo seed and the step's name: adding
a step to one app never changes the names or numbers another app generates.
"""

from __future__ import annotations

import importlib
import importlib.util
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

DEFAULT_SEED = 2026
# One password for every demo account, printed by `seamline demo`. Long, not on the common
# password list, and unlike any demo name, so it passes the same validators as a real one.
DEMO_PASSWORD = "Safe-seams-demo-2026"  # noqa: S105 (a published demo password, not a secret)

BuildFn = Callable[["DemoContext"], None]


@dataclass(frozen=True)
class DemoStep:
    name: str
    order: int
    build: BuildFn
    units: int = 1  # how many times the step will call ctx.progress(): the bar's share

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")


@dataclass(frozen=True)
class Login:
    """One account printed at the end of `seamline demo`."""

    role: str
    role_label: str
    username: str
    name: str
    organisation: str

    def as_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


@dataclass
class DemoContext:
    """What every build step is given.

    `rng` is the current step's own generator; `now` is one instant fixed for the whole build,
    so that dates made by different steps agree; `objects` holds what earlier steps made (see
    each app's demo module for the keys it puts there); `progress(n)` moves the bar on.
    """

    seed: int
    now: datetime
    rng: random.Random
    password: str = DEMO_PASSWORD
    objects: dict[str, Any] = field(default_factory=dict)
    logins: list[Login] = field(default_factory=list)
    report: Callable[[int], None] | None = None
    _budget: int = 0

    def progress(self, n: int = 1) -> None:
        """Report `n` units of the current step done (never more than the step declared)."""
        n = max(0, min(n, self._budget))
        self._budget -= n
        if n and self.report is not None:
            self.report(n)

    def add_login(self, role: str, role_label: str, username: str, name: str, org: str) -> None:
        """Offer an account to print for `role`; the first one offered for a role is kept."""
        if not any(login.role == role for login in self.logins):
            self.logins.append(Login(role, role_label, username, name, org))


_STEPS: dict[str, DemoStep] = {}


def demo_step(name: str, *, order: int, units: int = 1) -> Callable[[BuildFn], BuildFn]:
    """Register `fn(ctx)` as the demo step `name`, run in ascending `order`."""

    def register(fn: BuildFn) -> BuildFn:
        existing = _STEPS.get(name)
        if existing is not None and _qualname(existing.build) != _qualname(fn):
            raise ImproperlyConfigured(
                f"Demo step '{name}' is registered twice ({_qualname(existing.build)} and "
                f"{_qualname(fn)}): give each step its own name."
            )
        _STEPS[name] = DemoStep(name=name, order=order, build=fn, units=max(1, units))
        return fn

    return register


def _qualname(fn: BuildFn) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def discover() -> list[str]:
    """Import `seamline.<app>.demo` for every installed Seamline app that has one."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("seamline."):
            continue
        module = f"{config.name}.demo"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
            found.append(module)
    return found


def steps() -> list[DemoStep]:
    """Every registered step, in the order the build runs them."""
    discover()
    return sorted(_STEPS.values(), key=lambda s: (s.order, s.name))


def rng_for(seed: int, step_name: str) -> random.Random:
    """The generator a step gets: the same seed and step name always give the same numbers."""
    return random.Random(f"seamline-demo:{seed}:{step_name}")  # noqa: S311 (synthetic data)


def build(
    *,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    on_step: Callable[[DemoStep], None] | None = None,
) -> DemoContext:
    """Build the demo network into the current database, all or nothing."""
    if now is None:
        now = timezone.now().replace(second=0, microsecond=0)
    ctx = DemoContext(seed=seed, now=now, rng=rng_for(seed, ""), report=progress)
    with transaction.atomic():
        for step in steps():
            if on_step is not None:
                on_step(step)
            ctx.rng = rng_for(seed, step.name)
            ctx._budget = step.units
            step.build(ctx)
            ctx.progress(ctx._budget)  # a step that reported less still fills its share
    return ctx
