"""REST endpoints of station visits for observers' devices, and the checklists they answer.

Thin: serializers check shape, observers.services.visits checks the rules; its FieldWorkError
becomes a 400 naming the field, ClientKeyConflict a 409 (config.api.exception_handler). An
observer reads and writes only their own visits; a check-in resent with its client_uuid (or while
a visit is open there) returns that visit, a repeated answer stores nothing.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from observers.access import observer_for
from observers.api.visit_serializers import (
    AnswersInputSerializer,
    CheckInSerializer,
    ChecklistItemSerializer,
    CheckOutSerializer,
    CountStartSerializer,
    StageInputSerializer,
    VisitSerializer,
)
from observers.models import ChecklistItem, Visit
from observers.services import visits as service

FIELD_ERRORS = OpenApiResponse(
    description='{field: [message]}, e.g. {"station": ["You have no live mandate…"]}'
)
NOT_OBSERVER = OpenApiResponse(description="Not an observer.")
KEY_REUSED = OpenApiResponse(
    description="client_uuid sent before with another body: {field: [message]} names the first field"
    ' that differs, e.g. {"description": ["This key (client_uuid) was sent before…"]}'
)


class ChecklistItemViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The stage checklists, as data; `?stage=` narrows to one stage."""

    serializer_class = ChecklistItemSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[ChecklistItem]:
        items = ChecklistItem.objects.order_by("stage", "position")
        stage = self.request.query_params.get("stage")
        return items.filter(stage=stage) if stage else items

    @extend_schema(parameters=[OpenApiParameter("stage", str, description="e.g. counting")])
    def list(self, request: Request) -> Response:
        """List checklist items, labels in the request language."""
        return super().list(request)


class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The observer's station visits: check in, stages, count start, answers, check out."""

    serializer_class = VisitSerializer

    def get_queryset(self) -> QuerySet[Visit]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular builds the schema with no user
            return Visit.objects.none()
        return Visit.objects.filter(observer=observer_for(self.request.user)).select_related("station__pec")

    @extend_schema(
        request=CheckInSerializer,
        responses={
            201: VisitSerializer,
            200: OpenApiResponse(
                VisitSerializer, description="A resend of the key, or the visit still open."
            ),
            400: FIELD_ERRORS,
            403: NOT_OBSERVER,
            409: KEY_REUSED,
        },
    )
    def create(self, request: Request) -> Response:
        """Check in at a station of a live mandate: 201 with a new visit; 200 with the visit this
        client_uuid opened, or the one still open at the station.
        """
        observer = observer_for(request.user)
        data = valid_data(CheckInSerializer, request)
        visit, created = service.check_in(
            observer=observer,
            station=data["station"],
            client_uuid=data["client_uuid"],
            at=data["checked_in_at"],
        )
        answer = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(VisitSerializer(visit).data, status=answer)

    @extend_schema(request=StageInputSerializer, responses={200: VisitSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def stages(self, request: Request, pk: str) -> Response:
        """Mark a stage observed (or not, with "observed": false)."""
        visit, data = self.get_object(), valid_data(StageInputSerializer, request)
        service.set_stage(visit=visit, stage=data["stage"], observed=data["observed"])
        return Response(VisitSerializer(visit).data)

    @extend_schema(request=CountStartSerializer, responses={200: VisitSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"], url_path="count-start")
    def count_start(self, request: Request, pk: str) -> Response:
        """Record when the count started."""
        visit, data = self.get_object(), valid_data(CountStartSerializer, request)
        service.record_count_start(visit=visit, started_at=data["started_at"])
        return Response(VisitSerializer(visit).data)

    @extend_schema(request=AnswersInputSerializer, responses={200: VisitSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def answers(self, request: Request, pk: str) -> Response:
        """Answer checklist items by code; a changed answer is stored anew and the latest wins."""
        visit, data = self.get_object(), valid_data(AnswersInputSerializer, request)
        rows = [(row["item"], row["yes"], row["number"]) for row in data["answers"]]
        service.answer_all(visit=visit, answers=rows)
        return Response(VisitSerializer(visit).data)

    @extend_schema(request=CheckOutSerializer, responses={200: VisitSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request: Request, pk: str) -> Response:
        """Check out (now by default); a repeated check-out keeps the first time."""
        visit, data = self.get_object(), valid_data(CheckOutSerializer, request)
        service.check_out(visit=visit, at=data["checked_out_at"])
        return Response(VisitSerializer(visit).data)


def valid_data(serializer_class: type, request: Request) -> dict:
    """The validated data of `request` through `serializer_class`; raises a DRF 400 otherwise."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
