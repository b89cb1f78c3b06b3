"""REST API: results (tallies/api/results.py) and protocol copies (tallies/api/copies.py)."""

from tallies.api import copies_urls, results_urls

urlpatterns = [*results_urls.urlpatterns, *copies_urls.urlpatterns]
