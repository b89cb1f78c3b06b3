"""Forms of the coordinator desk: they check shape only; the rules are the desk services'.

Field names match the names the services give their FieldErrors ("reason", "code", "value",
"lines.<code>", ...), so an error lands next to its input.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django import forms
from django.forms import BoundField
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from elections.models import Commission, Contest
from elections.sorting import natural_key
from observers.models import Observer, Organization
from tallies.forms.entry import MISSING, CopyForm
from tallies.models import LineVerification, Quarantine
from tallies.selectors.layout import Layout

REASON_WIDGET = forms.Textarea(attrs={"rows": 2})


def _reason(label: Any = None) -> forms.CharField:
    return forms.CharField(label=label or _("Reason"), max_length=2000, widget=REASON_WIDGET)


class NaturalOrder(ModelChoiceIterator):
    """Regions, then TECs, each by their names read as people do: "2 …" before "10 …" before "100 …"."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        commissions = sorted(
            self.queryset, key=lambda c: (c.level != Commission.Level.SEC, natural_key(c.name))
        )
        for commission in commissions:
            yield self.choice(commission)


class FilterForm(forms.Form):
    """The region or TEC the queues are limited to (GET)."""

    commission = forms.ModelChoiceField(
        queryset=Commission.objects.none(), required=False, label=_("Region or TEC"), empty_label=_("All")
    )

    def __init__(self, *args: Any, choices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commission"].queryset = choices  # type: ignore[attr-defined]
        self.fields["commission"].iterator = NaturalOrder  # type: ignore[attr-defined]

    def chosen(self) -> Commission | None:
        return self.cleaned_data.get("commission") if self.is_valid() else None


class QuarantineForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Hold out"),
        choices=Quarantine.Scope.choices,
        initial=Quarantine.Scope.ALL,
        widget=forms.RadioSelect,
    )
    reason = _reason()


class ReleaseForm(forms.Form):
    reason = _reason(_("Reason for the release"))


def code_choices(contest: Contest) -> list[tuple[str, str]]:
    """("lines.<code>" / "options.<code>", label) for every line, then every option."""
    return [
        (f"{kind}s.{code}", f"{number}. {label}" if number else label)
        for kind, code, number, label in Layout.of(contest).entries()
    ]


class VerifyForm(forms.Form):
    code = forms.ChoiceField(label=_("Line or option"))
    method = forms.ChoiceField(label=_("Checked how"), choices=LineVerification.Method.choices)
    note = forms.CharField(label=_("Note (optional)"), max_length=300, required=False)

    def __init__(self, *args: Any, contest: Contest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = code_choices(contest)  # type: ignore[attr-defined]


class ResolveForm(forms.Form):
    """One disputed code: pick a copy's value or type another one, with a reason."""

    code = forms.CharField(widget=forms.HiddenInput)
    next = forms.CharField(widget=forms.HiddenInput, required=False)
    chosen_copy = forms.TypedChoiceField(label=_("Accept"), coerce=int, required=False, empty_value=None)
    value = forms.IntegerField(label=_("or another value"), required=False, min_value=0)
    reason = _reason()

    def __init__(self, *args: Any, options: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("the value typed below")), *options]
        self.fields["chosen_copy"].choices = choices  # type: ignore[attr-defined]


