from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def entries(request: HttpRequest) -> HttpResponse:
    return render(request, "network/home.html", {})
