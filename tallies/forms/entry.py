"""The web form an observer fills in on a phone: station, one number per line and option, a note.

Fields are named as the service names its errors ("lines.<code>", "options.<code>"), so a
FieldError lands next to its input. The form checks shape only (whole numbers, a station that
exists); the rules (no negatives, same election, revisions) stay in submit_protocol_copy.
Photos of the protocol may come with the copy: each is checked as an evidence upload is
(observers.services.evidence.inspect_upload) before anything is stored.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.db.models.functions import Length
from django.forms import BoundField
from django.utils.translation import gettext_lazy as _

from elections.models import Commission, Contest, PollingStation
from observers.models import Observer
from observers.services import evidence
from tallies.models import ProtocolCopy


def _figure_field(label: str, required: bool = True) -> forms.IntegerField:
    # No min_value: a negative count is the service's rule to refuse; min=0 only helps the keyboard.
    widget = forms.NumberInput(attrs={"min": 0, "inputmode": "numeric", "step": 1})
    return forms.IntegerField(label=label, widget=widget, required=required)


MISSING = "missing."  # prefix of the box that marks a figure "not on the copy / unreadable"


def _missing_field() -> forms.BooleanField:
    return forms.BooleanField(required=False, label=_("not on the copy / unreadable"))


MAX_PHOTOS = 10


class PhotosInput(forms.FileInput):
    """A file input that takes several photos, straight from the phone's camera."""

    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero or more uploaded files, as a list; each must be an acceptable evidence photo."""

    def __init__(self, **kwargs: Any) -> None:
        attrs = {"accept": "image/*", "capture": "environment"}
        super().__init__(widget=PhotosInput(attrs=attrs), required=False, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(limit)d photos.") % {"limit": MAX_PHOTOS})
        cleaned = [super(PhotosField, self).clean(f, initial) for f in files]
        for upload in cleaned:
            try:
                evidence.inspect_upload(upload)
            except evidence.EvidenceRefused as refusal:
                raise forms.ValidationError(f"{upload.name}: {refusal.message}") from refusal
        return cleaned


class CopyForm(forms.Form):
    """A protocol copy for one contest; `contest` scopes the stations, `observer` the copies it revises.

    Without `observer` (a coordinator entering for someone) no copy can be revised.
    """

    client_uuid = forms.UUIDField(widget=forms.HiddenInput)
    revises = forms.ModelChoiceField(
        queryset=ProtocolCopy.objects.none(), required=False, widget=forms.HiddenInput
    )
    station = forms.ModelChoiceField(
        queryset=PollingStation.objects.none(), required=False, widget=forms.HiddenInput
    )
    region = forms.ModelChoiceField(
        queryset=Commission.objects.none(), required=False, label=_("Region"), empty_label=_("Any region")
    )
    number = forms.CharField(required=False, max_length=40, label=_("Polling station number"))
    note = forms.CharField(
        required=False, max_length=2000, label=_("Note (optional)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(
        label=_("Photos of the protocol (optional)"),
        help_text=_("JPEG, PNG, HEIC or WebP, at most 15 MB each; sent with the copy."),
    )

    def __init__(
        self,
        *args: Any,
        contest: Contest,
        observer: Observer | None = None,
        mandated: QuerySet[PollingStation] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.contest = contest
        self.stations = PollingStation.objects.filter(pec__election_id=contest.election_id)
        own = ProtocolCopy.objects.sent_by(observer) if observer else ProtocolCopy.objects.none()
        self._restrict("revises", own.filter(contest=contest))
        self._restrict("station", self.stations)
        if mandated is not None and not self["revises"].value():
            self._choose_from(mandated.filter(pk__in=self.stations.values("pk")))
        regions = Commission.objects.filter(election_id=contest.election_id, level=Commission.Level.SEC)
        self._restrict("region", regions)
        # A figure may be left empty only when marked missing: the service names a blank one.
        for line in contest.form.lines.all():
            self.fields[f"lines.{line.code}"] = _figure_field(f"{line.number}. {line.label}", False)
            self.fields[f"{MISSING}lines.{line.code}"] = _missing_field()
        for option in contest.options.all():
            self.fields[f"options.{option.code}"] = _figure_field(option.local_name, False)
            self.fields[f"{MISSING}options.{option.code}"] = _missing_field()

    def _choose_from(self, mandated: QuerySet[PollingStation]) -> None:
        """Offer the stations of the observer's live mandates instead of a region and a number.

        The page then shows only this choice; a station named by region and number (an older
        page, a script) is still looked up, and the service checks the mandate either way.
        """
        mandated = mandated.select_related("pec__parent").order_by(Length("number"), "number")
        choices = list(mandated)
        if not choices:
            return
        self.fields["station"] = forms.ModelChoiceField(
            queryset=mandated,
            required=False,  # a client may still name it by region and number (clean)
            label=_("Polling station"),
            empty_label=_("Choose the station") if len(choices) > 1 else None,
        )
        self.fields["station"].label_from_instance = _station_choice  # type: ignore[attr-defined]
        self.chooses_from_mandates = True

    chooses_from_mandates = False

    def _restrict(self, name: str, queryset: QuerySet[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset

    def line_fields(self) -> list[BoundField]:
        return [self[name] for name in self.fields if name.startswith("lines.")]

    def option_fields(self) -> list[BoundField]:
        return [self[name] for name in self.fields if name.startswith("options.")]

    def line_pairs(self) -> list[tuple[BoundField, BoundField]]:
        """(figure, its "not on the copy" box) for each line, in form order."""
        return [(field, self[MISSING + field.name]) for field in self.line_fields()]

    def option_pairs(self) -> list[tuple[BoundField, BoundField]]:
        return [(field, self[MISSING + field.name]) for field in self.option_fields()]

    def fixed_station(self) -> PollingStation | None:
        """The station given by the page (?station= or a revision), shown instead of the lookup."""
        value = self["station"].value()
        if not value or not str(value).isdigit():
            return None
        return self.stations.select_related("pec__parent").filter(pk=value).first()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("station") is not None or "station" in self.errors or "number" in self.errors:
            return data  # a station chosen, or the error already names the field to fix
        if self.chooses_from_mandates and not data.get("number", "").strip():
            self.add_error("station", _("Choose the station."))
        else:
            data["station"] = self._find_station(data.get("region"), data.get("number", ""))
        return data

    def _find_station(self, region: Commission | None, number: str) -> PollingStation | None:
        if not number.strip():
            self.add_error("number", _("Enter the polling station number."))
            return None
        stations = self.stations.filter(number=number.strip())
        if region is not None:
            stations = stations.within(region)
        found = list(stations[:2])
        if len(found) == 1:
            return found[0]
        if found:
            self.add_error("region", _("Several stations have this number: choose the region."))
        else:
            self.add_error("number", _("No polling station with this number (in this region)."))
        return None

    def submission(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments of services.submit_protocol_copy."""
        data = self.cleaned_data
        return {
            "contest": self.contest,
            "station": data["station"],
            "lines": _prefixed(data, "lines."),
            "options": _prefixed(data, "options."),
            "client_uuid": data["client_uuid"],
            "revises": data["revises"],
            "note": data["note"],
            "missing": sorted(
                name.removeprefix(MISSING)
                for name, marked in data.items()
                if name.startswith(MISSING) and marked
            ),
        }


