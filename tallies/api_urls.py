"""REST API: results (tallies/api/results.py), protocol copies (tallies/api/copies.py) and the official
results import (tallies/api/official_import.py)."""

from tallies.api import copies_urls, official_import_urls, results_urls

urlpatterns = [*results_urls.urlpatterns, *copies_urls.urlpatterns, *official_import_urls.urlpatterns]
