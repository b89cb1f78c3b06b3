"""The official results upload form: contest, level, source, status, file and an optional column map."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from elections.models import Contest
from tallies.models import OfficialSnapshot

LEVEL_CHOICES = [
    ("station", _("Stations (one protocol a row)")),
    ("tec", _("Territorial commissions")),
    ("region", _("Regions")),
    ("nation", _("The nation")),
]


class OfficialResultsForm(forms.Form):
    """What import_results asks for; the column map is JSON text (see docs/setup.md)."""

    contest = forms.ModelChoiceField(
        label=_("Contest"), queryset=Contest.objects.select_related("election").order_by("-election__held_on")
    )
    level = forms.ChoiceField(label=_("Level of the file"), choices=LEVEL_CHOICES)
    source = forms.CharField(label=_("Published by"), max_length=300)
    status = forms.ChoiceField(
        label=_("Status"), choices=OfficialSnapshot.Status.choices, initial=OfficialSnapshot.Status.FINAL
    )
    file = forms.FileField(label=_("File (.csv, .csv.gz or .zip)"))
    key = forms.CharField(label=_("Key of the rows (national files)"), max_length=100, required=False)
    columns = forms.CharField(
        label=_("Column map (JSON, optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('For headers the form does not know, e.g. {"columns": {"Явка": "voters_took_part"}}'),
    )

    def clean_columns(self) -> dict[str, Any] | None:
        text = self.cleaned_data["columns"].strip()
        if not text:
            return None
        try:
            data = json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(_("Not JSON: %(error)s") % {"error": error}) from error
        if not isinstance(data, dict):
            raise forms.ValidationError(_("The column map must be a JSON object."))
        return data


class ConfirmForm(forms.Form):
    """The signed token of a preview (tallies.services.results_uploads)."""

    token = forms.CharField(widget=forms.HiddenInput)
