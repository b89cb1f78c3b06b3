"""Forms of violation acts: the act itself, co-signers, PEC filing, complaint steps, review, queue filter.

Forms check shape only; observers.services.violations checks the rules (live mandate, type of the
stage, co-signers of the same organisation, a reason for a rejection). The act's time is typed in
the election's local time and stays naive here; the service applies Election.time_zone.
"""

from __future__ import annotations

import datetime as dt
import re
from itertools import groupby
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from elections.models import Commission, PollingStation
from observers.models import ComplaintStep, ViolationAct, ViolationType
from observers.models.visits import Stage
from observers.selectors.violations import category_label, types_for_stage

CODE_SEPARATORS = re.compile(r"[\s,;]+")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PhoneForm(forms.Form):
    """A form without the trailing colon after labels (labels sit above big inputs)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class StationChoiceField(forms.ModelChoiceField):
    """A polling station shown as "No. 91 — TEC name"."""

    def label_from_instance(self, obj: Any) -> str:
        return f"№ {obj.number} — {obj.pec.parent.name if obj.pec.parent else ''}"


class ActForm(PhoneForm):
    """A violation act at one stage; `stations` are those of the observer's live mandates.

    `client_uuid` is the act's key, made when the empty form is shown (observers.views.violations):
    sending the same page twice files one act.
    """

    client_uuid = forms.UUIDField(widget=forms.HiddenInput)
    station = StationChoiceField(queryset=PollingStation.objects.none(), label=_("Polling station"))
    violation_type = forms.ModelChoiceField(queryset=ViolationType.objects.none(), label=_("Violation"))
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    time = forms.TimeField(
        label=_("Local time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    description = forms.CharField(
        label=_("What happened"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    legal_article = forms.CharField(label=_("Article of the law (optional)"), max_length=200, required=False)
    cosigner_codes = forms.CharField(
        label=_("Codes of co-signing observers (optional)"),
        help_text=_("Observers of your organisation, separated by spaces or commas."),
        max_length=500,
        required=False,
    )
    commission_member = forms.CharField(
        label=_("Commission member who signed (optional)"), max_length=200, required=False
    )
    filing = forms.ChoiceField(label=_("Filed with the PEC"), choices=ViolationAct.Filing.choices)

    def __init__(self, *args: Any, stage: str, stations: QuerySet[PollingStation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stage = stage
        self._set_queryset("station", stations)
        types = types_for_stage(stage)
        self._set_queryset("violation_type", types).choices = _grouped(types)
        first = stations.select_related("pec__election").first()
        self.initial.setdefault("date", first.pec.election.held_on if first else None)

    def _set_queryset(self, name: str, queryset: QuerySet[Any]) -> forms.ModelChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset
        return field

    def submission(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments of services.violations.file_act (naive local time)."""
        data = self.cleaned_data
        return {
            "station": data["station"],
            "client_uuid": data["client_uuid"],
            "stage": self.stage,
            "violation_type": data["violation_type"],
            "occurred_at": dt.datetime.combine(data["date"], data["time"]),
            "description": data["description"],
            "legal_article": data["legal_article"],
            "filing": data["filing"],
            "cosigner_codes": [code for code in CODE_SEPARATORS.split(data["cosigner_codes"]) if code],
            "commission_member": data["commission_member"],
        }


def _grouped(types: QuerySet[ViolationType]) -> list[tuple[str, Any]]:
    """Choices grouped by category: [("", "—"), (category label, [(id, label), ...]), ...]."""
    groups = [
        (category_label(category), [(row.pk, row.label) for row in rows])
        for category, rows in groupby(types, key=lambda row: row.category)
    ]
    return [("", "—"), *sorted(groups, key=lambda group: str(group[0]))]


class CoSignerForm(PhoneForm):
    """Another observer of the organisation by code, or a commission member by name."""

    observer_code = forms.CharField(label=_("Observer's code"), max_length=40, required=False)
    name = forms.CharField(label=_("Or a commission member's name and role"), max_length=200, required=False)


class FilingForm(PhoneForm):
    """Where the act stands with the PEC."""

    filing = forms.ChoiceField(label=_("Filed with the PEC"), choices=ViolationAct.Filing.choices)


class ComplaintForm(PhoneForm):
    """One step of the complaint track."""

    body = forms.ChoiceField(label=_("Filed with"), choices=ComplaintStep.Body.choices)
    filed_on = forms.DateField(label=_("Filed on"), widget=DATE_INPUT)
    answered_on = forms.DateField(label=_("Answered on (optional)"), widget=DATE_INPUT, required=False)
    outcome = forms.CharField(
        label=_("Outcome (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewForm(PhoneForm):
    """A coordinator's verdict on a new act; the reason of a rejection is shown to the observer."""

    VERDICTS = [(ViolationAct.Review.VERIFIED, _("Verify")), (ViolationAct.Review.REJECTED, _("Reject"))]

    verdict = forms.ChoiceField(label=_("Verdict"), choices=VERDICTS)
    reason = forms.CharField(
        label=_("Reason (the observer sees it)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QueueFilterForm(PhoneForm):
    """Filters of the review queue: stage and region (a regional commission)."""

    stage = forms.ChoiceField(
        label=_("Stage"), choices=[("", _("All stages")), *Stage.choices], required=False
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Commission.objects.none(), required=False, empty_label=_("All regions")
    )

    def __init__(self, *args: Any, election_ids: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = Commission.objects.filter(election_id__in=election_ids, level=Commission.Level.SEC)
        field = self.fields["region"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = regions.order_by("name")
