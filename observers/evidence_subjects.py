"""Protocol copies as the subject of an evidence photo, registered by the app that owns them.

The apps depend one way, elections ← observers ← tallies: the evidence upload (observers) may
not import protocol copies (tallies). tallies registers at start-up (TalliesConfig.ready) how to
find an observer's own copies and how to attach a photo to one; the evidence page and API call
`copy_photos()` for them. Without a registration (tallies not installed) no copy can be named.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model, QuerySet

from observers.models import Evidence, Observer


@dataclass(frozen=True)
class CopyPhotos:
    """`copies_of(observer)`: the copies they may add a photo to (a QuerySet, for 404 and the API);
    `attach(copy=, evidence=, user=)`: attach the photo once, or raise PermissionDenied.
    """

    copies_of: Callable[[Observer], QuerySet[Any]]
    attach: Callable[..., object]


def _none(observer: Observer) -> QuerySet[Any]:
    return Evidence.objects.none()


_registered = CopyPhotos(copies_of=_none, attach=lambda **kwargs: None)


def register_copy_photos(hooks: CopyPhotos) -> None:
    """Say how copies are found and photos attached (called once, from the owning app's ready())."""
    global _registered
    _registered = hooks


def copy_photos() -> CopyPhotos:
    """The registered hooks (before any registration: no copies, attaching does nothing)."""
    return _registered


def attach_to_copy(copy: Model | None, evidence: Evidence, user: AbstractBaseUser | AnonymousUser) -> None:
    """Attach `evidence` to `copy` when a copy is given; raise PermissionDenied as `attach` does."""
    if copy is not None:
        copy_photos().attach(copy=copy, evidence=evidence, user=user)
