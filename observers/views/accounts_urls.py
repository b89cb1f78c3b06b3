"""Routes of a user's own pages (observers/views/accounts.py): invitations, the organisation switcher,
and leaving an organisation."""

from django.urls import path

from observers.views import accounts

urlpatterns = [
    path("account/invitations/", accounts.invitations, name="account-invitations"),
    path(
        "account/invitations/<int:pk>/accept/",
        accounts.invitation_decide,
        {"decision": "accept"},
        name="account-invitation-accept",
    ),
    path(
        "account/invitations/<int:pk>/decline/",
        accounts.invitation_decide,
        {"decision": "decline"},
        name="account-invitation-decline",
    ),
    path("account/organization/", accounts.organization_switch, name="account-organization"),
    path("account/organizations/", accounts.organizations, name="account-organizations"),
    path(
        "account/organizations/<slug:slug>/leave/",
        accounts.organization_leave,
        name="account-organization-leave",
    ),
]
