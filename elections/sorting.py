"""Sorting commission and station numbers as people read them: 2 before 10 before 100."""

from __future__ import annotations


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key reading digit runs as numbers: "2" < "10" < "100" < "100a" (commission numbers)."""
    parts: list[tuple[int, int | str]] = []
    number = ""
    for char in text:
        if char.isascii() and char.isdigit():
            number += char
            continue
        if number:
            parts.append((0, int(number)))
            number = ""
        parts.append((1, char.casefold()))
    if number:
        parts.append((0, int(number)))
    return tuple(parts)
