"""Each persona finds its work by clicking: a crawl in Chromium from the home page, links only.

For Alice (observer), Carol (coordinator), Ada (organisation admin) and Stan (platform staff)
on election night in miniature (the `reconciled` fixture): start at "/", follow every link of
this site (no typed URL, no form), and on every page reached, at 360 px:
- no 5xx answer;
- nothing wider than the screen;
- in ru and kk, no English sentence of our catalog left untranslated;
- no serious or critical accessibility violation found by axe-core.
Then the pages of the persona's work (the issue's "Done when") must all have been reached.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import Resolver404, resolve

from observers.models import Membership
from tests import test_browser

browser = test_browser.browser  # the Chromium fixture, shared

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_PAGES = 70
# Not pages: downloads, the API, the admin, the service worker, and logging out by a link.
SKIP = re.compile(r"(\.csv|\.zip|\.json|\.py|\.jpg|/file/|/files/|^/api/|^/admin/|^/sw\.js|/logout/)")
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
LINKS = "[...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href'))"
# Every visible text node of the page, trimmed: a sentence of our catalog left in English shows
# up as a whole node; data that merely quotes English words (a law's title) does not.
TEXTS = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const texts = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement.closest("script, style, [hidden]")) continue;
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    if (text) texts.push(text);
  }
  return texts;
}"""

EXPECTED = {  # the routes of each persona's work, all to be reached by clicking from "/"
    "alice": {
        *("home", "visit-list", "copy-list", "copy-new", "copy-detail", "act-list", "act-stage"),
        *("my-mandates", "mandate-detail", "public-index"),
    },
    "carol": {
        *("home", "dashboard", "dashboard-process", "desk-home", "desk-queue", "desk-station"),
        *("results-root", "results-station", "results-comparison", "results-discrepancies"),
        *("analysis-seats", "analysis-quick-count", "analysis-forensics", "act-review-queue"),
        *("roster-list", "organization-mandates", "funnel", "organization-detail", "public-index"),
    },
    "ada": {
        *("home", "dashboard", "desk-home", "results-root", "roster-list", "organization-mandates"),
        *("funnel", "organization-members", "organization-coalitions", "public-manage", "public-index"),
        "official-import",
    },
    "stan": {"home", "organization-review-queue", "official-import", "public-index"},
}


def untranslated_sentences(language: str) -> set[str]:
    """English sentences of our catalog that have a translation in `language` (several words)."""
    text = (Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po").read_text()
    found = set()
    for msgid, msgstr in re.findall(r'^msgid "(.+)"\nmsgstr "(.+)"$', text, re.M):
        if msgid != msgstr and "%" not in msgid and "{" not in msgid and len(msgid.split()) >= 3:
            found.add(msgid.replace('\\"', '"'))
    return found


def persona(name: str, request):
    if name == "alice":
        return request.getfixturevalue("observer").user
    if name == "carol":
        return request.getfixturevalue("coordinator")
    user = get_user_model().objects.create_user(username=name, password="pw-" + name, is_staff=name == "stan")
    if name == "ada":
        organization = request.getfixturevalue("organization")
        Membership.objects.create(user=user, organization=organization, role=Membership.Role.ADMIN)
    return user


def route(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


def crawl(page, base: str, check=None) -> list[tuple[str, int]]:
    """Breadth first from "/", this site's links only; return (path, status) of each page.

    `check(path, status)` runs on each page as it is shown.
    """
    seen, queue, visited = {"/"}, deque(["/"]), []
    host = urlparse(base).netloc
    while queue and len(visited) < MAX_PAGES:
        path = queue.popleft()
        response = page.goto(base + path)
        visited.append((path, response.status))
        if check is not None:
            check(path, response.status)
        for href in page.evaluate(LINKS):
            url = urlparse(urldefrag(href)[0])
            if url.scheme not in ("", "http") or (url.netloc and url.netloc != host):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if not url.path.startswith("/") or SKIP.search(url.path) or target in seen:
                continue
            seen.add(target)
            queue.append(target)
    return visited


def open_as(browser, live_server, client, user, language: str):
    client.force_login(user)
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale=language)
    cookies = [
        {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url},
        {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
    ]
    context.add_cookies(cookies)
    return context, context.new_page()


@pytest.mark.parametrize("name", ["alice", "carol", "ada", "stan"])
def test_each_persona_reaches_its_work_by_clicking_from_home(
    browser, live_server, client, reconciled, name, request
):
    user = persona(name, request)
    context, page = open_as(browser, live_server, client, user, "ru")

    visited = crawl(page, live_server.url)

    errors = [(path, status) for path, status in visited if status >= 500]
    assert not errors, errors
    reached = {route(urlparse(path).path) for path, _status in visited}
    assert EXPECTED[name] <= reached, f"not reached by clicking: {sorted(EXPECTED[name] - reached)}"
    context.close()


@pytest.mark.parametrize("language", ["ru", "kk"])
@pytest.mark.parametrize("name", ["alice", "carol", "ada", "stan"])
def test_every_page_a_persona_reaches_fits_a_phone_and_is_translated(
    browser, live_server, client, reconciled, name, language, request
):
    user = persona(name, request)
    context, page = open_as(browser, live_server, client, user, language)
    english = untranslated_sentences(language)
    problems = []

    def check(path: str, status: int) -> None:
        if status >= 500:
            problems.append(f"{path}: {status}")
        overflow = page.evaluate(OVERFLOW)
        if overflow > 0:
            problems.append(f"{path}: {overflow}px wider than the screen")
        left = sorted(english & set(page.evaluate(TEXTS)))
        if left:
            problems.append(f"{path}: untranslated {left[:3]}")

    crawl(page, live_server.url, check)
    assert not problems, "\n".join(problems)
    context.close()


AXE_SCRIPT = None


def serious_accessibility_violations(page) -> list[str]:
    """axe-core (axe-playwright-python's bundled axe.min.js) on the page: serious and critical only."""
    global AXE_SCRIPT
    if AXE_SCRIPT is None:
        import axe_playwright_python

        AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
    page.evaluate(AXE_SCRIPT)  # evaluated by the browser's devtools protocol: the CSP does not apply
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['nodes'][0]['target']}"
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("name", ["alice", "carol", "ada", "stan"])
def test_every_page_a_persona_reaches_has_no_serious_accessibility_violation(
    browser, live_server, client, reconciled, name, request
):
    user = persona(name, request)
    context, page = open_as(browser, live_server, client, user, "ru")
    problems = []

    def check(path: str, status: int) -> None:
        problems.extend(f"{path}: {found}" for found in serious_accessibility_violations(page))

    crawl(page, live_server.url, check)
    assert not problems, "\n".join(sorted(set(problems)))
    context.close()


def test_the_accessibility_check_finds_a_serious_violation_when_there_is_one(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><img src="x.png"></main></body></html>'
    )

    assert any(found.startswith("image-alt") for found in serious_accessibility_violations(page))
    context.close()
