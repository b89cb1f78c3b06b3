"""Routes of the evidence pages (observers/views/evidence.py)."""

from django.urls import path

from observers.views import evidence

urlpatterns = [
    path("evidence/", evidence.evidence_index, name="evidence-index"),
    path("evidence/new/", evidence.evidence_new, name="evidence-new"),
    path("evidence/<int:pk>/", evidence.evidence_detail, name="evidence-detail"),
    path("evidence/<int:pk>/file/", evidence.evidence_file, name="evidence-file"),
]
