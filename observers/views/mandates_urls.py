"""Routes of the mandate and funnel pages (observers/views/mandates.py)."""

from django.urls import path

from observers.views import mandates

urlpatterns = [
    path("mandates/", mandates.my_mandates, name="my-mandates"),
    path("mandates/<int:pk>/", mandates.mandate_detail, name="mandate-detail"),
    path("organizations/<slug:slug>/mandates/", mandates.mandate_list, name="organization-mandates"),
    path(
        "organizations/<slug:slug>/mandates/<int:pk>/", mandates.mandate_manage, name="organization-mandate"
    ),
    path("organizations/<slug:slug>/funnel/", mandates.funnel_report, name="funnel"),
    path("organizations/<slug:slug>/funnel.csv", mandates.funnel_csv, name="funnel-csv"),
]
