"""Routes of the messaging channels (issue 18)."""

from django.urls import path

from tallies.channels import views

urlpatterns = [
    path("channels/sms/<uuid:public_id>/", views.sms_webhook, name="channel-sms-webhook"),
    path("channels/telegram/link/", views.telegram_link_code, name="telegram-link"),
    path("channels/telegram/<uuid:public_id>/", views.telegram_webhook, name="channel-telegram-webhook"),
]
