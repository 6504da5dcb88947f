"""The menu each role sees. Later apps add their entries here."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from seamline.access import Actor
from seamline.network.choices import Role


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    args: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=self.args)


def menu_for(actor: Actor) -> list[MenuItem]:
    items = [MenuItem("Home", "home")]
    if actor.aggregates_only:
        items.append(MenuItem("Organisations", "network:organisations"))
        items.append(MenuItem("Pathways", "network:pathways"))
        return items
    items.append(MenuItem("Organisations", "network:organisations"))
    if actor.organisation is not None and (
        actor.is_network_admin
        or actor.has(Role.PARTNER_ADMIN, Role.SUPERVISOR, Role.COORDINATOR, Role.SCHEDULER, Role.QUALITY_LEAD)
    ):
        items.append(MenuItem("Our people", "network:people", (actor.organisation.code,)))
    items.append(MenuItem("Pathways", "network:pathways"))
    items.append(MenuItem("Decision rights", "network:decision_rights"))
    if actor.is_network_admin or actor.has(Role.PARTNER_ADMIN, Role.QUALITY_LEAD, Role.INSPECTOR):
        items.append(MenuItem("Audit log", "audit:entries"))
    items.append(MenuItem("Network settings", "network:settings"))
    return items
