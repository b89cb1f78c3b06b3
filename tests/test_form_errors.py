"""config.form_errors: a service's refusal lands beside the field it names, or above the form."""

from __future__ import annotations

from django import forms

from config.form_errors import show_on_form


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
