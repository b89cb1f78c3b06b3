"""The layout and summary a release stored, shaped for its pages: rows, shares, bars, seats, violations.

Labels come from the stored layout in the active language (pick_label), so a page in Kazakh
shows the labels the release froze in Kazakh; so do the options' names (the release's "names",
elections.names.localized; a release published before them shows the one stored name).
Percentages are the stored exact strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from elections.models import pick_label
from elections.names import localized
from observers.models.visits import Stage
from tallies.models import Release
from tallies.selectors.comparison import LEVELS
from tallies.selectors.comparison_aggregates import LEVEL_NAMES
from tallies.selectors.layout import BasisNote, ComparedRow, RegionsRow, ShareRow, difference_rows

SHARE_SOURCES = ("observer", "official", "compared_observer", "compared_official")


@dataclass(frozen=True)
class FrozenLayout:
    """The lines and options a release stored, labelled in the active language."""

    lines: list[dict[str, Any]]
    options: list[dict[str, Any]]
    names: dict[str, Any] = field(default_factory=dict)  # option code → {"name", "short_name"} by language

    @classmethod
    def of(cls, release: Release) -> FrozenLayout:
        layout = release.content["layout"]
        return cls(layout["lines"], layout["options"], release.content.get("names", {}).get("options", {}))

    def label(self, option: dict[str, Any]) -> str:
        """An option's short name, else its name, in the active language as the release froze them."""
        names = self.names.get(option["code"], {})
        short = localized(option["short_name"], names.get("short_name"))
        return short or localized(option["name"], names.get("name"))

    def entries(self) -> list[tuple[str, str, str, str]]:
        """(kind, code, number, label) of every line, then every option."""
        lines = [("line", x["code"], x["number"], pick_label(x["labels"], x["code"])) for x in self.lines]
        return lines + [("option", x["code"], "", self.label(x)) for x in self.options]

    def rows(self, observer: dict[str, Any] | None, official: dict[str, Any] | None) -> list[ComparedRow]:
        """One row per line and option: the two sources' stored figures."""
        return [
            ComparedRow(kind, code, number, label, _value(observer, kind, code), _value(official, kind, code))
            for kind, code, number, label in self.entries()
        ]

    def differences(self, stored: dict[str, dict[str, list[int]]]) -> list[ComparedRow]:
        """The differing figures of a station ({"lines"|"options": {code: [observer, official]}})."""
        return difference_rows(self.entries(), stored)

    def basis_notes(self, source: dict[str, Any] | None, side: str = "observer") -> list[BasisNote]:
        """The stored percentages over fewer stations than the source's (partial copies or protocols)."""
        found = []
        for kind in ("turnout", "shares"):
            stations = (source or {}).get(f"{kind}_stations")
            if stations is None or source is None or stations == source["stations"]:
                continue
            value = percent_of(source, "turnout") if kind == "turnout" else None
            lacking = self.key_labels(source.get(f"{kind}_lacking") or [])
            found.append(BasisNote(kind, value, stations, source["stations"], lacking, side))
        return found

    def key_labels(self, keys: list[str]) -> str:
        """Name stored figure keys as Layout.key_labels does: "line 1", options' short names."""
        lines = [
            gettext("line %(number)s") % {"number": x["number"]}
            for x in self.lines
            if f"lines.{x['code']}" in keys
        ]
        options = [x["short_name"] or x["name"] for x in self.options if f"options.{x['code']}" in keys]
        return ", ".join(lines + options)

    def share_rows(self, figures: dict[str, Any], votes_moved: dict[str, int]) -> list[ShareRow]:
        """Turnout, then each option's share (percent) by source, and votes moved."""
        sources = [figures.get(name) for name in SHARE_SOURCES]
        rows = [_share_row("turnout", "", [percent_of(s, "turnout") for s in sources], None)]
        for option in self.options:
            code, label = option["code"], self.label(option)
            shares = [percent_of((s or {}).get("shares"), code) for s in sources]
            rows.append(_share_row(code, label, shares, votes_moved.get(code)))
        return rows


def regions_rows(
    layout: FrozenLayout, figures: dict[str, Any], in_regions: dict[str, Any] | None
) -> list[RegionsRow]:
    """The national figure beside the official figure restricted to the regions with copies.

    Empty without that restricted figure (no official regional totals, or no region with copies).
    """
    if not in_regions:
        return []
    sources = [figures.get("observer"), in_regions, figures.get("official")]
    rows = [RegionsRow("turnout", "", *(percent_of(s, "turnout") for s in sources))]
    for option in layout.options:
        code, label = option["code"], layout.label(option)
        rows.append(RegionsRow(code, label, *(percent_of((s or {}).get("shares"), code) for s in sources)))
    return rows


def _share_row(code: str, label: str, values: list[Decimal | None], moved: int | None) -> ShareRow:
    observer, official, compared_observer, compared_official = values
    return ShareRow(code, label, observer, official, compared_observer, compared_official, moved)


def _value(source: dict[str, Any] | None, kind: str, code: str) -> int | None:
    return None if source is None else source.get(kind + "s", {}).get(code)


def percent_of(source: dict[str, Any] | None, key: str) -> Decimal | None:
    value = (source or {}).get(key)
    return None if value is None else Decimal(value)


def official_level(release: Release) -> str:
    """The level of the official results the release compared with: "station", "tec", "region",
    "nation", or "" when it compared with none."""
    snapshot = release.content["release"].get("official_snapshot") or {}
    return LEVEL_NAMES.get(snapshot.get("level", ""), "")


