"""Forms of the analysis pages: published shares to allocate seats from, and a quick-count draw."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from elections.models import BallotOption

MAX_SEED = 2**63 - 1  # the sample's seed is a signed 64-bit integer


class SharesForm(forms.Form):
    """One percentage per party (blank: not published); their sum may not exceed 100."""

    def __init__(self, *args: Any, parties: list[BallotOption], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parties = parties
        for option in parties:
            self.fields[f"share_{option.code}"] = forms.DecimalField(
                label=str(option),
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(100),
                decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        shares = [value for value in cleaned.values() if value is not None]
        if not shares:
            raise ValidationError(_("Enter at least one party's share."))
        if sum(shares) > 100:
            raise ValidationError(_("The shares add up to more than 100 %."))
        return cleaned

    def shares(self) -> dict[str, Decimal]:
        """Return the entered shares in percent by option code."""
        return {
            option.code: self.cleaned_data[f"share_{option.code}"]
            for option in self.parties
            if self.cleaned_data.get(f"share_{option.code}") is not None
        }


class DrawSampleForm(forms.Form):
    """How many stations to draw, whether per region, and an optional seed (random when blank)."""

    size = forms.IntegerField(label=_("Stations in the sample"), min_value=1)
    is_stratified = forms.BooleanField(label=_("Stratified by region"), required=False, initial=True)
    seed = forms.IntegerField(
        label=_("Seed"),
        required=False,
        min_value=0,
        max_value=MAX_SEED,
        help_text=_("Leave blank for a random seed; it is recorded either way, so the draw can be repeated."),
    )
