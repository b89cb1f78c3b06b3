"""The route catalogue of the permission matrix: who may use each named route, and its URL.

Every named route falls in one category (public, signed-in, staff, observer, coordinator); every
coordinator route is also WHOLE_ORGANIZATION or TERRITORIAL. `url_for` fills a route with the
objects of tests/security/test_permission_matrix.py's `golos` fixture.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

PUBLIC = {
    "home",
    "login",
    "logout",
    "set_language",
    "organization-sign-up",
    "healthz",
    "schema",
    "api-docs",
    "api-redoc",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "two_factor:login",
    "second-factor-verify",
    "service-worker",  # the offline service worker: static code, no data
    "channel-sms-webhook",  # no session: the gateway's shared secret (tests/tallies/channels/)
    "channel-telegram-webhook",  # no session: the bot's secret token header (tests/tallies/channels/)
}
PUBLIC_PREFIXES = ("public-", "public-api-")
SIGNED_IN = {  # any logged-in user, about their own account
    "account-invitations",
    "account-invitation-accept",
    "account-invitation-decline",
    "account-organization",
    "account-organizations",
    "account-organization-leave",
    "password_change",
    "password_change_done",
    "two_factor:backup_tokens",
    "two_factor:disable",
    "two_factor:profile",
    "two_factor:qr",
    "two_factor:setup",
    "two_factor:setup_complete",
}
OBSERVER = {  # an observer's own field work (coordinators may read some of it for their organisation)
    "telegram-link",
    "copy-new",
    "copy-photo-only",
    "copy-list",
    "copy-detail",
    "my-mandates",
    "mandate-detail",
    "visit-list",
    "visit-detail",
    "visit-check-in",
    "visit-check-out",
    "visit-checklist",
    "visit-count-start",
    "visit-stage",
    "act-list",
    "act-new",
    "act-stage",
    "act-detail",
    "act-cosigner",
    "act-filing",
    "act-complaint",
    "evidence-index",
    "evidence-new",
    "evidence-detail",
    "evidence-file",
    "api-copy-list",
    "api-copy-detail",
    "api-copy-photo-only",
    "api-contest-form",
    "api-station-list",
    "api-visit-list",
    "api-visit-detail",
    "api-visit-answers",
    "api-visit-check-out",
    "api-visit-count-start",
    "api-visit-stages",
    "api-act-list",
    "api-act-detail",
    "api-act-cosigners",
    "api-act-filing",
    "api-act-complaints",
    "api-evidence-list",
    "api-evidence-detail",
    "api-evidence-file",
    "api-checklist-item-list",
    "api-violation-type-list",
}
STAFF = {"organization-review", "organization-review-queue"}
COORDINATOR_PREFIXES = (
    "results-",
    "desk-",
    "dashboard",
    "analysis-",
    "organization-",
    "roster-",
    "funnel",
    "api-contest-",
    "api-commission-",
    "api-station-comparison",
    "act-review",
    "api-act-review",
    "public-manage",
    "official-import",  # organisation admins and platform staff (a WHOLE_ORGANIZATION route)
    "api-official-import",
    "api-regional-comparison",
    "coalition-",
)

# Organisation-wide routes for the organisation's admins (or platform staff) only.
ADMIN_WHOLE_ORGANIZATION = {
    "api-official-import",
    "official-import",
    "official-import-confirm",
    "organization-members",
    "organization-member-remove",
    "organization-invitation-withdraw",
    "roster-observer-deactivate",
    "roster-observer-reactivate",
    "roster-observer-revoke",
    "roster-observer-token",
    "public-manage",
}
WHOLE_ORGANIZATION = {  # organisation-wide reads and writes: 403 for a coordinator limited to a territory
    "analysis-export",
    "analysis-forensics",
    "coalition-forensics",
    "coalition-quick-count",
    "coalition-photo",  # and only a member's own photos or those of members whose consent includes photos
    "coalition-release-consent",  # and only a member's admin (the service checks the role)
    "coalition-release-prepare",
    "coalition-release-preview",
    "coalition-release-publish",
    "coalition-resolve",  # admins and whole-organisation coordinators of an agreed member
    "coalition-results",
    "analysis-quick-count",
    "analysis-quick-count-draw",
    "analysis-quick-count-freeze",
    "analysis-run",
    "analysis-seats",
    "dashboard-record",
    "api-regional-comparison",
    "results-comparison",
    "results-discrepancies",
    "results-regions-export",
    "results-tec-ranking-export",
    "roster-add",
    "roster-import",
    "roster-import-confirm",
    "roster-list",
    *ADMIN_WHOLE_ORGANIZATION,
}
# Of WHOLE_ORGANIZATION, the routes only the organisation's admins (or platform staff) may use.
ADMIN_ONLY = {
    *ADMIN_WHOLE_ORGANIZATION,
    # TERRITORIAL below, but only admins get in (observers.access.administered_organization)
    "organization-coalitions",
    "organization-coalition-agree",
    "organization-coalition-invite",
    "organization-coalition-leave",
}
TERRITORIAL = {  # limited to the coordinator's territory, or records not tied to a station
    "act-review",
    "act-review-queue",
    "api-act-review",
    "api-commission-results",
    "api-contest-list",
    "api-contest-results",
    "api-station-comparison",
    "dashboard",
    "dashboard-data",
    "dashboard-process",
    "dashboard-stations",
    "desk-accept-copy",
    "desk-blind-confirm",
    "desk-blind-diff",
    "desk-blind-entry",
    "desk-home",
    "desk-phone-in",
    "desk-quarantine",
    "desk-queue",
    "desk-release",
    "desk-resolve",
    "desk-station",
    "desk-transcribe",
    "desk-transcription-settle",
    "desk-verify",
    "funnel",
    "funnel-csv",
    "organization-accreditations",
    "organization-coalition-agree",
    "organization-coalition-invite",
    "organization-coalition-leave",
    "organization-coalitions",
    "organization-detail",
    "organization-mandate",
    "organization-mandates",
    "organization-obstacles",
    "results-commission",
    "results-commission-export",
    "results-root",
    "results-snapshot-diff",
    "results-station",
    "results-station-export",
}


def route_names() -> set[str]:
    def walk(resolver, namespace=""):  # type: ignore[no-untyped-def]
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith("admin/"):
                    continue
                yield from walk(pattern, namespace + (f"{pattern.namespace}:" if pattern.namespace else ""))
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield namespace + pattern.name

    return set(walk(get_resolver()))


def category(name: str) -> str | None:
    if name in PUBLIC or (name.startswith(PUBLIC_PREFIXES) and name != "public-manage"):
        return "public"
    if name in SIGNED_IN:
        return "signed-in"
    if name in STAFF:
        return "staff"
    if name in OBSERVER:
        return "observer"
    if name.startswith(COORDINATOR_PREFIXES):
        return "coordinator"
    return None


PK_KINDS = (
    ("desk-release", "quarantine"),
    ("desk-", "copy"),
    ("copy-", "copy"),
    ("api-copy", "copy"),
    ("act", "act"),
    ("api-act", "act"),
    ("visit", "visit"),
    ("api-visit", "visit"),
    ("evidence", "evidence"),
    ("api-evidence", "evidence"),
    ("mandate", "mandate"),
    ("organization-mandate", "mandate"),
    ("organization-member", "membership"),
    ("organization-review", "organization"),
)


def url_for(name: str, objects: dict) -> str | None:
    """The route filled with Golos's objects; None when it needs something this matrix lacks."""
    pattern = next(p for p in route_patterns() if p[0] == name)[1]
    kwargs = {}
    for parameter in pattern:
        if parameter == "pk":
            kind = next((k for prefix, k in PK_KINDS if name.startswith(prefix)), None)
            kwargs["pk"] = objects[kind] if kind else 999_999
        elif parameter in objects:
            kwargs[parameter] = objects[parameter]
        else:
            kwargs[parameter] = "x" if parameter not in ("sample_id", "release_id", "number") else 1
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def route_patterns():  # type: ignore[no-untyped-def]
    import re

    def walk(resolver, namespace=""):  # type: ignore[no-untyped-def]
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if not str(pattern.pattern).startswith("admin/"):
                    yield from walk(
                        pattern, namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                    )
            elif pattern.name:
                text = str(pattern.pattern)
                yield namespace + pattern.name, re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", text)

    return [(name, [a or b for a, b in params]) for name, params in walk(get_resolver())]
