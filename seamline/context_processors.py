from __future__ import annotations

from django.http import HttpRequest

from seamline.network.navigation import menu_for


def actor(request: HttpRequest) -> dict[str, object]:
    current = getattr(request, "actor", None)
    if current is None or current.user is None:
        return {"actor": current, "menu": []}
    return {"actor": current, "menu": menu_for(current)}
