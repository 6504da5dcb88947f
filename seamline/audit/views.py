from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


def entries(request: HttpRequest) -> HttpResponse:
    return render(request, "network/home.html", {})


def entry(request: HttpRequest, entry: str) -> HttpResponse:  # replaced by the pages work
    raise Http404


def chain_status(request: HttpRequest) -> HttpResponse:  # replaced by the pages work
    raise Http404
