"""A deterministic synthetic Kazakh election: regional-only official results, copies from a few cities.

The situation of issue 22 and domain.md §0.1: the 2021 Mazhilis form and spec (17 regions), 175
TECs and (by default) 10,000 stations; the commission publishes only regional totals; observers
hold 505 copies concentrated in five cities (Almaty, Nur-Sultan, Shymkent, Uralsk, Kyzylorda),
plus one in Mangystau and four in one TEC of Karaganda.

Honest protocols satisfy the form's control relations. Turnout and Nur Otan's share vary by TEC
(a TEC-level offset), so copies clustered in a few TECs are not like a random sample. Official
protocols equal the honest ones where observers hold a copy; elsewhere `inflation_share` of the
stations report extra voters, all for Nur Otan, entered so that every control relation still
holds. The official file gives each region's stations, voters on the list, voters who took part,
valid and invalid ballots and the votes per party; Nur-Sultan appears under its later name,
"город Астана" (a rename the election spec declares).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elections.generator import GeneratedStation
from elections.protocol import Figures
from elections.services import shipped_spec

FORM_CODE = "kz-mazhilis-party-list"
SPEC_CODE = "kz-mazhilis-2021"
NUR_SULTAN, ASTANA = "город Нур-Султан", "город Астана"
PARTY_WEIGHTS = {"nur_otan": 55, "ak_zhol": 11, "peoples_party": 10, "auyl": 12, "adal": 8}
# TECs per region, in the spec's order: the three cities, then the 14 oblasts (175 in all).
TECS = [5, 8, 5, 11, 11, 12, 10, 12, 11, 12, 11, 11, 11, 10, 11, 11, 13]
# (region, TEC index in the region, copies): five cities, then Mangystau and Karaganda.
COPIES = [
    (NUR_SULTAN, None, 100),  # spread over its TECs
    ("город Алматы", None, 130),
    ("город Шымкент", None, 150),
    ("Западно-Казахстанская область", 0, 70),  # Uralsk: one of the region's 12 TECs
    ("Кызылординская область", 0, 50),  # Kyzylorda city
    ("Мангистауская область", 0, 1),
    ("Карагандинская область", 0, 4),
]
MIN_STATIONS = 6_000
BIG_TECS = {("Западно-Казахстанская область", 0), ("Кызылординская область", 0)}
OFFICIAL_COLUMNS = ["voters_on_list", "voters_took_part", "ballots_invalid", "ballots_valid"]


@dataclass(frozen=True)
class KazakhPlan:
    """The generated election: its stations (regions, TECs, honest and official figures)."""

    stations: list[GeneratedStation]
    regions: list[str]

    def official_by_region(self) -> dict[str, tuple[int, Figures]]:
        """Region → (stations, the sum of its official protocols)."""
        found: dict[str, tuple[int, Figures]] = {}
        for station in self.stations:
            count, total = found.get(station.region, (0, Figures()))
            found[station.region] = (count + 1, total.plus(station.official))
        return found


def plan_kazakh(*, seed: int, stations: int = 10_000, inflation_share: float = 0.75) -> KazakhPlan:
    """Draw the Kazakh election (see the module docstring); ValueError when too small for the copies."""
    regions = [region["name"] for region in shipped_spec("specs", SPEC_CODE)["regions"]]
    if stations < MIN_STATIONS:
        raise ValueError(
            f"the Kazakh case needs at least {MIN_STATIONS:,} stations (Shymkent holds 150 copies in 5 TECs)"
        )
    rng = random.Random(seed)
    tecs = [(region, t) for region, count in zip(regions, TECS, strict=True) for t in range(count)]
    offsets = {tec: (rng.uniform(-0.08, 0.08), rng.uniform(-0.06, 0.06)) for tec in tecs}
    # The city TECs of Uralsk and Kyzylorda are three times the size of the others.
    slots = [tec for tec in tecs for _ in range(3 if tec in BIG_TECS else 1)]
    plan = []
    for index in range(stations):
        region, tec = slots[index * len(slots) // stations]
        honest = _honest(rng, *offsets[(region, tec)])
        plan.append(GeneratedStation(region, _tec_name(region, tec), str(index + 1), honest))
    copied = _copied(rng, plan, regions)
    return KazakhPlan([_official(rng, s, s.number in copied, inflation_share) for s in plan], regions)


def _tec_name(region: str, tec: int) -> str:
    return f"{region}, ТИК {tec + 1:02d}"


def _honest(rng: random.Random, turnout_offset: float, party_offset: float) -> Figures:
    on_list = rng.randint(800, 2400)
    took_part = rng.binomialvariate(on_list, min(0.9, max(0.1, 0.36 + turnout_offset + rng.gauss(0, 0.04))))
    outside = rng.randint(0, took_part // 25)
    invalid = rng.randint(0, took_part // 50)
    valid = took_part - invalid
    received = took_part + rng.randint(100, 500)
    lines = {
        "voters_on_list": on_list,
        "voters_on_supplementary_list": rng.randint(0, 20),
        "ballots_received": received,
        "ballots_issued_in_station": took_part - outside,
        "ballots_issued_outside": outside,
        "ballots_unused": received - took_part,
        "ballots_spoiled": 0,
        "ballots_in_stationary_boxes": took_part - outside,
        "ballots_in_portable_boxes": outside,
        "voters_took_part": took_part,
        "ballots_invalid": invalid,
        "ballots_valid": valid,
    }
    return Figures(lines, _votes(rng, valid, party_offset))


def _votes(rng: random.Random, valid: int, party_offset: float) -> dict[str, int]:
    weights = {code: base * rng.randint(85, 115) for code, base in PARTY_WEIGHTS.items()}
    weights["nur_otan"] = int(weights["nur_otan"] * (1 + party_offset * 4))
    total = sum(weights.values())
    votes = {code: valid * weight // total for code, weight in weights.items()}
    votes["nur_otan"] += valid - sum(votes.values())
    return votes


def _copied(rng: random.Random, plan: list[GeneratedStation], regions: list[str]) -> set[str]:
    """Station numbers with a copy: COPIES' regions and TECs, drawn within them."""
    chosen: set[str] = set()
    for region, tec, count in COPIES:
        where = _tec_name(region, tec) if tec is not None else None
        pool = [s.number for s in plan if s.region == region and (where is None or s.tec == where)]
        chosen.update(rng.sample(pool, count))
    return chosen


