"""Forms of the roster pages: one observer, a roster file, and the signed confirmation of a clean dry run.

The confirmation carries the checked rows in a signed token (valid for an hour, for one
organisation), so the coordinator does not upload the file twice; the service checks the rows
again before importing them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.utils.translation import gettext_lazy as _

from observers.models import Organization
from observers.services.roster import MAX_BYTES, RosterRow, rows_as_data

TOKEN_SALT = "observers.roster-import"
TOKEN_MAX_AGE = 3600  # seconds between the dry run and the confirmation


class ObserverForm(forms.Form):
    """One observer: name and phone, and optionally a login account."""

    name = forms.CharField(max_length=200, label=_("Name"))
    phone = forms.CharField(
        max_length=40, label=_("Phone"), widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    username = forms.CharField(
        max_length=150, required=False, label=_("Username"), help_text=_("Leave empty for no login account.")
    )
    email = forms.EmailField(required=False, label=_("E-mail"))
    password = forms.CharField(
        required=False,
        label=_("Password"),
        widget=forms.PasswordInput,
        help_text=_("Optional: without one the account cannot log in until a password is set."),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        namespaced = _("They log in as username@%(slug)s. Leave empty for no login account.")
        self.fields["username"].help_text = namespaced % {"slug": organization.slug}

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password", "")
        if password:
            validate_password(password)
        return password


class RosterFileForm(forms.Form):
    """A CSV or XLSX roster: columns name, phone, and optionally username, email."""

    file = forms.FileField(label=_("Roster file (.csv or .xlsx, at most 2 MB)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


class ConfirmImportForm(forms.Form):
    """The signed rows of a clean dry run, to import them."""

    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_token(self) -> list[RosterRow]:
        try:
            data = signing.loads(self.cleaned_data["token"], salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        except signing.BadSignature as error:
            raise forms.ValidationError(_("This check has expired: upload the file again.")) from error
        if data.get("organization") != self.organization.pk:
            raise forms.ValidationError(_("This check was made for another organisation."))
        return [RosterRow(**row) for row in data["rows"]]


def confirmation_token(organization: Organization, rows: list[RosterRow]) -> str:
    """Sign the checked rows for ConfirmImportForm: tamper-proof, not secret (the coordinator sees it)."""
    payload = {"organization": organization.pk, "rows": rows_as_data(rows)}
    return signing.dumps(payload, salt=TOKEN_SALT, compress=True)
