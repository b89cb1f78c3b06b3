"""{{ value|decimal }}: a number that reaches a template as text, written as the page's language does.

Django localises Decimal and float values itself; numbers stored as text in a run's result
("12.50", "< 0.0001") are not, and a Russian page showed "12,50" beside "0.5944". See
elections.numbers.localized.
"""

from __future__ import annotations

from django import template

from elections.numbers import localized

register = template.Library()


@register.filter
def decimal(value: object) -> str:
    """Return `value` with the active language's decimal separator (text that is no number unchanged)."""
    return localized(value)
