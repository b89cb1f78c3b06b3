"""Helpers of the browser tests: Debian's Chromium through Playwright, a 360 px phone, ru/kk/en.

The `browser` fixture (one Chromium per test module) is in tests/conftest.py. Each page is opened
in a language at 360 × 740 px; `assert_fits_a_phone` checks the page is in that language and that
nothing overflows sideways; screenshots go to var/screenshots/ for a person to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings

CHROMIUM = shutil.which("chromium")
LANGUAGES = ["ru", "kk", "en"]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
# Words of each page's chrome in each language: prove the catalogs are used, not just <html lang>.
LOG_OUT = {"ru": "Выйти", "kk": "Шығу", "en": "Log out"}
BRAND = {"ru": "Параллельный подсчёт", "kk": "Байқаушылар санағы", "en": "Observer tally"}  # our catalog


def open_page(browser, live_server, client, user, url: str, language: str, name: str):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=language)
    if user is not None:
        client.force_login(user)
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
        )
    page = context.new_page()
    response = page.goto(live_server.url + url)
    assert response.status == 200, f"{url} answered {response.status}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{language}.png"), full_page=True)
    return context, page


def assert_fits_a_phone(page, language: str) -> None:
    assert page.evaluate("document.documentElement.lang") == language
    assert BRAND[language] in page.inner_text("header")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the 360px screen"
