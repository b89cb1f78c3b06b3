"""Desk pages that read: the queue counts, one review queue, a station's copies side by side."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tallies.forms.desk import (
    AcceptCopyForm,
    FilterForm,
    QuarantineForm,
    ReleaseForm,
    ResolveForm,
    VerifyForm,
)
from tallies.models import ProtocolCopy
from tallies.selectors import desk as selectors
from tallies.views.desk.common import DeskScope

PER_PAGE = 50


def _filter(request: HttpRequest, scope: DeskScope) -> FilterForm:
    return FilterForm(request.GET or None, choices=selectors.filter_choices(scope.contest, scope.territory))


@login_required
@require_GET
def desk_home(request: HttpRequest, contest_id: int) -> HttpResponse:
    """Show how many rows each review queue holds, within the chosen region or TEC."""
    scope = DeskScope(request, contest_id)
    form = _filter(request, scope)
    where = selectors.station_filter(scope.territory, form.chosen())
    counts = selectors.queue_counts(scope.organization, scope.contest, where)
    context = {"contest": scope.contest, "form": form, "counts": counts, "query": _query(request)}
    return render(request, "tallies/desk/home.html", context)


@login_required
@require_GET
def desk_queue(request: HttpRequest, contest_id: int, name: str) -> HttpResponse:
    """List one review queue, 50 rows a page, within the chosen region or TEC."""
    if name not in selectors.QUEUES:
        raise Http404("no such queue")
    scope = DeskScope(request, contest_id)
    form = _filter(request, scope)
    where = selectors.station_filter(scope.territory, form.chosen())
    rows = selectors.queue(scope.organization, scope.contest, name, where)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {"contest": scope.contest, "form": form, "name": name, "page": page}
    context["query"] = _query(request)
    if name == "conflicts":
        found = selectors.conflict_rows(scope.organization, scope.contest, list(page))
        context["conflicts"] = with_resolve_forms(found, next_url=request.get_full_path())
    if name == "photos":  # each copy awaiting transcription, and whether this coordinator typed it
        mine = request.user.pk
        context["photo_rows"] = [(copy, any(e.entered_by_id == mine for e in copy.entries)) for copy in page]
    return render(request, "tallies/desk/queue.html", context)


def _query(request: HttpRequest) -> str:
    """The page's query string without the page number, to carry the filter across links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


Disputed = list[tuple[str, str, list[int | None], ResolveForm]]


def with_resolve_forms(
    rows: list[selectors.ConflictRow], next_url: str = ""
) -> list[tuple[selectors.ConflictRow, Disputed, AcceptCopyForm]]:
    """Each conflicting station with its disputed codes (label, values, a resolve form each, in
    the form's order) and one form accepting a single copy for all of them."""
    return [
        (
            row,
            [
                (code, label, values, _resolve_form(row, code, values, next_url))
                for code, label, values in row.codes
            ],
            _accept_form(row, next_url),
        )
        for row in rows
    ]


def _accept_form(row: selectors.ConflictRow, next_url: str) -> AcceptCopyForm:
    options = [
        (copy.pk, _("Copy %(id)s by %(observer)s") % {"id": copy.pk, "observer": copy.observer.code})
        for copy in row.copies
    ]
    auto_id = f"id_{row.state.station_id}_all_%s"
    return AcceptCopyForm(initial={"next": next_url}, options=options, auto_id=auto_id)


def _resolve_form(
    row: selectors.ConflictRow, code: str, values: list[int | None], next_url: str
) -> ResolveForm:
    options = [
        (copy.pk, _choice(copy, value))
        for copy, value in zip(row.copies, values, strict=True)
        if value is not None
    ]
    auto_id = f"id_{row.state.station_id}_{code.replace('.', '_')}_%s"
    return ResolveForm(initial={"code": code, "next": next_url}, options=options, auto_id=auto_id)


def _choice(copy: ProtocolCopy, value: int) -> str:
    return _("%(value)s, copy %(id)s by %(observer)s") % {
        "value": value,
        "id": copy.pk,
        "observer": copy.observer.code,
    }


@login_required
@require_GET
def station_page(request: HttpRequest, contest_id: int, station_id: int) -> HttpResponse:
    """Show a station's copies side by side: accepted values, conflicts, decisions and audit entries."""
    scope = DeskScope(request, contest_id)
    view = selectors.station_desk(scope.organization, scope.contest, scope.station(station_id))
    in_conflict = [view.state] if view.state is not None and view.state.conflicts else []
    context = {
        "contest": scope.contest,
        "desk": view,
        "conflicts": with_resolve_forms(
            selectors.conflict_rows(scope.organization, scope.contest, in_conflict)
        ),
        "copy_forms": [
            (
                copy,
                QuarantineForm(auto_id=f"id_q{copy.pk}_%s"),
                ReleaseForm(auto_id=f"id_r{copy.pk}_%s"),
                VerifyForm(contest=scope.contest, auto_id=f"id_v{copy.pk}_%s"),
            )
            for copy in view.copies
        ],
    }
    return render(request, "tallies/desk/station.html", context)
