"""The publishing forms: what an organisation publishes (with its preview) and a withdrawal's notice."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from elections.models import Contest
from observers.models import Organization
from tallies import selectors
from tallies.services import releases


class PublishForm(forms.Form):
    """What to publish: the contest, what changed, when, whether with photos, under which licence.

    `confirmed` is set by the preview page: the first POST shows what would become public, only
    the second one (the same fields, confirmed) publishes.
    """

    contest: forms.ModelChoiceField = forms.ModelChoiceField(  # type: ignore[type-arg]
        queryset=Contest.objects.none(), label=gettext_lazy("Contest")
    )
    changelog = forms.CharField(
        label=gettext_lazy("What this release contains or corrects"), widget=forms.Textarea(attrs={"rows": 3})
    )
    publish_at = forms.DateTimeField(
        label=gettext_lazy("Public from (election's local time; empty: now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    show_photos = forms.BooleanField(label=gettext_lazy("Publish the protocol photos"), required=False)
    license_id = forms.ChoiceField(
        label=gettext_lazy("Licence of the published data"),
        choices=list(releases.LICENSES.items()),
        initial=releases.LICENSE,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("CC BY 4.0 is proposed: anyone may reuse the figures, crediting you."),
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, organization: Organization, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["contest"].queryset = selectors.contests_with_data(organization)  # type: ignore[attr-defined]

    def publish_moment(self) -> datetime | None:
        """The chosen time read in the contest's election time zone (the form reads it as UTC)."""
        moment = self.cleaned_data.get("publish_at")
        if moment is None:
            return None
        zone = ZoneInfo(self.cleaned_data["contest"].election.time_zone)
        return timezone.make_aware(timezone.make_naive(moment, ZoneInfo("UTC")), zone)


class WithdrawForm(forms.Form):
    """Which release to withdraw and the public notice saying why."""

    withdraw = forms.IntegerField(widget=forms.HiddenInput)
    notice = forms.CharField(
        label=gettext_lazy("Public notice: why the release is withdrawn"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
