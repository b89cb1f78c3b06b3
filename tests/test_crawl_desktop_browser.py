"""Every persona of the demo finds all of its work by clicking on a 1366 × 900 desktop, in ru, kk and en.

The crawl of tests/crawl.py from "/" (links a user can click at 1366 px only) for each of the
demo's logins and an anonymous visitor, in each language: no 5xx, no link to a 4xx, nothing wider
than the screen, nothing untranslated in ru and kk, and every route the permission matrix grants
the persona reached. The markup is the phone's (tests/test_crawl_phone_*_browser.py, which also
run axe-core); only the styles differ, so axe is not run again. Each route is shown once and up to
FETCHED more of its pages fetched for their links, as on the phone: with 5, the desk page offering
a blind second entry was missed (admin, coordinator). One test per persona and language, the demo
built once for the module (demo_site): its 27 tests took 45 min 30 s of test time (three demo
builds of 3.5 min included) spread over three xdist workers, 16 min 47 s of wall time and 5 min
28 s of CPU, at a load average of 17-19 on the machine's 2 cores (issue 13).
"""

from __future__ import annotations

import pytest

from tests.crawl import DESKTOP, LANGUAGES, PERSONAS, Depth, check

pytestmark = [pytest.mark.browser, pytest.mark.django_db]  # the database: demo_site's, committed

FETCHED = 30


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_persona_finds_all_its_work_by_clicking_on_a_desktop(browser, demo_site, persona, language):
    found = check(browser, demo_site, persona, language, DESKTOP, Depth(per_route=1, fetched=FETCHED))

    assert not found, "\n".join(found)
