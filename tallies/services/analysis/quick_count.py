"""Quick count (PVT): draw a seeded sample of stations, freeze it, estimate from the sampled reports.

Estimates use tallies.analysis.quickcount's ratio estimator with the finite-population
correction over all the contest's stations: turnout as voters who took part (the form's
numerator lines) over voters on the list (its base line), each option's share of all option
votes. A sampled station has reported when it has a copy; its figures are its current copy's.
Every draw is kept (with its seed), so redrawing until a sample looks convenient would show.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from elections.models import Contest, PollingStation
from observers.models import Organization
from tallies.analysis import quickcount
from tallies.models import AnalysisRun, QuickCountSample, QuickCountStation
from tallies.selectors import input_versions as versions
from tallies.services.analysis import reports
from tallies.services.analysis.errors import QuickCountError, SampleFrozenError

SEED_BELOW = 10**12  # twelve digits: short enough to read out and type in again


def population(contest: Contest) -> list[tuple[str, str, int]]:
    """Return (station id, region code, registered voters) for every station of the contest's election."""
    stations = PollingStation.objects.filter(pec__election_id=contest.election_id)
    rows = stations.values_list("pk", "pec__path", "registered_voters")
    return [(str(pk), region_of(path), voters or 0) for pk, path, voters in rows]


def region_of(path: str) -> str:
    """Return the region (the commission right below the root) of a PEC path, "" for a flat tree."""
    parts = path.split("/")
    return parts[1] if len(parts) > 3 else ""


@transaction.atomic
def draw_sample(
    *,
    organization: Organization,
    contest: Contest,
    size: int,
    is_stratified: bool,
    created_by: User,
    seed: int | None = None,
) -> QuickCountSample:
    """Draw and store a sample (random seed unless given); raise SampleFrozenError once one is frozen."""
    _lock(organization)
    _refuse_if_frozen(organization, contest)
    seed = secrets.randbelow(SEED_BELOW) if seed is None else seed
    try:
        drawn = quickcount.draw_sample(population(contest), size, seed, is_stratified)
    except ValueError as error:
        raise QuickCountError(str(error)) from error
    sample = QuickCountSample.objects.create(
        organization=organization, contest=contest, seed=seed, size=size,
        is_stratified=is_stratified, created_by=created_by,
    )  # fmt: skip
    QuickCountStation.objects.bulk_create(
        QuickCountStation(sample=sample, station_id=int(i), stratum=drawn.stratum_of[i])
        for i in drawn.station_ids
    )
    return sample


@transaction.atomic
def freeze_sample(*, organization: Organization, sample: QuickCountSample) -> QuickCountSample:
    """Freeze the latest sample so it can no longer be redrawn; repeat-safe, refuses an older draw."""
    _lock(organization)
    newest = samples(organization, sample.contest).first()
    if newest is None or newest.pk != sample.pk:
        raise QuickCountError(_("Only the latest sample can be frozen."))
    QuickCountSample.objects.filter(pk=sample.pk, frozen_at__isnull=True).update(frozen_at=timezone.now())
    sample.refresh_from_db(fields=["frozen_at"])
    return sample


def samples(organization: Organization, contest: Contest):  # type: ignore[no-untyped-def]
    """Return the organisation's samples for the contest, newest first."""
    found = QuickCountSample.objects.filter(organization=organization, contest=contest)
    return found.order_by("-created_at", "-id")


def _lock(organization: Organization) -> None:
    """Serialise draws and freezes of one organisation, so no draw slips in after a freeze."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()


def _refuse_if_frozen(organization: Organization, contest: Contest) -> None:
    frozen = samples(organization, contest).filter(frozen_at__isnull=False).first()
    if frozen is not None:
        raise SampleFrozenError(
            _("The sample was frozen at %(when)s: it cannot be redrawn.")
            % {"when": timezone.localtime(frozen.frozen_at).strftime("%Y-%m-%d %H:%M %Z")}
        )


def inputs(organization: Organization, contest: Contest, parameters: dict[str, Any]) -> dict[str, Any]:
    """Return the sample (id, seed, size) and the version of its stations' copies."""
    sample = samples(organization, contest).filter(pk=parameters.get("sample_id")).first()
    if sample is None:
        raise QuickCountError(_("Draw a sample first."))
    station_ids = sample.stations.values_list("station_id", flat=True)
    copies = versions.copies_version(organization, contest, station_ids)
    return {"sample_id": sample.pk, "seed": sample.seed, "size": sample.size, **copies}


def compute(run: AnalysisRun) -> tuple[dict[str, Any], dict[str, Any]]:
    """Estimate turnout and shares from the sample's reports; return (inputs, result)."""
    current = inputs(run.organization, run.contest, {"sample_id": run.inputs.get("sample_id")})
    sample = QuickCountSample.objects.get(pk=current["sample_id"])
    return current, reports.estimate_sample(run.organization, run.contest, sample, population(run.contest))