class AcceptCopyForm(forms.Form):
    """Settle all of a station's disputed lines with one copy's values, for one reason."""

    chosen_copy = forms.TypedChoiceField(label=_("Accept this copy for all lines"), coerce=int)
    next = forms.CharField(widget=forms.HiddenInput, required=False)
    reason = _reason()

    def __init__(self, *args: Any, options: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chosen_copy"].choices = list(options)  # type: ignore[attr-defined]
        self.fields["chosen_copy"].widget = forms.RadioSelect(choices=list(options))


def _figure_field(label: str) -> forms.IntegerField:
    widget = forms.NumberInput(attrs={"min": 0, "inputmode": "numeric", "step": 1, "autocomplete": "off"})
    return forms.IntegerField(label=label, widget=widget)


class BlindEntryForm(forms.Form):
    """Empty figure fields for a blind entry: never filled in from the copy being checked.

    With `missing_allowed` (the transcription of a photo-only copy) each figure has the copy
    form's box "not on the copy / unreadable": a figure may be left empty only when marked, as
    the submission service checks (its FieldError names the figure).
    """

    client_uuid = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, contest: Contest, missing_allowed: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.missing_allowed = missing_allowed
        for code, label in code_choices(contest):
            self.fields[code] = _figure_field(label)
            if missing_allowed:
                self.fields[code].required = False
                self.fields[MISSING + code] = forms.BooleanField(
                    required=False, label=_("not on the copy / unreadable")
                )

    def line_pairs(self) -> list[tuple[BoundField, BoundField | None]]:
        """Each line's field and its box "not on the copy / unreadable" (None without boxes)."""
        return [(field, self._box(field)) for field in self.line_fields()]

    def option_pairs(self) -> list[tuple[BoundField, BoundField | None]]:
        """Each option's field and its box "not on the copy / unreadable" (None without boxes)."""
        return [(field, self._box(field)) for field in self.option_fields()]

    def _box(self, field: BoundField) -> BoundField | None:
        return self[MISSING + field.name] if self.missing_allowed else None

    def missing(self) -> list[str]:
        """The codes ("lines.<code>"/"options.<code>") marked "not on the copy / unreadable"."""
        marked = (name for name, value in self.cleaned_data.items() if name.startswith(MISSING) and value)
        return sorted(name.removeprefix(MISSING) for name in marked)

    def line_fields(self) -> list[BoundField]:
        return [self[name] for name in self.fields if name.startswith("lines.")]

    def option_fields(self) -> list[BoundField]:
        return [self[name] for name in self.fields if name.startswith("options.")]

    def figures(self) -> dict[str, dict[str, int]]:
        """The typed figures as keyword arguments "lines" and "options" of the services."""
        data = self.cleaned_data
        return {
            kind: {
                name.split(".", 1)[1]: value for name, value in data.items() if name.startswith(kind + ".")
            }
            for kind in ("lines", "options")
        }


class PhoneInForm(CopyForm):
    """A copy dictated by an observer: the observer, then the station and figures as in CopyForm."""

    observer = forms.ModelChoiceField(queryset=Observer.objects.none(), label=_("Observer on the phone"))

    def __init__(self, *args: Any, contest: Contest, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, contest=contest, **kwargs)  # no observer: nothing to revise
        observers = Observer.objects.filter(organization=organization, is_active=True).order_by(
            "display_name"
        )
        self.fields["observer"].queryset = observers  # type: ignore[attr-defined]
        self.fields["observer"].label_from_instance = lambda o: f"{o.display_name} ({o.code})"  # type: ignore[attr-defined]

    def submission(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments of services.desk.phone_in."""
        data = super().submission()
        data.pop("revises")
        return {**data, "observer": self.cleaned_data["observer"]}


def _shown(value: int | None) -> object:
    return _("not on the copy / unreadable") if value is None else value


class SettleTranscriptionForm(forms.Form):
    """The lines where the two blind entries of a photo-only copy differ: a value each, one reason.

    `differing` maps "lines.<code>"/"options.<code>" to the two entries' values (None: marked
    "not on the copy / unreadable"); `labels` names them. The fields are named by code, as the
    service names its FieldErrors.
    """

    def __init__(
        self,
        *args: Any,
        differing: dict[str, tuple[int | None, int | None]],
        labels: dict[str, str],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.differing = differing
        for code, (first, second) in differing.items():
            field = _figure_field(labels.get(code, code))
            field.help_text = _("Entry 1: %(first)s · Entry 2: %(second)s") % {
                "first": _shown(first),
                "second": _shown(second),
            }
            self.fields[code] = field
        self.fields["reason"] = _reason()

    def figure_fields(self) -> list[BoundField]:
        return [self[code] for code in self.differing]

    def values(self) -> dict[str, int]:
        return {code: self.cleaned_data[code] for code in self.differing}
