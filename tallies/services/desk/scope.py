"""Who may act at the desk, and which line or option a desk action names.

Desk actions belong to the coordinators (and admins) of the copy's organisation; a coordinator
limited to a territory (a region or TEC) acts only on stations inside it.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from elections.models import BallotOption, Contest, PollingStation, ProtocolLine
from observers.access import AnyUser, coordinator_scope, signed_in
from observers.models import Organization
from tallies.errors import FieldError
from tallies.models import ProtocolCopy

LINES, OPTIONS = "lines", "options"


def authorize(*, by: AnyUser, organization: Organization, station: PollingStation) -> User:
    """Return `by` as a User; raise PermissionDenied unless they coordinate `organization` at `station`."""
    if not coordinator_scope(by, organization.slug).contains(station):
        raise PermissionDenied("This station is outside your territory.")
    return signed_in(by)


def require_reason(reason: str) -> str:
    """Return the stripped reason; raise FieldError on "reason" when it is blank."""
    if not reason.strip():
        raise FieldError("reason", _("Give a reason: it goes into the audit log."))
    return reason.strip()


def target(contest: Contest, code: str) -> tuple[ProtocolLine | None, BallotOption | None]:
    """The line or option that `code` ("lines.<code>" or "options.<code>") names; raise FieldError."""
    kind, _dot, bare = code.partition(".")
    if kind == LINES:
        line = contest.form.lines.filter(code=bare).first()
        if line is not None:
            return line, None
    elif kind == OPTIONS:
        option = contest.options.filter(code=bare).first()
        if option is not None:
            return None, option
    raise FieldError("code", _("No such line or option in this protocol form."))


def value_on(copy: ProtocolCopy, code: str) -> int | None:
    """The copy's figure for `code` ("lines.<code>" / "options.<code>"), None if it has none."""
    figures = copy.figures()
    kind, _dot, bare = code.partition(".")
    return (figures.lines if kind == LINES else figures.options).get(bare)
