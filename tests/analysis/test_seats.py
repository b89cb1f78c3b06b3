"""Seat allocation: the published Kazakh Mazhilis seats, hand-computed cases for each method, ties."""

import dataclasses
import os
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from django.conf import settings

from tallies.analysis import loaders
from tallies.analysis.seats import (
    KZ_MAZHILIS_2012,
    KZ_MAZHILIS_2021,
    KZ_MAZHILIS_2023,
    AllocationRule,
    allocate,
    allocate_from_shares,
    distribute,
)

PP = "People's Party of Kazakhstan (QHP)"
JSDP = "Nationwide Social Democratic Party (JSDP)"


def kz_results() -> dict[str, loaders.NationalResult]:
    """The Kazakh national totals; skip when the data folder is absent, except under CI."""
    path = Path(settings.SHARED_DATA_DIR)
    if not (path / loaders.KZ_RESULTS_FILE).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"real data missing at {path}: CI must run the real-data tests")
        pytest.skip(f"real data not found at {path} (set SHARED_DATA_DIR)")
    return loaders.read_kz_national_results(path)


def test_it_reproduces_the_official_2021_seats_with_hare_and_largest_remainders():
    result = kz_results()["kz-majilis-2021"]

    allocation = allocate(result.votes, KZ_MAZHILIS_2021)

    assert allocation.seats == {"Nur Otan": 76, "Ak Zhol": 12, PP: 10, "Auyl": 0, "Adal": 0}
    assert allocation.seats == result.seats
    assert allocation.passed == ("Nur Otan", "Ak Zhol", PP)
    # quota = (5,148,074 + 792,828 + 659,019) / 98 = 6,599,921 / 98 ≈ 67,346.13 votes per seat
    assert allocation.quota == Fraction(6_599_921, 98)
    assert allocation.threshold == Fraction(7 * 7_241_562, 100)
    assert allocation.tied == ()


def test_it_gives_77_12_9_under_dhondt_which_is_not_the_official_2021_result():
    votes = kz_results()["kz-majilis-2021"].votes

    allocation = allocate(votes, dataclasses.replace(KZ_MAZHILIS_2021, method="dhondt"))

    assert allocation.seats == {"Nur Otan": 77, "Ak Zhol": 12, PP: 9, "Auyl": 0, "Adal": 0}
    assert allocation.quota is None


def test_it_reproduces_the_official_2023_list_seats_with_5_percent_of_voters_who_took_part():
    result = kz_results()["kz-majilis-2023"]
    took_part = result.figures["votes_cast"]

    allocation = allocate(result.votes, KZ_MAZHILIS_2023, voters_took_part=took_part)

    assert took_part == 6_366_441
    expected = {"Amanat": 40, "Auyl": 8, "Respublica": 6, "Ak Zhol": 6, PP: 5, JSDP: 4, "Baytaq": 0}
    assert allocation.seats == expected == result.seats
    assert "Baytaq" not in allocation.passed
    assert allocation.threshold == Fraction(5 * 6_366_441, 100)  # 318,322.05 votes; JSDP has 331,058


def test_it_gives_the_same_2023_seats_on_either_threshold_base_since_jsdp_clears_both():
    votes = kz_results()["kz-majilis-2023"].votes
    on_valid_votes = dataclasses.replace(KZ_MAZHILIS_2023, threshold_base="valid_votes")

    allocation = allocate(votes, on_valid_votes)

    assert JSDP in allocation.passed  # 331,058 ≥ 5 % of 6,118,150 = 305,907.5 as well
    assert allocation.seats == allocate(votes, KZ_MAZHILIS_2023, voters_took_part=6_366_441).seats


def test_it_gives_all_five_parties_seats_from_the_observers_2021_shares_since_all_pass_7_percent():
    # 505 protocols of 7 independent organisations (domain.md §5.2): shares sum to 99.9.
    shares = {
        "Nur Otan": Decimal("54.7"),
        "Ak Zhol": Decimal("16.8"),
        "Adal": Decimal("11.1"),
        "People's Party": Decimal("8.6"),
        "Auyl": Decimal("8.7"),
    }

    allocation = allocate_from_shares(shares, KZ_MAZHILIS_2021)

    # quota 99.9 / 98; quotients 53.66, 16.48, 10.89, 8.44, 8.53 → floors 95 seats,
    # the 3 left go to the largest remainders: Adal .89, Nur Otan .66, Auyl .53.
    assert allocation.seats == {"Nur Otan": 54, "Ak Zhol": 16, "Adal": 11, "Auyl": 9, "People's Party": 8}
    assert set(allocation.passed) == set(shares)


def test_it_gives_72_11_9_6_under_a_hypothetical_5_percent_threshold_in_2021():
    votes = kz_results()["kz-majilis-2021"].votes

    allocation = allocate(votes, dataclasses.replace(KZ_MAZHILIS_2021, threshold_percent=Decimal("5")))

    assert allocation.seats == {"Nur Otan": 72, "Ak Zhol": 11, PP: 9, "Auyl": 6, "Adal": 0}


