"""Routes of the violation-act pages (observers/views/violations.py)."""

from django.urls import path

from observers.views import violations

urlpatterns = [
    path("acts/", violations.act_list, name="act-list"),
    path("acts/new/", violations.act_stage, name="act-stage"),
    path("acts/new/<slug:stage>/", violations.act_new, name="act-new"),
    path("acts/review/", violations.review_queue, name="act-review-queue"),
    path("acts/<int:pk>/", violations.act_detail, name="act-detail"),
    path("acts/<int:pk>/cosigners/", violations.act_cosigner, name="act-cosigner"),
    path("acts/<int:pk>/filing/", violations.act_filing, name="act-filing"),
    path("acts/<int:pk>/complaints/", violations.act_complaint, name="act-complaint"),
    path("acts/<int:pk>/review/", violations.act_review, name="act-review"),
]
