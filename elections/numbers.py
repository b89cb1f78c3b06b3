"""Exact arithmetic for percentages: the one place where anything is rounded.

Counts are integers (votes, voters). Percentages are `Decimal`, computed from integers and
rounded half-up to 0.01 here and nowhere else; they are never stored.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import formats

PERCENT_QUANTUM = Decimal("0.01")


def percent(part: int, whole: int) -> Decimal | None:
    """Return 100 × part / whole in percent, rounded half-up to 0.01; None when whole is 0."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT_QUANTUM, ROUND_HALF_UP)


def percent_points(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    """Return a − b in percentage points, or None when either side is unknown."""
    if a is None or b is None:
        return None
    return a - b


SIGNS = ("< ", "> ", "≤ ", "≥ ")


def localized(value: object) -> str:
    """A number as the active language writes it: its digits kept, the language's decimal separator.

    `value` is an int, Decimal or float, or its text as runs store it ("12.50", "< 0.0001");
    anything else (a dash, a word) comes back as text unchanged, and None as "". The one path for
    numbers that reach a page as text (issue 13: "." and "," mixed on one Russian page); templates
    use it as the `decimal` filter (elections/templatetags/numbers.py). Never for CSV or JSON.
    """
    if value is None:
        return ""
    text, sign = str(value), ""
    for prefix in SIGNS:
        if text.startswith(prefix):
            sign, text = prefix, text[len(prefix) :]
    try:
        number = Decimal(text)
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    return sign + formats.number_format(number, use_l10n=True)
