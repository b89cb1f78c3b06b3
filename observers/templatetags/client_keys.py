"""`{% new_client_uuid %}`: a fresh key for a form that creates something (a check-in, an act).

The service keys what the form creates by it, so a page sent twice (a double tap, a resend after
a lost answer) creates one thing. Each rendering makes a new key; never cache such a form for
another request.
"""

from __future__ import annotations

import uuid

from django import template

register = template.Library()


@register.simple_tag
def new_client_uuid() -> str:
    """A random UUID (version 4) as text."""
    return str(uuid.uuid4())
