"""REST endpoints of violation acts and of the taxonomy they draw their types from.

Thin: serializers check shape, observers.services.violations checks the rules; its
FieldWorkError becomes a 400 naming the field. Acts are read through `visible_acts`, so another
organisation's act is a 404; an act resent with its client_uuid returns the stored one.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from observers.access import observer_for, scope_rows, working_scope
from observers.api.violation_serializers import (
    ActInputSerializer,
    ActSerializer,
    ComplaintInputSerializer,
    CoSignerInputSerializer,
    FilingInputSerializer,
    ReviewInputSerializer,
    ViolationTypeSerializer,
)
from observers.api.visits import FIELD_ERRORS, KEY_REUSED, NOT_OBSERVER, valid_data
from observers.models import ViolationAct, ViolationType
from observers.selectors.violations import types_for_stage
from observers.services import violations as service

ACT_FILTERS = [
    OpenApiParameter("stage", str, description="e.g. voting"),
    OpenApiParameter("review", str, description="new, verified or rejected"),
]


class ViolationTypeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The violation taxonomy; `?stage=` gives the types offered at that stage."""

    serializer_class = ViolationTypeSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[ViolationType]:
        stage = self.request.query_params.get("stage")
        return types_for_stage(stage) if stage else ViolationType.objects.order_by("stage", "code")

    @extend_schema(parameters=[OpenApiParameter("stage", str, description="e.g. counting")])
    def list(self, request: Request) -> Response:
        """List violation types, labels in the request language."""
        return super().list(request)


class ActViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Violation acts: observers file and follow theirs; coordinators of the organisation review."""

    serializer_class = ActSerializer

    def get_queryset(self) -> QuerySet[ViolationAct]:
        acts = service.visible_acts(self.request.user, working_scope(self.request)).prefetch_related(
            "cosigners__observer", "complaints", "evidence"
        )
        for name in ("stage", "review"):
            if value := self.request.query_params.get(name):
                acts = acts.filter(**{name: value})
        return acts

    @extend_schema(parameters=ACT_FILTERS)
    def list(self, request: Request) -> Response:
        """List the acts the user may read, newest first."""
        return super().list(request)

    @extend_schema(
        request=ActInputSerializer,
        responses={
            201: ActSerializer,
            200: OpenApiResponse(ActSerializer, description="A resend of the key: the stored act."),
            400: FIELD_ERRORS,
            403: NOT_OBSERVER,
            409: KEY_REUSED,
        },
    )
    def create(self, request: Request) -> Response:
        """File an act at a station of a live mandate: 201 with the new act, 200 with the act this
        client_uuid filed before (nothing doubled).
        """
        observer = observer_for(request.user)
        act, created = service.file_act(observer=observer, **valid_data(ActInputSerializer, request))
        answer = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(ActSerializer(self.get_queryset().get(pk=act.pk)).data, status=answer)

    @extend_schema(request=CoSignerInputSerializer, responses={200: ActSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def cosigners(self, request: Request, pk: str) -> Response:
        """Add a co-signer to one of the observer's own acts."""
        act = self._act(Q(observer__user_id=request.user.pk))
        service.add_cosigner(act=act, **valid_data(CoSignerInputSerializer, request))
        return self._show(act)

    @extend_schema(request=FilingInputSerializer, responses={200: ActSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def filing(self, request: Request, pk: str) -> Response:
        """Record where the act stands with the PEC (author or coordinator)."""
        act = self._act(Q(observer__user_id=request.user.pk) | scope_rows(working_scope(request)))
        service.set_filing(act=act, **valid_data(FilingInputSerializer, request))
        return self._show(act)

    @extend_schema(request=ComplaintInputSerializer, responses={200: ActSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def complaints(self, request: Request, pk: str) -> Response:
        """Add a step of the complaint track (author or coordinator)."""
        act = self._act(Q(observer__user_id=request.user.pk) | scope_rows(working_scope(request)))
        service.add_complaint_step(act=act, **valid_data(ComplaintInputSerializer, request))
        return self._show(act)

    @extend_schema(request=ReviewInputSerializer, responses={200: ActSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        """Verify or reject a new act; a rejection needs a reason (coordinators only)."""
        act = self._act(scope_rows(working_scope(request)))
        service.review_act(act=act, reviewer=request.user, **valid_data(ReviewInputSerializer, request))
        return self._show(act)

    def _act(self, scope: Q) -> ViolationAct:
        """The act of the URL if the user may change it this way; 404 otherwise."""
        act = self.get_queryset().filter(scope, pk=self.kwargs["pk"]).first()
        if act is None:
            raise NotFound()
        return act

    def _show(self, act: ViolationAct) -> Response:
        return Response(ActSerializer(self.get_queryset().get(pk=act.pk)).data)
