"""Web pages of the observers app, by area; included once at the site root by config/urls.py.

Its REST endpoints live in config/api_urls.py (the one API module); the login and second-factor
pages in config/urls.py. The route names are what templates, reverse() calls and
tests/security/routes.py use: keep them when moving a route.
"""

from django.urls import path

from observers.views import (
    accounts,
    evidence,
    mandates,
    organizations,
    organizations_members,
    roster,
    violations,
    visits,
)

ORGANIZATION = "organizations/<slug:slug>/"

urlpatterns = [
    # --- Evidence photos ----------------------------------------------------------------------------
    path("evidence/", evidence.evidence_index, name="evidence-index"),
    path("evidence/new/", evidence.evidence_new, name="evidence-new"),
    path("evidence/<int:pk>/", evidence.evidence_detail, name="evidence-detail"),
    path("evidence/<int:pk>/file/", evidence.evidence_file, name="evidence-file"),
    # --- Organisations: sign-up and review, accreditation, members, coalitions ----------------------
    path("organizations/sign-up/", organizations.sign_up, name="organization-sign-up"),
    path("organizations/review/", organizations.review_queue, name="organization-review-queue"),
    path("organizations/review/<int:pk>/", organizations.review, name="organization-review"),
    path(ORGANIZATION, organizations.detail, name="organization-detail"),
    path(ORGANIZATION + "accreditations/", organizations.accreditations, name="organization-accreditations"),
    path(ORGANIZATION + "obstacles/", organizations.obstacles, name="organization-obstacles"),
    path(ORGANIZATION + "members/", organizations_members.members, name="organization-members"),
    path(
        ORGANIZATION + "members/<int:pk>/remove/",
        organizations_members.member_remove,
        name="organization-member-remove",
    ),
    path(
        ORGANIZATION + "invitations/<int:pk>/withdraw/",
        organizations_members.invitation_withdraw,
        name="organization-invitation-withdraw",
    ),
    path(ORGANIZATION + "coalitions/", organizations_members.coalitions, name="organization-coalitions"),
    path(
        ORGANIZATION + "coalitions/<int:pk>/agree/",
        organizations_members.coalition_decide,
        {"decision": "agree"},
        name="organization-coalition-agree",
    ),
    path(
        ORGANIZATION + "coalitions/<int:pk>/invite/",
        organizations_members.coalition_invite,
        name="organization-coalition-invite",
    ),
    path(
        ORGANIZATION + "coalitions/<int:pk>/leave/",
        organizations_members.coalition_decide,
        {"decision": "leave"},
        name="organization-coalition-leave",
    ),
    # --- Station visits and their checklists --------------------------------------------------------
    path("visits/", visits.visit_list, name="visit-list"),
    path("visits/check-in/", visits.visit_check_in, name="visit-check-in"),
    path("visits/<int:pk>/", visits.visit_detail, name="visit-detail"),
    path("visits/<int:pk>/stage/", visits.visit_stage, name="visit-stage"),
    path("visits/<int:pk>/count-start/", visits.visit_count_start, name="visit-count-start"),
    path("visits/<int:pk>/checklist/<slug:stage>/", visits.visit_checklist, name="visit-checklist"),
    path("visits/<int:pk>/check-out/", visits.visit_check_out, name="visit-check-out"),
    # --- Violation acts: staged entry, co-signers, filing, complaints, review -----------------------
    path("acts/", violations.act_list, name="act-list"),
    path("acts/new/", violations.act_stage, name="act-stage"),
    path("acts/new/<slug:stage>/", violations.act_new, name="act-new"),
    path("acts/review/", violations.review_queue, name="act-review-queue"),
    path("acts/<int:pk>/", violations.act_detail, name="act-detail"),
    path("acts/<int:pk>/cosigners/", violations.act_cosigner, name="act-cosigner"),
    path("acts/<int:pk>/filing/", violations.act_filing, name="act-filing"),
    path("acts/<int:pk>/complaints/", violations.act_complaint, name="act-complaint"),
    path("acts/<int:pk>/review/", violations.act_review, name="act-review"),
    # --- An organisation's roster of observers and their tokens -------------------------------------
    path(ORGANIZATION + "roster/", roster.roster_list, name="roster-list"),
    path(ORGANIZATION + "roster/add/", roster.roster_add, name="roster-add"),
    path(ORGANIZATION + "roster/import/", roster.roster_import, name="roster-import"),
    path(ORGANIZATION + "roster/import/confirm/", roster.roster_import_confirm, name="roster-import-confirm"),
    path(
        ORGANIZATION + "roster/<int:pk>/deactivate/",
        roster.roster_observer_action,
        {"action": "deactivate"},
        name="roster-observer-deactivate",
    ),
    path(
        ORGANIZATION + "roster/<int:pk>/reactivate/",
        roster.roster_observer_action,
        {"action": "reactivate"},
        name="roster-observer-reactivate",
    ),
    path(
        ORGANIZATION + "roster/<int:pk>/revoke-tokens/",
        roster.roster_observer_action,
        {"action": "revoke"},
        name="roster-observer-revoke",
    ),
    path(ORGANIZATION + "roster/<int:pk>/token/", roster.roster_observer_token, name="roster-observer-token"),
    # --- Mandates and the recruitment funnel --------------------------------------------------------
    path("mandates/", mandates.my_mandates, name="my-mandates"),
    path("mandates/<int:pk>/", mandates.mandate_detail, name="mandate-detail"),
    path(ORGANIZATION + "mandates/", mandates.mandate_list, name="organization-mandates"),
    path(ORGANIZATION + "mandates/<int:pk>/", mandates.mandate_manage, name="organization-mandate"),
    path(ORGANIZATION + "funnel/", mandates.funnel_report, name="funnel"),
    path(ORGANIZATION + "funnel.csv", mandates.funnel_csv, name="funnel-csv"),
    # --- A user's own pages: invitations, the organisation switcher, leaving an organisation -------
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
