"""Official results upload for organisation admins and platform staff: upload, dry-run preview, confirm.

The same service as `manage.py import_results` (tallies.services.results_import). The preview
shows per-line totals, the first rows as read and every cell that is not a count (row and column);
cells listed there are imported as missing figures, never as 0. A refused file shows the message
that says what to fix, and nothing is stored.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tallies.errors import ImportFileError
from tallies.forms.official import ConfirmForm, OfficialResultsForm
from tallies.services import results_uploads
from tallies.services.columns import column_map_from


def _allowed(request: HttpRequest) -> None:
    if not results_uploads.may_import_results(request.user):
        raise PermissionDenied(_("Only platform staff and organisation admins import official results."))


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """The upload form (GET) or the dry run of an uploaded file (POST)."""
    _allowed(request)
    form = OfficialResultsForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        options = results_uploads.UploadOptions(
            contest_id=data["contest"].pk,
            level=data["level"],
            source=data["source"],
            status=data["status"],
            columns=data["columns"],
            key=data["key"],
        )
        try:
            if options.columns:
                column_map_from(options.columns, "columns")
            path = results_uploads.store_upload(data["file"])
            report, token = results_uploads.preview(path, options, data["file"].name)
        except ImportFileError as error:
            context["refusal"] = str(error)
        else:
            context.update(
                report=report, confirm=ConfirmForm(initial={"token": token}), contest=data["contest"]
            )
    return render(request, "tallies/official_import.html", context)


@login_required
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    """Import what the preview showed, in one transaction; go back to the form with the outcome."""
    _allowed(request)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Upload the file again."))
        return redirect("official-import")
    try:
        report = results_uploads.confirm(form.cleaned_data["token"])
    except ImportFileError as error:
        messages.error(request, str(error))
        return redirect("official-import")
    if report.repeat:
        messages.info(
            request, _("This file was already imported (snapshot %(id)s).") % {"id": report.snapshot_id}
        )
    else:
        messages.success(
            request,
            _("%(rows)s rows imported as snapshot %(id)s.") % {"rows": report.rows, "id": report.snapshot_id},
        )
    return redirect("official-import")
