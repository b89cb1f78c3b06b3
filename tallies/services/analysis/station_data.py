"""Station-level counts for the forensics, from an official snapshot or an organisation's copies.

Summed in the database, one row per station: about 2.4 million official figures become 95,000
rows in one query. Turnout is the form's numerator lines over its base line (as on the results
pages); the leader is the option (not against-all) with the most votes over all the stations read.
Ballots in the boxes are the votes for the options (valid ballots) plus the form's invalid-ballots
lines (role "invalid") where the form has one: the leader's share is divided by them, as
Kobak, Shpilkin & Pshenichnikov (2016) and the Russian CEC divide.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from elections import roles
from elections.models import Commission, Contest, PollingStation, ProtocolLine
from elections.protocol import Figures
from observers.models import Organization
from tallies.models import CopyLayout, FigureLayout, OfficialSnapshot, ProtocolCopy, StationTallyState
from tallies.services.analysis.errors import AnalysisError


@dataclass(frozen=True, slots=True)
class StationCounts:
    """One station: voters on the list, voters who took part, the leader's votes, all option votes
    (valid ballots) and invalid ballots (0 when the form has no such line)."""

    station_id: int
    number: str
    tec_id: int
    voters: int
    took_part: int
    leader: int
    votes: int
    invalid: int = 0

    @property
    def ballots(self) -> int:
        """Ballots in the boxes: valid (the votes for the options) + invalid."""
        return self.votes + self.invalid


@dataclass(frozen=True)
class StationData:
    """The stations read, each option's station counts (option code → counts, for the last-digit
    test), the leader, TEC names and whether the form has an invalid-ballots line."""

    stations: list[StationCounts]
    option_counts: dict[str, list[int]]
    leader: str
    tec_names: dict[int, str]
    has_invalid_line: bool = True


def official_station_data(snapshot: OfficialSnapshot) -> StationData:
    """Read a snapshot's published station protocols (derived sums left out; one query for them).

    The same counts as the copies' database reading below, from each protocol's figure array:
    a figure absent counts 0, a protocol without any figure is left out, the leader is the
    party with the most votes (the lower option id on a tie).
    """
    contest = snapshot.contest
    layout = FigureLayout(tuple(snapshot.layout_lines), tuple(snapshot.layout_options))
    base, numerators = _turnout_line_ids(contest)
    invalid = list(contest.form.lines.filter(role=ProtocolLine.Role.INVALID).values_list("pk", flat=True))
    arrays = [
        (pec, values)
        for pec, values in snapshot.protocols.filter(is_derived=False).values_list(
            "commission_id", "figure_values"
        )
        if any(value is not None for value in values)
    ]
    codes = dict(contest.options.values_list("pk", "code"))
    options = {pk: layout.option_position(pk) for pk in layout.option_ids}
    leader_id = _array_leader(contest, arrays, options)
    took_part, invalid_at = _positions(layout, numerators), _positions(layout, invalid)
    stations = _stations(contest)
    counts = [
        StationCounts(
            *stations[pec],
            _at(values, layout.line_position(base)),
            sum(_at(values, n) for n in took_part),
            _at(values, options.get(leader_id)),
            sum(_at(values, n) for n in options.values()),
            sum(_at(values, n) for n in invalid_at),
        )
        for pec, values in arrays
    ]
    option_counts = {
        codes[pk]: [value for _, values in arrays if (value := values[n]) is not None]
        for pk, n in options.items()
        if n is not None and pk in codes
    }
    tecs = _tec_names({c.tec_id for c in counts})
    return StationData(
        counts, {c: v for c, v in option_counts.items() if v}, codes[leader_id], tecs, bool(invalid)
    )


def _array_leader(
    contest: Contest, arrays: list[tuple[int, list[int | None]]], options: dict[int, int | None]
) -> int:
    """The party option id with the most votes over the arrays (lower id on a tie); AnalysisError if none."""
    parties = contest.options.filter(is_against_all=False).values_list("pk", flat=True)
    totals = {
        pk: sum(_at(values, options[pk]) for _, values in arrays)
        for pk in sorted(parties)
        if options.get(pk) is not None
    }
    leader = min(totals, key=lambda pk: (-totals[pk], pk), default=None)
    if leader is None or not totals[leader]:
        raise AnalysisError(_("No votes for any party or candidate in these figures."))
    return leader


def _positions(layout: FigureLayout, line_ids: list[int]) -> list[int]:
    return [n for n in (layout.line_position(pk) for pk in line_ids) if n is not None]


def _at(values: list[int | None], position: int | None) -> int:
    """The value at a position, 0 when the position is unknown or the figure absent."""
    if position is None:
        return 0
    return values[position] or 0


def observer_station_data(organization: Organization, contest: Contest) -> StationData:
    """Read the current copy of every station whose copy the tallies count.

    Stations held out of the tallies (a quarantined copy, an unresolved conflict) are left out,
    so the forensics read the same stations as the results pages.
    """
    states = StationTallyState.objects.filter(
        organization=organization, contest=contest, current_copy__isnull=False, is_counted=True
    )
    copies = ProtocolCopy.objects.filter(pk__in=states.values("current_copy_id"), figure_values__isnull=False)
    arrays = list(copies.values_list("station__pec_id", "figure_layout_id", "figure_values"))
    layout_ids = {layout for _pec, layout, _values in arrays}
    layouts = {
        pk: (lines, options)
        for pk, lines, options in CopyLayout.objects.filter(pk__in=layout_ids).values_list(
            "pk", "line_ids", "option_ids"
        )
    }
    rows = [
        (pec, line_id, option_id, value)
        for pec, layout, values in arrays
        for (line_id, option_id), value in zip(_refs(*layouts[layout]), values or (), strict=True)
        if value is not None
    ]
    return _station_data(contest, rows)


def _refs(line_ids: list[int], option_ids: list[int]) -> list[tuple[int | None, int | None]]:
    """A copy layout's positions as (line id, None) and (None, option id), in order."""
    return [(pk, None) for pk in line_ids] + [(None, pk) for pk in option_ids]


