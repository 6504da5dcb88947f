"""What the cases pages share: the generic form page and running an action into a form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from seamline.errors import RuleViolation
from seamline.network.views.common import add_violation

PER_PAGE = 50


def form_page(
    request: HttpRequest,
    form: forms.Form,
    *,
    title: str,
    submit: str,
    back: str,
    back_label: str,
    caption: str = "",
    intro: str = "",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    context = {
        "form": form,
        "title": title,
        "submit": submit,
        "back": back,
        "back_label": back_label,
        "caption": caption,
        "intro": intro,
        **(extra or {}),
    }
    return render(request, "cases/form.html", context)


def attempt(form: forms.Form, call: Callable[[], Any]) -> Any | None:
    """Run the action; on a refusal put its reasons on the form and answer None."""
    try:
        return call()
    except RuleViolation as exc:
        add_violation(form, exc)
        return None


def done(request: HttpRequest, url: str, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(url)
