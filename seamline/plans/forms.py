"""Forms of the plan pages. The edit form takes each list one item a line, so a plan is edited
as plain text with no script; it checks the shape of input only (the rules live in
`plans.rules`, applied by `plans.actions`)."""

from __future__ import annotations

from typing import Any

from django import forms

from seamline.network.choices import Role
from seamline.network.forms import datetime_field

from .choices import RiskLevel

LEVELS = "/".join(RiskLevel.values)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _split(line: str, what: str) -> tuple[str, str]:
    left, bar, right = line.partition("|")
    if not bar or not left.strip() or not right.strip():
        raise forms.ValidationError(f"Write each {what} as 'left | right': '{line}' has no '|'.")
    return left.strip(), right.strip()


def content_as_text(content: dict[str, Any]) -> dict[str, str]:
    """A version's content as the edit form's initial text."""
    return {
        "risks": "\n".join(f"{r['level']} | {r['title']}" for r in content.get("risks", [])),
        "controls": "\n".join(
            f"{c['organisation']} | {c['description']}" for c in content.get("controls", [])
        ),
        "preferences": "\n".join(content.get("preferences", [])),
        "consent_summary": content.get("consent_summary", ""),
    }


class PlanForm(forms.Form):
    risks = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"One risk a line: level ({LEVELS}) | what the risk is.",
    )
    controls = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One control a line: owning organisation's code | what it does.",
    )
    preferences = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One preference a line, in the person's words where possible.",
    )
    consent_summary = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label="Why the plan is changing", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def clean_risks(self) -> list[dict[str, str]]:
        rows = []
        for line in _lines(self.cleaned_data["risks"]):
            level, title = _split(line, "risk")
            rows.append({"level": level.lower(), "title": title})
        return rows

    def clean_controls(self) -> list[dict[str, str]]:
        rows = []
        for line in _lines(self.cleaned_data["controls"]):
            organisation, description = _split(line, "control")
            rows.append({"organisation": organisation.lower(), "description": description})
        return rows

    def clean_preferences(self) -> list[str]:
        return _lines(self.cleaned_data["preferences"])

    def content(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {k: data[k] for k in ("risks", "controls", "preferences", "consent_summary")}


class AsOfForm(forms.Form):
    as_of = datetime_field("As of", required=False, date_alone=True)


class AcknowledgeForm(forms.Form):
    confirm = forms.BooleanField(
        label="We have read this version and changed our work to match it", required=True
    )


class ReviewForm(forms.Form):
    outcome = forms.CharField(
        label="What the review concluded", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class FollowUpForm(forms.Form):
    description = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    owner_organisation = forms.ChoiceField(label="Owning organisation")
    owner_role = forms.ChoiceField(
        label="Owned by the role", choices=[(r.value, r.label) for r in Role]
    )
    due_at = datetime_field("Due")

    def __init__(self, *args: Any, organisations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner_organisation"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = organisations


class AcknowledgementFilterForm(forms.Form):
    SHOW = [("waiting", "Waiting for my organisation"), ("overdue", "Overdue, every partner")]
    show = forms.ChoiceField(choices=SHOW, required=False)
    organisation = forms.CharField(required=False, max_length=40, label="Partner code")
    participant = forms.CharField(required=False, max_length=20, label="Participant code")
