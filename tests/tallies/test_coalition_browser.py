"""The coalition's pages fit a phone in each language (ru, kk, en).

The demo has no coalition, so the crawl (tests/crawl.py) cannot reach them: this
opens each one as a member's admin at 360 px (tests/browser.py) and checks that it is in the
language asked for and that nothing is wider than the screen.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tallies.services.analysis import quick_count
from tests.browser import LANGUAGES, assert_fits_a_phone, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ("coalition-results", "coalition-release-preview", "coalition-forensics", "coalition-quick-count")
# A sentence of each page in each language: the page's own words are translated, not only the frame.
SAID = {
    "ru": (
        "Участники и что они покрывают",
        "Отпечаток содержания",
        "Коалиция учитывает 3 участка",
        "Случайная выборка",
    ),
    "kk": (
        "Қатысушылар және олар қамтитын учаскелер",
        "Мазмұнның ізі",
        "Коалиция 3 учаскені есептейді",
        "кездейсоқ іріктемесі",
    ),
    "en": (
        "Members and what they cover",
        "Content fingerprint",
        "The coalition counts 3 stations",
        "random sample",
    ),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_coalition_pages_fit_a_phone_in_each_language(
    browser, live_server, client, reconciled, coalition, contest, admins, organization, language
):
    admin = admins[organization.pk]
    quick_count.draw_sample(
        organization=organization, contest=contest, size=3, is_stratified=False, created_by=admin, seed=1
    )
    for name, said in zip(PAGES, SAID[language], strict=True):
        url = reverse(name, args=[coalition.pk, contest.pk])
        context, page = open_page(browser, live_server, client, admin, url, language, name)
        assert_fits_a_phone(page, language)
        assert said in page.inner_text("main"), name
        context.close()


WAITING = {  # the preview being prepared, then failed: what the page says in each language
    "ru": ("Предпросмотр готовится", "Запросить снова"),
    "kk": ("Алдын ала қарау дайындалуда", "Қайта сұрау"),
    "en": ("The preview is being prepared", "Ask again"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_preview_being_prepared_and_failed_fits_a_phone_in_each_language(
    browser, live_server, client, reconciled, coalition, contest, admins, organization, language, monkeypatch
):
    from tallies import tasks
    from tallies.models import CoalitionReleasePreview

    admin = admins[organization.pk]
    monkeypatch.setattr(tasks.prepare_release_preview, "delay", lambda **ids: None)  # no worker free
    url = reverse("coalition-release-preview", args=[coalition.pk, contest.pk])
    for said, failure in zip(WAITING[language], ("", "RuntimeError: disk full"), strict=True):
        if failure:
            CoalitionReleasePreview.objects.update(requested_at=None, failure=failure)
        context, page = open_page(browser, live_server, client, admin, url, language, "release-preview")
        assert_fits_a_phone(page, language)
        assert said in page.inner_text("main")
        context.close()
