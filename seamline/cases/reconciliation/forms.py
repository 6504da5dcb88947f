"""Forms of the reconciliation pages: the upload, the column mapping, a review decision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from seamline.network.models import Organisation

from .caseload import DATE_FORMATS, FIELDS
from .choices import Decision
from .models import ColumnMapping

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class UploadForm(forms.Form):
    partner = forms.ModelChoiceField(
        label="Whose caseload list",
        queryset=Organisation.objects.none(),
        to_field_name="code",
        empty_label=None,
    )
    file = forms.FileField(label="CSV file", help_text="With a header row; UTF-8 is best.")
    dry_run = forms.BooleanField(
        label="Dry run: show the report without storing the run",
        required=False,
        initial=False,
    )

    def __init__(self, *args: Any, partners: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["partner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = partners

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 50 MB: split it into parts.")
        return upload


def _pathway_lines(values: dict[str, str]) -> str:
    return "\n".join(f"{theirs} = {ours}" for theirs, ours in sorted(values.items()))


class MappingForm(forms.Form):
    """One text box per field of ours: the header of the partner's column that holds it."""

    date_format = forms.ChoiceField(label="How dates are written", choices=DATE_FORMATS.items())
    open_values = forms.CharField(
        label="Status values that mean open",
        required=False,
        initial="open, active",
        help_text="Separated by commas; any other status means closed.",
    )
    pathway_values = forms.CharField(
        label="Your pathway names",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, 'your name = our pathway code', for names that are not ours.",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, mapping: ColumnMapping | None = None, **kwargs: Any) -> None:
        if mapping is not None and not kwargs.get("data") and not args:
            kwargs["initial"] = {
                **{f"col_{k}": v for k, v in mapping.columns.items()},
                "date_format": mapping.date_format,
                "open_values": mapping.open_values,
                "pathway_values": _pathway_lines(mapping.pathway_values or {}),
                "version": mapping.version,
            }
        super().__init__(*args, **kwargs)
        columns = {
            f"col_{f.name}": forms.CharField(
                label=f.label, required=f.required, max_length=100, help_text=f.help
            )
            for f in FIELDS
        }
        self.fields = {**columns, **self.fields}

    def clean_pathway_values(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["pathway_values"].splitlines(), 1):
            if not line.strip():
                continue
            theirs, sep, ours = line.partition("=")
            if not sep or not theirs.strip() or not ours.strip():
                raise forms.ValidationError(f"Line {number}: write 'your name = our code'.")
            found[theirs.strip()] = ours.strip()
        return found

    def columns(self) -> dict[str, str]:
        return {
            f.name: self.cleaned_data.get(f"col_{f.name}", "")
            for f in FIELDS
            if self.cleaned_data.get(f"col_{f.name}")
        }


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices)
    reason = forms.CharField(required=False, max_length=500)
