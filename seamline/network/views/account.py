"""My account: my details, my organisation and roles, and my API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from seamline.errors import RuleViolation
from seamline.network import actions
from seamline.network.access import refuse
from seamline.network.forms import TokenForm
from seamline.network.models import ApiToken

from .common import actor_of, add_violation, page, require_writer


def _account_page(
    request: HttpRequest, form: TokenForm, new_key: str = "", status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    user = actor.user
    assert user is not None  # sign-in is required for every page
    membership = user.current_membership()
    grants = (
        membership.roles.current().select_related("granted_by").order_by("role")
        if membership
        else []
    )
    context = {
        "me": user,
        "membership": membership,
        "grants": grants,
        "tokens": ApiToken.objects.filter(user=user),
        "form": form,
        "new_key": new_key,
    }
    return render(request, "network/account.html", context, status=status)


@page
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request, TokenForm())


@page
@require_POST
def account_token_issue(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            _token, key = actions.issue_api_token(
                actor, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            # The key is shown in this response only: it is never stored, nor put in a message.
            return _account_page(request, TokenForm(), new_key=key)
    return _account_page(request, form, status=422)


@page
@require_POST
def account_token_revoke(request: HttpRequest, prefix: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    token = ApiToken.objects.filter(user=actor.user, prefix=prefix).first()
    if token is None:
        raise refuse(actor, "network.apitoken", prefix)
    actions.revoke_api_token(actor, token)
    messages.success(request, f"Token '{token.name}' is revoked: it no longer works.")
    return redirect("network:account")
