"""Forms of the framework pages. They check the shape of input only; rules live in `actions`
and `rules`, whose reasons name the same fields these forms have."""

from __future__ import annotations

from typing import Any

from django import forms

from seamline.network.forms import reason_field

from .choices import STAGES, Domain, EvidenceKind, MappingKind
from .models import Competency, FrameworkVersion, TaskType

KIND_CHOICES = [(k.value, k.label) for k in EvidenceKind]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class CompetencyForm(forms.Form):
    code = forms.CharField(
        max_length=60, help_text="Lower-case letters and digits joined by - or _; never changes."
    )
    title = forms.CharField(max_length=200)
    domain = forms.ChoiceField(choices=Domain.choices)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    network_critical = forms.BooleanField(required=False)
    pathway_specific = forms.BooleanField(
        required=False, help_text="Competence is re-validated on each pathway, not carried over."
    )
    behaviours = forms.CharField(
        required=False,
        label="Minimum observable behaviours",
        help_text="One per line.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    supervision_frequency_days = forms.IntegerField(
        label="Minimum supervision frequency (days)", min_value=1, initial=28
    )
    review_interval_months = forms.IntegerField(
        label="Review interval (months)", min_value=1, max_value=60, initial=12
    )
    stage_induction = forms.MultipleChoiceField(
        label="Evidence for induction",
        choices=KIND_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    stage_supervised = forms.MultipleChoiceField(
        label="Evidence for supervised",
        choices=KIND_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    stage_independent = forms.MultipleChoiceField(
        label="Evidence for independent",
        choices=KIND_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    stage_enhanced = forms.MultipleChoiceField(
        label="Evidence for enhanced",
        choices=KIND_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = reason_field()

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]

    @classmethod
    def initial_for(cls, competency: Competency) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "title": competency.title,
            "domain": competency.domain,
            "description": competency.description,
            "network_critical": competency.network_critical,
            "pathway_specific": competency.pathway_specific,
            "behaviours": "\n".join(competency.behaviours),
            "supervision_frequency_days": competency.supervision_frequency_days,
            "review_interval_months": competency.review_interval_months,
        }
        for stage in STAGES:
            initial[f"stage_{stage}"] = list(competency.stage_evidence.get(stage, []))
        return initial

    def values(self) -> dict[str, Any]:
        """The competency's fields (without the reason), as the actions take them."""
        data = self.cleaned_data
        out = {
            k: data[k]
            for k in (
                "title",
                "domain",
                "description",
                "network_critical",
                "pathway_specific",
                "supervision_frequency_days",
                "review_interval_months",
            )
        }
        if "code" in self.fields:
            out["code"] = data["code"]
        out["behaviours"] = _lines(data["behaviours"])
        out["stages"] = {s: data[f"stage_{s}"] for s in STAGES if data[f"stage_{s}"]}
        return out


class TaskTypeForm(forms.Form):
    code = forms.CharField(max_length=60, help_text="Lower-case letters, digits, - or _.")
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    risk_tier = forms.TypedChoiceField(
        choices=[(n, f"Tier {n}") for n in (1, 2, 3, 4)], coerce=int, label="Risk tier"
    )
    delegated = forms.BooleanField(
        required=False, help_text="Delegated by a registered professional."
    )
    requirements = forms.CharField(
        required=False,
        help_text="One per line: competency code, a space, the minimum stage "
        f"({', '.join(STAGES)}). E.g. 'medication_support independent'.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    reason = reason_field()

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]

    @classmethod
    def initial_for(cls, task_type: TaskType) -> dict[str, Any]:
        reqs = task_type.requirements.select_related("competency").order_by("competency__code")
        return {
            "title": task_type.title,
            "description": task_type.description,
            "risk_tier": task_type.risk_tier,
            "delegated": task_type.delegated,
            "requirements": "\n".join(f"{r.competency.code} {r.min_stage}" for r in reqs),
        }

    def clean_requirements(self) -> list[dict[str, str]]:
        out = []
        for number, line in enumerate(_lines(self.cleaned_data["requirements"]), start=1):
            parts = line.replace(",", " ").split()
            if len(parts) != 2:
                raise forms.ValidationError(
                    f"Line {number} ('{line}') should be a competency code and a stage."
                )
            out.append({"competency": parts[0], "min_stage": parts[1]})
        return out

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        out = {
            k: data[k] for k in ("title", "description", "risk_tier", "delegated", "requirements")
        }
        if "code" in self.fields:
            out["code"] = data["code"]
        return out


class RetireForm(forms.Form):
    reason = reason_field()


class VersionPickForm(forms.Form):
    """Two versions to compare (the diff page's GET form)."""

    from_ = forms.TypedChoiceField(label="From version", coerce=int)
    to = forms.TypedChoiceField(label="To version", coerce=int)

    def __init__(self, *args: Any, versions: list[FrameworkVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(v.number, f"Version {v.number}") for v in versions]
        for name in ("from_", "to"):
            field = self.fields[name]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = choices

    def add_prefix(self, field_name: str) -> str:
        # `from` is the parameter's name in the URL (and in the API); Python needs `from_`.
        return "from" if field_name == "from_" else super().add_prefix(field_name)


class ModuleForm(forms.Form):
    code = forms.CharField(max_length=60, help_text="As your training system writes it.")
    title = forms.CharField(max_length=200)
    refresher_months = forms.IntegerField(
        required=False, min_value=1, max_value=120, label="Refresher (months)"
    )


class MappingForm(forms.Form):
    competency = forms.ChoiceField()
    kind = forms.ChoiceField(choices=MappingKind.choices, label="Mapping")

    def __init__(self, *args: Any, competencies: list[Competency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["competency"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(c.code, f"{c.title} ({c.code})") for c in competencies]
