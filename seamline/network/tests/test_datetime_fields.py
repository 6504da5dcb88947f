"""Every form's date and time is read in the network's time zone, and an hour the clocks
repeat or skip is refused with a sentence saying which (`network.forms.LocalDateTimeField`)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django import forms
from django.core.exceptions import ValidationError

import seamline
from seamline.network.forms import LocalDateTimeField


def _every_form() -> list[type[forms.BaseForm]]:
    # Every module of the project that can define a form, imported, then every subclass.
    for module in pkgutil.walk_packages(seamline.__path__, "seamline."):
        name = module.name
        if (".forms" in name or ".views" in name) and ".tests" not in name:
            importlib.import_module(name)
    found: list[type[forms.BaseForm]] = []
    stack: list[type[forms.BaseForm]] = [forms.BaseForm]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("seamline."):
                found.append(sub)
    return found


def _datetime_inputs() -> list[tuple[str, forms.Field]]:
    fields = []
    for form in _every_form():
        for name, field in getattr(form, "base_fields", {}).items():
            if getattr(field.widget, "input_type", None) == "datetime-local":
                fields.append((f"{form.__module__}.{form.__name__}.{name}", field))
    return sorted(fields, key=lambda pair: pair[0])


FIELDS = _datetime_inputs()


def test_the_forms_with_a_date_and_time_are_all_found():
    names = {name for name, _ in FIELDS}
    # A few from different apps: the search finds them all, not none.
    for expected in (
        "seamline.network.forms.GrantRoleForm.expires_at",
        "seamline.plans.forms.FollowUpForm.due_at",
        "seamline.rota.forms.OverrideForm.expires_at",
        "seamline.coordination.forms.DecisionForm.due_at",
    ):
        assert expected in names
    assert len(FIELDS) >= 10


@pytest.mark.parametrize(("name", "field"), FIELDS, ids=[name for name, _ in FIELDS])
def test_a_date_and_time_the_clocks_repeat_or_skip_is_refused_with_a_sentence(name, field):
    assert isinstance(field, LocalDateTimeField), f"{name} is a plain DateTimeField"
    for value, says in (
        ("2026-10-25T01:30", "The clocks went back that night, so 01:30 on 25 Oct 2026 happened"),
        ("2026-03-29T01:30", "The clocks went forward that night, so there was no 01:30 on 29"),
    ):
        with pytest.raises(ValidationError) as refused:
            field.clean(value)
        assert says in refused.value.messages[0]
    assert field.clean("2026-10-25T03:30").isoformat() == "2026-10-25T03:30:00+00:00"
