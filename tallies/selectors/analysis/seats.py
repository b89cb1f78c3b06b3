"""Seat tables: each party's votes, share and seats under the official and the observers' figures."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from elections.models import BallotOption, Contest, SeatRule
from elections.numbers import percent


@dataclass(frozen=True)
class SeatRow:
    """One party: votes, share of the threshold base (percent) and seats, by source."""

    option: BallotOption
    official_votes: int | None
    official_share: Decimal | None
    official_seats: int | None
    observer_votes: int | None
    observer_share: Decimal | None
    observer_seats: int | None

    @property
    def difference(self) -> int | None:
        """Observer seats minus official seats; None when either is unknown."""
        if self.official_seats is None or self.observer_seats is None:
            return None
        return self.observer_seats - self.official_seats


@dataclass(frozen=True)
class ShareSeatRow:
    """One party of a published-shares allocation: the share entered (percent) and its seats."""

    option: BallotOption
    share: Decimal | None
    seats: int | None
    passed: bool


def seat_rule(contest: Contest) -> SeatRule | None:
    return SeatRule.objects.filter(contest=contest).first()


def parties(contest: Contest) -> list[BallotOption]:
    """Return the options that can take seats (not against-all), in ballot order."""
    return list(contest.options.filter(is_against_all=False))


def seat_rows(contest: Contest, result: dict[str, Any]) -> list[SeatRow]:
    """Return one row per party from a seats run's result (empty sources give None cells)."""
    official, observer = result.get("official") or {}, result.get("observer") or {}
    return [
        SeatRow(option, *_cells(official, option.code), *_cells(observer, option.code))
        for option in parties(contest)
    ]


def _cells(source: dict[str, Any], code: str) -> tuple[int | None, Decimal | None, int | None]:
    votes = source.get("votes", {}).get(code)
    seats = source.get("seats", {}).get(code) if not source.get("error") else None
    return votes, _share(source, votes), seats


def _share(source: dict[str, Any], votes: int | None) -> Decimal | None:
    """Votes in percent of the threshold base: voters who took part if known, else all party votes."""
    if votes is None:
        return None
    base = source.get("voters_took_part") or sum(source.get("votes", {}).values())
    return percent(votes, base)


def _observer(row: SeatRow) -> list[Any]:
    return [row.observer_share, row.observer_seats, row.difference]


def share_seat_rows(contest: Contest, result: dict[str, Any]) -> list[ShareSeatRow]:
    """Return one row per party of a seats-from-shares result."""
    shares, seats = result.get("shares", {}), result.get("seats", {})
    passed = set(result.get("passed", []))
    return [
        ShareSeatRow(
            option,
            Decimal(shares[option.code]) if option.code in shares else None,
            seats.get(option.code),
            option.code in passed,
        )
        for option in parties(contest)
    ]


def seats_table(contest: Contest, result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Return the seat table as (header, rows) for CSV: votes, shares and seats by source."""
    header = [
        _("Party"),
        _("Official votes"),
        _("Official share (%)"),
        _("Official seats"),
        _("Observer votes"),
        _("Observer share (%)"),
        _("Observer seats"),
        _("Difference in seats (observer − official)"),
    ]
    rows = [
        [str(r.option), r.official_votes, r.official_share, r.official_seats, r.observer_votes, *_observer(r)]
        for r in seat_rows(contest, result)
    ]
    return header, rows


@dataclass(frozen=True)
class PublishedShares:
    """Percentages someone published for a contest (not computed here), with where they come from."""

    source: str
    shares: dict[str, str]

    def query(self) -> dict[str, str]:
        """Return the shares as the seats page's form fields, for a link that fills them in."""
        return {f"share_{code}": share for code, share in self.shares.items()}


# By (election slug, contest slug). Observers' aggregate of 505 protocols, 2021 (domain.md §5.2).
PUBLISHED_SHARES = {
    ("kz-mazhilis-2021", "party-list"): PublishedShares(
        "505 protocols of 7 independent organisations, LMI portal (vibory.watch), January 2021",
        {"nur_otan": "54.7", "ak_zhol": "16.8", "adal": "11.1", "peoples_party": "8.6", "auyl": "8.7"},
    ),
}


def published_shares(contest: Contest) -> PublishedShares | None:
    """Return the shares published for the contest by others, if we know of any."""
    return PUBLISHED_SHARES.get((contest.election.slug, contest.slug))