def _station_choice(station: PollingStation) -> str:
    return _("Polling station %(number)s, %(tec)s") % {
        "number": station.number,
        "tec": getattr(station.pec.parent, "name", ""),
    }


def _marked(data: dict[str, Any]) -> list[str]:
    """The names of the ticked "not on the copy / unreadable" boxes."""
    return [name for name, ticked in data.items() if name.startswith(MISSING) and ticked]


def _prefixed(data: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {name.removeprefix(prefix): value for name, value in data.items() if name.startswith(prefix)}


def initial_for_revision(copy: ProtocolCopy) -> dict[str, Any]:
    """Initial form values that prefill a revision of `copy` (its station and figures)."""
    figures = copy.figures()
    initial: dict[str, Any] = {"station": copy.station_id, "revises": copy.pk}
    initial.update({f"lines.{code}": value for code, value in figures.lines.items()})
    initial.update({f"options.{code}": value for code, value in figures.options.items()})
    lines = copy.contest.form.lines.values_list("code", flat=True)
    options = copy.contest.options.values_list("code", flat=True)
    initial.update({f"{MISSING}lines.{code}": True for code in lines if code not in figures.lines})
    initial.update({f"{MISSING}options.{code}": True for code in options if code not in figures.options})
    return initial


class PhotoOnlyCopyForm(forms.Form):
    """Photos of a protocol for one of the observer's stations, with no figures (issue 18).

    The station is chosen among the stations of the observer's live mandates in the contest's
    election; the service checks the mandate again and transcribes nothing itself.
    """

    client_uuid = forms.UUIDField(widget=forms.HiddenInput)
    station = forms.ModelChoiceField(queryset=PollingStation.objects.none(), label=_("Polling station"))
    photos = PhotosField(
        label=_("Photos of the protocol"),
        help_text=_("JPEG, PNG, HEIC or WebP, at most 15 MB each. Every figure must be readable."),
    )

    def __init__(
        self, *args: Any, contest: Contest, mandated: QuerySet[PollingStation], **kwargs: Any
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        stations = mandated.filter(pec__election_id=contest.election_id).select_related("pec__parent")
        field = self.fields["station"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = stations.order_by(Length("number"), "number")
        field.label_from_instance = _station_choice  # type: ignore[method-assign,assignment]
        field.empty_label = _("Choose the station")

    def clean_photos(self) -> list[UploadedFile]:
        photos: list[UploadedFile] = self.cleaned_data["photos"]
        if not photos:
            raise forms.ValidationError(_("Send at least one photo of the protocol."))
        return photos
