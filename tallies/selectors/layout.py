"""Rows of the results tables: protocol lines and options of both sources, turnout and shares."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from elections import roles
from elections.models import BallotOption, Contest, ProtocolLine
from elections.numbers import percent
from elections.protocol import Figures
from tallies.models import ObserverTally
from tallies.selectors.complete_stations import Basis, Subset, percentages, subsets_of_tallies


@dataclass(frozen=True)
class ComparedRow:
    """One line or option of a side-by-side table; `difference` is official − observer."""

    kind: str  # "line" or "option"
    code: str
    number: str
    label: str
    observer: int | None
    official: int | None

    @property
    def difference(self) -> int | None:
        if self.observer is None or self.official is None:
            return None
        return self.official - self.observer


@dataclass(frozen=True)
class Layout:
    """A contest's protocol lines in form order and its ballot options in ballot order."""

    lines: tuple[ProtocolLine, ...]
    options: tuple[BallotOption, ...]

    @classmethod
    def of(cls, contest: Contest) -> Layout:
        """Load the layout of `contest` (two queries)."""
        return cls(tuple(contest.form.lines.all()), tuple(contest.options.all()))

    def turnout(self, figures: Figures, missing: Collection[str] = ()) -> Decimal | None:
        """Return the turnout numerator lines' sum over the base line in percent; None if unknown.

        Unknown also when a line it needs is absent, or lacking at some station of a tally
        (`missing`: ``lines.<code>`` keys, ObserverTally.missing): sums over different stations
        would make a percentage that is not true.
        """
        base = self.turnout_base_code()
        numerators = [line.code for line in roles.took_part_lines(self.lines)]
        needed = [base, *numerators]
        if not base or not numerators or any(code not in figures.lines for code in needed):
            return None
        if any(f"lines.{code}" in missing for code in needed):
            return None
        return percent(sum(figures.lines[code] for code in numerators), figures.lines[base])

    def shares(self, figures: Figures, missing: Collection[str] = ()) -> dict[str, Decimal | None]:
        """Return each option's share of all option votes in percent, by option code.

        None for every option when one lacks votes somewhere (absent, or in `missing`): the
        total of all options is then not over one set of stations.
        """
        whole = all(
            option.code in figures.options and f"options.{option.code}" not in missing
            for option in self.options
        )
        total = sum(figures.options.values())
        return {
            option.code: percent(figures.options[option.code], total) if whole else None
            for option in self.options
        }

    def turnout_keys(self) -> tuple[str, ...]:
        """The figures turnout needs (``lines.<code>``): the base line and the took-part lines,
        by their roles (elections.roles); empty when the form has either none."""
        base = self.turnout_base_code()
        numerators = [line.code for line in roles.took_part_lines(self.lines)]
        if not base or not numerators:
            return ()
        return tuple(f"lines.{code}" for code in [base, *numerators])

    def share_keys(self) -> tuple[str, ...]:
        """The figures the shares need (``options.<code>``): every option's votes."""
        return tuple(f"options.{option.code}" for option in self.options)

    def key_labels(self, keys: Collection[str]) -> str:
        """Name figure keys as a reader finds them: "line 1, line 10" or the options' short names."""
        lines = [
            gettext("line %(number)s") % {"number": line.number}
            for line in self.lines
            if f"lines.{line.code}" in keys
        ]
        return ", ".join(lines + [str(o) for o in self.options if f"options.{o.code}" in keys])

    def lacks_any(self, figures: Figures) -> bool:
        """Whether `figures` (one protocol) lack a line or option of the form: a partial copy."""
        return any(line.code not in figures.lines for line in self.lines) or any(
            option.code not in figures.options for option in self.options
        )

    def turnout_base_code(self) -> str:
        """The code of the line counting voters on the list ("" when the form has none)."""
        base = roles.base_line(self.lines)
        return base.code if base else ""

    def turnout_line_ids(self) -> list[int]:
        base = roles.base_line(self.lines)
        return [line.pk for line in self.lines if line == base or line in roles.took_part_lines(self.lines)]

    def entries(self) -> list[tuple[str, str, str, str]]:
        """Return (kind, code, number, label) for every line, then every option, in order."""
        return [("line", line.code, line.number, line.label) for line in self.lines] + [
            ("option", option.code, "", str(option)) for option in self.options
        ]

    def rows(self, observer: Figures | None, official: Figures | None) -> list[ComparedRow]:
        """Return one row per line, then per option; a source without figures gives None values."""
        return [
            ComparedRow(kind, code, number, label, _value(observer, kind, code), _value(official, kind, code))
            for kind, code, number, label in self.entries()
        ]

    def differences(self, stored: dict[str, dict[str, list[int]]]) -> list[ComparedRow]:
        """Label a StationComparison's differences ({kind + "s": {code: [observer, official]}})."""
        return difference_rows(self.entries(), stored)


def difference_rows(
    entries: list[tuple[str, str, str, str]], stored: dict[str, dict[str, list[int]]]
) -> list[ComparedRow]:
    """The rows of the stored differences of a station, in the order of `entries`.

    `entries` is (kind, code, number, label) per line, then option (Layout.entries,
    FrozenLayout.entries); `stored` is a StationComparison's differences ({"lines"|"options":
    {code: [observer, official]}}); a figure with no stored pair is left out.
    """
    rows = []
    for kind, code, number, label in entries:
        pair = stored.get(kind + "s", {}).get(code)
        if pair:
            rows.append(ComparedRow(kind, code, number, label, pair[0], pair[1]))
    return rows