def figures_station_data(contest: Contest, figures: dict[int, Figures]) -> StationData:
    """The same station data from station id → accepted figures (a coalition's pool), in memory.

    Turnout lines, the leader (most votes over the stations read), valid and invalid ballots
    follow the same rules as the database reading above.
    """
    base, numerators = _turnout_line_ids(contest)
    lines = {line.pk: line for line in contest.form.lines.all()}
    took_part_codes = [lines[pk].code for pk in numerators]
    invalid_codes = [line.code for line in lines.values() if line.role == ProtocolLine.Role.INVALID]
    parties = list(contest.options.filter(is_against_all=False).values_list("code", flat=True))
    totals = {code: sum(f.options.get(code, 0) for f in figures.values()) for code in parties}
    leader = min(parties, key=lambda code: (-totals[code], parties.index(code))) if parties else ""
    if not leader or not totals[leader]:
        raise AnalysisError(_("No votes for any party or candidate in these figures."))
    stations = {
        pk: (pk, number, tec or 0)
        for pk, number, tec in PollingStation.objects.filter(pk__in=list(figures)).values_list(
            "pk", "number", "pec__parent_id"
        )
    }
    counts = [
        StationCounts(
            *stations[pk],
            f.lines.get(lines[base].code, 0),
            sum(f.lines.get(code, 0) for code in took_part_codes),
            f.options.get(leader, 0),
            sum(f.options.values()),
            sum(f.lines.get(code, 0) for code in invalid_codes),
        )
        for pk, f in sorted(figures.items())
    ]
    codes = list(contest.options.values_list("code", flat=True))
    option_counts = {
        code: [f.options[code] for _pk, f in sorted(figures.items()) if code in f.options] for code in codes
    }
    tecs = _tec_names({c.tec_id for c in counts})
    return StationData(
        counts, {c: v for c, v in option_counts.items() if v}, leader, tecs, bool(invalid_codes)
    )


FigureRowTuple = tuple[int, int | None, int | None, int]  # PEC id, line id, option id, value


def _station_data(contest: Contest, rows: list[FigureRowTuple]) -> StationData:
    """Sum each station's figure rows (PEC id, line id, option id, value) as the counts need them."""
    base, numerators = _turnout_line_ids(contest)
    invalid = set(contest.form.lines.filter(role=ProtocolLine.Role.INVALID).values_list("pk", flat=True))
    leader_id, leader_code = _leader(contest, rows)
    took_part = set(numerators)
    sums: dict[int, list[int]] = {}
    for pec, line_id, option_id, value in rows:
        station = sums.setdefault(pec, [0, 0, 0, 0, 0])
        if line_id is not None:
            station[0] += value if line_id == base else 0
            station[1] += value if line_id in took_part else 0
            station[4] += value if line_id in invalid else 0
        else:
            station[2] += value if option_id == leader_id else 0
            station[3] += value
    stations = _stations(contest)
    counts = [StationCounts(*stations[pec], *values) for pec, values in sums.items()]
    tecs = _tec_names({c.tec_id for c in counts})
    return StationData(counts, _option_counts(contest, rows), leader_code, tecs, bool(invalid))


def _option_counts(contest: Contest, rows: list[FigureRowTuple]) -> dict[str, list[int]]:
    """Return {option code: its vote count at every station read}, in ballot order."""
    codes = dict(contest.options.values_list("pk", "code"))
    found: dict[str, list[int]] = {code: [] for code in codes.values()}
    for _pec, _line, option_id, value in rows:
        if option_id is not None:
            found[codes[option_id]].append(value)
    return {code: counts for code, counts in found.items() if counts}


def _turnout_line_ids(contest: Contest) -> tuple[int, list[int]]:
    lines = list(contest.form.lines.all())
    base_line = roles.base_line(lines)
    base = base_line.pk if base_line else None
    numerators = [line.pk for line in roles.took_part_lines(lines)]
    if base is None or not numerators:
        raise AnalysisError(_("The protocol form does not say which lines give the turnout."))
    return base, numerators


def _leader(contest: Contest, rows: list[FigureRowTuple]) -> tuple[int, str]:
    """The party option with the most votes over the rows (the lower id on a tie); AnalysisError if none."""
    parties = dict(contest.options.filter(is_against_all=False).values_list("pk", "code"))
    totals: dict[int, int] = {}
    for _pec, _line, option_id, value in rows:
        if option_id in parties:
            totals[option_id] = totals.get(option_id, 0) + value
    top = min(totals, key=lambda pk: (-totals[pk], pk), default=None)
    if top is None or not totals[top]:
        raise AnalysisError(_("No votes for any party or candidate in these figures."))
    return top, parties[top]


def _stations(contest: Contest) -> dict[int, tuple[int, str, int]]:
    """Return {PEC id: (station id, station number, parent commission id)} for the election."""
    stations = PollingStation.objects.filter(pec__election_id=contest.election_id)
    rows = stations.values_list("pec_id", "pk", "number", "pec__parent_id")
    return {pec: (pk, number, parent or 0) for pec, pk, number, parent in rows.iterator(chunk_size=10_000)}


def _tec_names(tec_ids: set[int]) -> dict[int, str]:
    return dict(Commission.objects.filter(pk__in=tec_ids).values_list("pk", "name"))
