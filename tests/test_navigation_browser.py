"""The menu and the home pages in a real browser at 360 px, in ru, kk and en.

Each persona's home page fits a phone; the menu opens with a tap (a <details>, no script) and
its links are in the page's language.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from observers.models import Membership
from tests.browser import LANGUAGES, assert_fits_a_phone, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MY_STATIONS = {"ru": "Мои участки", "kk": "Менің учаскелерім", "en": "My stations"}
ELECTION_NIGHT = {"ru": "Ночь выборов", "kk": "Сайлау түні", "en": "Election night"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_opens_the_observers_menu_and_home_on_a_phone(browser, live_server, client, observer, language):
    context, page = open_page(
        browser, live_server, client, observer.user, reverse("home"), language, "home-observer"
    )

    assert_fits_a_phone(page, language)
    page.click("summary")
    menu = page.inner_text("nav.menu-panel")
    assert MY_STATIONS[language] in menu
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.screenshot(path=f"var/screenshots/home-observer-menu-{language}.png", full_page=True)
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_shows_an_admins_home_on_a_phone(browser, live_server, client, reconciled, organization, language):
    ada = get_user_model().objects.create_user(username="ada", password="pw-ada")
    Membership.objects.create(user=ada, organization=organization, role=Membership.Role.ADMIN)
    context, page = open_page(browser, live_server, client, ada, reverse("home"), language, "home-admin")

    assert_fits_a_phone(page, language)
    assert ELECTION_NIGHT[language] in page.inner_text("main")
    context.close()
