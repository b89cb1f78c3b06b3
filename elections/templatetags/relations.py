"""{% relation_text relation %}: a control relation as people read it, never as code.

Its label in the reader's language, else its line numbers ("9 + 10 = 7 + 8"); the numbers of a
form's lines are read once per page render (one query per form).
"""

from __future__ import annotations

from typing import Any

from django import template

from elections.models import ControlRelation
from elections.relations import line_numbers
from elections.relations import relation_text as text_of

register = template.Library()


@register.simple_tag(takes_context=True)
def relation_text(context: Any, relation: ControlRelation) -> str:
    """Return the relation's label, or its numbered form when it has no label."""
    if relation.labels:
        return relation.label
    cache = context.render_context.setdefault("relation_numbers", {})
    if relation.form_id not in cache:
        cache[relation.form_id] = line_numbers(relation.form)
    return text_of(relation, cache[relation.form_id])
