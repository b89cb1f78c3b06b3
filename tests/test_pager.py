"""The one pager partial (templates/_pager.html) of the desk queues, the snapshot diff and the
discrepant stations of results and public release pages."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory

PAGE_2_OF_3 = Paginator(list(range(30)), 10).get_page(2)


def test_with_a_request_the_links_keep_its_filter():
    request = RequestFactory().get("/desk/1/queue/conflicts/", {"region": "5", "page": "2"})

    html = render_to_string("_pager.html", {"page": PAGE_2_OF_3}, request=request)

    assert 'href="?region=5&amp;page=1"' in html and 'href="?region=5&amp;page=3"' in html


def test_a_cached_public_body_rendered_without_a_request_links_by_page_number_and_anchor():
    html = render_to_string("_pager.html", {"page": PAGE_2_OF_3, "anchor": "discrepant"})

    assert 'href="?page=1#discrepant"' in html and 'href="?page=3#discrepant"' in html


def test_one_page_shows_no_pager():
    assert "<nav" not in render_to_string("_pager.html", {"page": Paginator([1], 10).get_page(1)})
