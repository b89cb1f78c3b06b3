"""Every persona of the demo finds all of its work by clicking: a crawl in Chromium, links only.

The demo of `manage.py run_demo` (a small generated election, then tallies.demo_scenario: the
logins of every role and work in every queue) is built in the test database. For each of its
logins, and for an anonymous visitor, the crawl starts at "/" and follows this site's links only
(no typed URL, no form sent). On every page it shows:
- no 5xx answer, and no link of ours leading to a refused or missing page (4xx);
- nothing wider than the screen (document overflow);
- in ru and kk, no English sentence of a catalog (ours, django-two-factor-auth's, Django's) left
  untranslated;
- in the main run, no serious or critical accessibility violation found by axe-core (the first
  page of each route: the same template with other objects is the same markup).
Then every route the permission matrix (tests/security/routes.py) grants the persona's role must
have been reached: a page visited, or a download, API document or action (a form's target)
offered by a page visited. A route nobody can reach by clicking in the demo's state is listed in
UNREACHABLE (tests/crawl_routes.py) with the reason.

Runs: the main one of every persona at 360 × 800 in Russian with every check (one page per route
shown and checked, more fetched for their links); then a sample without axe: Kazakh at 360 px
for one persona of each role, English at 1366 × 900 for three, Kazakh at 1366 px for one. Every
granted route is asserted reached in the main run.
"""

from __future__ import annotations

import html
import re
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import Resolver404, resolve

from tallies import demo_scenario, generator
from tallies.models import OfficialSnapshot
from tests.crawl_routes import UNREACHABLE_BY, granted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1366, "height": 900}
MAX_PAGES = 600  # a runaway guard; each route is shown `per_route` times, fetched FETCHED times
# Not pages to open: files, the API, the admin, the service worker, logging out by a link.
# Not pages to open: files, the API (but its documentation), the admin, the service worker, logging out.
NOT_PAGES = re.compile(
    r"(\.csv|\.zip|\.json|\.py|\.jpg|\.png|/file/|/files/|/photo/|^/api/(?!docs/|redoc/)|^/admin/|^/sw\.js"
    r"|/logout/|/qrcode/)"
)
THIRD_PARTY = re.compile(r"^/api/")  # Swagger UI and ReDoc: followed for their links, not checked
FETCHED = 30  # pages of one route fetched for their links after the ones shown
ANSWERS_404 = {"public-receipt"}  # "no published release includes this receipt" is a page, answered 404
ALIASES = {"login": "two_factor:login", "two_factor:login": "login"}  # one page, two names
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
TARGETS = """() => ({
  links: [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
  images: [...document.querySelectorAll('img[src]')].map((img) => img.getAttribute('src')),
  forms: [...document.forms].map((f) => f.getAttribute('action') || location.pathname),
})"""
# Every visible text node of the page, trimmed: a sentence of a catalog left in English shows
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

# The demo's logins (tallies/demo_scenario.py) and the role each has in the permission matrix.
PERSONAS = {
    "staff": "staff",
    "admin": "admin",
    "coordinator": "coordinator",
    "coordinator-spb": "territorial",
    "observer": "observer",
    "observer-flagged": "observer",
    "admin-other": "admin",
    "observer-other": "observer",
    "anonymous": "anonymous",
}
# (persona, language, viewport) of the lighter runs; the main run is (every persona, ru, PHONE).
SAMPLE = [
    *[(name, "kk", PHONE) for name in ("staff", "admin", "coordinator-spb", "observer-flagged", "anonymous")],
    ("anonymous", "en", DESKTOP),
    ("observer", "en", DESKTOP),
    ("coordinator", "en", DESKTOP),
    ("admin", "kk", DESKTOP),
]


