"""Matching a results file's columns to a contest's lines and options by name, never by position.

A column gives a line (or a ballot option) when its header, compared without surrounding or
repeated blanks and without case, is the line's code, one of the headers the form declares for it
(``headers`` in the form spec: the CEC's wording, the observers' own CSV), an option's code,
name, short name or declared headers, or what a column map says (``--columns MAP.json``). The
hierarchy columns are found the same way (``region``, ``tik``/``tec``, ``uik``/``pec``/``station``).
A file whose headers leave a line or option unmatched, or that has a column nothing matches, is
refused naming both: a column read by position once put invalid ballots into "valid" without a
word (issue 14).

A column map is JSON: ``{"columns": {"header": "code or place", ...}, "ignore": ["header or *pattern", ...],
"absent": ["line or option code", ...], "split": {"column": "id", "separator": "-"}}``. A place
is ``region``, ``tec``, ``number``, ``stations`` (stations a total covers) or ``remote`` (a
remote or e-voting station, 1/0). ``split`` cuts one station id such as ``01-010-0001`` into
region ``01``, TEC ``01-010`` and number ``01-010-0001``.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elections.models import Contest
from tallies.errors import ImportFileError

Ref = tuple[int | None, int | None]  # (line id, option id) of a figure column
PLACES = ("region", "tec", "number", "stations", "remote")
PLACE_HEADERS = {
    "region": ("region", "регион"),
    "tec": ("tik", "tec", "тик"),
    "number": ("uik", "pec", "station", "уик"),
    "stations": ("stations",),
    "remote": ("remote", "e_voting"),
}
IGNORED_HEADERS = ("url", "izbirkom_url", "station_key")  # a row's source page or key: no figure


def normalise(header: str) -> str:
    """A header as compared: blanks collapsed and trimmed, case folded."""
    return " ".join(header.split()).casefold()


@dataclass(frozen=True)
class ColumnMap:
    """What a MAP.json says: header → line/option code or place, headers to ignore, codes absent."""

    columns: dict[str, str] = field(default_factory=dict)
    ignore: frozenset[str] = frozenset()
    absent: frozenset[str] = frozenset()
    split: tuple[str, str] | None = None  # (column, separator)


def load_column_map(path: Path | str) -> ColumnMap:
    """Read and check a column map; ImportFileError names the JSON path of what is wrong."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ImportFileError(f"{path.name}: not a readable JSON file ({error})") from error
    return column_map_from(data, path.name)


def column_map_from(data: Any, name: str = "columns map") -> ColumnMap:
    """Check a parsed column map (see the module docstring); ImportFileError names the JSON path."""
    if not isinstance(data, dict):
        raise ImportFileError(f"{name}: $ must be an object")
    unknown = set(data) - {"columns", "ignore", "absent", "split"}
    if unknown:
        raise ImportFileError(f"{name}: $ has unknown keys {sorted(unknown)}")
    columns = data.get("columns", {})
    if not isinstance(columns, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in columns.items()
    ):
        raise ImportFileError(f"{name}: $.columns must map header text to a code or place")
    return ColumnMap(
        columns={normalise(k): v for k, v in columns.items()},
        ignore=frozenset(normalise(h) for h in _strings(data, "ignore", name)),
        absent=frozenset(_strings(data, "absent", name)),
        split=_split(data.get("split"), name),
    )


