"""Names in the user's language: an election's, a contest's or a ballot option's.

A spec gives a name as a plain text (one name in every language, as before) or as an object of
names by language, e.g. {"en": "Nationwide party list", "ru": "Общенациональный партийный
список", "kk": "Жалпыұлттық партиялық тізім"}. The model keeps one `name` (the English one when
given, else the first of ru, kk: the name imports, logs and published releases use) and all of
them in `names`; pages show `localized(name, names)`.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language

LANGUAGES = ("en", "ru", "kk")  # config.settings.LANGUAGES, English first


def name_problem(value: Any, where: str) -> str | None:
    """What is wrong with a spec's name, as "JSON path: problem"; None for a good one.

    `where` is the name's JSON path (``$.contests[0].name``); a problem of one language names
    ``where.LANG``.
    """
    if isinstance(value, str):
        return None if value.strip() else f"{where}: must not be empty"
    if not isinstance(value, dict) or not value:
        return f"{where}: must be a text or an object of names by language {list(LANGUAGES)}"
    for language, text in value.items():
        if language not in LANGUAGES:
            return f"{where}.{language}: unknown language (expected one of {list(LANGUAGES)})"
        if not isinstance(text, str) or not text.strip():
            return f"{where}.{language}: must be a text, not empty"
    return None


def split_name(value: str | dict[str, str]) -> tuple[str, dict[str, str]]:
    """(the stored name, {language: name}) of a good spec name (see name_problem); {} for a text."""
    if isinstance(value, str):
        return value.strip(), {}
    names = {language: value[language].strip() for language in LANGUAGES if language in value}
    return next(iter(names.values())), names


def localized(name: str, names: dict[str, str] | None) -> str:
    """`name` in the active language when `names` has it, else `name` itself."""
    language = (get_language() or "").split("-")[0]
    return (names or {}).get(language) or name
