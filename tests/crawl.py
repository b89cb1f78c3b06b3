"""The demo crawl's machinery (tests/test_crawl_*_browser.py): every persona finds its work by clicking.

The demo of `manage.py run_demo` (a small generated election, then tallies.demo_scenario: the
logins of every role and work in every queue) is built once per crawl module and served to
Chromium (`serve_demo`). For a login, or an anonymous visitor, `crawl` starts at "/" and follows
this site's links only (no typed URL, no form sent). On every page shown it checks:
- no 5xx answer, and no link of ours leading to a refused or missing page (4xx);
- nothing wider than the screen (document overflow);
- in ru and kk, no English sentence of a catalog (ours, django-two-factor-auth's, Django's, wrapped
  ones included) or marked for translation in our templates and code left untranslated;
- when asked (`axe`), no serious or critical accessibility violation found by axe-core (the first
  page of each route: the same template with other objects is the same markup).
A link, a form's target or an image counts only when a user could click or see it at that
viewport: rendered (not display: none, hidden or invisible), or inside a closed <details> (the
menu, a folded section) whose summary is (CLICKABLE opens those, as a tap would). Pages fetched
without being shown (`fetched` per route, for the links of other objects' pages) are not
rendered: their links are read from the markup of the same templates.
Then every route the permission matrix (tests/security/routes.py) grants the persona's role must
have been reached (`expected`): a page visited, or a download, API document or action offered by
a page visited. A route nobody can reach by clicking in the demo's state is listed in UNREACHABLE
(tests/crawl_routes.py) with the reason.
"""

from __future__ import annotations

import html
import re
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve

from tests.crawl_routes import UNREACHABLE_BY, granted

PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1366, "height": 900}
LANGUAGES = ("ru", "kk", "en")
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
MAX_PAGES = 600  # a runaway guard; each route is shown `per_route` times, fetched `fetched` times
# Not pages to open: files, the API (but its documentation), the admin, the service worker, logging out.
NOT_PAGES = re.compile(
    r"(\.csv|\.zip|\.json|\.py|\.jpg|\.png|/file/|/files/|/photo/|^/api/(?!docs/|redoc/)|^/admin/|^/sw\.js"
    r"|/logout/|/qrcode/)"
)
THIRD_PARTY = re.compile(r"^/api/")  # Swagger UI and ReDoc: followed for their links, not checked
ANSWERS_404 = {"public-receipt"}  # "no published release includes this receipt" is a page, answered 404
ALIASES = {"login": "two_factor:login", "two_factor:login": "login"}  # one page, two names
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# What a user can click: every <details> whose summary shows is opened (outermost first, as taps
# would), then a link, image or form counts if it is rendered and not invisible; a form by one of
# its buttons (an inline form has a box of its own only when it holds one).
CLICKABLE = """() => {
  const options = {visibilityProperty: true, opacityProperty: true};
  const shown = (element) => element.checkVisibility(options);
  for (let opened = true; opened;) {
    opened = false;
    for (const details of document.querySelectorAll("details:not([open])")) {
      const summary = details.querySelector(":scope > summary");
      if (summary ? shown(summary) : shown(details)) { details.open = true; opened = true; }
    }
  }
  const sort = (elements, attribute) => {
    const found = {shown: [], hidden: []};
    for (const element of elements) {
      const usable = shown(element) || (element.tagName === "FORM" && [...element.elements].some(shown));
      found[usable ? "shown" : "hidden"].push(element.getAttribute(attribute) || location.pathname);
    }
    return found;
  };
  const links = sort(document.querySelectorAll("a[href]"), "href");
  const images = sort(document.querySelectorAll("img[src]"), "src");
  const forms = sort(document.forms, "action");
  return {
    links: links.shown, images: images.shown, forms: forms.shown,
    hidden: [...links.hidden, ...images.hidden, ...forms.hidden],
  };
}"""
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


