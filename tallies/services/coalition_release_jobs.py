"""A coalition's release preview and publish run in tasks: a request only records the ask (issue 17).

Preparing a coalition's release pools every member's copies (about 13 s at 100,000 stations), so
no request does it any more:

- **Preview.** The page asks (`ask_for_preview`: a conditional UPDATE claims the stored row's
  `requested_at`, so one job is in flight per coalition and contest, and sends the task) and
  says "being prepared"; the task (`prepare`, tallies.tasks.prepare_release_preview)
  runs tallies.services.coalition_releases.preview_release, the publishing pipeline without
  storing, and stores the content's SHA-256, what the page shows of it (`summary_of`) and the
  versions of its inputs, read in one database snapshot. Members consent to that SHA-256.
- **Publish.** The request (`ask_to_publish`) refuses at once, naming what changed, when the
  stored preview's inputs have moved, and names the members who have not consented to its
  SHA-256; otherwise it records the ask (who, through which member, the changelog, that
  SHA-256) and sends the task (`publish`, tallies.tasks.publish_asked_release). The task
  publishes through publish_coalition_release with that SHA-256, which computes the release
  again and publishes it only if its content is exactly the one consented to (else ReleaseError
  naming what changed, recorded for the page). The release and the end of the ask are written in
  one transaction: a redelivered message finds no ask and does nothing.

A job that fails records why (`failure`, `publish_error`) and stores nothing else; the page shows
it and offers to ask again. The stored row is the outbox: a message lost on the way (a worker
killed) leaves its claim, which counts as lost after the broker's visibility timeout, and the
beat job `sweep` (tallies.tasks.sweep_release_previews, every minute) sends it again; one that
could not be sent (the broker down) is marked lost at once, for the next sweep.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _

from config.outbox import send_or_leave_to_sweep
from config.task_retry import TRANSIENT
from elections.models import Contest
from observers.models import Coalition, Organization
from tallies.models import CoalitionReleasePreview
from tallies.selectors.release_previews import lost_after, preview_state, release_inputs, what_changed
from tallies.services import coalition_releases
from tallies.services.claimed_refresh import one_snapshot
from tallies.services.releases import ReleaseError

log = logging.getLogger(__name__)
NOT_PREPARED = _("Wait for the preview to be prepared, check it, and publish then.")
INPUTS_MOVED = _(
    "What the preview was prepared from has changed since: %(what)s. Nothing was published; the "
    "preview is being prepared again: check it, have every member consent to it, and publish then."
)
IN_FLIGHT = _("This release is being published already.")
CLAIMS = {"prepare_release_preview": "requested_at", "publish_asked_release": "publish_requested_at"}
WAITING = _("Every member must consent to the previewed content first; waiting for: %(names)s.")


def _rows(coalition_id: int, contest_id: int):  # type: ignore[no-untyped-def]
    return CoalitionReleasePreview.objects.filter(coalition_id=coalition_id, contest_id=contest_id)


def _claimable(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": timezone.now() - lost_after()})


def ask_for_preview(*, coalition: Coalition, contest: Contest, organization: Organization) -> bool:
    """Ask for the coalition's next release for `contest` to be prepared as `organization` would
    publish it, and send the job; clears a recorded failure. False when a job is in flight
    already (claimed and not lost). Call outside a transaction (a page), as the claim must be
    committed when the job reads it; with tasks run in-process, the preview is stored on return.

    The caller has checked that `organization` is a member its user acts for (the views do).
    """
    row = CoalitionReleasePreview(coalition=coalition, contest=contest, organization=organization)
    CoalitionReleasePreview.objects.bulk_create([row], ignore_conflicts=True)
    rows = _rows(coalition.pk, contest.pk).filter(_claimable("requested_at"))
    asked = {"organization": organization, "failure": "", "language": get_language() or ""}
    if not rows.update(requested_at=timezone.now(), **asked):
        return False
    _send("prepare_release_preview", coalition.pk, contest.pk)
    return True


def _send(task_name: str, coalition_id: int, contest_id: int) -> None:
    """Send the job at once (the ask is committed: callers run in autocommit); with the broker
    down, mark its claim as lost, so that the next sweep, within a minute, sends it again."""
    from tallies import tasks  # tasks import services; import here to avoid a cycle

    if not send_or_leave_to_sweep(
        getattr(tasks, task_name), coalition_id=coalition_id, contest_id=contest_id
    ):
        field = CLAIMS[task_name]
        lost = timezone.now() - lost_after() - timedelta(seconds=1)
        _rows(coalition_id, contest_id).filter(**{f"{field}__isnull": False}).update(**{field: lost})


def prepare(*, coalition_id: int, contest_id: int) -> bool:
    """Prepare and store the asked preview (module docstring); True when one was stored.

    Nothing to publish is a result (`refusal`), not a failure. Any other error is recorded as
    `failure` with nothing else changed, and the claim released; a transient database error or
    the soft time limit is raised, for the task's retry or requeue.
    """
    row = _rows(coalition_id, contest_id).select_related("coalition", "contest", "organization").first()
    if row is None or row.contest.election_id != row.coalition.election_id:
        return False
    try:
        with override(row.language or settings.LANGUAGE_CODE):
            fields = _prepared(row)
    except (*TRANSIENT, SoftTimeLimitExceeded):
        raise
    except Exception as error:
        log.exception("preparing the release preview of coalition %s, contest %s", coalition_id, contest_id)
        _rows(coalition_id, contest_id).update(requested_at=None, failure=f"{type(error).__name__}: {error}")
        return False
    _rows(coalition_id, contest_id).update(**fields, requested_at=None, failure="")
    return True


def _prepared(row: CoalitionReleasePreview) -> dict[str, Any]:
    """The preview's fields, computed in one database snapshot with the versions of its inputs."""
    coalition, contest = row.coalition, row.contest
    with one_snapshot():
        computed_at = timezone.now()
        inputs = release_inputs(coalition, contest)
        try:
            preview = coalition_releases.preview_release(
                coalition=coalition, contest=contest, organization=row.organization
            )
        except ReleaseError as error:
            found = {"refusal": str(error), "content_sha256": "", "summary": {}, "number": inputs["number"]}
        else:
            found = {
                "refusal": "",
                "content_sha256": preview.content_sha256,
                "summary": summary_of(preview),
                "number": preview.publication.number,
            }
    return found | {"inputs": inputs, "computed_at": computed_at}


