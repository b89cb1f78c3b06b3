"""Phone forms of a station visit: check in, stages observed, count start, one stage's checklist.

Forms check shape only; the rules (live mandate, answer kinds, latest wins) are in
observers.services.visits. Times are typed in the election's local time and stay naive here:
the service reads them in Election.time_zone and stores UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from elections.models import PollingStation
from observers.models import ChecklistAnswer, ChecklistItem
from observers.models.visits import Stage
from observers.services.visits import Answer

YES_NO_CHOICES = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class CheckInForm(forms.Form):
    """The station to check in at (the service refuses one without a live mandate) and the key of the
    check-in, made when the page is shown (`{% new_client_uuid %}`): a button tapped twice opens one visit.
    A page shown before check-ins had keys sends none: the view makes one (a second tap still finds
    the visit open at that station, `visits.check_in`).
    """

    station = forms.ModelChoiceField(queryset=PollingStation.objects.all(), widget=forms.HiddenInput)
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, required=False)


class StageForm(forms.Form):
    """Mark one stage as observed during the visit, or unmark it."""

    stage = forms.ChoiceField(choices=Stage.choices)
    observed = forms.TypedChoiceField(choices=[("1", _("Yes")), ("0", _("No"))], coerce=lambda v: v == "1")


class LocalTimeForm(forms.Form):
    """A date and a time in the election's local time zone (e.g. when the count started)."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(
        label=_("Local time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def local_datetime(self) -> dt.datetime:
        """The naive local date and time entered (the service applies the election's time zone)."""
        return dt.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"])


class ChecklistForm(forms.Form):
    """One field per checklist item of a stage: yes / no / blank, or a whole number."""

    def __init__(
        self, *args: Any, items: Iterable[ChecklistItem], latest: dict[int, ChecklistAnswer], **kwargs: Any
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[item.code] = _item_field(item)
            self.initial[item.code] = _initial(latest.get(item.pk))

    def answers(self) -> list[Answer]:
        """(item, yes, number) for every item, blank ones included (a blank withdraws an answer)."""
        data = self.cleaned_data
        return [
            (item, data.get(item.code), None) if _is_yes_no(item) else (item, None, data.get(item.code))
            for item in self.items
        ]


def _is_yes_no(item: ChecklistItem) -> bool:
    return item.answer == ChecklistItem.Answer.YES_NO


def _item_field(item: ChecklistItem) -> forms.Field:
    if _is_yes_no(item):
        return forms.TypedChoiceField(
            label=item.label, choices=YES_NO_CHOICES, coerce=_yes_no, empty_value=None, required=False
        )
    widget = forms.NumberInput(attrs={"min": 0, "inputmode": "numeric", "step": 1})
    return forms.IntegerField(label=item.label, min_value=0, required=False, widget=widget)


def _initial(row: ChecklistAnswer | None) -> Any:
    if row is None:
        return None
    if row.item.answer == ChecklistItem.Answer.NUMBER:
        return row.number
    return {True: "yes", False: "no"}.get(row.yes, "")  # type: ignore[arg-type]
