"""Reads for the public pages and API: published releases only, and only what they stored.

Nothing here reads the live tallies, copies or official figures: every page is built from the
release's own rows, so it shows the same figures forever. `public_release` is the one gate:
a release whose publication time has not come is "not found", like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from tallies.models import Release, ReleaseCommission, ReleaseReceipt, ReleaseStation
from tallies.selectors.release_layout import FrozenLayout, percent_of

DISCREPANT_PER_PAGE = 50


def public_releases() -> QuerySet[Release]:
    """Published releases (embargo over), newest first, with organisation, coalition and contest."""
    return Release.objects.public().select_related(
        "organization", "coalition", "contest__election", "withdrawal"
    )


def _series(organization: str, coalition: int | None) -> dict[str, object]:
    """The filter of a permalink's series: a coalition's (by id) or an organisation's own."""
    if coalition is not None:
        return {"coalition_id": coalition}
    return {"organization__slug": organization, "coalition__isnull": True}


def public_release(
    election: str, contest: str, number: int, organization: str = "", coalition: int | None = None
) -> Release:
    """The published release at a permalink of an organisation's series, or of a coalition's
    when `coalition` is given; Http404 when absent or still embargoed."""
    found = public_releases().filter(
        contest__election__slug=election,
        contest__slug=contest,
        number=number,
        **_series(organization, coalition),
    )
    release = found.first()
    if release is None:
        raise Http404("No such published release.")
    return release


def latest_public(
    election: str, contest: str, organization: str = "", coalition: int | None = None
) -> Release:
    """The newest published release of an organisation's (or a coalition's) series for a contest;
    Http404 when none."""
    found = public_releases().filter(
        contest__election__slug=election, contest__slug=contest, **_series(organization, coalition)
    )
    release = found.order_by("-number").first()
    if release is None:
        raise Http404("No published release.")
    return release


def release_groups() -> list[list[Release]]:
    """Published releases by series (an organisation's own, or a coalition's) and contest, newest
    version first; series by publisher's name, then the election's date, newest first."""
    groups: dict[tuple[object, ...], list[Release]] = {}
    for release in public_releases().order_by("-number"):
        key = ("c", release.coalition_id) if release.coalition_id else ("o", release.organization_id)
        groups.setdefault((*key, release.contest_id), []).append(release)

    def order(group: list[Release]) -> tuple[str, int, int]:
        latest = group[0]
        name = latest.coalition.name if latest.coalition else latest.organization.name
        return name.casefold(), -latest.contest.election.held_on.toordinal(), latest.contest_id

    return sorted(groups.values(), key=order)


def receipts_found(receipt: str) -> list[ReleaseReceipt]:
    """The published releases that include `receipt`, newest first."""
    found = ReleaseReceipt.objects.filter(receipt=receipt, release__publish_at__lte=timezone.now())
    related = found.select_related("release__organization", "release__contest__election", "station")
    return list(related.order_by("-release__publish_at"))


def root(release: Release) -> ReleaseCommission:
    """The release's top commission (the nation); Http404 if the release has none."""
    found = release.commissions.order_by("path").first()
    if found is None:
        raise Http404("This release has no commission.")
    return found


def commission(release: Release, commission_id: int) -> ReleaseCommission:
    found = release.commissions.filter(commission_id=commission_id).first()
    if found is None:
        raise Http404("No such commission in this release.")
    return found


def station(release: Release, station_id: int) -> ReleaseStation:
    found = release.stations.filter(station_id=station_id).first()
    if found is None:
        raise Http404("No such station in this release.")
    return found


def breadcrumb(release: Release, path: str) -> list[ReleaseCommission]:
    """The release's commissions above `path`, root first."""
    parts = path.split("/")[:-1]
    ancestors = ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]
    return list(release.commissions.filter(path__in=ancestors).order_by("path"))


@dataclass(frozen=True)
class Child:
    """A row of a commission's drill-down: a lower commission or a station of the release."""

    name: str
    commission_id: int | None
    station_id: int | None
    observer_turnout: Decimal | None
    official_turnout: Decimal | None
    stations_with_copies: int
    stations_compared: int
    stations_discrepant: int


def children(release: Release, row: ReleaseCommission) -> list[Child]:
    """The commission's lower commissions, then its stations, as the release stored them."""
    lower = release.commissions.filter(parent_id=row.commission_id).order_by("path")
    found = [_commission_child(c) for c in lower]
    stations = release.stations.filter(parent_id=row.commission_id).order_by("path")
    return found + [_station_child(s) for s in stations]


def _commission_child(c: ReleaseCommission) -> Child:
    observer, official = c.figures.get("observer") or {}, c.figures.get("official") or {}
    turnouts = percent_of(observer, "turnout"), percent_of(official, "turnout")
    counts = observer.get("stations", 0), c.stations_compared, c.stations_discrepant
    return Child(c.name, c.commission_id, None, *turnouts, *counts)


def _station_child(s: ReleaseStation) -> Child:
    turnouts = (
        percent_of(s.figures.get("observer"), "turnout"),
        percent_of(s.figures.get("official"), "turnout"),
    )
    compared = int(s.is_discrepant is not None)
    return Child(s.number, None, s.station_id, *turnouts, 1, compared, int(bool(s.is_discrepant)))


def discrepant_page(release: Release, path: str, page_number: int) -> Page:
    """One page of the release's discrepant stations under `path`, with their differing figures."""
    found = release.stations.filter(is_discrepant=True, path__startswith=path).order_by("path")
    page = Paginator(found, DISCREPANT_PER_PAGE).get_page(page_number)
    layout = FrozenLayout.of(release)
    labelled = [(s, layout.differences(s.figures.get("differences", {}))) for s in page.object_list]
    page.object_list = labelled  # type: ignore[assignment,misc]
    return page
