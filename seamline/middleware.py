"""Request plumbing: the actor on every request, expired access ended, headers added."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.template.loader import render_to_string

from seamline.access import actor_for

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ActorMiddleware:
    """Puts `request.actor` on every request and ends sessions whose access has run out.

    A signed-in user whose roles have all expired or been revoked (an inspector past their
    end date, a leaver) is signed out at their next request. Read-only actors get 403 on any
    unsafe method, whatever the view does: a second wall behind the access layer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        actor = actor_for(user)
        request.actor = actor  # type: ignore[attr-defined]
        if user is not None and user.is_authenticated and not user.is_superuser:
            if not actor.roles:
                logout(request)
                messages.warning(
                    request,
                    "Your access to this network has ended. Ask your organisation's admin if "
                    "you still need it.",
                )
                return redirect("login")
            if (
                actor.read_only
                and request.method not in SAFE_METHODS
                and request.path not in _WRITE_EXEMPT
            ):
                return HttpResponseForbidden(
                    render_to_string(
                        "403.html",
                        {"message": "Your access is read-only: nothing can be changed from it."},
                    )
                )
        return self.get_response(request)


_WRITE_EXEMPT = frozenset({"/accounts/logout/"})


class HtmxLoginRedirectMiddleware:
    """An HTMX request whose session has ended must send the whole page to sign in, not swap
    the sign-in form into a fragment: answer with `HX-Redirect` instead of a 302."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.headers.get("HX-Request") == "true"
            and response.status_code == 302
            and response.get("Location", "").startswith(str(settings.LOGIN_URL_PATH))
        ):
            redirect_to = response["Location"]
            response = HttpResponse(status=204)
            response["HX-Redirect"] = redirect_to
        return response


class SecurityHeadersMiddleware:
    """Headers Django does not set itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            # Personal data must not linger in shared caches or the back button of a shared PC.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
