"""Serializers of the violation-act API: shape only; observers.services.violations checks the rules."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from elections.models import PollingStation
from observers.api.visit_serializers import CodeField, LocalDateTimeField
from observers.models import ComplaintStep, CoSigner, ViolationAct, ViolationType
from observers.models.visits import Stage
from observers.selectors.violations import category_label


class ViolationTypeSerializer(serializers.ModelSerializer[ViolationType]):
    """A type of the taxonomy; labels in the request language (`labels` has all three)."""

    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    category_label = serializers.SerializerMethodField()

    class Meta:
        model = ViolationType
        fields = ["code", "stage", "category", "category_label", "label", "labels"]

    def get_category_label(self, row: ViolationType) -> str:
        return category_label(row.category)


class ActInputSerializer(serializers.Serializer):
    """An act as the device sends it; `occurred_at` without an offset is the election's local time."""

    client_uuid = serializers.UUIDField(
        help_text="A key the device makes once for this act (a UUID, unique per observer). Sending it"
        " again returns the stored act (200, nothing doubled); with another body it is refused (409)."
    )
    station = serializers.PrimaryKeyRelatedField(
        queryset=PollingStation.objects.select_related("pec__election")
    )
    stage = serializers.ChoiceField(choices=Stage.choices)
    violation_type = CodeField(slug_field="code", queryset=ViolationType.objects.all())
    occurred_at = LocalDateTimeField()
    description = serializers.CharField(max_length=5000)
    legal_article = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    filing = serializers.ChoiceField(
        choices=ViolationAct.Filing.choices, default=ViolationAct.Filing.NOT_FILED
    )
    cosigner_codes = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list, max_length=20
    )
    commission_member = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CoSignerInputSerializer(serializers.Serializer):
    """An observer of the act's organisation by code, or a commission member by name."""

    observer_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class FilingInputSerializer(serializers.Serializer):
    filing = serializers.ChoiceField(choices=ViolationAct.Filing.choices)


class ComplaintInputSerializer(serializers.Serializer):
    body = serializers.ChoiceField(choices=ComplaintStep.Body.choices)
    filed_on = serializers.DateField()
    answered_on = serializers.DateField(required=False, allow_null=True, default=None)
    outcome = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReviewInputSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=[ViolationAct.Review.VERIFIED, ViolationAct.Review.REJECTED])
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CoSignerSerializer(serializers.ModelSerializer[CoSigner]):
    """A co-signer: an observer's pseudonymous code, or a commission member's name."""

    observer = serializers.CharField(source="observer.code", default=None, allow_null=True)  # None: a member

    class Meta:
        model = CoSigner
        fields = ["observer", "name"]


class ComplaintSerializer(serializers.ModelSerializer[ComplaintStep]):
    class Meta:
        model = ComplaintStep
        fields = ["body", "filed_on", "answered_on", "outcome"]


class ActSerializer(serializers.ModelSerializer[ViolationAct]):
    """A stored act with its review (the reason is for the observer), co-signers, complaints, evidence."""

    observer = serializers.CharField(source="observer.code")
    violation_type = serializers.CharField(source="violation_type.code")
    cosigners = CoSignerSerializer(many=True)
    complaints = ComplaintSerializer(many=True)
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = ViolationAct
        fields = [
            "id", "client_uuid", "station", "election", "observer", "stage", "violation_type", "occurred_at",
            "description", "legal_article", "filing", "review", "review_reason", "reviewed_at",
            "created_at", "cosigners", "complaints", "evidence",
        ]  # fmt: skip

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_evidence(self, act: ViolationAct) -> list[int]:
        """Ids of the act's evidence files (/api/evidence/{id}/)."""
        return [row.pk for row in act.evidence.all()]