def english_sentences() -> set[str]:
    """Catalog messages in English of two words or more: ours, django-two-factor-auth's and Django's.

    A visible text node equal to one of them in a ru or kk page is a message left untranslated;
    messages our catalog keeps identical in translation (names, abbreviations) are left out.
    """
    import django
    import two_factor

    catalogs = [Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"]
    catalogs += [Path(two_factor.__file__).parent / "locale" / "ru" / "LC_MESSAGES" / "django.po"]
    catalogs += [Path(django.__file__).parent / "conf" / "locale" / "ru" / "LC_MESSAGES" / "django.po"]
    catalogs += [
        Path(django.__file__).parent / "contrib" / app / "locale" / "ru" / "LC_MESSAGES" / "django.po"
        for app in ("auth", "humanize")
    ]
    found, same = set(), set()
    for catalog in catalogs:
        text = catalog.read_text()
        for msgid, msgstr in re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', text, re.M):
            if "%" in msgid or "{" in msgid or len(msgid.split()) < 2:
                continue
            (same if msgid == msgstr else found).add(msgid.replace('\\"', '"'))
    return found - same


@dataclass
class Run:
    """What one crawl saw: pages visited (path, status), routes reached, problems found."""

    visited: list[tuple[str, int]] = field(default_factory=list)
    reached: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def route(path: str) -> str | None:
    try:
        match = resolve(urlparse(path).path)
    except Resolver404:
        return None
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


def local(base: str, current: str, href: str) -> str | None:
    """The path (with query) of a link of this site, relative to `current`; None for another site."""
    url = urlparse(urldefrag(urljoin(base + current, href))[0])
    if url.scheme not in ("http", "https") or url.netloc != urlparse(base).netloc:
        return None
    return url.path + (f"?{url.query}" if url.query else "")


def crawl(page, base: str, *, language: str, per_route: int, axe: bool, english: set[str]) -> Run:
    """Breadth first from "/", this site's links only.

    The first `per_route` pages of each route are shown in the browser and checked; the next
    ones (up to FETCHED per route) are only fetched, for their status and their links, so that
    an action offered on one object's page only (a quarantined copy's "release") is found too.
    """
    run, seen, queue = Run(), {"/"}, deque(["/"])
    shown_count: dict[str | None, int] = {}
    fetched_count: dict[str | None, int] = {}
    checked_axe: set[str | None] = set()
    while queue and len(run.visited) < MAX_PAGES:
        path = queue.popleft()
        name = route(path)
        if shown_count.get(name, 0) < per_route:
            shown_count[name] = shown_count.get(name, 0) + 1
            status, final, targets = show(page, base, path, run, language, english, axe, checked_axe)
        elif fetched_count.get(name, 0) < FETCHED:
            fetched_count[name] = fetched_count.get(name, 0) + 1
            status, final, targets = fetch(page, base, path)
        else:
            continue
        run.visited.append((path, status))
        if status >= 400 and not (status == 404 and name in ANSWERS_404):
            run.problems.append(f"{path}: a link leads to an answer {status}")
            continue
        run.reached |= {name, route(final)}
        for href in targets["images"] + targets["forms"]:
            target = local(base, final, href)
            if target is not None:
                run.reached.add(route(target))
        for href in targets["links"]:
            target = local(base, final, href)
            if target is None or target in seen:
                continue
            seen.add(target)
            if NOT_PAGES.search(urlparse(target).path):
                run.reached.add(route(target))  # a download, the API: offered, not opened
            else:
                queue.append(target)
    run.reached |= {ALIASES[name] for name in run.reached if name in ALIASES}
    return run


def show(page, base, path, run, language, english, axe, checked_axe):  # type: ignore[no-untyped-def]
    """Open `path` in the browser and check it; return (status, final path, the page's targets)."""
    response = page.goto(base + path)
    status = response.status if response is not None else 0
    final = local(base, path, page.url) or path  # after redirects
    if status >= 400 and status != 404:
        return status, final, {"links": [], "images": [], "forms": []}
    if THIRD_PARTY.search(urlparse(final).path):  # Swagger UI and ReDoc: their own markup, in English
        return status, final, page.evaluate(TARGETS)
    overflow = page.evaluate(OVERFLOW)
    if overflow > 0:
        run.problems.append(f"{path}: {overflow}px wider than the screen")
    if language != "en":
        left = sorted(english & set(page.evaluate(TEXTS)))
        if left:
            run.problems.append(f"{path}: untranslated {left[:4]}")
    if axe and route(final) not in checked_axe:
        checked_axe.add(route(final))
        run.problems.extend(f"{path}: {found}" for found in serious_accessibility_violations(page))
    return status, final, page.evaluate(TARGETS)


ATTRIBUTE = re.compile(r'<(a|img|form)\b[^>]*?\b(href|src|action)="([^"]*)"', re.I)


def fetch(page, base, path):  # type: ignore[no-untyped-def]
    """Fetch `path` with the browser's cookies, without showing it: (status, final path, targets)."""
    response = page.request.get(base + path)
    final = local(base, path, response.url) or path
    targets: dict[str, list[str]] = {"links": [], "images": [], "forms": []}
    if "html" in response.headers.get("content-type", ""):
        for tag, _attribute, value in ATTRIBUTE.findall(response.text()):
            value = html.unescape(value)
            targets[{"a": "links", "img": "images", "form": "forms"}[tag.lower()]].append(value)
    return response.status, final, targets


@pytest.fixture
def demo(transactional_db):
    """The demo of run_demo on a small generated election: its logins and queues (tallies.demo_scenario)."""
    generator.generate(
        seed=2011, stations=40, regions=2, tecs=2, falsify=Decimal("0.2"), copies=Decimal("0.5")
    )
    contest = generator.load_contest(2011)
    snapshot = OfficialSnapshot.objects.filter(contest=contest).latest("pk")
    return demo_scenario.stage(contest, generator.generated_organization(), snapshot)


def open_as(browser, live_server, client, username: str, language: str, viewport: dict):
    """A new browser context logged in as the demo's `username` (none for "anonymous")."""
    context = browser.new_context(viewport=viewport, locale=language, service_workers="block")
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    if username != "anonymous":
        client.force_login(get_user_model().objects.get(username=username))
        cookies.append(
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}
        )
    context.add_cookies(cookies)
    return context, context.new_page()


