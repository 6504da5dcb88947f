"""The menu each role sees. Later apps add their entries here."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from seamline.access import Actor
from seamline.audit.access import can_read_log
from seamline.network.access import can_see_people_of


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    args: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=self.args)


def menu_for(actor: Actor) -> list[MenuItem]:
    """Only links to pages the actor may open: a menu never leads to a refusal."""
    items = [MenuItem("Home", "home"), MenuItem("Organisations", "network:organisations")]
    if actor.aggregates_only:
        items.append(MenuItem("Pathways", "network:pathways"))
        return items
    org = actor.organisation
    if org is not None and can_see_people_of(actor, org):
        items.append(MenuItem("Our people", "network:people", (org.code,)))
    items.append(MenuItem("Pathways", "network:pathways"))
    items.append(MenuItem("Decision rights", "network:decision_rights"))
    if can_read_log(actor):
        items.append(MenuItem("Audit log", "audit:entries"))
    items.append(MenuItem("Network settings", "network:settings"))
    return items