def test_it_matches_a_hand_computed_sainte_lague_example_where_dhondt_differs():
    # Sainte-Laguë quotients (÷1, 3, 5, ...): A 100000, 33333, 20000, 14286; B 80000, 26667, 16000;
    # C 30000, 10000; D 20000, 6667. The eight largest: A 100000, B 80000, A 33333, C 30000,
    # B 26667, A 20000, D 20000, B 16000 → A 3, B 3, C 1, D 1.
    # D'Hondt (÷1, 2, 3, ...): A 100000, B 80000, A 50000, B 40000, A 33333, C 30000, B 26667, A 25000.
    votes = {"A": 100_000, "B": 80_000, "C": 30_000, "D": 20_000}
    rule = AllocationRule(8, Decimal("0"), method="sainte_lague")

    assert allocate(votes, rule).seats == {"A": 3, "B": 3, "C": 1, "D": 1}
    assert allocate(votes, dataclasses.replace(rule, method="dhondt")).seats == {
        "A": 4,
        "B": 3,
        "C": 1,
        "D": 0,
    }


def test_it_matches_a_hand_computed_droop_example_where_hare_favours_the_small_party():
    # 10,000 votes, 6 seats. Droop quota floor(10000 / 7) + 1 = 1429: A 4.898, B 1.400, C 0.700
    # → floors 4 + 1 + 0 = 5, the last seat to A (.898). Hare quota 1666.67: A 4.2, B 1.2, C 0.6
    # → floors 5, the last seat to C (.6).
    votes = {"A": 7_000, "B": 2_000, "C": 1_000}
    droop = AllocationRule(6, Decimal("0"), method="droop_largest_remainder")

    allocation = allocate(votes, droop)

    assert allocation.quota == 1429
    assert allocation.seats == {"A": 5, "B": 1, "C": 0}
    assert allocate(votes, dataclasses.replace(droop, method="hare_largest_remainder")).seats == {
        "A": 4,
        "B": 1,
        "C": 1,
    }


def test_it_admits_the_next_largest_party_when_only_one_passes():
    votes = {"Leader": 900, "Second": 40, "Third": 30, "Fourth": 30}

    allocation = allocate(votes, KZ_MAZHILIS_2021)

    assert allocation.passed == ("Leader",)
    assert allocation.admitted == ("Leader", "Second")
    # quota 940 / 98: Leader 93.83, Second 4.17 → 93 + 4, the last seat to Leader (.83)
    assert allocation.seats == {"Leader": 94, "Second": 4, "Fourth": 0, "Third": 0}


def test_it_guarantees_two_seats_to_the_admitted_second_party_under_the_2012_wording():
    votes = {"Leader": 990, "Second": 5, "Third": 5}

    # Under the 2021 wording: quota 995 / 98, Leader 97.51, Second 0.49 → the last seat to Leader.
    assert allocate(votes, KZ_MAZHILIS_2021).seats == {"Leader": 98, "Second": 0, "Third": 0}
    assert allocate(votes, KZ_MAZHILIS_2012).seats == {"Leader": 96, "Second": 2, "Third": 0}


def test_it_breaks_an_equal_remainder_by_votes_and_reports_the_tie():
    # Hare quota 2000: A 3.0, B 1.5, C 0.5 → one seat left, B and C tie at .5; B has more votes.
    allocation = allocate({"A": 6_000, "B": 3_000, "C": 1_000}, AllocationRule(5, Decimal("0")))

    assert allocation.seats == {"A": 3, "B": 2, "C": 0}
    assert allocation.tied == ("B", "C")


def test_it_breaks_a_full_tie_alphabetically_and_reports_it():
    dhondt = distribute({"Beta": Fraction(100), "Alpha": Fraction(100)}, 1, "dhondt")
    hare = distribute({"Beta": Fraction(100), "Alpha": Fraction(100)}, 1, "hare_largest_remainder")

    assert dhondt.seats == hare.seats == {"Alpha": 1, "Beta": 0}
    assert dhondt.tied == hare.tied == ("Alpha", "Beta")


def test_it_counts_a_party_exactly_at_the_threshold_as_passing():
    allocation = allocate({"A": 93, "B": 7}, AllocationRule(10, Decimal("7")))

    assert allocation.passed == ("A", "B")
    assert allocation.seats == {"A": 9, "B": 1}


def test_it_requires_the_voters_who_took_part_when_the_rule_counts_them():
    with pytest.raises(ValueError, match="voters_took_part"):
        allocate({"A": 10, "B": 5}, KZ_MAZHILIS_2023)
    with pytest.raises(ValueError, match="voters_took_part"):
        allocate({"A": 10, "B": 5}, KZ_MAZHILIS_2023, voters_took_part=14)


def test_it_refuses_an_election_where_no_party_passes():
    with pytest.raises(ValueError, match="no party passed"):
        allocate({"A": 1, "B": 1, "C": 1}, AllocationRule(3, Decimal("50")))
