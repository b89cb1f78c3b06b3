"""The coalition's pooled count for coordinators of its members, and settling its conflicts.

Thin views: who may see and settle comes from tallies.services.coalitions.resolving_member
(admins and whole-organisation coordinators of an organisation that agreed to the coalition);
the figures from tallies.selectors.coalitions, which reads the stored pool; a page that finds it
out of date asks for a refresh (tallies.services.coalition_pool) and says so. The release
preview and publish are asked of tasks the same way (tallies.services.coalition_release_jobs).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from elections.models import Contest, PollingStation
from observers.models import Coalition, Organization
from tallies.errors import FieldError
from tallies.selectors import coalition_analysis, release_previews
from tallies.selectors.coalitions import coalition_page, release_preview
from tallies.services import coalition_pool, coalition_release_jobs, coalition_releases, coalitions
from tallies.services.releases import ReleaseError

RELOAD_SECONDS = 5  # how often a page waiting for a job reloads itself


def _coalition_and_contest(
    request: HttpRequest, coalition_id: int, contest_id: int
) -> tuple[Coalition, Contest, Organization]:
    """The coalition (403 unless the user settles for a member), a contest of its election (404),
    and the member the user acts for."""
    coalition = get_object_or_404(Coalition, pk=coalition_id)
    member = coalitions.resolving_member(coalition, request.user)  # type: ignore[arg-type]
    contest = get_object_or_404(Contest, pk=contest_id, election_id=coalition.election_id)
    return coalition, contest, member


@login_required
@require_GET
def coalition_results(request: HttpRequest, coalition_id: int, contest_id: int) -> HttpResponse:
    """Show the pooled count: members, totals, the comparison with official results, conflicts."""
    coalition, contest, member = _coalition_and_contest(request, coalition_id, contest_id)
    page = coalition_page(coalition, contest, member)
    if _refresh_asked(coalition, contest, page.freshness.status):
        page = coalition_page(coalition, contest, member)  # tasks run in-process: it is stored now
    context = {"coalition": coalition, "contest": contest, "page": page, "member": member}
    return render(request, "tallies/coalitions/results.html", context)


@login_required
@require_GET
def coalition_forensics(request: HttpRequest, coalition_id: int, contest_id: int) -> HttpResponse:
    """The forensics tests on the pooled stations, as leads and not verdicts."""
    coalition, contest, _member = _coalition_and_contest(request, coalition_id, contest_id)
    page = coalition_analysis.forensics_page(coalition, contest)
    if _refresh_asked(coalition, contest, page.freshness.status):
        page = coalition_analysis.forensics_page(coalition, contest)
    context = {"coalition": coalition, "contest": contest, "page": page, "found": page.summary}
    return render(request, "tallies/coalitions/forensics.html", context)


@login_required
@require_GET
def coalition_quick_count(request: HttpRequest, coalition_id: int, contest_id: int) -> HttpResponse:
    """The quick count of a member's sample (?sample=id) on the pool's reports."""
    coalition, contest, _member = _coalition_and_contest(request, coalition_id, contest_id)
    chosen = request.GET.get("sample", "")
    page = coalition_analysis.quick_count_page(coalition, contest, int(chosen) if chosen.isdigit() else None)
    return render(
        request,
        "tallies/coalitions/quick_count.html",
        {"coalition": coalition, "contest": contest, "page": page},
    )


@login_required
@require_POST
def coalition_resolve(request: HttpRequest, coalition_id: int, contest_id: int) -> HttpResponse:
    """Settle one line of a coalition conflict with a value and a reason."""
    coalition, contest, _member = _coalition_and_contest(request, coalition_id, contest_id)
    station = get_object_or_404(
        PollingStation, pk=request.POST.get("station"), pec__election_id=contest.election_id
    )
    try:
        coalitions.resolve_conflict(
            coalition=coalition,
            contest=contest,
            station=station,
            kind=request.POST.get("kind", ""),
            code=request.POST.get("code", ""),
            value=_count(request.POST.get("value", "")),
            reason=request.POST.get("reason", ""),
            by=request.user,  # type: ignore[arg-type]
        )
        messages.success(request, _("The coalition's figure for this line is settled."))
    except FieldError as error:
        messages.error(request, f"{error.field}: {error.message}")
    return redirect("coalition-results", coalition_id=coalition.pk, contest_id=contest.pk)


@login_required
@require_GET
def coalition_photo(
    request: HttpRequest, coalition_id: int, contest_id: int, station_id: int, organization_id: int
) -> FileResponse:
    """A member's sanitised protocol photo of a station: 403 unless its consent includes photos."""
    coalition, contest, viewer = _coalition_and_contest(request, coalition_id, contest_id)
    station = get_object_or_404(PollingStation, pk=station_id, pec__election_id=contest.election_id)
    member = get_object_or_404(Organization, pk=organization_id)
    evidence = coalitions.shared_photo(
        coalition=coalition, contest=contest, station=station, member=member, viewer=viewer
    )
    if evidence is None:
        raise Http404("No photo of a counted copy.")
    response = FileResponse(evidence.file.open("rb"), content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="station-{station.number}.jpg"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def coalition_release_preview(request: HttpRequest, coalition_id: int, contest_id: int) -> HttpResponse:
    """Show the prepared preview of the coalition's next release: what it would publish, its
    content's SHA-256, each member's consent to it and (for admins) the forms consenting to
    exactly this content and publishing it. Absent or out of date, it is asked for and the page
    says "being prepared" and reloads itself (a Refresh header: no script needed) until it is."""
    coalition, contest, member = _coalition_and_contest(request, coalition_id, contest_id)
    state = release_previews.preview_state(coalition, contest)
    if state.status in ("none", "outdated"):
        asked = coalition_release_jobs.ask_for_preview(
            coalition=coalition, contest=contest, organization=member
        )
        state = release_previews.preview_state(coalition, contest) if asked else state
    context: dict[str, object] = {"coalition": coalition, "contest": contest, "member": member}
    context |= release_preview(coalition, contest, state)
    response = render(request, "tallies/coalitions/release_preview.html", context)
    if state.status == "preparing" or state.publishing:
        response["Refresh"] = str(RELOAD_SECONDS)
    return response


@login_required
@require_POST
def coalition_release_prepare(request: HttpRequest, coalition_id: int, contest_id: int) -> HttpResponse:
    """Ask again for the preview to be prepared (after a failure, or a job that seems lost)."""
    coalition, contest, member = _coalition_and_contest(request, coalition_id, contest_id)
    if coalition_release_jobs.ask_for_preview(coalition=coalition, contest=contest, organization=member):
        messages.success(request, _("The preview is being prepared."))
    else:
        messages.info(request, _("The preview is being prepared already."))
    return redirect("coalition-release-preview", coalition_id=coalition.pk, contest_id=contest.pk)


@login_required
@require_POST
def coalition_release_consent(request: HttpRequest, coalition_id: int, contest_id: int) -> HttpResponse:
    """Record the user's organisation's consent to the previewed content of the coalition's next
    release (its admins only): the form carries the SHA-256 of the preview the admin saw."""
    coalition, contest, member = _coalition_and_contest(request, coalition_id, contest_id)
    try:
        coalition_releases.consent_to_release(
            coalition=coalition,
            contest=contest,
            organization=member,
            by=request.user,  # type: ignore[arg-type]
            content=request.POST.get("content_sha256", ""),
        )
    except ReleaseError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your organisation consents to this release."))
    return redirect("coalition-release-preview", coalition_id=coalition.pk, contest_id=contest.pk)


@login_required
@require_POST
def coalition_release_publish(request: HttpRequest, coalition_id: int, contest_id: int) -> HttpResponse:
    """Ask for the previewed release to be published once every member consented to its content
    (its admins only); a task publishes it and the preview page shows the outcome."""
    coalition, contest, member = _coalition_and_contest(request, coalition_id, contest_id)
    try:
        coalition_release_jobs.ask_to_publish(
            coalition=coalition,
            contest=contest,
            organization=member,
            by=request.user,  # type: ignore[arg-type]
            changelog=request.POST.get("changelog", ""),
        )
    except ReleaseError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The coalition's release is being published."))
    return redirect("coalition-release-preview", coalition_id=coalition.pk, contest_id=contest.pk)


def _refresh_asked(coalition: Coalition, contest: Contest, status: str) -> bool:
    """Ask for the stored pool to be computed again when the page found it out of date or absent;
    True when tasks run in-process (no broker) and so have already stored it: read it again."""
    if status == "pooled":
        return False
    return coalition_pool.refresh_for_page(coalition, contest) and settings.CELERY_TASK_ALWAYS_EAGER


def _count(text: str) -> int:
    if not text.strip().isdecimal():
        raise FieldError("value", _("Give a whole number of votes."))
    return int(text)
