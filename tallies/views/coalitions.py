"""The coalition's pooled count for coordinators of its members, and settling its conflicts.

Thin views: who may see and settle comes from tallies.services.coalitions.resolving_member
(admins and whole-organisation coordinators of an organisation that agreed to the coalition);
the figures from tallies.selectors.coalitions.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from elections.models import Contest, PollingStation
from observers.models import Coalition
from tallies.errors import FieldError
from tallies.selectors.coalitions import coalition_page
from tallies.services import coalitions


def _coalition_and_contest(
    request: HttpRequest, coalition_id: int, contest_id: int
) -> tuple[Coalition, Contest]:
    """The coalition (403 unless the user settles for a member) and a contest of its election (404)."""
    coalition = get_object_or_404(Coalition, pk=coalition_id)
    coalitions.resolving_member(coalition, request.user)  # type: ignore[arg-type]
    contest = get_object_or_404(Contest, pk=contest_id, election_id=coalition.election_id)
    return coalition, contest


@login_required
@require_GET
def coalition_results(request: HttpRequest, coalition_id: int, contest_id: int) -> HttpResponse:
    """Show the pooled count: members, totals, the comparison with official results, conflicts."""
    coalition, contest = _coalition_and_contest(request, coalition_id, contest_id)
    context = {"coalition": coalition, "contest": contest, "page": coalition_page(coalition, contest)}
    return render(request, "tallies/coalition_results.html", context)


@login_required
@require_POST
def coalition_resolve(request: HttpRequest, coalition_id: int, contest_id: int) -> HttpResponse:
    """Settle one line of a coalition conflict with a value and a reason."""
    coalition, contest = _coalition_and_contest(request, coalition_id, contest_id)
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


def _count(text: str) -> int:
    if not text.strip().isdecimal():
        raise FieldError("value", _("Give a whole number of votes."))
    return int(text)
