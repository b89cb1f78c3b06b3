"""A coalition's prepared release preview (CoalitionReleasePreview): its state and whether it is current.

Preparing the preview pools every member's copies, which grows with the election; the page reads
the stored preview and compares the versions of its inputs with the current ones, which costs a
few index lookups whatever the election's size (issue 17, scope 4). The inputs are those of the
stored pool (tallies.selectors.coalition_pool.inputs_of) and two more that change a release's
content: the release's number (another release published meanwhile) and whether every member
shares its photos. A new copy that leaves every figure as it was still changes the content (its
receipt); publishing catches that by the content's SHA-256 (tallies.services.coalition_release_jobs).

Reads only: asking for a preview and publishing are tallies.services.coalition_release_jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from elections.models import Contest
from observers.models import Coalition, CoalitionMember, Organization
from tallies.models import CoalitionReleasePreview, Release
from tallies.selectors.coalition_pool import inputs_of
from tallies.selectors.pool import pooling_members


def lost_after() -> timedelta:
    """How long an asked job may stay unfinished before it counts as lost (the broker redelivers an
    unacknowledged message within its visibility timeout; the sweep sends it again after that)."""
    return timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT)


def next_number(coalition: Coalition, contest: Contest) -> int:
    """The coalition's next release number for `contest` (from 1)."""
    latest = Release.objects.filter(coalition=coalition, contest=contest).order_by("-number").first()
    return latest.number + 1 if latest else 1


def every_member_shares_photos(coalition: Coalition) -> bool:
    """Whether every current member's consent includes its protocol photos (CoalitionMember.shares_photos):
    only then does a coalition's release publish photos."""
    members = {o.pk for o in pooling_members(coalition)}
    seats = CoalitionMember.objects.agreed().filter(coalition=coalition, organization_id__in=members)
    return bool(members) and not seats.filter(shares_photos=False).exists()


def release_inputs(coalition: Coalition, contest: Contest) -> dict[str, Any]:
    """The versions of a release's inputs now: inputs_of's document with "number" (the next
    release's) and "photos" (every_member_shares_photos); eight queries whatever the election's size."""
    return inputs_of(coalition, contest) | {
        "number": next_number(coalition, contest),
        "photos": every_member_shares_photos(coalition),
    }


def what_changed(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What differs between two release_inputs documents, in words, in a fixed order; [] when
    nothing does. A member's figures are named by the member (one query when any moved)."""
    names = {
        "members": _("the members (one joined or left)"),
        "resolutions": _("the settled disagreements"),
        "official": _("the official results"),
        "number": _("the release number (another release was published)"),
        "photos": _("whether every member shares its photos"),
    }
    changed = [names["members"]] if before.get("members") != now.get("members") else []
    figures_before, figures_now = before.get("figures") or {}, now.get("figures") or {}
    moved = [int(pk) for pk in figures_now if pk in figures_before and figures_before[pk] != figures_now[pk]]
    for name in Organization.objects.filter(pk__in=moved).order_by("name").values_list("name", flat=True):
        changed.append(_("the counted figures of %(member)s (a new or corrected copy)") % {"member": name})
    changed += [
        names[key]
        for key in ("resolutions", "official", "number", "photos")
        if before.get(key) != now.get(key)
    ]
    return changed


@dataclass(frozen=True)
class PreviewState:
    """The stored preview of a coalition and contest, as the page shows it.

    `status`: "ready" (prepared from the current inputs), "refused" (prepared: nothing to publish,
    `row.refusal` says why), "preparing" (a job is in flight; `lost` once it is older than
    lost_after), "failed" (the last job failed: `row.failure`; ask again), "outdated" (prepared
    from inputs that have moved since) or "none" (never asked). `publishing`: a publish is in
    flight. `row` is None only for "none".
    """

    row: CoalitionReleasePreview | None
    status: str
    lost: bool = False
    publishing: bool = False


def preview_state(coalition: Coalition, contest: Contest) -> PreviewState:
    """The stored preview and its status (module docstring); at most nine queries."""
    rows = CoalitionReleasePreview.objects.filter(coalition=coalition, contest=contest)
    row = rows.select_related("published__contest__election").first()
    if row is None:
        return PreviewState(None, "none")
    now = timezone.now()
    publishing = row.publish_requested_at is not None
    if row.requested_at is not None:
        return PreviewState(row, "preparing", row.requested_at < now - lost_after(), publishing)
    if row.failure:
        return PreviewState(row, "failed", publishing=publishing)
    if row.computed_at is None:
        return PreviewState(row, "none", publishing=publishing)
    if row.inputs != release_inputs(coalition, contest):
        return PreviewState(row, "outdated", publishing=publishing)
    return PreviewState(row, "refused" if row.refusal else "ready", publishing=publishing)
