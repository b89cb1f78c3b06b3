"""The desk's entries typed from a copy's photos are read through ProtocolCopyQuerySet.readable:
a blind entry stays unseen by the other coordinators until the copy's figures are agreed or
settled, and no entry is ever shown to the observer it is stored under, counted, or published."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tallies.selectors.accepted import countable_copies
from tallies.selectors.receipts import receipt_for
from tallies.services import releases
from tests.support import OPTIONS_PEC_91_COPY as OPTIONS_TYPED
from tests.tallies.support import revision_of, typed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_storage")]

BLIND_VALUE = 4457  # carol's reading of p6_UR: a figure no other copy gives


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def listed_ids(response) -> set[int]:
    body = response.json()
    return {copy["id"] for copy in body.get("results", body)}


@pytest.fixture
def carols_entry(photographed, coordinator):
    """Carol's blind entry of Alice's photo-only copy, the only one so far."""
    return typed(photographed, coordinator, {**OPTIONS_TYPED, "p6_UR": BLIND_VALUE}).copy


def test_it_hides_a_blind_entry_from_the_other_coordinator_in_the_api(carols_entry, photographed, dave):
    api = api_as(dave)

    listing = api.get(reverse("api-copy-list"))
    detail = api.get(reverse("api-copy-detail", args=[carols_entry.pk]))

    assert listing.status_code == 200 and photographed.pk in listed_ids(listing)
    assert carols_entry.pk not in listed_ids(listing) and str(BLIND_VALUE) not in listing.content.decode()
    assert detail.status_code == 404


def test_it_hides_the_blind_entry_from_the_desks_comparison_of_a_copy_with_figures(
    carols_entry, photographed, as_dave
):
    assert as_dave.get(reverse("desk-blind-diff", args=[photographed.pk])).status_code == 404
    assert as_dave.get(reverse("desk-blind-diff", args=[carols_entry.pk])).status_code == 404


def test_it_shows_the_entries_to_the_desk_once_the_figures_are_agreed(carols_entry, photographed, dave):
    typed(photographed, dave, {**OPTIONS_TYPED, "p6_UR": BLIND_VALUE})

    listing = api_as(dave).get(reverse("api-copy-list"))

    assert carols_entry.pk in listed_ids(listing) and revision_of(photographed).pk in listed_ids(listing)


def test_it_never_shows_a_desk_entry_to_the_observer_it_is_stored_under(
    carols_entry, photographed, dave, alice, alice_api
):
    typed(photographed, dave, {**OPTIONS_TYPED, "p6_UR": BLIND_VALUE})  # agreed: settled, still not hers

    assert alice.get(reverse("copy-detail", args=[carols_entry.pk])).status_code == 404
    assert alice_api.get(reverse("api-copy-detail", args=[carols_entry.pk])).status_code == 404
    listing = alice_api.get(reverse("api-copy-list"))
    assert listed_ids(listing) == {photographed.pk, revision_of(photographed).pk}
    assert alice.get(reverse("copy-detail", args=[revision_of(photographed).pk])).status_code == 200


def test_it_neither_counts_nor_publishes_the_entries(
    carols_entry, photographed, dave, organization, contest, admin, client,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        dave_entry = typed(photographed, dave, {**OPTIONS_TYPED, "p6_UR": BLIND_VALUE}).copy
    revision = revision_of(photographed)

    counted = list(countable_copies(organization.pk, contest.pk))
    release = releases.publish_release(
        organization=organization, contest=contest, published_by=admin, changelog="First release."
    )

    assert counted == [revision]
    published = set(release.receipts.values_list("receipt", flat=True))
    assert published == {receipt_for(revision)}
    for entry in (carols_entry, dave_entry):
        page = client.get(reverse("public-receipt", args=[receipt_for(entry)]))
        assert page.status_code == 404
    assert client.get(reverse("public-receipt", args=[receipt_for(revision)])).status_code == 200
