"""The coalition's pooled forensics and quick count pages, linked from the coalition page.

`reconciled` (tests/tallies/test_selectors.py): Golos copied stations 91 and 120, Other observers
92; pooled, the coalition counts the three. The seven-member Kazakh case checks the forensics
tests themselves (tests/tallies/test_coalitions_kazakh.py).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tallies.services.analysis import quick_count

pytestmark = pytest.mark.django_db


def page(client, name, coalition, contest, language="en", **query):
    url = reverse(name, args=[coalition.pk, contest.pk])
    return client.get(url, query, headers={"Accept-Language": language})


def test_the_coalition_page_links_both_analyses(client, reconciled, coalition, contest, admins, organization):
    client.force_login(admins[organization.pk])

    text = page(client, "coalition-results", coalition, contest).content.decode()

    assert reverse("coalition-forensics", args=[coalition.pk, contest.pk]) in text
    assert reverse("coalition-quick-count", args=[coalition.pk, contest.pk]) in text


def test_the_forensics_page_says_the_pool_is_too_small_for_the_tests(
    client,
    reconciled,
    coalition,
    contest,
    admins,
    other_organization,
):
    client.force_login(admins[other_organization.pk])

    response = page(client, "coalition-forensics", coalition, contest)

    assert response.status_code == 200 and response.context["page"].stations == 3
    assert "The coalition counts 3 stations: too few" in response.content.decode()


def test_the_quick_count_estimates_a_members_sample_from_the_pooled_reports(
    client,
    reconciled,
    coalition,
    contest,
    admins,
    organization,
    other_organization,
):
    sample = quick_count.draw_sample(
        organization=organization, contest=contest, size=3, is_stratified=False,
        created_by=admins[organization.pk], seed=1,
    )  # fmt: skip
    client.force_login(admins[other_organization.pk])  # the other member sees Golos's sample estimated

    response = page(client, "coalition-quick-count", coalition, contest, sample=sample.pk)

    found = response.context["page"]
    assert found.sample == sample and found.result["reported"] == 3  # station 92 is Other observers'
    assert "3 of 3 sampled stations have reported" in response.content.decode()
    assert [row.code for row in found.rows][:1] == ["turnout"]


def test_the_quick_count_page_says_when_no_member_drew_a_sample(
    client, reconciled, coalition, contest, admins, organization
):
    client.force_login(admins[organization.pk])

    response = page(client, "coalition-quick-count", coalition, contest)
    russian = page(client, "coalition-quick-count", coalition, contest, "ru").content.decode()

    assert response.context["page"].samples == []
    assert "No member has drawn a sample" in response.content.decode()
    assert "No member has drawn a sample" not in russian and "Ни один участник" in russian


def test_a_coordinator_of_no_member_is_refused_both_pages(client, reconciled, coalition, contest):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_user(username="stranger"))

    assert page(client, "coalition-forensics", coalition, contest).status_code == 403
    assert page(client, "coalition-quick-count", coalition, contest).status_code == 403
