"""Routes of the messaging channels (issue 18)."""

from django.urls import path

from tallies.channels import views

urlpatterns = [
    path("channels/sms/<uuid:public_id>/", views.sms_webhook, name="channel-sms-webhook"),
]
