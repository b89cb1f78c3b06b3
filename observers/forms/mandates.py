"""Forms of the mandate and funnel pages: they check the shape; observers.services.mandates the rules."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from elections.models import Commission, Contest, Election, PollingStation
from observers.models import Mandate, Observer, Organization

SEPARATORS = re.compile(r"[\s,;]+")


class ObserverChoiceField(forms.ModelChoiceField):
    """An observer shown as "code · name" (the page is the organisation's coordinators' only)."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.display_name}" if obj.display_name else obj.code


class ElectionForm(forms.Form):
    """Which election a list or report is for (a GET form); `default` when none is asked for."""

    election = forms.ModelChoiceField(queryset=Election.objects.none(), label=_("Election"), empty_label=None)

    def __init__(
        self, *args: Any, elections: QuerySet[Election], default: Election | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["election"].queryset = elections  # type: ignore[attr-defined]
        self.default = default or elections.first()
        self.initial.setdefault("election", self.default)

    def chosen(self) -> Election | None:
        """The valid election asked for, else the default one, else None."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["election"]
        return self.default


class FunnelForm(ElectionForm):
    """The funnel's election and rows: regions or TECs."""

    level = forms.ChoiceField(
        label=_("Rows"),
        choices=[(Commission.Level.SEC, _("Regions")), (Commission.Level.TEC, _("Territorial commissions"))],
        required=False,
    )

    def chosen_level(self) -> str:
        level = self.cleaned_data.get("level") if self.is_bound and self.is_valid() else None
        return level or Commission.Level.SEC


class IssueMandateForm(forms.Form):
    """A new mandate: an observer and one station number, or several for a mobile team."""

    observer = ObserverChoiceField(queryset=Observer.objects.none(), label=_("Observer"))
    region = forms.ModelChoiceField(
        queryset=Commission.objects.none(), required=False, label=_("Region"), empty_label=_("Any region")
    )
    numbers = forms.CharField(
        max_length=500,
        label=_("Polling station numbers"),
        help_text=_("Separate several numbers with commas: they make a mobile team."),
    )

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        election: Election,
        territory: Commission | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["observer"].queryset = organization.observers.filter(is_active=True).order_by("code")  # type: ignore[attr-defined]
        regions = Commission.objects.filter(election=election, level=Commission.Level.SEC)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.stations = PollingStation.objects.filter(pec__election=election).select_related("pec")
        if territory is not None:
            self.stations = self.stations.within(territory)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        numbers = [n for n in SEPARATORS.split(data.get("numbers", "")) if n]
        if not numbers and "numbers" not in self.errors:
            self.add_error("numbers", _("Give at least one polling station number."))
        data["stations"] = [station for n in numbers if (station := self._station(n, data.get("region")))]
        return data

    def _station(self, number: str, region: Commission | None) -> PollingStation | None:
        stations = self.stations.filter(number=number)
        if region is not None:
            stations = stations.within(region)
        found = list(stations[:2])
        if len(found) == 1:
            return found[0]
        message = (
            _("Several stations have number %(n)s: choose the region.") if found else _("No station %(n)s.")
        )
        self.add_error("region" if found else "numbers", message % {"n": number})
        return None


class EventForm(forms.Form):
    """A status change of one mandate; `statuses` are those the user may record now."""

    status = forms.ChoiceField(label=_("What happened"))
    station = forms.ModelChoiceField(
        queryset=PollingStation.objects.none(), required=False, label=_("Station")
    )
    contest = forms.ModelChoiceField(
        queryset=Contest.objects.none(),
        required=False,
        label=_("Protocol of (for a copy obtained or refused)"),
    )
    reason = forms.CharField(
        required=False,
        max_length=2000,
        label=_("Reason or pretext"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    by_whom = forms.CharField(required=False, max_length=200, label=_("By whom (e.g. PEC chair, police)"))

    def __init__(self, *args: Any, mandate: Mandate, statuses: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, Mandate.Status(s).label) for s in statuses]  # type: ignore[attr-defined]
        self.fields["station"].queryset = mandate.stations.select_related("pec__parent")  # type: ignore[attr-defined]
        self.fields["contest"].queryset = Contest.objects.filter(election_id=mandate.election_id)  # type: ignore[attr-defined]
        self.fields["station"].label_from_instance = _station_label  # type: ignore[attr-defined]
        if not mandate.is_mobile_team:
            self.fields["station"].widget = forms.HiddenInput()

    def event(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments of services.mandates.record_event."""
        return {
            name: self.cleaned_data[name] for name in ("status", "station", "contest", "reason", "by_whom")
        }


def _station_label(station: PollingStation) -> str:
    return f"{station.number} · {station.pec.parent.name}" if station.pec.parent else station.number
