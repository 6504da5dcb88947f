"""The menu each role sees.

Later apps add their entries from their `AppConfig.ready()`:

    from seamline.network.navigation import AppMenuItem, register
    register(AppMenuItem("Workforce", "workforce:matrix", applies=lambda a: ..., order=40))
"""

from __future__ import annotations

from collections.abc import Callable
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


@dataclass(frozen=True)
class AppMenuItem:
    """A menu entry a later app adds; shown after the network's own entries, by `order`."""

    label: str
    url_name: str
    applies: Callable[[Actor], bool]
    order: int = 100
    # Shown to those who see aggregates only (commissioners) too.
    aggregates: bool = False


_APP_ITEMS: list[AppMenuItem] = []


def register(item: AppMenuItem) -> None:
    if all(existing.url_name != item.url_name for existing in _APP_ITEMS):
        _APP_ITEMS.append(item)
        _APP_ITEMS.sort(key=lambda i: (i.order, i.label))


def menu_for(actor: Actor) -> list[MenuItem]:
    """Only links to pages the actor may open: a menu never leads to a refusal."""
    items = [MenuItem("Home", "home"), MenuItem("Organisations", "network:organisations")]
    if actor.aggregates_only:
        items.append(MenuItem("Pathways", "network:pathways"))
        items.extend(
            MenuItem(i.label, i.url_name) for i in _APP_ITEMS if i.aggregates and i.applies(actor)
        )
        return items
    org = actor.organisation
    if org is not None and can_see_people_of(actor, org):
        items.append(MenuItem("Our people", "network:people", (org.code,)))
    items.append(MenuItem("Pathways", "network:pathways"))
    items.append(MenuItem("Decision rights", "network:decision_rights"))
    if can_read_log(actor):
        items.append(MenuItem("Audit log", "audit:entries"))
    items.extend(MenuItem(i.label, i.url_name) for i in _APP_ITEMS if i.applies(actor))
    items.append(MenuItem("Network settings", "network:settings"))
    return items
