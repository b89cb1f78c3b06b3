"""Routes of the copy-submission API: /api/copies/, /api/contests/{id}/form/, /api/stations/.

URL names start with "api-" because the web pages own "copy-list" and "copy-detail".
"""

from rest_framework.routers import SimpleRouter

from tallies.api.copies import ContestViewSet, CopyViewSet, StationViewSet

router = SimpleRouter()
router.register("copies", CopyViewSet, basename="api-copy")
router.register("contests", ContestViewSet, basename="api-contest")
router.register("stations", StationViewSet, basename="api-station")

urlpatterns = router.urls