@cache
def english_sentences() -> frozenset[str]:
    """English messages of two words or more: our catalog's, django-two-factor-auth's and Django's
    (wrapped ones too), and ours not in the catalog yet (source_messages). Read once per process.

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
    return frozenset(
        msgid for msgid in found - same if "%" not in msgid and "{" not in msgid and len(msgid.split()) > 1
    )


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


def untranslated(texts: list[str], english: frozenset[str]) -> list[str]:
    """The visible text nodes of a ru or kk page that are English catalog messages, sorted."""
    return sorted(english & set(texts))


@dataclass
class Run:
    """What one crawl saw: pages visited (path, status), routes reached, routes offered only by
    links nobody could click, problems found."""

    visited: list[tuple[str, int]] = field(default_factory=list)
    reached: set[str | None] = field(default_factory=set)
    hidden: set[str | None] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Depth:
    """How far a crawl looks: the first `per_route` pages of each route are shown and checked
    (axe-core on the first one when `axe`), the next `fetched` only fetched for their links."""

    per_route: int
    fetched: int
    axe: bool = False


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


def crawl(page, base: str, *, language: str, depth: Depth) -> Run:
    """Breadth first from "/", this site's links only; the browser's session and language are the page's.

    Pages beyond the shown ones are fetched so that an action offered on one object's page only
    (a quarantined copy's "release") is found too.
    """
    english = english_sentences() if language != "en" else frozenset()
    run, seen, queue = Run(), {"/"}, deque(["/"])
    shown_count: dict[str | None, int] = {}
    fetched_count: dict[str | None, int] = {}
    while queue and len(run.visited) < MAX_PAGES:
        path = queue.popleft()
        name = route(path)
        if shown_count.get(name, 0) < depth.per_route:
            shown_count[name] = shown_count.get(name, 0) + 1
            axe = depth.axe and shown_count[name] == 1
            status, final, targets = show(page, base, path, run, english, axe)
        elif fetched_count.get(name, 0) < depth.fetched:
            fetched_count[name] = fetched_count.get(name, 0) + 1
            status, final, targets = fetch(page, base, path)
        else:
            continue
        run.visited.append((path, status))
        if status >= 400 and not (status == 404 and name in ANSWERS_404):
            run.problems.append(f"{path}: a link leads to an answer {status}")
            continue
        run.reached |= {name, route(final)}
        run.hidden |= {route(target) for href in targets["hidden"] if (target := local(base, final, href))}
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


NOTHING: dict[str, list[str]] = {"links": [], "images": [], "forms": [], "hidden": []}


def show(page, base, path, run, english, axe):  # type: ignore[no-untyped-def]
    """Open `path` in the browser and check it; return (status, final path, the page's targets)."""
    response = page.goto(base + path)
    status = response.status if response is not None else 0
    final = local(base, path, page.url) or path  # after redirects
    if status >= 400 and status != 404:
        return status, final, NOTHING
    if THIRD_PARTY.search(urlparse(final).path):  # Swagger UI and ReDoc: their own markup, in English
        return status, final, page.evaluate(CLICKABLE)
    overflow = page.evaluate(OVERFLOW)
    if overflow > 0:
        run.problems.append(f"{path}: {overflow}px wider than the screen")
    if english:
        left = untranslated(page.evaluate(TEXTS), english)
        if left:
            run.problems.append(f"{path}: untranslated {left[:4]}")
    if axe:
        run.problems.extend(f"{path}: {found}" for found in serious_accessibility_violations(page))
    return status, final, page.evaluate(CLICKABLE)  # last: it opens the page's <details>


ATTRIBUTE = re.compile(r'<(a|img|form)\b[^>]*?\b(href|src|action)="([^"]*)"', re.I)


def fetch(page, base, path):  # type: ignore[no-untyped-def]
    """Fetch `path` with the browser's cookies, without showing it: (status, final path, targets)."""
    response = page.request.get(base + path)
    final = local(base, path, response.url) or path
    targets: dict[str, list[str]] = {"links": [], "images": [], "forms": [], "hidden": []}
    if "html" in response.headers.get("content-type", ""):
        for tag, _attribute, value in ATTRIBUTE.findall(response.text()):
            value = html.unescape(value)
            targets[{"a": "links", "img": "images", "form": "forms"}[tag.lower()]].append(value)
    return response.status, final, targets


def check(browser, site: Site, persona: str, language: str, viewport: dict, depth: Depth) -> list[str]:
    """Crawl the demo as `persona` in `language` at `viewport`: its `failures`, none if all is well."""
    context, page = open_as(browser, site, persona, viewport, language)
    try:
        run = crawl(page, site.url, language=language, depth=depth)
    finally:
        context.close()
    return failures(run, persona, f"{language}, {viewport['width']} px")


def expected(persona: str) -> set[str]:
    """The routes `persona` must reach by clicking: its role's grants less the demo's exceptions."""
    return granted(PERSONAS[persona]) - UNREACHABLE_BY.get(persona, set())


def failures(run: Run, persona: str, label: str) -> list[str]:
    """A crawl's problems and the routes it did not reach (those only offered by a link nobody
    could click at that viewport said so), each prefixed by `label` ("ru, 360 px")."""
    missing = sorted(expected(persona) - run.reached)
    found = [f"{label}: {problem}" for problem in run.problems]
    if missing:
        found.append(f"{label}: not reached by clicking: {missing}")
        invisible = sorted(set(missing) & run.hidden)
        found += [f"{label}: linked only where nobody can click it: {invisible}"] if invisible else []
    return found


@dataclass
class Site:
    """The demo served: its address and a session cookie for each login."""

    url: str
    sessions: dict[str, str]


@contextmanager
def serve_demo() -> Iterator[Site]:
    """Build the demo of run_demo on a small generated election and serve it (a live server
    thread of its own); on leaving, stop the server and empty the database, as a transactional
    test does. Needs database access for as long as it lasts (pytest-django's blocker unblocked).
    """
    from pytest_django.live_server_helper import LiveServer

    from observers.models import ChecklistItem, ViolationType
    from observers.services import violations, visits
    from tallies import demo_scenario, generator
    from tallies.models import OfficialSnapshot

    if not (ViolationType.objects.exists() and ChecklistItem.objects.exists()):
        violations.load_violation_types()  # emptied by a transactional test before this module
        visits.load_checklist_items()
    server = LiveServer("localhost")
    try:
        generator.generate(
            seed=2011, stations=40, regions=2, tecs=2, falsify=Decimal("0.2"), copies=Decimal("0.5")
        )
        contest = generator.load_contest(2011)
        snapshot = OfficialSnapshot.objects.filter(contest=contest).latest("pk")
        demo_scenario.stage(contest, generator.generated_organization(), snapshot)
        sessions = {}
        for name in PERSONAS.keys() - {"anonymous"}:
            client = Client()
            client.force_login(get_user_model().objects.get(username=name))
            sessions[name] = client.cookies["sessionid"].value
        yield Site(server.url, sessions)
    finally:
        server.stop()
        call_command("flush", verbosity=0, interactive=False)


def open_as(browser, site: Site, persona: str, viewport: dict, language: str):
    """A new browser context as the demo's `persona` (none for "anonymous") speaking `language`
    (the language cookie, as the language form sets it): (context, page)."""
    context = browser.new_context(viewport=viewport, service_workers="block")
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": site.url}]
    if persona != "anonymous":
        cookies.append({"name": "sessionid", "value": site.sessions[persona], "url": site.url})
    context.add_cookies(cookies)
    return context, context.new_page()


AXE_SCRIPT: list[str] = []


def serious_accessibility_violations(page) -> list[str]:
    """axe-core (axe-playwright-python's bundled axe.min.js) on the page: serious and critical only."""
    if not AXE_SCRIPT:
        import axe_playwright_python

        AXE_SCRIPT.append((Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text())
    page.evaluate(AXE_SCRIPT[0])  # evaluated by the browser's devtools protocol: the CSP does not apply
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['nodes'][0]['target']}"
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
