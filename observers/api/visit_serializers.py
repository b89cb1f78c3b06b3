"""Serializers of the visit API: shape only; observers.services.visits checks the rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from elections.models import PollingStation
from observers.models import ChecklistAnswer, ChecklistItem, Visit
from observers.models.visits import Stage
from observers.services import visits as service


class LocalDateTimeField(serializers.DateTimeField):
    """ISO 8601; a value without an offset is kept naive and read in the election's time zone."""

    def enforce_timezone(self, value: datetime) -> datetime:
        return value if timezone.is_naive(value) else super().enforce_timezone(value)


class CodeField(serializers.SlugRelatedField):  # type: ignore[type-arg]
    """A SlugRelatedField that answers "no such code" for text with NUL characters.

    PostgreSQL text cannot hold NUL, and psycopg 3 raises a DataError for it that DRF does not
    catch: without this check such a code is a 500 instead of a 400 naming the field.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", "\\x00"))
        return super().to_internal_value(data)


class ChecklistItemSerializer(serializers.ModelSerializer[ChecklistItem]):
    """A checklist question; `label` is in the request language, `labels` in all three."""

    label = serializers.CharField(read_only=True)  # type: ignore[assignment]

    class Meta:
        model = ChecklistItem
        fields = ["code", "stage", "position", "answer", "problem_if", "label", "labels"]


class CheckInSerializer(serializers.Serializer):
    """Check in at a station; `checked_in_at` defaults to now (no offset = election's local time)."""

    client_uuid = serializers.UUIDField(
        help_text="A key the device makes once for this check-in (a UUID, unique per observer). Sending it"
        " again returns the stored visit (200, nothing doubled); with another body it is refused (409)."
    )
    station = serializers.PrimaryKeyRelatedField(
        queryset=PollingStation.objects.select_related("pec__election")
    )
    checked_in_at = LocalDateTimeField(required=False, allow_null=True, default=None)


class StageInputSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    observed = serializers.BooleanField(default=True)


class CountStartSerializer(serializers.Serializer):
    started_at = LocalDateTimeField(help_text="When the count started; no offset = election's local time.")


class CheckOutSerializer(serializers.Serializer):
    checked_out_at = LocalDateTimeField(required=False, allow_null=True, default=None)


class AnswerInputSerializer(serializers.Serializer):
    """One answer: `yes` for a yes/no item, `number` for a number item; both null withdraws it."""

    item = CodeField(slug_field="code", queryset=ChecklistItem.objects.all())
    yes = serializers.BooleanField(required=False, allow_null=True, default=None)
    number = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)


class AnswersInputSerializer(serializers.Serializer):
    answers = AnswerInputSerializer(many=True, allow_empty=False)


class AnswerSerializer(serializers.ModelSerializer[ChecklistAnswer]):
    item = serializers.CharField(source="item.code")
    problem = serializers.SerializerMethodField()

    class Meta:
        model = ChecklistAnswer
        fields = ["item", "yes", "number", "answered_at", "problem"]

    def get_problem(self, row: ChecklistAnswer) -> bool:
        """True when a yes/no answer equals the item's `problem_if`."""
        return row.item.problem_if is not None and row.yes is row.item.problem_if


class VisitSerializer(serializers.ModelSerializer[Visit]):
    """A visit with the latest answer to each item (earlier answers stay stored)."""

    answers = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = [
            "id",
            "client_uuid",
            "station",
            "mandate",
            "checked_in_at",
            "checked_out_at",
            "stages",
            "count_started_at",
            "answers",
        ]

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answers(self, visit: Visit) -> list[dict[str, Any]]:
        """The latest answer per item, in checklist order."""
        rows = sorted(
            service.latest_answers(visit).values(), key=lambda row: (row.item.stage, row.item.position)
        )
        return AnswerSerializer(rows, many=True).data  # type: ignore[return-value]
