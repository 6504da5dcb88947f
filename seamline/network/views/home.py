"""Each role's home page: a list of cards (see `seamline.network.cards`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from seamline.network.cards import cards_for
from seamline.network.choices import Role

from .common import actor_of, page


@page
def home(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    context = {
        "cards": cards_for(actor),
        "roles_held": sorted(Role(r).label for r in actor.roles),
    }
    return render(request, "network/home.html", context)
