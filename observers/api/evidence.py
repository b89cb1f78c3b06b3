"""REST endpoints for evidence files: an observer uploads (multipart); files stream after a check.

Thin: services.evidence.upload_evidence checks and stores the upload, and its EvidenceRefused
becomes a 400 naming the field. `copy` attaches the photo to one of the observer's protocol
copies (the hook tallies registers in observers.evidence_subjects), `act` links it to a
violation act the observer may add to.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from observers.access import observer_for, working_scope
from observers.evidence_subjects import attach_to_copy, copy_photos
from observers.models import Evidence
from observers.services import evidence as service
from observers.views.evidence import file_response


@extend_schema_field(OpenApiTypes.INT)
class ObserverOwnedField(serializers.PrimaryKeyRelatedField):
    """An id among context["choices"][field name]; any other id reads as not found."""

    def get_queryset(self) -> QuerySet[Any]:
        return self.context["choices"][self.field_name]


class EvidenceInputSerializer(serializers.Serializer):
    """A photo upload: the file, and optionally the observer's copy or act it documents."""

    file = serializers.FileField()
    copy = ObserverOwnedField(required=False, allow_null=True, default=None)
    act = ObserverOwnedField(required=False, allow_null=True, default=None)


class EvidenceSerializer(serializers.ModelSerializer[Evidence]):
    """An evidence file's record; `file_url` is set once the sanitised photo is ready."""

    observer = serializers.CharField(source="uploaded_by.code", read_only=True)
    copies = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id", "status", "rejection", "observer", "violation_act", "copies", "original_name",
            "original_sha256", "original_size", "content_type", "uploaded_at", "file_url",
        ]  # fmt: skip

    def get_copies(self, evidence: Evidence) -> list[int]:
        return [photo.copy_id for photo in evidence.copy_photos.all()]

    def get_file_url(self, evidence: Evidence) -> str | None:
        if evidence.status != Evidence.Status.READY:
            return None
        return self.context["request"].build_absolute_uri(reverse("api-evidence-file", args=[evidence.pk]))


class JPEGRenderer(renderers.BaseRenderer):
    """Lets clients ask for the photo with Accept: image/jpeg; error bodies render empty."""

    media_type = "image/jpeg"
    format = "jpg"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return data if isinstance(data, bytes) else b""


class EvidenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Evidence: observers upload; the uploader and the organisation's coordinators read."""

    serializer_class = EvidenceSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Evidence]:
        return service.visible_evidence(self.request.user, working_scope(self.request)).prefetch_related(
            "copy_photos"
        )

    @extend_schema(
        request={"multipart/form-data": EvidenceInputSerializer},
        responses={
            201: EvidenceSerializer,
            400: OpenApiResponse(
                description='{field: [message]}, e.g. {"file": ["The file is too large..."]}'
            ),
            403: OpenApiResponse(description="Not an observer."),
        },
    )
    def create(self, request: Request) -> Response:
        """Upload a photo; 201 with the pending record (the sanitised file follows shortly)."""
        observer = observer_for(request.user)
        choices = {
            "copy": copy_photos().copies_of(observer),
            "act": service.acts_open_to(observer),
        }
        data = EvidenceInputSerializer(data=request.data, context={"choices": choices})
        data.is_valid(raise_exception=True)
        evidence = _upload(request, observer, **data.validated_data)
        stored = self.get_queryset().get(pk=evidence.pk)
        return Response(self.get_serializer(stored).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY, 404: OpenApiResponse(description="Not found.")}
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, JPEGRenderer])
    def file(self, request: Request, pk: str) -> Any:
        """Stream the sanitised JPEG; 404 when not ready or not visible to the caller."""
        evidence = self.get_object()
        if evidence.status != Evidence.Status.READY or not evidence.file:
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        return file_response(evidence)


def _upload(request: Request, observer: Any, *, file: Any, copy: Any, act: Any) -> Evidence:
    """Store the upload, attached to `copy` if given; EvidenceRefused answers 400 (config.api)."""

    def attach(evidence: Evidence) -> None:
        attach_to_copy(copy, evidence, request.user)

    return service.upload_evidence(observer=observer, upload=file, violation_act=act, then=attach)