def summary_of(preview: coalition_releases.Preview) -> dict[str, Any]:
    """What the preview page shows of a release: {"members": [{"name", "stations", "shared"}],
    "stations": count, "turnout": Decimal or None, "shares": [[option code, Decimal or None]] in
    ballot order, "seats", "forensics", "photos": bool, "regions": regions with copies}. Option
    names are added when read, in the reader's language."""
    data = preview.data
    root = next((c for c in data.commissions if c.parent_id is None), None)
    observer = (root.figures.get("observer") or {}) if root else {}
    shares = observer.get("shares") or {}
    return {
        "members": data.header["coalition"]["members"],
        "stations": len(data.stations),
        "turnout": observer.get("turnout"),
        "shares": [[o.code, shares.get(o.code)] for o in preview.publication.contest.options.all()],
        "seats": data.seats is not None,
        "forensics": data.forensics is not None,
        "regions": sum(
            1 for row in data.regions or [] if row.get("status") not in ("no_official", "no_copies")
        ),
        "photos": preview.publication.show_photos,
    }


def ask_to_publish(
    *, coalition: Coalition, contest: Contest, organization: Organization, by: User, changelog: str
) -> None:
    """Ask for the prepared preview's content to be published through `organization`, and send
    the job. A few queries, whatever the election's size. Call outside a transaction (a view), as
    ask_for_preview, which it calls when the inputs have moved.

    Raises PermissionDenied unless `by` administers a current agreed member; ReleaseError without
    a changelog, without a ready preview (NOT_PREPARED), when its inputs have moved (INPUTS_MOVED,
    naming what changed; a new preview is asked for), when a member has not consented to its
    content (WAITING, naming them), or while a publish is in flight (IN_FLIGHT).
    """
    coalition_releases.check_member(coalition, organization, by)
    if not changelog.strip():
        raise ReleaseError(coalition_releases.NO_CHANGELOG)
    state = preview_state(coalition, contest)
    if state.status == "outdated":
        ask_for_preview(coalition=coalition, contest=contest, organization=organization)
        moved = what_changed(state.row.inputs, release_inputs(coalition, contest))  # type: ignore[union-attr]
        raise ReleaseError(INPUTS_MOVED % {"what": "; ".join(moved)})
    if state.status != "ready" or state.row is None:
        raise ReleaseError(NOT_PREPARED)
    content = state.row.content_sha256
    missing = coalition_releases.missing_consents(coalition, contest, content)
    if missing:
        raise ReleaseError(WAITING % {"names": ", ".join(o.name for o in missing)})
    asked = _rows(coalition.pk, contest.pk).filter(_claimable("publish_requested_at"))
    claimed = asked.update(
        publish_requested_at=timezone.now(),
        publish_organization=organization,
        publish_by=by,
        publish_changelog=changelog,
        publish_content_sha256=content,
        publish_error="",
        published=None,
        language=get_language() or "",
    )
    if not claimed:
        raise ReleaseError(IN_FLIGHT)
    _send("publish_asked_release", coalition.pk, contest.pk)


