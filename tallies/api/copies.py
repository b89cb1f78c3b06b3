"""REST endpoints to submit and read protocol copies, and to build a client's form.

Thin by design: serializers check the shape of a request, `services.submit_protocol_copy`
checks the rules, and `config.api.exception_handler` turns its FieldError into a 400 naming the
field and IdempotencyConflict into a 409.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from elections.models import Contest, PollingStation
from observers.access import CoordinatorScope, observer_for, scope_rows, signed_in, working_scope
from tallies import services
from tallies.api import copy_front
from tallies.api.copy_serializers import (
    ContestFormSerializer,
    CopyInputSerializer,
    CopySerializer,
    PhotoOnlyInputSerializer,
    StationLookupQuerySerializer,
    StationLookupSerializer,
)
from tallies.models import WITH_FIGURES, ProtocolCopy
from tallies.services import fast_submission, photos

FIELD_ERRORS = OpenApiResponse(description='{field: [message]}, e.g. {"lines.ballots_valid": [...]}')


def visible_copies(
    user: AbstractBaseUser | AnonymousUser, scope: CoordinatorScope | None
) -> QuerySet[ProtocolCopy]:
    """Copies `user` may read: their own as an observer, and as a coordinator those of `scope` (the
        organisation the request works in, observers.access.working_scope), at stations inside its
        territory if they are limited to one. None: no coordinator rows. Desk entries as
    ProtocolCopyQuerySet.readable leaves them out: never to the observer, blind ones never.
    """
    if not user.is_authenticated:
        return ProtocolCopy.objects.none()
    return (
        ProtocolCopy.objects.readable(sent=Q(observer__user=user), desk=scope_rows(scope))
        .select_related("observer")
        .prefetch_related(WITH_FIGURES, "findings__relation")
    )


class CopyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Protocol copies: observers submit; observers and coordinators read within their scope."""

    serializer_class = CopySerializer

    @classmethod
    def as_view(cls, actions: dict[str, Any] | None = None, **initkwargs: Any) -> Any:
        """The router's views; the one that creates answers ordinary submissions before DRF's
        machinery (tallies/api/copy_front.py), and hands everything else to `create`."""
        view = super().as_view(actions, **initkwargs)
        return copy_front.in_front_of(view) if (actions or {}).get("post") == "create" else view

    def get_queryset(self) -> QuerySet[ProtocolCopy]:
        return visible_copies(self.request.user, working_scope(self.request))

    @extend_schema(
        request=CopyInputSerializer,
        responses={
            201: CopySerializer,
            200: OpenApiResponse(CopySerializer, description="Resend of a stored copy; nothing written."),
            400: FIELD_ERRORS,
            403: OpenApiResponse(description="Not an observer."),
            409: OpenApiResponse(description="client_uuid already used for another copy."),
        },
    )
    def create(self, request: Request) -> Response:
        """Submit a copy; 201 when stored, 200 when this client_uuid already stored it.

        The ordinary case takes the lean path (tallies/services/fast_submission.py); anything
        else, errors included, the serializer and the full service below.
        """
        # A device token's ordinary submission never gets here: copy_front answered it. This
        # lean store serves the same case from a session (or DRF's test client).
        fast = fast_submission.submit_api_copy(request.data, signed_in(request.user).pk)
        if fast is not None:
            return Response(fast.body, status=fast.status)
        observer = observer_for(request.user)
        data = CopyInputSerializer(data=request.data, context={"observer": observer})
        data.is_valid(raise_exception=True)
        submitted = services.submit_protocol_copy(
            observer=observer,
            channel=ProtocolCopy.Channel.API,
            entered_by=signed_in(request.user),  # observer.user, without loading it again
            **data.validated_data,
        )
        if not submitted.created:  # a resend: the stored copy, read back with its rows
            copy = visible_copies(request.user, None).get(pk=submitted.copy.pk)
            return Response(CopySerializer(copy).data, status=status.HTTP_200_OK)
        # A new copy carries the figures and findings just written (ProtocolCopy.keep_written).
        return Response(CopySerializer(submitted.copy).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": PhotoOnlyInputSerializer},
        responses={
            201: OpenApiResponse(CopySerializer, description="Stored, awaiting transcription (no figures)."),
            200: OpenApiResponse(CopySerializer, description="Resend: only photos not stored yet are added."),
            400: FIELD_ERRORS,
            403: OpenApiResponse(description="Not an observer, or no live mandate for the station."),
            409: OpenApiResponse(description="client_uuid already used for another copy."),
        },
    )
    @action(
        detail=False, methods=["post"], url_path="photo-only", parser_classes=[MultiPartParser, FormParser]
    )
    def photo_only(self, request: Request) -> Response:
        """Send only photos of a protocol; two coordinators transcribe them blind at the desk.

        The copy has no figures and counts nowhere until their agreed figures are stored as its
        revision (docs/channels.md, "Photo-only copies"). Idempotent by client_uuid, as copies.
        """
        observer = observer_for(request.user)
        data = PhotoOnlyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        submitted, _added = photos.submit_photo_only_copy(
            observer=observer, channel=ProtocolCopy.Channel.API, uploads=data.validated_data["photos"],
            contest=data.validated_data["contest"], station=data.validated_data["station"],
            client_uuid=data.validated_data["client_uuid"],
        )  # fmt: skip
        copy = visible_copies(request.user, None).get(pk=submitted.copy.pk)
        created = status.HTTP_201_CREATED if submitted.created else status.HTTP_200_OK
        return Response(CopySerializer(copy).data, status=created)


class ContestViewSet(viewsets.GenericViewSet):
    """Contests, as far as a submitting client needs them."""

    queryset = Contest.objects.select_related("form").prefetch_related(
        "form__lines", "form__control_relations", "options"
    )
    serializer_class = ContestFormSerializer

    @extend_schema(responses=ContestFormSerializer)
    @action(detail=True, methods=["get"])
    def form(self, request: Request, pk: str) -> Response:
        """Return the contest's protocol lines, ballot options and control relations."""
        return Response(self.get_serializer(self.get_object()).data)


class StationPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 50


class StationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Find a polling station of a contest's election by number, optionally within a region."""

    serializer_class = StationLookupSerializer
    pagination_class = StationPagination

    def get_queryset(self) -> QuerySet[PollingStation]:
        query = StationLookupQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return _stations(**query.validated_data)

    @extend_schema(
        parameters=[
            OpenApiParameter("contest", int, required=True, description="Contest id."),
            OpenApiParameter("number", str, description="Precinct number, exact."),
            OpenApiParameter("region", int, description="Id of a commission the station is under."),
        ],
        responses={200: StationLookupSerializer(many=True), 400: FIELD_ERRORS},
    )
    def list(self, request: Request) -> Response:
        """List matching stations, at most 50 a page."""
        return super().list(request)


def _stations(*, contest: Contest, number: str = "", region=None) -> QuerySet[PollingStation]:
    stations = PollingStation.objects.filter(pec__election_id=contest.election_id)
    if number:
        stations = stations.filter(number=number.strip())
    if region is not None:
        stations = stations.within(region)
    return stations.select_related("pec__parent__parent__parent").order_by("pec__path")
