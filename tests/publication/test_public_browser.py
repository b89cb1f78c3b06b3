"""Public pages in a real headless browser (Debian's Chromium), at 360 px, in ru, kk and en.

Reuses tests/browser.py: each page is opened without an account, screenshotted into
var/screenshots/ and must not be wider than the phone's screen.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser import LANGUAGES, assert_fits_a_phone, open_page
from tests.publication.support import publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHARES = {"ru": "Явка и доли голосов", "kk": "Қатысу және дауыс үлестері", "en": "Turnout and shares"}


@pytest.fixture
def public_release(reconciled, organization, contest, admin):
    return publish(organization, contest, admin)


def pages(release, station, tec) -> dict[str, str]:
    args = release.url_args()
    return {
        "public-overview": release.get_absolute_url(),
        "public-tec": reverse("public-commission", args=[*args, tec.pk]),
        "public-station": reverse("public-station", args=[*args, station.pk]),
        "public-violations": reverse("public-violations", args=args),
        "public-data": reverse("public-data", args=args),
        "public-index": reverse("public-index"),
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_shows_the_public_pages_on_a_phone(
    browser, live_server, client, public_release, station, tec, language
):
    for name, url in pages(public_release, station, tec).items():
        context, page = open_page(browser, live_server, client, None, url, language, name)

        assert_fits_a_phone(page, language)
        if name in ("public-overview", "public-tec", "public-station"):
            assert SHARES[language] in page.inner_text("main")
            assert page.locator("meter").count() >= 2  # the bar chart
        context.close()


REGIONS = {
    "ru": "Каждый регион в сравнении с его официальным итогом",
    "kk": "Әр өңір өзінің ресми жиынтығымен салыстырғанда",
    "en": "Every region against its official total",
}


@pytest.fixture
def kazakh_release(django_user_model):
    """The generated Kazakh case (issue 22) at 6,000 stations, published by its organisation's admin."""
    from observers.models import Membership
    from tallies.generator_kz import generate_kazakh
    from tallies.services import releases

    summary = generate_kazakh(seed=2021, stations=6_000, wait_seconds=5)
    admin = django_user_model.objects.create_user(username="kz-admin")
    organization = summary.run.organization
    Membership.objects.create(user=admin, organization=organization, role=Membership.Role.ADMIN)
    release = releases.publish_release(
        organization=organization, contest=summary.contest, published_by=admin, changelog="Kazakh case."
    )
    return release


def test_it_shows_the_kazakh_release_on_a_phone(browser, live_server, client, kazakh_release):
    args = kazakh_release.url_args()
    regions = {row.name: row.commission_id for row in kazakh_release.commissions.filter(level="SEC")}
    urls = {
        "kz-overview": kazakh_release.get_absolute_url(),
        "kz-region-nur-sultan": reverse("public-commission", args=[*args, regions["город Нур-Султан"]]),
        "kz-region-west": reverse(
            "public-commission", args=[*args, regions["Западно-Казахстанская область"]]
        ),
        "kz-data": reverse("public-data", args=args),
    }
    for language in LANGUAGES:
        for name, url in urls.items():
            context, page = open_page(browser, live_server, client, None, url, language, name)

            assert_fits_a_phone(page, language)
            if name == "kz-overview":
                assert REGIONS[language] in page.inner_text("main")
            context.close()
