"""Every persona of the demo finds all of its work by clicking: a crawl in Chromium, links only.

The demo of `manage.py run_demo` (a small generated election, then tallies.demo_scenario: the
logins of every role and work in every queue) is built in the test database. For each of its
logins, and for an anonymous visitor, the crawl starts at "/" and follows this site's links only
(no typed URL, no form sent). On every page it shows:
- no 5xx answer, and no link of ours leading to a refused or missing page (4xx);
- nothing wider than the screen (document overflow);
- in ru and kk, no English sentence of a catalog (ours, django-two-factor-auth's, Django's, wrapped
  ones included) or marked for translation in our templates and code left untranslated;
- in the Russian run, no serious or critical accessibility violation found by axe-core (the first
  page of each route: the same template with other objects is the same markup).
Then every route the permission matrix (tests/security/routes.py) grants the persona's role must
have been reached: a page visited, or a download, API document or action (a form's target)
offered by a page visited. A route nobody can reach by clicking in the demo's state is listed in
UNREACHABLE (tests/crawl_routes.py) with the reason.

Runs, one test per persona in one browser session (one login, the demo built once): at 360 × 800
in Russian with every check (one page per route shown and checked, more fetched for their
links), then in Kazakh and in English without axe (the same markup); every granted route is
asserted reached in each language. Then at 1366 × 900 a sample: English for three personas,
Kazakh for one. Every persona at 1366 px in every language would add some 15 minutes here (one
language's crawl of every persona takes 4 to 7), so 1366 px is sampled; 360 px is the stricter
test of fitting. The whole module took 15 min 13 s before the kk and en runs and 14 to 17.5 min
with them (the samples' separate logins and demo builds are gone; issue 13's report).
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
# At 360 px every persona is crawled in each language, Russian first (with axe); at 1366 px these.
LANGUAGES = ("ru", "kk", "en")
DESKTOP_SAMPLE = {"anonymous": "en", "observer": "en", "coordinator": "en", "admin": "kk"}


def english_sentences() -> set[str]:
    """English messages of two words or more: our catalog's, django-two-factor-auth's and Django's
    (wrapped ones too), and ours not in the catalog yet (source_messages).

    A visible text node equal to one of them in a ru or kk page is a message left untranslated;
    messages our catalogs keep identical in translation (names, abbreviations) are left out.
    """
    import django
    import two_factor

    ours = Path(settings.BASE_DIR) / "locale"
    catalogs = [ours / "ru" / "LC_MESSAGES" / "django.po"]
    catalogs += [Path(two_factor.__file__).parent / "locale" / "ru" / "LC_MESSAGES" / "django.po"]
    catalogs += [Path(django.__file__).parent / "conf" / "locale" / "ru" / "LC_MESSAGES" / "django.po"]
    catalogs += [
        Path(django.__file__).parent / "contrib" / app / "locale" / "ru" / "LC_MESSAGES" / "django.po"
        for app in ("auth", "humanize")
    ]
    found = {msgid for catalog in catalogs for msgid in po_messages(catalog)} | source_messages()
    same = {
        msgid
        for language in ("ru", "kk")
        for msgid, msgstr in po_messages(ours / language / "LC_MESSAGES" / "django.po").items()
        if msgid == msgstr
    }
    return {
        msgid for msgid in found - same if "%" not in msgid and "{" not in msgid and len(msgid.split()) > 1
    }


PO_ENTRY = re.compile(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"(?:\n|$))+)', re.M)  # no plural, any wrapping
TRANSLATED = re.compile(r"""\{%\s*(?:translate|trans)\s+(?:"([^"]+)"|'([^']+)')""")  # in a template
GETTEXT = re.compile(r"""\b(?:_|gettext|gettext_lazy)\(\s*"((?:[^"\\]|\\.)+)"\s*\)""")  # in Python


def po_messages(catalog: Path) -> dict[str, str]:
    """msgid → msgstr of a .po file's singular entries, wrapped lines joined, spaces as on a page."""

    def text(quoted: str) -> str:
        return " ".join(
            "".join(re.findall(r'"(.*)"', quoted)).replace('\\"', '"').replace("\\n", " ").split()
        )

    return {text(msgid): text(msgstr) for msgid, msgstr in PO_ENTRY.findall(catalog.read_text())}


def source_messages() -> set[str]:
    """The messages our templates and Python code mark for translation (one literal each), so that
    one missing from the catalogs, shown in English on every page, is found too."""
    base = Path(settings.BASE_DIR)
    found = {
        a or b for path in base.glob("templates/**/*.html") for a, b in TRANSLATED.findall(path.read_text())
    }
    for app in ("config", "elections", "observers", "tallies"):
        for path in (base / app).rglob("*.py"):
            found |= {message.replace('\\"', '"') for message in GETTEXT.findall(path.read_text())}
    return {" ".join(message.split()) for message in found}


def untranslated(texts: list[str], english: set[str]) -> list[str]:
    """The visible text nodes of a ru or kk page that are English catalog messages, sorted."""
    return sorted(english & set(texts))


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
        left = untranslated(page.evaluate(TEXTS), english)
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


def open_as(browser, live_server, client, username: str, viewport: dict):
    """A new browser context logged in as the demo's `username` (none for "anonymous")."""
    context = browser.new_context(viewport=viewport, service_workers="block")
    if username != "anonymous":
        client.force_login(get_user_model().objects.get(username=username))
        cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}
        context.add_cookies([cookie])
    return context, context.new_page()


def speak(context, url: str, language: str) -> None:
    """Switch the session's language as the language form does: the language cookie."""
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": url}])


@pytest.mark.parametrize("name", PERSONAS)
def test_each_demo_persona_finds_all_its_work_by_clicking_in_every_language(
    browser, live_server, client, demo, name
):
    english, base = english_sentences(), live_server.url
    expected = granted(PERSONAS[name]) - UNREACHABLE_BY.get(name, set())
    failures: list[str] = []
    context, page = open_as(browser, live_server, client, name, PHONE)
    try:
        for language in LANGUAGES:
            speak(context, base, language)
            run = crawl(page, base, language=language, per_route=1, axe=language == "ru", english=english)
            missing = sorted(expected - run.reached)
            failures += [f"{language}, 360 px: {problem}" for problem in run.problems]
            failures += [f"{language}, 360 px: not reached by clicking: {missing}"] if missing else []
        if name in DESKTOP_SAMPLE:
            page.set_viewport_size(DESKTOP)
            speak(context, base, DESKTOP_SAMPLE[name])
            run = crawl(page, base, language=DESKTOP_SAMPLE[name], per_route=1, axe=False, english=english)
            failures += [f"{DESKTOP_SAMPLE[name]}, 1366 px: {problem}" for problem in run.problems]
    finally:
        context.close()

    assert not failures, "\n".join(failures)


def test_the_untranslated_check_finds_a_wrapped_catalog_sentence_left_in_english():
    sentence = "The comparison is current: no copy and no official result has changed since it was computed."

    assert untranslated(["Сравнение", sentence, "Election 2011"], english_sentences()) == [sentence]


def test_the_untranslated_check_knows_the_messages_not_in_the_catalogs_yet():
    assert {"Enter the protocol copy", "Protocol line", "Ballot option"} <= source_messages()
    assert "Protocol line" in english_sentences()  # a model's name, in no catalog yet


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
