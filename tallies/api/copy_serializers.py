"""Serializers of the copy-submission API: they check shape only; the service checks the rules."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from elections.models import (
    BallotOption,
    Commission,
    Contest,
    ControlRelation,
    PollingStation,
    ProtocolLine,
)
from tallies.forms.entry import MAX_PHOTOS
from tallies.models import ControlFinding, ProtocolCopy
from tallies.services import fast_submission

COUNTS_SCHEMA = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}


@extend_schema_field(COUNTS_SCHEMA)
class CountsField(serializers.DictField):
    """{code: count}; values pass through unchecked so the service names the bad one (lines.<code>)."""


@extend_schema_field(OpenApiTypes.INT)
class OwnCopyField(serializers.PrimaryKeyRelatedField):
    """The id of a copy sent by the observer in the serializer's context (others do not exist).

    A colleague's copy answers exactly as a missing one, so ids cannot be probed.
    """

    def get_queryset(self) -> QuerySet[ProtocolCopy]:
        return ProtocolCopy.objects.sent_by(self.context["observer"])


class CopyInputSerializer(serializers.Serializer):
    """A protocol copy as the device sends it; context["observer"] is the sender."""

    client_uuid = serializers.UUIDField()
    contest = serializers.PrimaryKeyRelatedField(queryset=Contest.objects.select_related("form"))
    station = serializers.PrimaryKeyRelatedField(queryset=PollingStation.objects.select_related("pec"))
    lines = CountsField()
    options = CountsField()
    revises = OwnCopyField(required=False, allow_null=True, default=None)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=fast_submission.NOTE_LENGTH
    )
    missing = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        default=list,
        max_length=1000,
        help_text=(
            'figures not on the copy or unreadable, as "lines.<code>" or "options.<code>"; they are left'
            " out of lines/options and stored as absent (never 0); a copy's figures then lack them"
        ),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Refuse counts that are not JSON integers, naming the field as the service does.

        The service also reads digit strings (for files); over the API the schema says integer,
        and a string such as "²" (a digit to str.isdigit, not to int) must not reach it.
        """
        for group in ("lines", "options"):
            for code, value in attrs[group].items():
                if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                    raise serializers.ValidationError({f"{group}.{code}": [_("must be a whole number")]})
        return attrs


class PhotoOnlyInputSerializer(serializers.Serializer):
    """Photos of a protocol with no figures (multipart: repeat the "photos" part once per photo)."""

    client_uuid = serializers.UUIDField()
    contest = serializers.PrimaryKeyRelatedField(queryset=Contest.objects.all())
    station = serializers.PrimaryKeyRelatedField(queryset=PollingStation.objects.select_related("pec"))
    photos = serializers.ListField(child=serializers.FileField(), min_length=1, max_length=MAX_PHOTOS)


class CopyFindingSerializer(serializers.ModelSerializer[ControlFinding]):
    """A broken control relation: both sides and their difference, in votes."""

    relation = serializers.CharField(source="relation.code")
    label = serializers.CharField(source="relation.label")  # type: ignore[assignment]
    expression = serializers.CharField(source="relation.expression")
    difference = serializers.IntegerField()

    class Meta:
        model = ControlFinding
        fields = ["relation", "label", "expression", "lhs", "rhs", "difference"]


class CopyFiguresSerializer(serializers.Serializer):
    """The figures of a copy: {"lines": {code: count}, "options": {code: votes}}."""

    lines = CountsField()
    options = CountsField()


class CopySerializer(serializers.ModelSerializer[ProtocolCopy]):
    """A stored copy with its figures and the control relations it breaks."""

    observer = serializers.CharField(source="observer.code")
    findings = CopyFindingSerializer(many=True)
    figures = serializers.SerializerMethodField()

    class Meta:
        model = ProtocolCopy
        fields = [
            "id",
            "client_uuid",
            "contest",
            "station",
            "observer",
            "channel",
            "revises",
            "note",
            "submitted_at",
            "findings",
            "figures",
        ]

    @extend_schema_field(CopyFiguresSerializer)
    def get_figures(self, copy: ProtocolCopy) -> dict[str, dict[str, int]]:
        """Return the copy's figures from the prefetched layout (WITH_FIGURES: no query per copy)."""
        figures = copy.figures()
        return {"lines": dict(figures.lines), "options": dict(figures.options)}


class FormLineSerializer(serializers.ModelSerializer[ProtocolLine]):
    label = serializers.CharField()  # type: ignore[assignment]

    class Meta:
        model = ProtocolLine
        fields = ["code", "number", "label"]


class FormOptionSerializer(serializers.ModelSerializer[BallotOption]):
    name = serializers.CharField(source="local_name", read_only=True)
    short_name = serializers.CharField(source="local_short_name", read_only=True)

    class Meta:
        model = BallotOption
        fields = ["code", "name", "short_name"]


class FormRelationSerializer(serializers.ModelSerializer[ControlRelation]):
    label = serializers.CharField()  # type: ignore[assignment]

    class Meta:
        model = ControlRelation
        fields = ["code", "expression", "label"]


class ContestFormSerializer(serializers.ModelSerializer[Contest]):
    """What a client needs to draw a contest's protocol form; labels in the request language."""

    lines = FormLineSerializer(many=True, source="form.lines")
    options = FormOptionSerializer(many=True)
    control_relations = FormRelationSerializer(many=True, source="form.control_relations")
    name = serializers.CharField(source="local_name", read_only=True)

    class Meta:
        model = Contest
        fields = ["id", "name", "lines", "options", "control_relations"]


class StationLookupQuerySerializer(serializers.Serializer):
    """Query parameters of the station lookup."""

    contest = serializers.PrimaryKeyRelatedField(queryset=Contest.objects.all())
    number = serializers.CharField(required=False, max_length=40)
    region = serializers.PrimaryKeyRelatedField(queryset=Commission.objects.all(), required=False)


class StationLookupSerializer(serializers.ModelSerializer[PollingStation]):
    """A polling station with the names of its TEC and region."""

    tec = serializers.CharField(source="pec.parent.name", default="")
    region = serializers.SerializerMethodField()

    class Meta:
        model = PollingStation
        fields = ["id", "number", "name", "tec", "region"]

    def get_region(self, station: PollingStation) -> str:
        """Return the name of the station's regional commission (SEC), or "" if it has none."""
        commission = station.pec.parent
        while commission is not None and commission.level != Commission.Level.SEC:
            commission = commission.parent
        return commission.name if commission else ""
