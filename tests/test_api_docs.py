"""The API documentation works under the site's CSP: no inline script, assets served by us.

The page tests read the HTML and the policy header; the browser test opens Swagger UI and
ReDoc in Chromium and finds the operations rendered with no CSP violation in the console.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["api-docs", "api-redoc"])
def test_it_serves_the_docs_without_inline_script_and_under_a_script_src_self_policy(client, name):
    response = client.get(reverse(name))
    page = response.content.decode()

    assert response.status_code == 200
    assert not INLINE_SCRIPT.search(page)
    assert "<style" not in page and "fonts.googleapis" not in page
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "/static/drf_spectacular_sidecar/" in page


@pytest.mark.django_db
def test_it_serves_swagger_uis_start_up_script_as_javascript(client):
    response = client.get(reverse("api-docs") + "?script=")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert reverse("schema") in response.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("name", "selector"), [("api-docs", ".opblock"), ("api-redoc", "[data-section-id]")])
def test_it_renders_the_operations_in_a_browser_with_no_csp_violation(browser, live_server, name, selector):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(live_server.url + reverse(name))
    page.wait_for_selector(selector, timeout=30_000)

    assert page.locator(selector).count() > 5
    # ReDoc's "API docs by Redocly" footer image comes from its CDN: refused, and only decorative.
    refused = [e for e in errors if "Content Security Policy" in e and "cdn.redoc.ly" not in e]
    assert not refused, refused
    context.close()