def publish(*, coalition_id: int, contest_id: int) -> int | None:
    """Publish the asked release (module docstring); return the release's id, or None when no
    publish is asked (done already) or it was refused or failed (`publish_error` says why).

    A transient database error or the soft time limit is raised, for the task's retry or requeue.
    """
    language = _rows(coalition_id, contest_id).values_list("language", flat=True).first()
    try:
        with override(language or settings.LANGUAGE_CODE):
            return _publish(coalition_id, contest_id)
    except (*TRANSIENT, SoftTimeLimitExceeded):
        raise
    except (ReleaseError, PermissionDenied) as error:
        with override(language or settings.LANGUAGE_CODE):
            message = str(error)
    except Exception as error:
        log.exception("publishing the release of coalition %s, contest %s", coalition_id, contest_id)
        message = f"{type(error).__name__}: {error}"
    _rows(coalition_id, contest_id).update(publish_requested_at=None, publish_error=message)
    return None


@transaction.atomic
def _publish(coalition_id: int, contest_id: int) -> int | None:
    Coalition.objects.select_for_update().filter(pk=coalition_id).exists()  # one publish at a time
    row = (
        _rows(coalition_id, contest_id)
        .filter(publish_requested_at__isnull=False)
        .select_related("coalition", "contest", "publish_organization", "publish_by")
        .first()
    )
    if row is None or row.publish_organization is None or row.publish_by is None:
        return None
    coalition, contest = row.coalition, row.contest
    release = coalition_releases.publish_coalition_release(
        coalition=coalition,
        contest=contest,
        organization=row.publish_organization,
        by=row.publish_by,
        changelog=row.publish_changelog,
        content_sha256=row.publish_content_sha256,
        changed=lambda: what_changed(row.inputs, release_inputs(coalition, contest)),
    )
    _rows(coalition_id, contest_id).update(publish_requested_at=None, publish_error="", published=release)
    return release.pk


def sweep() -> int:
    """Send again every asked preview or publish whose claim counts as lost (the beat job, every
    minute): the outbox drain. Returns how many were sent; two queries when none is lost."""
    sent = 0
    lost = timezone.now() - lost_after()
    for task_name, field in CLAIMS.items():
        found = CoalitionReleasePreview.objects.filter(**{f"{field}__lt": lost})
        for pk, coalition_id, contest_id in found.values_list("pk", "coalition_id", "contest_id"):
            if CoalitionReleasePreview.objects.filter(pk=pk, **{f"{field}__lt": lost}).update(
                **{field: timezone.now()}
            ):
                _send(task_name, coalition_id, contest_id)
                sent += 1
    return sent
