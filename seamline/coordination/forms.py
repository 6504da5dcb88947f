"""Forms of the action pages. They check the shape of input only; the rules live in
`coordination.rules` and are applied by `coordination.actions`."""

from __future__ import annotations

from django import forms

from seamline.network.forms import version_field


class ActionFilterForm(forms.Form):
    SHOW = [
        ("mine", "Mine (named to me or to my role)"),
        ("organisation", "My organisation's"),
        ("overdue", "My organisation's, overdue"),
        ("done", "My organisation's, completed"),
    ]
    show = forms.ChoiceField(choices=SHOW, required=False, label="Show")


class CompleteForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = version_field()