def _value(figures: Figures | None, kind: str, code: str) -> int | None:
    if figures is None:
        return None
    return (figures.lines if kind == "line" else figures.options).get(code)


@dataclass(frozen=True)
class Source:
    """One source's figures for a commission over `stations` stations, with its percentages."""

    figures: Figures
    stations: int
    turnout: Decimal | None
    shares: dict[str, Decimal | None]
    partial: int = 0  # of `stations`, those whose copies lack some figure (ObserverTally)
    # The stations turnout and the shares are over (observer figures only; complete_stations)
    turnout_basis: Basis | None = None
    shares_basis: Basis | None = None

    @property
    def complete(self) -> int:
        return self.stations - self.partial

    @property
    def turnout_stations(self) -> int | None:
        return self.turnout_basis.stations if self.turnout_basis else None

    @property
    def shares_stations(self) -> int | None:
        return self.shares_basis.stations if self.shares_basis else None

    @property
    def turnout_lacking(self) -> list[str] | None:
        return list(self.turnout_basis.lacking) if self.turnout_basis else None

    @property
    def shares_lacking(self) -> list[str] | None:
        return list(self.shares_basis.lacking) if self.shares_basis else None


def _source(
    layout: Layout,
    figures: Figures | None,
    stations: int,
    missing: Mapping[str, int] | None = None,
    partial: int = 0,
    subsets: Mapping[str, Subset] | None = None,
) -> Source | None:
    """A source's figures with its percentages (complete_stations.percentages: `missing`, `subsets`)."""
    if figures is None:
        return None
    found = percentages(layout, figures, stations, missing, subsets)
    return Source(
        figures, stations, found.turnout, found.shares, partial, found.turnout_basis, found.shares_basis
    )


def tally_source(layout: Layout, tally: ObserverTally) -> Source:
    """An observer tally as a source: each percentage over the counted stations giving its figures
    (one query when some station lacks one, complete_stations.subsets_of_tallies)."""
    subsets = subsets_of_tallies(layout, [tally]).get(tally.commission_id)
    source = _source(
        layout, tally.figures(), tally.stations_count, tally.missing, tally.partial_stations, subsets
    )
    assert source is not None
    return source


@dataclass(frozen=True)
class ShareRow:
    """Turnout or one option's share in percent by source; votes moved over compared stations."""

    code: str
    label: str
    observer: Decimal | None
    official: Decimal | None
    compared_observer: Decimal | None
    compared_official: Decimal | None
    votes_moved: int | None


def share_rows(
    layout: Layout, sources: tuple[Source | None, ...], votes_moved: dict[str, int]
) -> list[ShareRow]:
    """Return the turnout row, then one per option, for (observer, official[, compared both]) sources."""
    padded = (*sources, None, None, None, None)[:4]
    rows = [_share_row("turnout", str(_("Turnout")), [_turnout(s) for s in padded], None)]
    for option in layout.options:
        shares = [_share(s, option.code) for s in padded]
        rows.append(_share_row(option.code, str(option), shares, votes_moved.get(option.code)))
    return rows


def _share_row(code: str, label: str, values: list[Decimal | None], votes_moved: int | None) -> ShareRow:
    observer, official, compared_observer, compared_official = values
    return ShareRow(code, label, observer, official, compared_observer, compared_official, votes_moved)


def _turnout(source: Source | None) -> Decimal | None:
    return source.turnout if source else None


def _share(source: Source | None, code: str) -> Decimal | None:
    return source.shares.get(code) if source else None


@dataclass(frozen=True)
class RegionsRow:
    """Turnout or a share (percent): observer, official over the regions with copies, official."""

    code: str
    label: str
    observer: Decimal | None
    official_in_regions: Decimal | None
    official: Decimal | None


def regions_rows(
    layout: Layout, sources: tuple[Source | None, Source | None, Source | None]
) -> list[RegionsRow]:
    """Observer, official over the regions with copies, official: turnout, then options ([] without)."""
    if sources[1] is None:
        return []
    rows = [RegionsRow("turnout", str(_("Turnout")), *(_turnout(s) for s in sources))]
    for option in layout.options:
        rows.append(RegionsRow(option.code, str(option), *(_share(s, option.code) for s in sources)))
    return rows


@dataclass(frozen=True)
class BasisNote:
    """A page's sentence on an observer percentage over N of M stations: "turnout" or "shares".

    `value` is the turnout (None for the shares, or when no station gives every line);
    `lacking` names what the other stations lack ("line 1", option short names).
    """

    kind: str
    value: Decimal | None
    stations: int
    of: int
    lacking: str
    side: str = "observer"  # or "official", "compared" (over the compared stations, both sides)


def basis_notes(layout: Layout, source: Source | None, side: str = "observer") -> list[BasisNote]:
    """The notes for `source`'s turnout and shares when they are over fewer than all its stations."""
    if source is None:
        return []
    found = []
    for kind, basis, value in (
        ("turnout", source.turnout_basis, source.turnout),
        ("shares", source.shares_basis, None),
    ):
        if basis is not None and not basis.is_all:
            lacking = layout.key_labels(basis.lacking)
            found.append(BasisNote(kind, value, basis.stations, basis.of, lacking, side))
    return found
