"""A service's refusal shown on the form that caused it, the same way on every page.

Services refuse bad input with a DomainError naming the field (`field`, `message`: FieldError,
FieldWorkError, EvidenceRefused, MandateError, ...). A page catches it around the service call and
hands it to `show_error`, which shows the message beside that field when the form shows the
field, and above the form otherwise (no field, one the form does not have, or keeps hidden); the
page then answers as for any invalid form. The API's counterpart is config.api.exception_handler.
"""

from __future__ import annotations

from collections.abc import Mapping

from django import forms

from config.domain_errors import DomainError


def show_on_form(
    form: forms.BaseForm, field: str | None, message: str, *, aliases: Mapping[str, str] | None = None
) -> None:
    """Add `message` to `form`: under `field` (or the form's name for it, `aliases`) when that is
    a visible field of the form, else as an error of the whole form.
    """
    name = (aliases or {}).get(field or "", field)
    visible = name is not None and name in form.fields and not form.fields[name].widget.is_hidden
    form.add_error(name if visible else None, message)


def show_error(form: forms.BaseForm, error: DomainError, *, aliases: Mapping[str, str] | None = None) -> None:
    """Show a service's refusal on `form`: `error.message` beside `error.field`, as show_on_form."""
    show_on_form(form, error.field, error.message, aliases=aliases)