def comparison_context(release: Release, stations_compared: int) -> dict[str, Any]:
    """What a page needs to say the level of its comparison (issue 22).

    `station_level`: official results are station protocols, so stations can be compared one by
    one; `compared`: some station under this commission was; `official_level`: the level in words
    ("regional totals").
    """
    level = official_level(release)
    return {
        "station_level": level == "station",
        "compared": stations_compared > 0,
        "official_level": str(LEVELS.get(level, LEVELS["none"])),
    }


def votes_moved(figures: dict[str, Any]) -> dict[str, int]:
    """Official minus observer votes per option over the stations compared one by one; else {}.

    Only the "compared_*" figures qualify: they hold the same stations on both sides. The
    commission's totals ("observer": the stations with copies, "official": every station) cover
    different stations, so their difference is not votes moved and is never returned
    (issue 22: an all-copies-against-all-stations fallback published +5.5 million "moved" votes).
    """
    return _moved(figures.get("compared_observer"), figures.get("compared_official"))


def station_votes_moved(figures: dict[str, Any]) -> dict[str, int]:
    """Official minus observer votes per option at one station: its copy against its own protocol.

    Empty when the station has no official protocol (official results published only as totals).
    """
    return _moved(figures.get("observer"), figures.get("official"))


def _moved(observer: dict[str, Any] | None, official: dict[str, Any] | None) -> dict[str, int]:
    if not observer or not official or not observer.get("stations"):
        return {}
    codes = observer.get("options", {}).keys() | official.get("options", {}).keys()
    return {c: official["options"].get(c, 0) - observer["options"].get(c, 0) for c in codes}


@dataclass(frozen=True)
class SeatRow:
    """A party's votes and seats by source in the release's stored seat allocation."""

    name: str
    official_votes: int | None
    official_seats: int | None
    observer_votes: int | None
    observer_seats: int | None


def seat_rows(release: Release) -> list[SeatRow]:
    """One row per party that can take seats; empty without a stored seat allocation."""
    seats = release.content.get("seats")
    if not seats:
        return []
    official, observer = seats.get("official") or {}, seats.get("observer") or {}
    layout = FrozenLayout.of(release)
    return [
        SeatRow(layout.label(o), *_seat_cells(official, o["code"]), *_seat_cells(observer, o["code"]))
        for o in layout.options
        if not o["is_against_all"]
    ]


def _seat_cells(source: dict[str, Any], code: str) -> tuple[int | None, int | None]:
    seats = None if source.get("error") else (source.get("seats") or {}).get(code)
    return (source.get("votes") or {}).get(code), seats


@dataclass(frozen=True)
class ViolationRow:
    """Violation acts of one stage and category: reported (not rejected) and verified."""

    stage: str
    category: str
    acts: int
    verified: int


def violation_rows(release: Release) -> list[ViolationRow]:
    """The stored violation statistics, labelled in the active language."""
    stages = dict(Stage.choices)
    return [
        ViolationRow(
            str(stages.get(v["stage"], v["stage"])),
            pick_label(v["category_labels"], v["category"]),
            v["acts"],
            v["verified"],
        )
        for v in release.content.get("violations", [])
    ]


@dataclass(frozen=True)
class Bar:
    """One option's share (percent) by the two sources a chart compares."""

    label: str
    observer: Decimal | None
    official: Decimal | None


def bars(rows: list[ShareRow], *, compared: bool) -> list[Bar]:
    """Chart bars of the options: over the compared stations if any were compared, else all."""
    options = [row for row in rows if row.code != "turnout"]
    if compared and any(row.compared_observer is not None for row in options):
        return [Bar(row.label, row.compared_observer, row.compared_official) for row in options]
    return [Bar(row.label, row.observer, row.official) for row in options]


@dataclass(frozen=True)
class RegionLine:
    """A region of the release's regional comparison, shaped for its page (tallies.selectors.regional).

    `shares` pairs each option's label with its stored share document (observer, margin,
    official, difference, outside_margin, implied as strings or None).
    """

    commission_id: int
    name: str
    status: str
    coverage: dict[str, Any]
    tecs_with_copies: int | None
    tecs_total: int | None
    turnout: dict[str, Any]
    shares: list[tuple[str, dict[str, Any]]]
    consistent: bool | None


def region_lines(release: Release) -> list[RegionLine]:
    """Every region the release compared with its official total, labelled in the active language."""
    layout = FrozenLayout.of(release)
    return [
        RegionLine(
            row["commission_id"],
            row["name"],
            row["status"],
            row.get("coverage") or {},
            row.get("tecs_with_copies"),
            row.get("tecs_total"),
            row.get("turnout") or {},
            [(layout.label(o), (row.get("shares") or {}).get(o["code"]) or {}) for o in layout.options],
            row.get("consistent"),
        )
        for row in release.content.get("regions", [])
    ]


def localized_content(release: Release) -> dict[str, Any]:
    """The release's stored content with its names in the active language, for the public API.

    A copy of `release.content` where the election's and the contest's names (content["release"])
    and each option's name and short name (content["layout"]["options"]) are the ones the release
    froze in the active language (elections.names.localized; the stored name where it froze none,
    as for a release published before names by language). The content itself, `names` (every
    language) and the release's files are left as published.
    """
    content = release.content
    options = FrozenLayout.of(release).names
    about = dict(content["release"])
    about["election"] = {**about["election"], "name": release.election_name}
    about["contest"] = {**about["contest"], "name": release.contest_name}
    layout = dict(content["layout"])
    layout["options"] = [_localized_option(o, options.get(o["code"], {})) for o in layout["options"]]
    return {**content, "release": about, "layout": layout}


def _localized_option(option: dict[str, Any], names: dict[str, Any]) -> dict[str, Any]:
    name = localized(option["name"], names.get("name"))
    return {**option, "name": name, "short_name": localized(option["short_name"], names.get("short_name"))}
