"""Evidence pages: an observer uploads a photo on a phone; files are streamed only after a check.

Thin: services.evidence.upload_evidence checks and stores the upload (its EvidenceRefused is
shown on the form); a photo of a protocol copy (?copy=<id>) is attached by the hook tallies
registers (observers.evidence_subjects) in the same transaction, an act's evidence (?act=<id>)
is linked to the act. Files are never under a public URL: evidence_file streams the sanitised copy to the
uploader and the coordinators of the organisation, and answers 404 to everyone else.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.form_errors import show_error
from observers.access import observer_for, working_scope
from observers.evidence_subjects import attach_to_copy, copy_photos
from observers.forms.evidence import EvidenceForm
from observers.models import Evidence, Observer, ViolationAct
from observers.services import evidence as service


@login_required
@require_http_methods(["GET", "POST"])
def evidence_new(request: HttpRequest) -> HttpResponse:
    """Show the upload form (GET) or store the photo and go back where it belongs (POST)."""
    observer = observer_for(request.user)
    copy, act = _copy_param(request, observer), _act_param(request, observer)
    form = EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        evidence = _upload(request, form, observer, copy, act)
        if evidence is not None:
            messages.success(request, _("Photo received. It is being processed."))
            return (
                redirect("copy-detail", pk=copy.pk) if copy else redirect("evidence-detail", pk=evidence.pk)
            )
    return render(request, "observers/evidence/new.html", {"form": form, "copy": copy, "act": act})


@login_required
@require_GET
def evidence_index(request: HttpRequest) -> HttpResponse:
    """List the evidence the user may see: an observer's own, a coordinator's organisations'."""
    evidence = service.visible_evidence(request.user, working_scope(request))[:200]
    can_upload = _is_observer(request)
    return render(
        request, "observers/evidence/index.html", {"evidence_list": evidence, "can_upload": can_upload}
    )


@login_required
@require_GET
def evidence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one evidence file: status, original name, size and SHA-256, the photo when ready."""
    evidence = get_object_or_404(service.visible_evidence(request.user, working_scope(request)), pk=pk)
    digest = evidence.original_sha256
    groups = " ".join(digest[i : i + 8] for i in range(0, len(digest), 8))  # wraps on a phone
    return render(request, "observers/evidence/detail.html", {"evidence": evidence, "sha256_groups": groups})


@login_required
@require_GET
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """Stream the sanitised photo to those who may see it; 404 for anyone else or if not ready."""
    ready = (
        service.visible_evidence(request.user, working_scope(request))
        .filter(status=Evidence.Status.READY)
        .exclude(file="")
    )
    return file_response(get_object_or_404(ready, pk=pk))


def file_response(evidence: Evidence) -> FileResponse:
    """A streamed JPEG response that browsers must not sniff, cache in shared caches or run."""
    response = FileResponse(
        evidence.file.open("rb"), content_type="image/jpeg", filename=f"evidence-{evidence.pk}.jpg"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _upload(
    request: HttpRequest,
    form: EvidenceForm,
    observer: Observer,
    copy: Model | None,
    act: ViolationAct | None,
) -> Evidence | None:
    """Store the form's photo; on a refusal put the reason on the form and return None."""

    def attach(evidence: Evidence) -> None:
        attach_to_copy(copy, evidence, request.user)

    try:
        return service.upload_evidence(
            observer=observer, upload=form.cleaned_data["file"], violation_act=act, then=attach
        )
    except service.EvidenceRefused as refusal:
        show_error(form, refusal)
        return None


def _copy_param(request: HttpRequest, observer: Observer) -> Model | None:
    """The observer's own copy named by ?copy=<id>; 404 for a copy that is not theirs."""
    pk = _id_param(request, "copy")
    return None if pk is None else get_object_or_404(copy_photos().copies_of(observer), pk=pk)


def _act_param(request: HttpRequest, observer: Observer) -> ViolationAct | None:
    """The act named by ?act=<id> if the observer may add evidence to it; 404 otherwise."""
    pk = _id_param(request, "act")
    return None if pk is None else get_object_or_404(service.acts_open_to(observer), pk=pk)


def _is_observer(request: HttpRequest) -> bool:
    try:
        observer_for(request.user)
    except PermissionDenied:
        return False
    return True


def _id_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name)
    if value is None:
        return None
    if not value.isdigit():
        raise Http404(f"{name} must be an id")
    return int(value)
