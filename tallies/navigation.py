"""Navigation by role: who the user is here, the menu of base.html, and the links of each role's home.

A link is listed only when the view behind it lets this user in, using the same rules as
observers.access: an observer record for the field pages, an approved organisation coordinated
for the coordinator pages, an admin membership for members, coalitions and publishing, and
`is_staff` for the review of organisations. Two queries per page for a logged-in user, none for
a visitor (the cached public pages stay cheap).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from observers.access import AnyUser
from observers.models import Membership, Observer, Organization


@dataclass(frozen=True)
class Link:
    """One menu entry: a translated label and the URL of a page the user may open."""

    label: str | Promise  # translated when the template renders it
    url: str


@dataclass
class Roles:
    """What a user is on the platform: the kinds of work the menu and the home page offer.

    `coordinated` are the approved organisations the user coordinates or administers (the
    same list as observers.access.coordinated_organizations), `administered` the subset the
    user is an admin of, `pending` those awaiting review or refused (only their status page opens).
    """

    observer: Observer | None = None
    coordinated: list[Organization] = field(default_factory=list)
    administered: list[Organization] = field(default_factory=list)
    limited: list[Organization] = field(default_factory=list)  # coordinated in one territory only
    pending: list[Organization] = field(default_factory=list)
    staff: bool = False

    @property
    def anything(self) -> bool:
        """True when the user has at least one kind of work here."""
        return bool(self.observer or self.coordinated or self.pending or self.staff)


def roles_of(user: AnyUser) -> Roles:
    """Read the user's roles in two queries (none for a visitor)."""
    if not user.is_authenticated:
        return Roles()
    memberships = (
        Membership.objects.coordinating()
        .filter(user_id=user.pk)
        .select_related("organization")
        .order_by("organization__name")
    )
    roles = Roles(staff=bool(getattr(user, "is_staff", False)))
    for membership in memberships:
        if membership.organization.status != Organization.Status.APPROVED:
            roles.pending.append(membership.organization)
            continue
        roles.coordinated.append(membership.organization)
        if membership.role == Membership.Role.ADMIN:
            roles.administered.append(membership.organization)
        elif membership.territory_id is not None:
            roles.limited.append(membership.organization)
    roles.observer = Observer.objects.filter(user_id=user.pk).select_related("organization").first()
    return roles


def observer_links() -> list[Link]:
    """The field observer's pages: stations, copies, violation acts, mandates, the Telegram link."""
    return [
        Link(_("My stations"), reverse("visit-list")),
        Link(_("My copies"), reverse("copy-list")),
        Link(_("My acts"), reverse("act-list")),
        Link(_("My mandates"), reverse("my-mandates")),
        Link(_("Telegram"), reverse("telegram-link")),
    ]


def coordinator_links(organization: Organization, *, limited: bool = False) -> list[Link]:
    """The pages a coordinator of `organization` may open (a territory narrows their content);
    the roster needs the whole organisation (observers.access.CoordinatorScope), so `limited`
    (a coordinator of one region or TEC) leaves it out.
    """
    slug = organization.slug
    roster = [] if limited else [Link(_("Roster"), reverse("roster-list", args=[slug]))]
    return [
        Link(_("Violation review"), reverse("act-review-queue") + f"?org={slug}"),
        *roster,
        Link(_("Observers' mandates"), reverse("organization-mandates", args=[slug])),
        Link(_("Deployment funnel"), reverse("funnel", args=[slug])),
        Link(_("Accreditation"), reverse("organization-accreditations", args=[slug])),
        Link(_("Obstacles log"), reverse("organization-obstacles", args=[slug])),
        Link(_("The organisation's page"), reverse("organization-detail", args=[slug])),
    ]


def admin_links(organization: Organization) -> list[Link]:
    """The pages only the admins of `organization` may open."""
    slug = organization.slug
    return [
        Link(_("Admins and coordinators"), reverse("organization-members", args=[slug])),
        Link(_("Coalitions"), reverse("organization-coalitions", args=[slug])),
        Link(_("Publishing"), reverse("public-manage", args=[slug])),
        Link(_("Import official results"), reverse("official-import")),  # election set-up
    ]


def staff_links() -> list[Link]:
    """Platform staff's pages."""
    return [
        Link(_("Organisations to review"), reverse("organization-review-queue")),
        Link(_("Import official results"), reverse("official-import")),
    ]


def public_links() -> list[Link]:
    """Pages anyone may open: the published releases, the receipt check, the API documentation."""
    return [
        Link(_("Published results"), reverse("public-index")),
        Link(_("Check a copy's receipt"), reverse("public-receipt-lookup")),
        Link(_("API documentation"), reverse("api-docs")),
        Link(_("API reference (ReDoc)"), reverse("api-redoc")),
    ]


def menu(roles: Roles, *, signed_in: bool = True) -> list[tuple[str, list[Link]]]:
    """The menu of base.html as (section title, links), one section per role the user has,
    the account's pages for anyone `signed_in`, and the public pages."""
    sections: list[tuple[str, list[Link]]] = []
    if roles.observer is not None:
        sections.append((str(_("Observer")), observer_links()))
    for organization in roles.coordinated:
        limited = organization in roles.limited
        links = [Link(_("Election night"), reverse("home"))]
        links += coordinator_links(organization, limited=limited)
        if organization in roles.administered:
            links += admin_links(organization)
        sections.append((organization.name, links))
    for organization in roles.pending:
        sections.append(
            (
                organization.name,
                [Link(_("Review status"), reverse("organization-detail", args=[organization.slug]))],
            )
        )
    if roles.staff:
        sections.append((str(_("Platform")), staff_links()))
    if signed_in:  # everyone signed in: an observer may be invited to coordinate, staff log in with 2FA
        account = [
            Link(_("Second factor and backup codes"), reverse("two_factor:profile")),
            Link(_("Change password"), reverse("password_change")),
            Link(_("Invitations"), reverse("account-invitations")),
            Link(_("Your organisations"), reverse("account-organizations")),
        ]
        if len(roles.coordinated) > 1:  # the organisation switcher (observers.access.chosen_organization)
            account.append(Link(_("Choose an organisation"), reverse("account-organization")))
        sections.append((str(_("Account")), account))
    sections.append((str(_("Public")), public_links()))
    return sections


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `roles` and `menu`, computed only when a template reads them."""
    roles = SimpleLazyObject(lambda: roles_of(request.user))
    return {
        "roles": roles,
        "menu": SimpleLazyObject(
            lambda: menu(cast(Roles, roles), signed_in=bool(request.user.is_authenticated))
        ),
    }
