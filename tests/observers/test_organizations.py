"""Organisations as tenants: self-service sign-up, review by platform staff, what pending ones may do."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from observers import access
from observers.models import Membership, Organization
from observers.services import organizations as services
from tests.observers.support import APPLICATION

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(db) -> Organization:
    return services.sign_up_organization(
        name="Free Vote",
        kind="ngo",
        contact_email="office@freevote.example",
        contact_phone="",
        charter_clause="3.2. Observes elections.",
        username="vera",
        password="a-long-passphrase-9",
    )


def test_it_signs_up_a_pending_organization_with_its_first_admin(client):
    response = client.post(reverse("organization-sign-up"), APPLICATION)

    organization = Organization.objects.get(name="Free Vote")
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert organization.status == Organization.Status.PENDING
    assert organization.slug == "free-vote"
    membership = organization.memberships.get()
    assert (membership.user.username, membership.role) == ("vera", Membership.Role.ADMIN)
    assert membership.user.check_password("a-long-passphrase-9")


def test_it_lets_the_new_admin_log_in_and_see_the_pending_status(client):
    client.post(reverse("organization-sign-up"), APPLICATION)
    client.login(username="vera", password="a-long-passphrase-9")

    response = client.get(reverse("organization-detail", args=["free-vote"]))

    assert response.status_code == 200
    assert "Pending review" in response.content.decode()


def test_it_answers_alike_whether_or_not_the_username_is_taken(client, coordinator):
    """Issue 12: sign-up told a taken username ("carol") from a free one; it creates nothing for it."""
    free = client.post(reverse("organization-sign-up"), APPLICATION, follow=True)
    taken = client.post(
        reverse("organization-sign-up"), {**APPLICATION, "name": "Other", "username": "carol"}, follow=True
    )

    assert free.redirect_chain == taken.redirect_chain
    assert [str(m) for m in free.context["messages"]] == [str(m) for m in taken.context["messages"]]
    assert not Organization.objects.filter(name="Other").exists()
    assert not coordinator.memberships.exclude(organization__slug="golos").exists()


def test_it_limits_applications_per_client_address(client, settings):
    settings.SIGN_UP_RATE = "2/hour"
    cache.clear()  # counts of earlier tests' applications from the same address
    answers = [
        client.post(reverse("organization-sign-up"), {**APPLICATION, "username": f"vera{n}"}).status_code
        for n in range(3)
    ]

    assert answers == [302, 302, 429]
    assert Organization.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"password2": "something-else-9"}, "password2"),
        ({"password1": "12345678", "password2": "12345678"}, "password1"),
        ({"contact_email": ""}, "contact_email"),
        ({"username": "vera@golos"}, "username"),  # a roster account's namespace, never an applicant's
    ],
)
def test_it_refuses_a_bad_application_and_stores_nothing(client, coordinator, changes, field):
    response = client.post(reverse("organization-sign-up"), {**APPLICATION, **changes})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Organization.objects.filter(name="Free Vote").exists()


def test_it_gives_a_name_without_latin_letters_a_random_slug_and_never_reuses_one(applicant):
    cyrillic = services.sign_up_organization(
        name="Голос",
        kind="ngo",
        contact_email="a@b.example",
        contact_phone="",
        charter_clause="",
        username="golos-admin",
        password="a-long-passphrase-9",
    )
    twin = services.sign_up_organization(
        name="Free Vote",
        kind="ngo",
        contact_email="a@b.example",
        contact_phone="",
        charter_clause="",
        username="twin-admin",
        password="a-long-passphrase-9",
    )

    assert cyrillic.slug.startswith("org-")
    assert twin.slug == "free-vote-2"


def test_it_shows_the_queue_of_pending_applications_to_staff_only(client, staff, applicant, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("organization-review-queue")).status_code == 403

    client.force_login(staff)
    response = client.get(reverse("organization-review-queue"))

    assert list(response.context["pending"]) == [applicant]


def test_it_approves_an_application(client, staff, applicant):
    client.force_login(staff)

    client.post(reverse("organization-review", args=[applicant.pk]), {"decision": "approve", "reason": ""})

    applicant.refresh_from_db()
    assert applicant.status == Organization.Status.APPROVED
    assert applicant.reviewed_by == staff and applicant.reviewed_at is not None


def test_it_refuses_an_application_with_a_reason_the_applicant_sees(client, staff, applicant):
    client.force_login(staff)
    reason = "The charter does not mention election observation."
    client.post(reverse("organization-review", args=[applicant.pk]), {"decision": "refuse", "reason": reason})

    client.force_login(applicant.memberships.get().user)
    page = client.get(reverse("organization-detail", args=[applicant.slug])).content.decode()

    assert "Refused" in page and reason in page


def test_it_needs_a_reason_to_refuse(client, staff, applicant):
    client.force_login(staff)

    client.post(reverse("organization-review", args=[applicant.pk]), {"decision": "refuse", "reason": " "})

    applicant.refresh_from_db()
    assert applicant.status == Organization.Status.PENDING


def test_it_lets_only_staff_review_in_the_service(applicant, coordinator):
    with pytest.raises(PermissionDenied):
        services.review_organization(organization=applicant, by=coordinator, approve=True)
    with pytest.raises(ValidationError):
        services.review_organization(organization=applicant, by=_staff(), approve=False, reason="")


@pytest.mark.parametrize("status", [Organization.Status.PENDING, Organization.Status.REFUSED])
def test_it_keeps_an_unapproved_organization_out_of_coordinator_pages(client, applicant, status):
    Organization.objects.filter(pk=applicant.pk).update(status=status)
    admin = applicant.memberships.get().user
    client.force_login(admin)

    assert access.coordinated_organizations(admin) == []
    assert client.get(reverse("organization-accreditations", args=[applicant.slug])).status_code == 403
    assert client.get(reverse("organization-members", args=[applicant.slug])).status_code == 403
    assert client.get(reverse("organization-detail", args=[applicant.slug])).status_code == 200


def test_it_hides_an_organization_page_from_other_organizations(client, coordinator, applicant):
    client.force_login(coordinator)

    assert client.get(reverse("organization-detail", args=[applicant.slug])).status_code == 403


def test_it_shows_an_approved_organization_its_pages(client, coordinator, organization):
    client.force_login(coordinator)

    page = client.get(reverse("organization-detail", args=[organization.slug])).content.decode()

    assert reverse("organization-accreditations", args=[organization.slug]) in page
    assert reverse("organization-members", args=[organization.slug]) not in page  # admins only


def _staff():
    return get_user_model().objects.create_user(username="sam", is_staff=True)


def test_it_logs_every_review_with_who_and_the_status_before_and_after(staff, applicant):
    """Issue 12: organisation reviews left no audit entry."""
    from observers.models import AuditEntry

    services.review_organization(organization=applicant, by=staff, approve=False, reason="No charter.")
    services.review_organization(organization=applicant, by=staff, approve=True)

    entries = AuditEntry.objects.filter(organization=applicant, action="organization.reviewed").order_by("id")
    assert [(e.actor, e.before["status"], e.after["status"]) for e in entries] == [
        (staff, "pending", "refused"),
        (staff, "refused", "approved"),
    ]
    assert entries[0].after["reason"] == "No charter."
