"""The evidence upload form: one photo, checked by the evidence service."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

ACCEPT = "image/jpeg,image/png,image/heic,image/heif,image/webp,.jpg,.jpeg,.png,.heic,.heif,.webp"


class EvidenceForm(forms.Form):
    """One photo; the checks that matter are the service's (type by content, size, pixels)."""

    file = forms.FileField(
        label=gettext_lazy("Photo"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=gettext_lazy("JPEG, PNG, HEIC or WebP, at most 15 MB."),
    )
