"""Public pages of published releases: no account needed, nothing unpublished reachable.

Every page starts from tallies.selectors.releases.public_release (404 before the publication
time) and shows only what the release stored. A release never changes, so each page body is
cached forever per release, version that supersedes it, language and page; the frame around it
(header, language switch with its CSRF token) is rendered per request. `publisher` is what the
route names the series by: `organization` (a slug) or `coalition` (an id; tallies/urls.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tallies.models import Release, ReleaseCommission
from tallies.selectors import release_layout as layouts
from tallies.selectors import releases as selectors
from tallies.views import public_files

PAGE_MAX_AGE = 300  # seconds: a page may gain a "superseded" notice when a correction is published


def index(request: HttpRequest) -> HttpResponse:
    """List every published release, grouped by series (an organisation's, or a coalition's with
    its members) and contest, newest version first."""
    response = render(request, "public/index.html", {"groups": selectors.release_groups()})
    response["Cache-Control"] = f"public, max-age={PAGE_MAX_AGE}"
    return response


def latest(
    request: HttpRequest, election: str, contest: str, organization: str = "", coalition: int | None = None
) -> HttpResponse:
    """Redirect to the newest published release of the organisation (or coalition) for the contest."""
    release = selectors.latest_public(election, contest, organization, coalition)
    return redirect(release.get_absolute_url())


def overview(
    request: HttpRequest, election: str, contest: str, number: int, **publisher: Any
) -> HttpResponse:
    """The national overview: both sources, seats, coverage, methodology and data credits."""
    release = selectors.public_release(election, contest, number, **publisher)
    page = _page_number(request)

    def build() -> dict[str, Any]:
        context = _commission_context(release, selectors.root(release), page)
        title = f"{release.election_name}: {release.contest_name}"
        regions = layouts.region_lines(release)
        return {**context, "title": title, "seats": layouts.seat_rows(release), "regions": regions}

    return _cached(request, release, f"overview:{page}", "public/overview.html", build)


def commission(
    request: HttpRequest, election: str, contest: str, number: int, commission_id: int, **publisher: Any
) -> HttpResponse:
    """A region or TEC of a release: both sources, lower commissions, discrepant stations."""
    release = selectors.public_release(election, contest, number, **publisher)
    page = _page_number(request)

    def build() -> dict[str, Any]:
        row = selectors.commission(release, commission_id)
        return _commission_context(release, row, page)

    return _cached(request, release, f"commission:{commission_id}:{page}", "public/commission.html", build)


def station(
    request: HttpRequest, election: str, contest: str, number: int, station_id: int, **publisher: Any
) -> HttpResponse:
    """A station of a release: the observer's copy against the official protocol, line by line."""
    release = selectors.public_release(election, contest, number, **publisher)

    def build() -> dict[str, Any]:
        row = selectors.station(release, station_id)
        layout = layouts.FrozenLayout.of(release)
        observer, official = row.figures.get("observer"), row.figures.get("official")
        shares = layout.share_rows(row.figures, layouts.station_votes_moved(row.figures))
        return {
            "title": _("Station %(number)s") % {"number": row.number},
            "row": row,
            "crumbs": selectors.breadcrumb(release, row.path),
            "rows": layout.rows(observer, official),
            "share_rows": shares,
            "bars": layouts.bars(shares, compared=False),
            "receipts": release.receipts.filter(station_id=row.station_id).count(),
            "photo": release.show_photos and row.photo_id is not None,
        }

    return _cached(request, release, f"station:{station_id}", "public/station.html", build)


def violations(
    request: HttpRequest, election: str, contest: str, number: int, **publisher: Any
) -> HttpResponse:
    """Violation statistics of a release by stage and category (counts only)."""
    release = selectors.public_release(election, contest, number, **publisher)

    def build() -> dict[str, Any]:
        return {"title": _("Violations"), "rows": layouts.violation_rows(release)}

    return _cached(request, release, "violations", "public/violations.html", build)


def data(request: HttpRequest, election: str, contest: str, number: int, **publisher: Any) -> HttpResponse:
    """The release's files with their SHA-256, the manifest's hash, and how to verify them."""
    release = selectors.public_release(election, contest, number, **publisher)

    def build() -> dict[str, Any]:
        files = release.files.defer("content").order_by("name")
        title = _("Open data and verification")
        return {"title": title, "files": list(files), "folder": public_files.folder_name(release)}

    return _cached(request, release, "data", "public/data.html", build)


def _commission_context(release: Release, row: ReleaseCommission, page: int) -> dict[str, Any]:
    layout = layouts.FrozenLayout.of(release)
    figures = row.figures
    shares = layout.share_rows(figures, layouts.votes_moved(figures))
    return {
        "title": row.name,
        "row": row,
        "crumbs": selectors.breadcrumb(release, row.path),
        "share_rows": shares,
        "basis_notes": layout.basis_notes(figures.get("observer"))
        + layout.basis_notes(figures.get("official"), "official")
        + layout.basis_notes(figures.get("compared_observer"), "compared"),
        "bars": layouts.bars(shares, compared=True),
        "compared_rows": layout.rows(figures.get("compared_observer"), figures.get("compared_official")),
        "total_rows": layout.rows(figures.get("observer"), figures.get("official")),
        "children": selectors.children(release, row),
        "page": selectors.discrepant_page(release, row.path, page),
        **layouts.comparison_context(release, row.stations_compared),
        "regions_rows": layouts.regions_rows(layout, figures, _in_regions(release, row)),
    }


def _in_regions(release: Release, row: ReleaseCommission) -> dict[str, Any] | None:
    """The official figure over the regions with copies: on the national page only."""
    if row.parent_id is not None:
        return None
    return release.content.get("coverage", {}).get("official_in_regions_with_copies")


def _page_number(request: HttpRequest) -> int:
    """The ?page= number (1 when absent or not a positive number)."""
    text = request.GET.get("page", "1")
    return int(text) if text.isdigit() and 0 < int(text) < 100_000 else 1


def _cached(
    request: HttpRequest, release: Release, name: str, template: str, build: Callable[[], dict[str, Any]]
) -> HttpResponse:
    """Render the page body once per release, superseding version, language and `name`; frame it."""
    newer = release.superseded_by()
    parts = [release.pk, release.manifest_sha256[:16], newer.number if newer else 0, get_language(), name]
    key = "public-page:" + ":".join(str(part) for part in parts)
    payload = cache.get(key)
    if payload is None:
        context = {"release": release, "newer": newer, "content": release.content, **build()}
        payload = {"title": context["title"], "body": render_to_string(template, context)}
        cache.set(key, payload, timeout=None)
    withdrawal = getattr(release, "withdrawal", None)  # loaded with the release (selectors.releases)
    frame = {"title": payload["title"], "body": mark_safe(payload["body"]), "withdrawal": withdrawal}
    response = render(request, "public/frame.html", frame)
    response["Cache-Control"] = f"public, max-age={PAGE_MAX_AGE}"
    return response
