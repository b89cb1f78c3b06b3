"""The SMS format's parser: forgiving of case, spaces, separators and look-alike characters."""

from tallies.channels.sms_format import parse


def test_it_reads_a_tidy_message():
    parsed = parse("K7QH-3MZP 91 1=2124 10=1348 P1=193")

    assert (parsed.observer_code, parsed.station_number, parsed.contest) == ("K7QH-3MZP", "91", "")
    assert parsed.pairs == {"1": "2124", "10": "1348", "P1": "193"}
    assert parsed.unknown == []


def test_it_forgives_case_spaces_colons_commas_and_lookalikes():
    # Cyrillic К, М, Р; O for 0; l for 1; "№" before the station; the code split in two.
    parsed = parse("к7qh 3мzp №9l 1 = 2124, 2:22OO; l0 =5 Р1= 193 p2=l2")

    assert (parsed.observer_code, parsed.station_number) == ("K7QH-3MZP", "91")
    assert parsed.pairs == {"1": "2124", "2": "2200", "10": "5", "P1": "193", "P2": "12"}


def test_it_joins_a_code_typed_without_its_hyphen_and_reads_a_contest():
    parsed = parse("k7qh3mzp 91 Party-List 1=1")

    assert (parsed.observer_code, parsed.contest) == ("K7QH-3MZP", "party-list")


def test_a_key_given_twice_is_dropped_and_stray_words_are_not_understood():
    parsed = parse("K7QH-3MZP 91 1=5 2=6 hello 1=7 3==4")

    assert parsed.pairs == {"2": "6"}
    assert parsed.repeated == {"1"}
    assert parsed.unknown == ["HELLO", "1=7", "3==4"]
