"""Web pages: results drill-down (tallies/views/results.py) and copy entry (tallies/views/entry.py)."""

from tallies.views import entry_urls, results_urls

urlpatterns = [*results_urls.urlpatterns, *entry_urls.urlpatterns]
