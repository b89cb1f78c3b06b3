"""config.form_errors: a service's refusal lands beside the field it names, or above the form."""

from __future__ import annotations

from django import forms

from config.form_errors import show_error, show_on_form
from observers.errors import EvidenceRefused, MandateError, RosterFileError


class Form(forms.Form):
    time = forms.CharField(required=False)
    client_uuid = forms.CharField(required=False, widget=forms.HiddenInput)


def form() -> Form:
    bound = Form(data={})
    bound.is_valid()
    return bound


def test_a_visible_field_gets_the_message():
    bound = form()
    show_on_form(bound, "time", "Too late.")
    assert bound.errors == {"time": ["Too late."]}


def test_the_service_name_of_a_field_is_translated_to_the_forms():
    bound = form()
    show_on_form(bound, "occurred_at", "Too late.", aliases={"occurred_at": "time"})
    assert bound.errors == {"time": ["Too late."]}


def test_a_hidden_unknown_or_absent_field_puts_the_message_above_the_form():
    for field in ("client_uuid", "station", None):
        bound = form()
        show_on_form(bound, field, "Refused.")
        assert bound.non_field_errors() == ["Refused."] and list(bound.errors) == ["__all__"]


def test_a_service_error_lands_beside_the_field_it_names():
    bound = form()
    show_error(bound, MandateError("time", "Too late."))
    assert bound.errors == {"time": ["Too late."]}


def test_a_service_error_without_a_visible_field_lands_above_the_form():
    for error in (EvidenceRefused("Not a photo.", field="client_uuid"), RosterFileError(3, "phone", "No.")):
        bound = form()
        show_error(bound, error)
        assert bound.errors == {"__all__": [error.message]}
