"""Public API: read-only JSON of published releases, for anyone, without an account.

Only published releases (embargo over) exist here: anything else is 404, like a release that
does not exist. Responses are paginated, cached for a few minutes (a release never changes,
but a newer version may appear), and throttled per client address under the "public_api"
scope (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], default PUBLIC_RATE). Throttle counts live in
the cache, so production needs a shared cache (Redis) or each worker counts on its own.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_page
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle

from observers.throttling import ClientAddressMixin
from tallies.api.public_serializers import (
    PublicCommissionSerializer,
    PublicReleaseDetailSerializer,
    PublicReleaseSerializer,
    PublicStationSerializer,
)
from tallies.models import Release, ReleaseCommission, ReleaseStation
from tallies.selectors import releases as selectors

PUBLIC_RATE = "120/minute"
CACHE_SECONDS = 300
TAGS = ["public"]
cached = method_decorator(cache_page(CACHE_SECONDS), name="get")


NOT_FOUND = OpenApiResponse(
    description="No such published release or row (embargoed releases are not found)."
)


def detail_schema(summary: str, serializer: type) -> Any:
    """The OpenAPI description of a public detail endpoint: the object, or 404."""
    return extend_schema(tags=TAGS, summary=summary, responses={200: serializer, 404: NOT_FOUND})


class PublicRateThrottle(ClientAddressMixin, AnonRateThrottle):
    """Per client address (TRUSTED_PROXY_COUNT decides it): the public API authenticates no one."""

    scope = "public_api"

    def get_rate(self) -> str:
        return str(api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or PUBLIC_RATE)


class PublicPagination(PageNumberPagination):
    """100 rows a page by default; ?page_size= up to 1000 for bulk readers."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class PublicView(generics.GenericAPIView):  # type: ignore[type-arg]
    """Anyone may read; no session or token is looked at; throttled per address."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicRateThrottle]
    pagination_class = PublicPagination

    def release(self) -> Release:
        """The published release named by the URL; 404 when absent or still embargoed."""
        return get_object_or_404(selectors.public_releases(), pk=self.kwargs["release_id"])

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if "release_id" in self.kwargs:
            context["release"] = self.release()
        return context


@cached
@extend_schema_view(get=extend_schema(tags=TAGS, summary="Published releases, newest first"))
class ReleaseListView(PublicView, generics.ListAPIView):  # type: ignore[type-arg]
    """Every published release (embargoed ones are not listed), with its manifest's SHA-256."""

    serializer_class = PublicReleaseSerializer

    def get_queryset(self) -> QuerySet[Release]:
        return selectors.public_releases().order_by("-publish_at", "-id")


@cached
@extend_schema_view(
    get=detail_schema("One published release with its summary and files", PublicReleaseDetailSerializer)
)
class ReleaseDetailView(PublicView, generics.RetrieveAPIView):  # type: ignore[type-arg]
    """Coverage, seats, violation statistics, layout, files with their SHA-256, and supersession."""

    serializer_class = PublicReleaseDetailSerializer

    def get_object(self) -> Release:
        return self.release()


LEVEL = OpenApiParameter("level", str, description="Only commissions of this level (CEC, SEC, TEC, DEC).")
PARENT = OpenApiParameter(
    "parent", int, description="Only the commissions directly under this commission id."
)


@cached
@extend_schema_view(
    get=extend_schema(tags=TAGS, summary="Commission figures of a release", parameters=[LEVEL, PARENT])
)
class CommissionListView(PublicView, generics.ListAPIView):  # type: ignore[type-arg]
    """The release's commissions above the stations in path order, figures by source (404 if unpublished)."""

    serializer_class = PublicCommissionSerializer

    def get_queryset(self) -> QuerySet[ReleaseCommission]:
        rows = self.release().commissions.order_by("path")
        if level := self.request.query_params.get("level"):
            rows = rows.filter(level=level)
        if (parent := self.request.query_params.get("parent", "")).isdigit():
            rows = rows.filter(parent_id=int(parent))
        return rows


@cached
@extend_schema_view(get=detail_schema("One commission of a release", PublicCommissionSerializer))
class CommissionDetailView(PublicView, generics.RetrieveAPIView):  # type: ignore[type-arg]
    """A commission's figures: observer, official, and both over the compared stations."""

    serializer_class = PublicCommissionSerializer

    def get_object(self) -> ReleaseCommission:
        return selectors.commission(self.release(), self.kwargs["commission_id"])


DISCREPANT = OpenApiParameter(
    "discrepant", bool, description="true: only discrepant stations; false: matching."
)
WITHIN = OpenApiParameter("within", int, description="Only stations under this commission id.")


@cached
@extend_schema_view(
    get=extend_schema(tags=TAGS, summary="Station comparisons of a release", parameters=[DISCREPANT, WITHIN])
)
class StationListView(PublicView, generics.ListAPIView):  # type: ignore[type-arg]
    """The release's stations in path order: both sources and their differences (404 if unpublished)."""

    serializer_class = PublicStationSerializer

    def get_queryset(self) -> QuerySet[ReleaseStation]:
        release = self.release()
        rows = release.stations.order_by("path")
        discrepant = self.request.query_params.get("discrepant")
        if discrepant in ("true", "false"):
            rows = rows.filter(is_discrepant=discrepant == "true")
        if (within := self.request.query_params.get("within", "")).isdigit():
            rows = rows.filter(path__startswith=selectors.commission(release, int(within)).path)
        return rows


@cached
@extend_schema_view(get=detail_schema("One station's comparison in a release", PublicStationSerializer))
class StationDetailView(PublicView, generics.RetrieveAPIView):  # type: ignore[type-arg]
    """A station's observer and official figures line by line, differences and pseudonymous observer code."""

    serializer_class = PublicStationSerializer

    def get_object(self) -> ReleaseStation:
        return selectors.station(self.release(), self.kwargs["station_id"])
