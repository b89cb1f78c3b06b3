"""What the demo crawl (tests/crawl.py) must reach: the routes the permission matrix grants each
role, less those nobody reaches by clicking in the demo's state, each with its reason."""

from __future__ import annotations

from tests.security.routes import ADMIN_ONLY, TERRITORIAL, category, route_names

# Routes that are not reached by clicking from a home page, by design or in the demo's state.
UNREACHABLE = {
    "healthz": "the load balancer's probe",
    "service-worker": "registered by script, not a page",
    "channel-sms-webhook": "called by the SMS gateway",
    "channel-telegram-webhook": "called by Telegram",
    "schema": "the OpenAPI document, read by the API docs page",
    "second-factor-verify": "a redirect when a second factor is due (off in the tests' settings)",
    "password_reset_confirm": "the link of the password reset e-mail",
    "password_reset_done": "shown after the reset form is sent",
    "password_reset_complete": "shown after a new password is set",
    "password_change_done": "shown after the change form is sent",
    "two_factor:setup_complete": "shown after the setup wizard is finished",
    "account-invitation-accept": "the demo invites nobody",
    "account-invitation-decline": "the demo invites nobody",
    "organization-invitation-withdraw": "the demo invites nobody",
    "organization-review": "the demo's organisations are approved already (nothing to review)",
    "coalition-results": "the demo has no coalition",
    "coalition-resolve": "the demo has no coalition",
    "organization-coalition-agree": "the demo has no coalition",
    "organization-coalition-leave": "the demo has no coalition",
    "organization-coalition-invite": "the demo has no coalition",
    "coalition-photo": "the demo has no coalition",
    "coalition-forensics": "the demo has no coalition",
    "coalition-quick-count": "the demo has no coalition",
    "coalition-release-consent": "the demo has no coalition",
    "coalition-release-prepare": "the demo has no coalition",
    "coalition-release-preview": "the demo has no coalition",
    "coalition-release-publish": "the demo has no coalition",
    **{
        f"public-coalition-{page}": "the demo has no coalition, so no coalition's release"
        for page in (
            "latest",
            "release",
            "commission",
            "station",
            "station-photo",
            "violations",
            "data",
            "file",
            "zip",
        )
    },
    "roster-observer-reactivate": "the demo deactivates nobody",
    "roster-import-confirm": "shown after a roster file is sent",
    "official-import-confirm": "shown after an official results file is sent",
    "analysis-quick-count-freeze": "needs a drawn sample (a form sent)",
    "desk-blind-confirm": "shown after a blind entry is typed",
    "desk-blind-diff": "shown after a blind entry is typed",
    "desk-transcribe": "linked from the queue 'Photos to transcribe': the demo has no photo-only copy",
    "desk-transcription-settle": "linked from the queue 'Photos to transcribe' once two entries differ",
    "visit-check-out": "needs a check-in (a form sent)",
    "visit-checklist": "needs a check-in (a form sent)",
    "visit-count-start": "needs a check-in (a form sent)",
    "visit-stage": "needs a check-in (a form sent)",
    "visit-detail": "needs a check-in (a form sent)",
    "act-cosigner": "an action on an act the crawl does not open by a form",
    "api-official-import": "a machine endpoint (documented in the API docs)",
    "dashboard-data": "JSON read by the dashboard's script",
    "dashboard-stations": "JSON read by the dashboard's script",
    "account-organization": "the switcher of a member of two organisations: no demo login is one",
    "two_factor:disable": "offered once an authenticator app is set up (the demo's logins have backup codes)",
    "two_factor:backup_tokens": "linked from the profile once an authenticator app is set up",
    "two_factor:qr": "the QR code image of the set-up wizard's second step (after a form is sent)",
    "public-station-photo": "the demo's release was published before its copy with a photo",
    "analysis-export": "offered once an analysis has run or a seat rule is set: the crawl sends no form",
    "results-regions-export": "offered for official results per region; the demo's are per station",
}
# What a persona's organisation lacks in the demo: the second organisation has one copy, agreeing
# with the official protocol, and no act, conflict or quarantine.
# Receipts: an observer's copies link to theirs; anyone else checks one by typing it (a form).
TYPED_RECEIPT = {"public-receipt"}
# Leaving ends an admin's or coordinator's role (observers.views.accounts): an observer's account
# is the roster's, ended by its admin, and staff hold no role; "Your organisations" lists none.
NO_ROLE_TO_LEAVE = {"account-organization-leave"}
UNREACHABLE_BY = {
    "admin-other": {
        *("act-review", "desk-accept-copy", "desk-blind-entry", "desk-quarantine", "desk-release"),
        *("desk-resolve", "desk-verify", "results-tec-ranking-export"),
        *TYPED_RECEIPT,
    },
    # The copy with a photo is outside the region.
    "coordinator-spb": {"desk-blind-entry", *TYPED_RECEIPT},
    "observer": {
        "act-detail",
        "act-complaint",
        "act-filing",
        *NO_ROLE_TO_LEAVE,
    },  # only observer-flagged filed an act
    "observer-flagged": NO_ROLE_TO_LEAVE,
    "observer-other": {"act-detail", "act-complaint", "act-filing", "evidence-index", *NO_ROLE_TO_LEAVE}
    | {
        "evidence-detail",
        "evidence-file",
    },
    "staff": TYPED_RECEIPT | NO_ROLE_TO_LEAVE,
    "admin": TYPED_RECEIPT,
    "coordinator": TYPED_RECEIPT,
    "anonymous": {"logout", *TYPED_RECEIPT},
}


def granted(role: str) -> set[str]:
    """Route names the permission matrix lets `role` use (tests/security/routes.py's categories).

    Observers get the field work, coordinators of the whole organisation every coordinator
    route but the admins', territorial coordinators the TERRITORIAL ones, staff the review and
    the official import; everyone signed in gets their account's pages; everyone the public ones.
    """
    names = route_names()
    allowed = {"public"} | ({"signed-in"} if role != "anonymous" else set())
    chosen = {name for name in names if category(name) in allowed}
    coordinating = {name for name in names if category(name) == "coordinator"}
    if role == "observer":
        chosen |= {name for name in names if category(name) == "observer"}
    elif role == "admin":
        chosen |= coordinating
    elif role == "coordinator":
        chosen |= coordinating - ADMIN_ONLY
    elif role == "territorial":
        chosen |= (coordinating & TERRITORIAL) - ADMIN_ONLY
    elif role == "staff":
        chosen |= {name for name in names if category(name) == "staff"} | {"official-import"}
    if role != "anonymous":
        chosen -= {"login", "two_factor:login", "organization-sign-up", "password_reset"}  # a visitor's
    chosen = {name for name in chosen if not name.startswith(("api-", "public-api-"))} | (
        chosen & {"api-docs", "api-redoc"}
    )
    return chosen - set(UNREACHABLE)
