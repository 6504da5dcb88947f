"""The assurance step of the demo: the monthly packs of the last twelve months, issued in order
as the worker would have issued them, so the commissioner's page opens on a pack with trends."""

from __future__ import annotations

from datetime import date

from seamline.access import actor_for
from seamline.demo.registry import DemoContext, demo_step
from seamline.network.choices import Role
from seamline.network.models import User

from . import history  # noqa: F401  (registers the history step, before the packs)
from .build import build_pack
from .catalogue import add_months

MONTHS = 12


@demo_step("assurance", order=200, units=MONTHS)
def build(ctx: DemoContext) -> None:
    """Issued by the prime's quality lead (the demo's printed login for that role)."""
    login = next(login for login in ctx.logins if login.role == Role.QUALITY_LEAD)
    lead = actor_for(User.objects.get(username=login.username))
    this_month = date(ctx.now.year, ctx.now.month, 1)
    for back in range(MONTHS, 0, -1):
        build_pack(lead, add_months(this_month, -back), now=ctx.now)
        ctx.progress()
