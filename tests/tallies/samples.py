"""Stations and copies for the analysis tests: a quick-count sample, generated and Kazakh elections.

- `crowd` (43 stations in two regions) and `reported` (a sample of 20, 12 of them reported),
  fixtures in tests/tallies/conftest.py, are built with `draw` and `report`; `expected` works
  out the estimates those copies must give;
- `clean_stations` generates a clean election's stations and `write_stations` writes them as a
  station file; `kz_contest` defines a Mazhilis election and imports the CEC's national totals.
"""

from __future__ import annotations

import csv
import random
import uuid
from fractions import Fraction

from elections.models import PollingStation
from elections.services import define_election, define_protocol_form, shipped_spec
from tallies import services
from tallies.analysis import quickcount
from tallies.analysis import quickcount_design as design
from tallies.models import ProtocolCopy, QuickCountSample
from tallies.services import analysis
from tests.support import LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL, shared_data

MOSCOW, OBLAST = "Город Москва", "Московская область"
POPULATION = 43
KZ_FILE = "kz-national-results/kz_national_results.csv"


def draw(organization, coordinator, contest, size=20, seed=7, stratified=True) -> QuickCountSample:
    return analysis.draw_sample(
        organization=organization,
        contest=contest,
        size=size,
        is_stratified=stratified,
        created_by=coordinator,
        seed=seed,
    )


def sampled(sample) -> list[int]:
    return sorted(sample.stations.values_list("station_id", flat=True))


def figures(index: int) -> tuple[dict[str, int], dict[str, int]]:
    """A copy whose turnout and United Russia vote vary with `index` (control relations aside)."""
    took_part = 800 + 37 * index
    lines = {**LINES_PEC_91_OFFICIAL, "voters_on_list": 1500 + 11 * index, "ballots_issued_early": 0}
    lines |= {"ballots_issued_in_station": took_part - 19, "ballots_issued_outside": 19}
    options = {**OPTIONS_PEC_91_OFFICIAL, "p6_UR": 300 + 41 * index % 400, "p4_KPRF": 200 + 13 * index}
    return lines, options


def expected(sample: QuickCountSample, reports: int = 12) -> tuple[quickcount.Estimate, quickcount.Estimate]:
    """Return the stratified estimates of turnout and United Russia's share from the first copies.

    The shares are worked out here as the combined ratio Σ N_h·ȳ_h / Σ N_h·x̄_h over the two regions
    (N_h: the region's stations); the margins come from `quickcount_design`, worked by hand in
    tests/analysis/test_quickcount_design.py.
    """
    stratum = dict(sample.stations.values_list("station_id", "stratum"))
    ids = sampled(sample)[:reports]
    pairs = {station_id: figures(i) for i, station_id in enumerate(ids)}
    took_part = {
        i: (lines["ballots_issued_in_station"] + 19, lines["voters_on_list"])
        for i, (lines, _) in pairs.items()
    }
    united_russia = {i: (options["p6_UR"], sum(options.values())) for i, (_, options) in pairs.items()}
    population = {MOSCOW: 23, OBLAST: 20}
    as_sample = quickcount.Sample(
        tuple(sorted(str(i) for i in stratum)), sample.seed, True, POPULATION,
        {s: quickcount.StratumDraw(n, 0, list(stratum.values()).count(s)) for s, n in population.items()},
        {str(i): s for i, s in stratum.items()},
    )  # fmt: skip
    found = []
    for figures_of in (took_part, united_russia):
        results = {str(i): pair for i, pair in figures_of.items()}
        result = design.estimate_share(as_sample, design.assess(as_sample, results), results)
        assert result.ratio == _combined_ratio(figures_of, stratum, population)
        found.append(result)
    return found[0], found[1]


def _combined_ratio(results: dict[int, tuple[int, int]], stratum: dict[int, str], population: dict[str, int]):
    y_hat = x_hat = Fraction(0)
    for region, stations in population.items():
        pairs = [pair for i, pair in results.items() if stratum[i] == region]
        y_hat += Fraction(stations * sum(a for a, _ in pairs), len(pairs))
        x_hat += Fraction(stations * sum(m for _, m in pairs), len(pairs))
    return y_hat / x_hat


def report(observer, contest, station_id: int, index: int) -> ProtocolCopy:
    lines, options = figures(index)
    return services.submit_protocol_copy(
        observer=observer,
        contest=contest,
        station=PollingStation.objects.get(pk=station_id),
        lines=lines,
        options=options,
        client_uuid=uuid.uuid4(),
        channel=ProtocolCopy.Channel.IMPORT,
    ).copy


def kz_contest(year: int):
    """Define the Mazhilis election of `year` from its spec and import the CEC's national totals."""
    data = shared_data()
    define_protocol_form(spec=shipped_spec("forms", "kz-mazhilis-party-list"))
    contest = define_election(spec=shipped_spec("specs", f"kz-mazhilis-{year}")).contests.get()
    services.import_official_results(
        contest=contest,
        path=data / KZ_FILE,
        election_key=f"kz-majilis-{year}",
        source="CEC of Kazakhstan (press reports), kz-national-results",
        root_name="CEC",
    )
    return contest


# Forensics on a generated election: binomial turnout around a smooth mean, no whole-percent bias.
TEC_SIZE = 50


def clean_stations(count: int, seed: int = 2016) -> list[tuple[int, int, dict[str, int]]]:
    """Return (voters on the list, voters who took part, votes by option) per generated station."""
    rng = random.Random(seed)
    stations = []
    for _ in range(count):
        voters = rng.randint(1_000, 3_000)
        took_part = rng.binomialvariate(voters, min(max(rng.gauss(0.55, 0.08), 0.2), 0.9))
        leader = rng.binomialvariate(took_part, min(max(rng.gauss(0.45, 0.06), 0.1), 0.9))
        rest = took_part - leader
        split = [rng.binomialvariate(rest, 0.4)]
        split.append(rest - split[0])
        stations.append((voters, took_part, {"p6_UR": leader, "p4_KPRF": split[0], "p2_LDPR": split[1]}))
    return stations


def write_stations(path, stations) -> str:
    """Write the stations as a "codes" station file of the 2011 form (lines, then options)."""
    lines, options = list(LINES_PEC_91_OFFICIAL), list(OPTIONS_PEC_91_OFFICIAL)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["region", "tik", "uik", *lines, *options])
        for index, (voters, took_part, votes) in enumerate(stations):
            figures = dict.fromkeys(lines, 0) | {
                "voters_on_list": voters,
                "ballots_issued_in_station": took_part,
            }
            figures |= {"ballots_in_stationary_boxes": took_part, "ballots_valid": took_part}
            tec = f"TEC {index // TEC_SIZE + 1}"
            writer.writerow(
                ["Region A", tec, f"{index + 1}", *(figures[c] for c in lines)]
                + [votes.get(c, 0) for c in options]
            )
    return path