def _official(rng: random.Random, station: GeneratedStation, copied: bool, share: float) -> GeneratedStation:
    """The station with its copy flag and, unless observed, an official protocol inflated for Nur Otan."""
    extra = 0
    if not copied and rng.random() < share:
        lines = station.honest.lines
        room = lines["voters_on_list"] - lines["voters_took_part"]
        extra = min(lines["ballots_unused"], rng.randint(room // 2, max(room // 2, room * 3 // 4)))
    return GeneratedStation(
        station.region, station.tec, station.number, station.honest, copied, 0, _inflation(extra)
    )


def _inflation(extra: int) -> Figures | None:
    """Extra voters who 'took part', all voting Nur Otan, entered consistently (unused ballots down)."""
    if not extra:
        return None
    lines = {
        "ballots_issued_in_station": extra,
        "ballots_unused": -extra,
        "ballots_in_stationary_boxes": extra,
        "voters_took_part": extra,
        "ballots_valid": extra,
    }
    return Figures(lines, {"nur_otan": extra})


def write_regional_csv(plan: KazakhPlan, path: Path) -> Path:
    """Write the official regional totals (Nur-Sultan as "город Астана"); return `path`."""
    options = list(PARTY_WEIGHTS)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["region", "stations", *OFFICIAL_COLUMNS, *options])
        for region, (count, total) in plan.official_by_region().items():
            name = ASTANA if region == NUR_SULTAN else region
            writer.writerow(
                [name, count]
                + [total.lines[code] for code in OFFICIAL_COLUMNS]
                + [total.options[code] for code in options]
            )
    return path


def kazakh_spec(seed: int) -> dict[str, Any]:
    """The 2021 Mazhilis spec under a generated slug and name (its regions and aliases kept)."""
    spec = shipped_spec("specs", SPEC_CODE)
    return {**spec, "slug": f"generated-kz-{seed}", "name": f"Generated Kazakh election (seed {seed})"}