def _strings(data: dict[str, Any], key: str, name: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ImportFileError(f"{name}: $.{key} must be a list of strings")
    return value


def _split(value: Any, name: str) -> tuple[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("column"), str):
        raise ImportFileError(f"{name}: $.split.column must be a header")
    separator = value.get("separator", "-")
    if not isinstance(separator, str) or not separator:
        raise ImportFileError(f"{name}: $.split.separator must be a non-empty string")
    return normalise(value["column"]), separator


@dataclass(frozen=True)
class Matched:
    """Where a file keeps each figure and place: column index → (line id, option id), place → index."""

    figures: dict[int, Ref]
    places: dict[str, int]
    split: tuple[int, str] | None = None
    labels: dict[Ref, str] = field(default_factory=dict)  # a ref's code, for reports


@dataclass
class _Targets:
    by_name: dict[str, set[str]] = field(default_factory=dict)  # normalised header → target keys
    refs: dict[str, Ref] = field(default_factory=dict)  # "line:code" / "option:code" → ref

    def add(self, key: str, names: Iterable[str]) -> None:
        for name in names:
            if name:
                self.by_name.setdefault(normalise(name), set()).add(key)


def _targets(contest: Contest, places: Sequence[str]) -> _Targets:
    targets = _Targets()
    for line in contest.form.lines.all():
        targets.refs[f"line:{line.code}"] = (line.pk, None)
        targets.add(f"line:{line.code}", [line.code, *line.headers])
    for option in contest.options.all():
        targets.refs[f"option:{option.code}"] = (None, option.pk)
        targets.add(f"option:{option.code}", [option.code, option.name, option.short_name, *option.headers])
    for place in places:
        targets.add(f"place:{place}", PLACE_HEADERS[place])
    return targets


def match_columns(
    contest: Contest,
    header: Sequence[str],
    *,
    places: Sequence[str],
    required_places: Sequence[str],
    column_map: ColumnMap | None = None,
    every_line: bool = True,
    file_name: str = "file",
) -> Matched:
    """Match `header` to the contest's lines and options and to `places`; raise ImportFileError.

    `every_line`: refuse a file that gives no column for some line or option (unless the map
    lists it under ``absent``); otherwise such a figure is simply absent. A column nothing
    matches is always refused, as is a header that two lines or options claim, two columns for
    one target, or a missing required place; each message names the headers and codes.
    """
    column_map = column_map or ColumnMap()
    targets = _targets(contest, places)
    found: dict[str, int] = {}
    unmatched: list[str] = []
    split_index = None
    for index, text in enumerate(header):
        name = normalise(text)
        if column_map.split and name == column_map.split[0]:
            split_index = index
            continue
        key = _target_of(name, text, targets, column_map, places, file_name)
        if key is None:
            if not _ignored(name, column_map):
                unmatched.append(text)
            continue
        if key in found:
            raise ImportFileError(
                f"{file_name}: columns {header[found[key]]!r} and {text!r} both give {_show(key)}"
            )
        found[key] = index
    missing = [key for key in targets.refs if key not in found and key.split(":")[1] not in column_map.absent]
    _refuse_unmatched(unmatched, missing if every_line or unmatched else [], file_name)
    missing_places = [p for p in required_places if f"place:{p}" not in found]
    if missing_places and not (
        split_index is not None and set(missing_places) <= {"region", "tec", "number"}
    ):
        raise ImportFileError(
            f"{file_name}: no column for {', '.join(missing_places)} (expected a header such as "
            + "; ".join(f"{p}: {', '.join(PLACE_HEADERS[p])}" for p in missing_places)
            + ', or name it in --columns MAP.json: {"columns": {"your header": "region"}})'
        )
    figures = {index: targets.refs[key] for key, index in found.items() if key in targets.refs}
    if not figures:
        raise ImportFileError(f"{file_name}: no column gives a line or an option")
    return Matched(
        figures=figures,
        places={key.split(":")[1]: index for key, index in found.items() if key.startswith("place:")},
        split=(split_index, column_map.split[1]) if column_map.split and split_index is not None else None,
        labels={ref: key.split(":")[1] for key, ref in targets.refs.items()},
    )


def _ignored(name: str, column_map: ColumnMap) -> bool:
    """A header the map ignores (``*`` and ``?`` as in shell patterns) or one of IGNORED_HEADERS."""
    return name in IGNORED_HEADERS or any(fnmatch.fnmatchcase(name, pattern) for pattern in column_map.ignore)


def _target_of(
    name: str, text: str, targets: _Targets, column_map: ColumnMap, places: Sequence[str], file_name: str
) -> str | None:
    """The target key a header names (map first, then codes and declared headers), None if nothing."""
    if name in column_map.columns:
        code = column_map.columns[name]
        for key in (f"line:{code}", f"option:{code}", f"place:{code}"):
            if key in targets.refs or (key.startswith("place:") and code in places):
                return key
        raise ImportFileError(
            f"{file_name}: the column map sends {text!r} to {code!r}, which is no line, option or place"
        )
    keys = targets.by_name.get(name, set())
    if len(keys) > 1:
        raise ImportFileError(f"{file_name}: column {text!r} could be {', '.join(sorted(map(_show, keys)))}")
    return next(iter(keys), None)


def _show(key: str) -> str:
    kind, code = key.split(":")
    return f"{kind} {code!r}"


def _refuse_unmatched(unmatched: list[str], missing: list[str], file_name: str) -> None:
    if not unmatched and not missing:
        return
    parts = []
    if unmatched:
        parts.append(f"columns matching no line, option or place: {unmatched}")
    if missing:
        parts.append(f"lines and options with no column: {[key.split(':')[1] for key in missing]}")
    raise ImportFileError(
        f"{file_name}: {'; '.join(parts)}. Name them in a column map (--columns MAP.json, "
        '{"columns": {"header": "code"}, "ignore": [...], "absent": [...]}) '
        "or declare the headers in the form"
    )
