"""The compact SMS format of a protocol form, and its forgiving parser.

A message reads ``<observer code> <station number> [<contest>] <line>=<n> … P<option>=<n>``,
e.g. ``K7QH-3MZP 91 1=2124 2=2200 … 18=0 P1=193 … P7=17``. Short codes come from the form:
a line is keyed by its number as printed on the protocol (ProtocolLine.number), a ballot option
by ``P`` and its position on the ballot (BallotOption.position). The contest is named (by its
slug) only when the station's election has several.

Forgiving of what phones and hurried thumbs do: any case; spaces around the separator; ':' for
'='; commas or semicolons between pairs; ``№``/``#`` before the station; Cyrillic letters that
look Latin (А В Е К М Н О Р С Т Х, Kazakh І); in numbers O for 0 and l/I for 1; an observer
code typed without its hyphen or split in two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Cyrillic look-alikes of Latin letters, upper and lower case (Kazakh І included).
_CYRILLIC = str.maketrans("АВЕКМНОРСТХІУавекмнорстхіу", "ABEKMHOPCTXIYABEKMHOPCTXIY")
# In a number, letters a phone keyboard or a tired eye gives for digits (after upper-casing).
_DIGIT_LOOKALIKES = str.maketrans("OIL", "011")
_SEPARATOR = re.compile(r"\s*[=:]\s*")
_TOKENS = re.compile(r"[\s,;]+")
OPTION_PREFIX = "P"


def normalise(text: str) -> str:
    """Upper-case Latin text: Cyrillic look-alikes mapped, separators to '=' without spaces."""
    text = text.translate(_CYRILLIC).upper()
    return _SEPARATOR.sub("=", text.strip())


def number_key(text: str) -> str:
    """A key or count with digit look-alikes mapped (``lO`` → ``10``): how both sides compare."""
    return normalise(text).translate(_DIGIT_LOOKALIKES)


def line_key(number: str) -> str:
    """The short code of a protocol line printed as `number` (e.g. "10", "9а" → "9A")."""
    return number_key(number)


def option_key(position: int) -> str:
    """The short code of the ballot option at `position` (1 → "P1")."""
    return f"{OPTION_PREFIX}{position}"


@dataclass
class ParsedSms:
    """A message split into its header and ``key=value`` pairs; nothing checked against a form.

    `pairs` maps a normalised key ("10", "P3") to the value as typed (normalised); `unknown`
    holds the tokens that were neither header nor pair; `repeated` the keys given more than once
    (each such key is dropped from `pairs`: a figure typed twice cannot be trusted).
    """

    observer_code: str = ""
    station_number: str = ""
    contest: str = ""
    pairs: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    repeated: set[str] = field(default_factory=set)


def parse(text: str) -> ParsedSms:
    """Split an SMS into header tokens (code, station, contest) and key=value pairs."""
    tokens = [token for token in _TOKENS.split(normalise(text)) if token]
    header_end = next((i for i, token in enumerate(tokens) if "=" in token), len(tokens))
    parsed = ParsedSms()
    _read_header(parsed, tokens[:header_end])
    for token in tokens[header_end:]:
        _read_pair(parsed, token)
    return parsed


def _read_header(parsed: ParsedSms, header: list[str]) -> None:
    """Code (maybe split as "K7QH 3MZP"), station ("№91"), then an optional contest slug."""
    if len(header) >= 3 and len(header[0]) == 4 and "-" not in header[0] and not header[1].isdecimal():
        header = [f"{header[0]}-{header[1]}", *header[2:]]
    code = header[0] if header else ""
    if len(code) == 8 and "-" not in code:
        code = f"{code[:4]}-{code[4:]}"
    parsed.observer_code = code
    if len(header) > 1:
        parsed.station_number = header[1].lstrip("№#").translate(_DIGIT_LOOKALIKES)
    if len(header) > 2:
        parsed.contest = header[2].lower()
    parsed.unknown.extend(header[3:])


def _read_pair(parsed: ParsedSms, token: str) -> None:
    key, _sep, value = token.partition("=")
    key = key.translate(_DIGIT_LOOKALIKES)
    if key.startswith("P") and key[1:].isdecimal():
        key = option_key(int(key[1:]))
    if not key or "=" not in token or "=" in value:
        parsed.unknown.append(token)
    elif key in parsed.pairs or key in parsed.repeated:  # given twice: neither value can be trusted
        parsed.repeated.add(key)
        parsed.pairs.pop(key, None)
        parsed.unknown.append(token)
    else:
        parsed.pairs[key] = value.translate(_DIGIT_LOOKALIKES)
