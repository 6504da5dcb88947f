"""The assurance card of the home page: the latest pack, its partners with red figures and the
first headline trends. It leads the commissioner's home page (they see aggregates only)."""

from __future__ import annotations

from typing import Any

from seamline.access import Actor
from seamline.network.choices import Role
from seamline.network.models import Network

from . import access
from .chart import metric_chart
from .models import Pack
from .present import content_for

CARD_CHARTS = 2


def shows_card(actor: Actor) -> bool:
    return access.can_list_packs(actor) and actor.has(
        Role.COMMISSIONER, Role.INSPECTOR, Role.QUALITY_LEAD, Role.NETWORK_ADMIN
    )


def pack_card(actor: Actor) -> dict[str, Any]:
    from .views import red_partners

    pack = Pack.objects.latest_issues().order_by("-period").first()
    if pack is None:
        return {"latest": None}
    content = content_for(actor, pack.content, int(Network.current().small_number_threshold))
    targeted = [m for m in content["metrics"] if m["target"] is not None]
    return {
        "latest": pack.label,
        "red": red_partners(content),
        "charts": [metric_chart(m) for m in targeted[:CARD_CHARTS]],
    }


def register_cards() -> None:
    """Called from the assurance app's `ready()`."""
    from seamline.network.cards import Card, register

    register(Card("assurance", "assurance/cards/pack.html", shows_card, pack_card, 5))
