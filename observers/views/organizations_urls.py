"""Routes of the organisation pages (observers/views/organizations.py, organizations_members.py)."""

from django.urls import path

from observers.views import organizations, organizations_members

urlpatterns = [
    path("organizations/sign-up/", organizations.sign_up, name="organization-sign-up"),
    path("organizations/review/", organizations.review_queue, name="organization-review-queue"),
    path("organizations/review/<int:pk>/", organizations.review, name="organization-review"),
    path("organizations/<slug:slug>/", organizations.detail, name="organization-detail"),
    path(
        "organizations/<slug:slug>/accreditations/",
        organizations.accreditations,
        name="organization-accreditations",
    ),
    path("organizations/<slug:slug>/obstacles/", organizations.obstacles, name="organization-obstacles"),
    path("organizations/<slug:slug>/members/", organizations_members.members, name="organization-members"),
    path(
        "organizations/<slug:slug>/members/<int:pk>/remove/",
        organizations_members.member_remove,
        name="organization-member-remove",
    ),
    path(
        "organizations/<slug:slug>/invitations/<int:pk>/withdraw/",
        organizations_members.invitation_withdraw,
        name="organization-invitation-withdraw",
    ),
    path(
        "organizations/<slug:slug>/coalitions/",
        organizations_members.coalitions,
        name="organization-coalitions",
    ),
    path(
        "organizations/<slug:slug>/coalitions/<int:pk>/agree/",
        organizations_members.coalition_decide,
        {"decision": "agree"},
        name="organization-coalition-agree",
    ),
    path(
        "organizations/<slug:slug>/coalitions/<int:pk>/invite/",
        organizations_members.coalition_invite,
        name="organization-coalition-invite",
    ),
    path(
        "organizations/<slug:slug>/coalitions/<int:pk>/leave/",
        organizations_members.coalition_decide,
        {"decision": "leave"},
        name="organization-coalition-leave",
    ),
]
