"""Web pages: results drill-down (tallies/views/results.py), copy entry (tallies/views/entry.py) and
the official results upload (tallies/views/official_import.py) and a coalition's pooled count
(tallies/views/coalitions.py)."""

from tallies.views import coalition_urls, entry_urls, official_import_urls, results_urls

urlpatterns = [
    *results_urls.urlpatterns,
    *entry_urls.urlpatterns,
    *official_import_urls.urlpatterns,
    *coalition_urls.urlpatterns,
]
