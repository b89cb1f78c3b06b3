"""A deterministic synthetic election on the ru-duma-2011 form: the demo's fallback without data.

`plan_election` draws every figure from one ``random.Random(seed)``, in a fixed order, so the
same arguments give the same election byte for byte. Honest protocols satisfy the four control
relations of the form. A falsified station's official protocol has `stuffed` extra ballots for
the station's leading party, entered the way a rewritten protocol is (lines 4, 8 and 10 up,
line 6 down), so the official protocol still satisfies every control relation; only the
observer's copy, which keeps the honest figures, shows the difference.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from elections.protocol import Figures
from elections.services import shipped_spec

FORM_CODE = "ru-duma-2011"
LINE_CODES = (
    "voters_on_list",
    "ballots_received",
    "ballots_issued_early",
    "ballots_issued_in_station",
    "ballots_issued_outside",
    "ballots_cancelled",
    "ballots_in_portable_boxes",
    "ballots_in_stationary_boxes",
    "ballots_invalid",
    "ballots_valid",
    "absentee_certs_received",
    "absentee_certs_issued_at_station",
    "voters_by_absentee_cert",
    "absentee_certs_cancelled",
    "absentee_certs_issued_by_tec",
    "absentee_certs_lost",
    "ballots_lost",
    "ballots_unaccounted",
)
# Party codes of the 2011 form with a base weight each (roughly the 2011 national shares, %).
PARTY_WEIGHTS = {
    "p1_SR": 13,
    "p2_LDPR": 12,
    "p3_Patriots": 1,
    "p4_KPRF": 19,
    "p5_Yabloko": 3,
    "p6_UR": 49,
    "p7_RightCause": 1,
}
STUFFED_LINES = ("ballots_issued_in_station", "ballots_in_stationary_boxes", "ballots_valid")


@dataclass(frozen=True)
class GeneratedStation:
    """One generated polling station: where it is, the honest figures and what was done to them.

    `stuffed` is the number of ballots added to the official protocol (0: honest official) on
    the ru-duma-2011 form; `inflation`, figures added to it on any form (elections.generator_kz).
    """

    region: str
    tec: str
    number: str
    honest: Figures
    has_copy: bool = False
    stuffed: int = 0
    inflation: Figures | None = None  # added to the honest figures in the official protocol (any form)

    @property
    def leader(self) -> str:
        """The option code with the most honest votes (the first one on a tie)."""
        return max(self.honest.options, key=lambda code: self.honest.options[code])

    @property
    def official(self) -> Figures:
        """The protocol the commission published: the honest one, plus any stuffing."""
        if self.inflation is not None:
            return self.honest.plus(self.inflation)
        if not self.stuffed:
            return self.honest
        lines = {code: self.stuffed for code in STUFFED_LINES} | {"ballots_cancelled": -self.stuffed}
        return self.honest.plus(Figures(lines, {self.leader: self.stuffed}))


def share_of(count: int, share: Decimal) -> int:
    """Return `share` (0..1) of `count`, rounded half up to a whole number."""
    return int((Decimal(count) * share).to_integral_value(rounding=ROUND_HALF_UP))


def plan_election(
    *,
    seed: int,
    stations: int,
    falsify: Decimal,
    copies: Decimal = Decimal("0.1"),
    regions: int = 5,
    tecs: int = 8,
) -> list[GeneratedStation]:
    """Draw an election of `stations` stations in `regions` × `tecs` TECs; see the module docstring.

    `copies` is the share (0..1) of stations with an observer copy, `falsify` the share of
    those whose official protocol is falsified. Raises ValueError for shares outside 0..1.
    """
    if not (0 <= copies <= 1 and 0 <= falsify <= 1) or min(stations, regions, tecs) < 1:
        raise ValueError("stations, regions and tecs must be positive and shares between 0 and 1")
    rng = random.Random(seed)
    honest = [_station(rng, index, stations, regions, tecs) for index in range(stations)]
    with_copy = sorted(rng.sample(range(stations), share_of(stations, copies)))
    falsified = sorted(rng.sample(with_copy, share_of(len(with_copy), falsify)))
    stuffing = {index: _stuffing(rng, honest[index]) for index in falsified}
    return [
        GeneratedStation(s.region, s.tec, s.number, s.honest, index in with_copy, stuffing.get(index, 0))
        for index, s in enumerate(honest)
    ]


def _station(rng: random.Random, index: int, stations: int, regions: int, tecs: int) -> GeneratedStation:
    tec_index = index * regions * tecs // stations  # contiguous blocks of stations per TEC
    region = f"Region {tec_index // tecs + 1:02d}"
    tec = f"TEC {tec_index // tecs + 1:02d}-{tec_index % tecs + 1:02d}"
    return GeneratedStation(region, tec, str(index + 1), _honest_figures(rng))


def _honest_figures(rng: random.Random) -> Figures:
    on_list = rng.randint(600, 3000)
    voted = rng.binomialvariate(on_list, rng.uniform(0.35, 0.80))  # no lattice of whole percents
    early, outside = rng.randint(0, 3), rng.randint(0, voted // 20)
    received = voted + rng.randint(100, 600)
    in_station = voted - early - outside
    stationary = in_station + early - rng.randint(0, 2)  # a few voters take their ballot away
    invalid = rng.randint(0, (stationary + outside) // 40)
    valid = stationary + outside - invalid
    lines = {
        "voters_on_list": on_list,
        "ballots_received": received,
        "ballots_issued_early": early,
        "ballots_issued_in_station": in_station,
        "ballots_issued_outside": outside,
        "ballots_cancelled": received - voted,
        "ballots_in_portable_boxes": outside,
        "ballots_in_stationary_boxes": stationary,
        "ballots_invalid": invalid,
        "ballots_valid": valid,
        **_absentee_lines(rng),
        "ballots_lost": 0,
        "ballots_unaccounted": 0,
    }
    return Figures(lines, _votes(rng, valid))


def _absentee_lines(rng: random.Random) -> dict[str, int]:
    received = rng.randint(0, 60)
    issued = rng.randint(0, received)
    return {
        "absentee_certs_received": received,
        "absentee_certs_issued_at_station": issued,
        "voters_by_absentee_cert": rng.randint(0, 40),
        "absentee_certs_cancelled": received - issued,
        "absentee_certs_issued_by_tec": rng.randint(0, 10),
        "absentee_certs_lost": 0,
    }


def _votes(rng: random.Random, valid: int) -> dict[str, int]:
    """Split `valid` ballots between the parties: integer weights, remainder to the heaviest."""
    weights = {code: base * rng.randint(70, 130) for code, base in PARTY_WEIGHTS.items()}
    total = sum(weights.values())
    votes = {code: valid * weight // total for code, weight in weights.items()}
    heaviest = max(weights, key=lambda code: weights[code])
    votes[heaviest] += valid - sum(votes.values())
    return votes


def _stuffing(rng: random.Random, station: GeneratedStation) -> int:
    cancelled = station.honest.lines["ballots_cancelled"]  # at least 100 by construction
    return rng.randint(20, min(cancelled, 20 + station.honest.lines["ballots_valid"] // 4))


def write_official_csv(plan: list[GeneratedStation], path: Path) -> Path:
    """Write the official station protocols in the "codes" import format; return `path`."""
    options = list(PARTY_WEIGHTS)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["region", "tik", "uik", *LINE_CODES, *options])
        for station in plan:
            official = station.official
            writer.writerow(
                [station.region, station.tec, station.number]
                + [official.lines[code] for code in LINE_CODES]
                + [official.options[code] for code in options]
            )
    return path


def election_spec(seed: int) -> dict[str, Any]:
    """The election specification (as elections.services.define_election reads it) for `seed`."""
    return {
        "slug": f"generated-{seed}",
        "name": f"Generated election (seed {seed})",
        "country": "XX",
        "held_on": "2011-12-04",
        "time_zone": "Europe/Moscow",
        "contests": [
            {
                "slug": "party-list",
                "name": "Party list (generated)",
                "kind": "party_list",
                "form": FORM_CODE,
                "options": shipped_spec("specs", FORM_CODE)["contests"][0]["options"],
            }
        ],
    }