def run_as(browser, live_server, client, name, language, viewport, **options) -> Run:
    context, page = open_as(browser, live_server, client, name, language, viewport)
    try:
        return crawl(page, live_server.url, language=language, **options)
    finally:
        context.close()


@pytest.mark.parametrize("name", PERSONAS)
def test_each_demo_persona_finds_all_its_work_by_clicking_on_a_phone(
    browser, live_server, client, demo, name
):
    english = english_sentences()
    main = run_as(browser, live_server, client, name, "ru", PHONE, per_route=1, axe=True, english=english)

    missing = sorted(granted(PERSONAS[name]) - UNREACHABLE_BY.get(name, set()) - main.reached)
    assert not main.problems and not missing, "\n".join(
        [*main.problems, f"not reached by clicking: {missing}"]
    )


@pytest.mark.parametrize(
    ("name", "language", "viewport"), SAMPLE, ids=[f"{n}-{lang}-{v['width']}" for n, lang, v in SAMPLE]
)
def test_each_demo_persona_finds_its_pages_fitting_and_translated(
    browser, live_server, client, demo, name, language, viewport
):
    run = run_as(
        browser,
        live_server,
        client,
        name,
        language,
        viewport,
        per_route=1,
        axe=False,
        english=english_sentences(),
    )

    assert len(run.visited) > 1 or name == "anonymous"
    assert not run.problems, "\n".join(run.problems)


def test_the_untranslated_check_knows_the_two_factor_pages_sentences():
    assert {"Account Security", "Backup Tokens", "Enter your credentials."} <= english_sentences()


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


def test_the_accessibility_check_finds_a_serious_violation_when_there_is_one(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><img src="x.png"></main></body></html>'
    )

    assert any(found.startswith("image-alt") for found in serious_accessibility_violations(page))
    context.close()
