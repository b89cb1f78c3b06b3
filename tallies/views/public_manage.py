"""The organisation admin's publishing page: publish a release, see every release and its status.

Only admins of an approved organisation (observers.access.administered_organization) may see
or use it; coordinators and everyone else get 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from config.form_errors import show_error
from observers.access import administered_organization, signed_in
from observers.models import Organization
from tallies.forms.publishing import PublishForm, WithdrawForm
from tallies.models import Release
from tallies.services import releases


@login_required
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the organisation's releases; a POST previews the next one, a confirmed POST publishes it,
    a POST with `withdraw` withdraws one with a public notice."""
    organization = administered_organization(request.user, slug)
    if request.method == "POST" and "withdraw" in request.POST:
        return _withdraw(request, organization)
    form = PublishForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            if not form.cleaned_data["confirmed"]:
                return _preview(request, organization, form)
            release = _publish(request, organization, form)
        except releases.ReleaseError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Release %(number)s is stored.") % {"number": release.number})
            return redirect("public-manage", slug=organization.slug)
    found = Release.objects.filter(organization=organization).select_related(
        "contest__election", "withdrawal"
    )
    context = {"organization": organization, "form": form, "releases": found, "now": timezone.now()}
    return render(request, "public/manage.html", context)


def _publish(request: HttpRequest, organization: Organization, form: PublishForm) -> Release:
    return releases.publish_release(
        organization=organization,
        contest=form.cleaned_data["contest"],
        published_by=request.user,  # type: ignore[arg-type]
        changelog=form.cleaned_data["changelog"],
        publish_at=form.publish_moment(),
        show_photos=form.cleaned_data["show_photos"],
        license_id=form.cleaned_data["license_id"],
    )


def _preview(request: HttpRequest, organization: Organization, form: PublishForm) -> HttpResponse:
    """Show exactly what would become public, with the same fields to confirm (or go back)."""
    publication, data = releases.preview_release(
        organization=organization,
        contest=form.cleaned_data["contest"],
        changelog=form.cleaned_data["changelog"],
        publish_at=form.publish_moment(),
        show_photos=form.cleaned_data["show_photos"],
        license_id=form.cleaned_data["license_id"],
    )
    confirm = PublishForm({**request.POST.dict(), "confirmed": "on"}, organization=organization)
    context = {
        "organization": organization,
        "publication": publication,
        "license_name": releases.LICENSES[publication.license],
        "stations": len(data.stations),
        "commissions": len(data.commissions),
        "receipts": len(data.receipts),
        "photos": sum(1 for station in data.stations if station.photo_evidence_id)
        if publication.show_photos
        else 0,
        "coverage": data.coverage,
        "confirm": confirm,
    }
    return render(request, "public/manage_preview.html", context)


def _withdraw(request: HttpRequest, organization: Organization) -> HttpResponse:
    """Withdraw one of the organisation's releases with a public notice (a POST of WithdrawForm)."""
    form = WithdrawForm(request.POST)
    if form.is_valid():
        release = Release.objects.filter(organization=organization, pk=form.cleaned_data["withdraw"]).first()
        if release is None:
            raise Http404("No such release of this organisation.")
        try:
            notice = form.cleaned_data["notice"]
            releases.withdraw_release(release=release, notice=notice, by=signed_in(request.user))
        except releases.ReleaseError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Release %(number)s is withdrawn; its pages show the notice.") % {"number": release.number},
            )
    else:
        messages.error(request, _("Write the public notice to withdraw a release."))
    return redirect("public-manage", slug=organization.slug)
