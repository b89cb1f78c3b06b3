"""A service's refusal shown on the form that caused it, the same way on every page.

Services refuse bad input with an error naming the field (`field`, `message`: FieldError,
FieldWorkError, EvidenceRefused). A page shows the message beside that field when the form shows
the field, and above the form otherwise (a field the form does not have, or keeps hidden).
"""

from __future__ import annotations

from collections.abc import Mapping

from django import forms


def show_on_form(
    form: forms.BaseForm, field: str | None, message: str, *, aliases: Mapping[str, str] | None = None
) -> None:
    """Add `message` to `form`: under `field` (or the form's name for it, `aliases`) when that is
    a visible field of the form, else as an error of the whole form.
    """
    name = (aliases or {}).get(field or "", field)
    visible = name is not None and name in form.fields and not form.fields[name].widget.is_hidden
    form.add_error(name if visible else None, message)
