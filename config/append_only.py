"""The append-only rule every app's evidence and logs share: database triggers refuse UPDATE and DELETE.

Models list it as `Meta.triggers` (django-pgtrigger); the trigger names pgtrigger derives from the
model, not from this list, so one definition serves elections, observers and tallies alike.
"""

import pgtrigger

APPEND_ONLY = [
    pgtrigger.Protect(name="append_only_update", operation=pgtrigger.Update),
    pgtrigger.Protect(name="append_only_delete", operation=pgtrigger.Delete),
]
