"""Withdrawing a published release: a public notice beside it, never a deletion.

A release is evidence others may have downloaded and cited; taking it back must be visible.
The release's pages and files stay at their permalink with the notice on top (the page frame,
rendered per request, carries it; the cached bodies stay as they were), and the organisation's
audit chain records who withdrew it and why.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from observers.services import audit
from tallies.models import Release, ReleaseWithdrawal
from tallies.services.releases.publish import ReleaseError


@transaction.atomic
def withdraw_release(*, release: Release, notice: str, by: User) -> ReleaseWithdrawal:
    """Withdraw `release` with a public `notice`; raise ReleaseError for a blank notice or a
    release already withdrawn. The caller checks that `by` administers the organisation."""
    notice = notice.strip()
    if not notice:
        raise ReleaseError(_("Say publicly why the release is withdrawn (the notice)."))
    Release.objects.select_for_update().filter(pk=release.pk).exists()  # one withdrawal at a time
    if ReleaseWithdrawal.objects.filter(release=release).exists():
        raise ReleaseError(_("This release is already withdrawn."))
    withdrawal = ReleaseWithdrawal.objects.create(release=release, notice=notice, withdrawn_by=by)
    audit.record(
        organization=release.organization,
        actor=by,
        action="release.withdrawn",
        obj=release,
        before={"number": release.number, "withdrawn": False},
        after={"number": release.number, "withdrawn": True},
        reason=notice,
    )
    return withdrawal
